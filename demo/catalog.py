"""Static catalogue of the demo organisation: regions, stations, KPIs, services.

Everything here is plain data (the KPIs and services in ``catalog.json``); the random parts of the demo (noise, timings,
ticket texts) live in the generator modules. Levels and noise ranges are
chosen far enough from the physical bounds (0-100 % for rates, >= 0 for
counts) that the injected Gaussian noise never needs clipping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

ORG: dict[str, str] = {"slug": "demo", "name": "Demo Airline & Cloud Ops"}

REGIONS: list[dict[str, str]] = [
    {"code": "CENTRAL", "name": "Central Region"},
    {"code": "WEST", "name": "West Region"},
    {"code": "EAST", "name": "East Region"},
]

STATIONS: list[dict[str, str]] = [
    {"code": "DAL", "name": "Dallas Love Field", "region": "CENTRAL"},
    {"code": "HOU", "name": "Houston Hobby", "region": "CENTRAL"},
    {"code": "AUS", "name": "Austin-Bergstrom", "region": "CENTRAL"},
    {"code": "PHX", "name": "Phoenix Sky Harbor", "region": "WEST"},
    {"code": "LAS", "name": "Las Vegas Harry Reid", "region": "WEST"},
    {"code": "DEN", "name": "Denver International", "region": "WEST"},
    {"code": "MDW", "name": "Chicago Midway", "region": "EAST"},
    {"code": "BWI", "name": "Baltimore/Washington", "region": "EAST"},
]


@dataclass(frozen=True)
class KpiSpec:
    """A KPI definition plus the ranges its per-station level and noise are drawn from."""

    code: str
    name: str
    description: str
    aliases: tuple[str, ...]
    unit: str
    aggregation: str
    goal: float
    upper_limit: float | None
    lower_limit: float | None
    decimals: int
    higher_is_better: bool
    related_services: tuple[str, ...]
    level_range: tuple[float, float]
    sigma_range: tuple[float, float]
    physical_min: float
    physical_max: float | None

    def as_dict(self) -> dict:
        """The public definition (what the loader stores), without generator internals."""
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "aliases": list(self.aliases),
            "unit": self.unit,
            "aggregation": self.aggregation,
            "goal": self.goal,
            "upper_limit": self.upper_limit,
            "lower_limit": self.lower_limit,
            "decimals": self.decimals,
            "higher_is_better": self.higher_is_better,
            "related_services": list(self.related_services),
        }


def _catalog() -> dict[str, Any]:
    return json.loads(resources.files("demo").joinpath("catalog.json").read_text(encoding="utf-8"))


def _kpi(d: dict[str, Any]) -> KpiSpec:
    tuples = ("aliases", "related_services", "level_range", "sigma_range")
    fields: dict[str, Any] = {k: tuple(v) if k in tuples else v for k, v in d.items()}
    return KpiSpec(**fields)


# The KPIs and services are data (catalog.json). upper_limit / lower_limit are a KPI's specification limits
# (alerting thresholds for the bad direction, the physical bound for the other).
KPI_SPECS: list[KpiSpec] = [_kpi(d) for d in _catalog()["kpis"]]
KPI_BY_CODE: dict[str, KpiSpec] = {k.code: k for k in KPI_SPECS}


@dataclass(frozen=True)
class ServiceSpec:
    """A microservice and the baseline of its 5-minute metrics."""

    name: str
    team: str
    tier: int
    description: str
    error_base: float  # fraction of requests failing in normal operation
    p99_base_ms: float
    throughput_base_rpm: float

    def as_dict(self) -> dict:
        return {"name": self.name, "team": self.team, "tier": self.tier, "description": self.description}


SERVICE_SPECS: list[ServiceSpec] = [ServiceSpec(**d) for d in _catalog()["services"]]

SERVICE_BY_NAME: dict[str, ServiceSpec] = {s.name: s for s in SERVICE_SPECS}

# (service, depends_on): service calls depends_on. A DAG.
DEPENDENCIES: list[tuple[str, str]] = [
    ("api-gateway", "checkout-api"),
    ("api-gateway", "auth-service"),
    ("api-gateway", "search"),
    ("api-gateway", "user-profile"),
    ("api-gateway", "mx-planning"),
    ("checkout-api", "payments"),
    ("checkout-api", "inventory"),
    ("checkout-api", "auth-service"),
    ("checkout-api", "notifications"),
    ("payments", "orders-db-proxy"),
    ("payments", "auth-service"),
    ("inventory", "orders-db-proxy"),
    ("search", "inventory"),
    ("search", "recommendations"),
    ("recommendations", "user-profile"),
    ("user-profile", "auth-service"),
    ("mx-planning", "parts-inventory"),
    ("mx-planning", "auth-service"),
    ("parts-inventory", "orders-db-proxy"),
]

ENGINEERS: list[str] = [
    "alice.nguyen", "bob.martinez", "carol.okafor", "dmitri.ivanov", "erin.walsh", "farah.haddad",
    "gustavo.silva", "hana.kimura", "ivan.petrov", "julia.schmidt", "kwame.mensah", "lena.fischer",
]

DEPLOY_BOTS: list[str] = ["deploy-bot", "argo-cd", "release-train"]


def callers_by_hops(service: str, max_hops: int) -> dict[str, int]:
    """Upstream callers of ``service`` (transitively) mapped to their shortest hop count."""
    callers: dict[str, list[str]] = {}
    for caller, callee in DEPENDENCIES:
        callers.setdefault(callee, []).append(caller)
    hops: dict[str, int] = {}
    frontier = [service]
    for hop in range(1, max_hops + 1):
        nxt: list[str] = []
        for s in frontier:
            for c in callers.get(s, []):
                if c != service and c not in hops:
                    hops[c] = hop
                    nxt.append(c)
        frontier = nxt
    return hops


def dependency_closure(service: str) -> list[str]:
    """Everything ``service`` depends on, transitively (downstream), sorted."""
    deps: dict[str, list[str]] = {}
    for caller, callee in DEPENDENCIES:
        deps.setdefault(caller, []).append(callee)
    seen: set[str] = set()
    stack = [service]
    while stack:
        for d in deps.get(stack.pop(), []):
            if d not in seen:
                seen.add(d)
                stack.append(d)
    return sorted(seen)


def related_services(service: str) -> list[str]:
    """``service`` plus its whole downstream and upstream closures, sorted."""
    up = callers_by_hops(service, len(SERVICE_SPECS))
    return sorted({service, *dependency_closure(service), *up})
