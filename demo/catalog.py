"""Static catalogue of the demo organisation: regions, stations, KPIs, services.

Everything here is plain data; the random parts of the demo (noise, timings,
ticket texts) live in the generator modules. Levels and noise ranges are
chosen far enough from the physical bounds (0-100 % for rates, >= 0 for
counts) that the injected Gaussian noise never needs clipping.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# upper_limit / lower_limit are the KPI's specification limits (alerting thresholds
# for the bad direction, the physical bound for the other).
KPI_SPECS: list[KpiSpec] = [
    KpiSpec(
        code="OTP_MX_RATE",
        name="On-time performance (maintenance)",
        description=(
            "Share of departures not delayed by a maintenance cause (ATA chapters, parts, "
            "technician availability), per station and day."
        ),
        aliases=("otp mx", "otp mx rate", "maintenance otp", "mx otp", "on-time performance maintenance"),
        unit="%",
        aggregation="mean",
        goal=94.0,
        upper_limit=100.0,
        lower_limit=90.0,
        decimals=2,
        higher_is_better=True,
        related_services=("mx-planning", "parts-inventory"),
        level_range=(92.5, 95.0),
        sigma_range=(0.55, 0.75),
        physical_min=0.0,
        physical_max=100.0,
    ),
    KpiSpec(
        code="MX_DELAY_MINUTES",
        name="Maintenance delay minutes",
        description="Total departure delay minutes coded to maintenance causes, per station and day.",
        aliases=("mx delay", "mx delay minutes", "maintenance delay minutes", "maintenance delays"),
        unit="min",
        aggregation="sum",
        goal=450.0,
        upper_limit=700.0,
        lower_limit=0.0,
        decimals=0,
        higher_is_better=False,
        related_services=("mx-planning", "parts-inventory"),
        level_range=(380.0, 620.0),
        sigma_range=(30.0, 42.0),
        physical_min=0.0,
        physical_max=None,
    ),
    KpiSpec(
        code="AOG_EVENTS",
        name="Aircraft on ground events",
        description=(
            "Aircraft-on-ground occurrences (aircraft unable to dispatch until a maintenance action "
            "or part is available), including short ground holds, per station and day."
        ),
        aliases=("aog", "aog events", "aircraft on ground", "aog count"),
        unit="events",
        aggregation="sum",
        goal=18.0,
        upper_limit=26.0,
        lower_limit=0.0,
        decimals=0,
        higher_is_better=False,
        related_services=("parts-inventory", "mx-planning"),
        level_range=(16.0, 20.0),
        sigma_range=(2.5, 2.8),
        physical_min=0.0,
        physical_max=None,
    ),
    KpiSpec(
        code="DEFERRED_ITEMS",
        name="MEL deferred items",
        description="Open deferred maintenance items (MEL/CDL deferrals) on aircraft overnighting at the station.",
        aliases=("deferrals", "mel deferrals", "deferred items", "open deferrals", "mel items"),
        unit="items",
        aggregation="sum",
        goal=55.0,
        upper_limit=80.0,
        lower_limit=0.0,
        decimals=0,
        higher_is_better=False,
        related_services=("mx-planning",),
        level_range=(45.0, 68.0),
        sigma_range=(4.0, 5.2),
        physical_min=0.0,
        physical_max=None,
    ),
    KpiSpec(
        code="TECH_DISPATCH_RELIABILITY",
        name="Technical dispatch reliability",
        description=(
            "Share of scheduled departures dispatched without a technical delay over 15 minutes or cancellation."
        ),
        aliases=("tdr", "dispatch reliability", "technical dispatch reliability", "tech dispatch"),
        unit="%",
        aggregation="mean",
        goal=98.5,
        upper_limit=100.0,
        lower_limit=97.0,
        decimals=2,
        higher_is_better=True,
        related_services=("mx-planning", "parts-inventory"),
        level_range=(97.8, 98.4),
        sigma_range=(0.2, 0.25),
        physical_min=0.0,
        physical_max=100.0,
    ),
    KpiSpec(
        code="PARTS_FILL_RATE",
        name="Parts fill rate",
        description="Share of parts requests filled from station stock on first request, per station and day.",
        aliases=("fill rate", "parts fill rate", "parts availability", "stock fill rate"),
        unit="%",
        aggregation="mean",
        goal=92.0,
        upper_limit=100.0,
        lower_limit=85.0,
        decimals=2,
        higher_is_better=True,
        related_services=("parts-inventory",),
        level_range=(88.0, 92.5),
        sigma_range=(1.0, 1.4),
        physical_min=0.0,
        physical_max=100.0,
    ),
    KpiSpec(
        code="MX_CANCELLATIONS",
        name="Maintenance cancellations",
        description="Flights cancelled for a maintenance cause, per station and day (including reaccommodated legs).",
        aliases=("mx cancels", "mx cancellations", "maintenance cancellations", "mx cx"),
        unit="flights",
        aggregation="sum",
        goal=16.0,
        upper_limit=24.0,
        lower_limit=0.0,
        decimals=0,
        higher_is_better=False,
        related_services=("mx-planning",),
        level_range=(16.0, 20.0),
        sigma_range=(2.5, 2.8),
        physical_min=0.0,
        physical_max=None,
    ),
]

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


SERVICE_SPECS: list[ServiceSpec] = [
    ServiceSpec(
        "api-gateway", "platform", 1,
        "Public edge: routing, rate limiting and authentication of every API call.",
        error_base=0.0020, p99_base_ms=180.0, throughput_base_rpm=24000.0,
    ),
    ServiceSpec(
        "checkout-api", "commerce", 1,
        "Cart checkout and order placement for web and mobile.",
        error_base=0.0030, p99_base_ms=420.0, throughput_base_rpm=3200.0,
    ),
    ServiceSpec(
        "payments", "payments", 1,
        "Card authorisation and capture through the payment service provider (PSP).",
        error_base=0.0025, p99_base_ms=650.0, throughput_base_rpm=1800.0,
    ),
    ServiceSpec(
        "auth-service", "identity", 1,
        "Token issuance and validation, SSO with the corporate IdP.",
        error_base=0.0010, p99_base_ms=90.0, throughput_base_rpm=15000.0,
    ),
    ServiceSpec(
        "user-profile", "identity", 2,
        "Customer profiles, preferences and loyalty numbers.",
        error_base=0.0015, p99_base_ms=120.0, throughput_base_rpm=6000.0,
    ),
    ServiceSpec(
        "inventory", "commerce", 2,
        "Seat and ancillary inventory with reservation holds.",
        error_base=0.0020, p99_base_ms=260.0, throughput_base_rpm=5200.0,
    ),
    ServiceSpec(
        "search", "discovery", 2,
        "Flight and product search backed by the search cluster.",
        error_base=0.0030, p99_base_ms=340.0, throughput_base_rpm=9000.0,
    ),
    ServiceSpec(
        "recommendations", "discovery", 3,
        "Personalised offers and ancillary recommendations.",
        error_base=0.0040, p99_base_ms=210.0, throughput_base_rpm=4000.0,
    ),
    ServiceSpec(
        "notifications", "messaging", 3,
        "E-mail, SMS and push notifications through external providers.",
        error_base=0.0050, p99_base_ms=300.0, throughput_base_rpm=1500.0,
    ),
    ServiceSpec(
        "orders-db-proxy", "data-platform", 1,
        "Connection pooling proxy in front of the orders PostgreSQL cluster.",
        error_base=0.0005, p99_base_ms=35.0, throughput_base_rpm=20000.0,
    ),
    ServiceSpec(
        "mx-planning", "techops-eng", 2,
        "Maintenance planning: work packages, technician scheduling, MEL deferral tracking.",
        error_base=0.0020, p99_base_ms=380.0, throughput_base_rpm=900.0,
    ),
    ServiceSpec(
        "parts-inventory", "techops-eng", 2,
        "Aircraft parts stock, reorder points and station replenishment.",
        error_base=0.0020, p99_base_ms=300.0, throughput_base_rpm=700.0,
    ),
]

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
