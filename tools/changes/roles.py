"""Service metrics by role, not by name (pure: no database).

An organisation names its metrics as it likes (``error_rate``, ``5xx_ratio``,
``http_errors_total``, ``p99_ms``, ``latency_p95``, ``rps``, ``cpu_util``…).
Tools ask for a *role* — errors, latency, throughput, saturation — and
:func:`role_of` maps a name to its role by naming convention. An explicit
mapping (``overrides``: metric name → role) wins over the convention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

Role = Literal["errors", "latency", "throughput", "saturation"]
ROLES: tuple[Role, ...] = ("errors", "latency", "throughput", "saturation")

# Order matters: "error_latency_ms" is a latency, "request_errors" an error count, "failed_requests_per_s" errors.
_CONVENTIONS: tuple[tuple[Role, re.Pattern[str]], ...] = (
    ("saturation", re.compile(r"cpu|mem(ory)?($|_)|heap|disk|saturat|util", re.I)),
    ("latency", re.compile(r"latenc|duration|response[_-]?time|(^|_)p\d{2,3}($|_)|(^|_)p\d{2,3}[_a-z]*|_ms$|_seconds?$"
                           r"|(^|_)rt($|_)|_time$|ttfb", re.I)),
    ("errors", re.compile(r"err|5xx|4xx|fail|fault|exception|timeouts?($|_)|reject|drop|unavailab|non[_-]?2xx", re.I)),
    ("saturation", re.compile(r"cpu|mem|heap|saturat|util|queue|backlog|load|conn|pool|disk|thread|gc|lag|busy|occupan"
                              r"|in_?use|inflight", re.I)),
    ("throughput", re.compile(r"rps|qps|tps|rpm|throughput|requests?|req|traffic|calls|hits|count|volume|ops"
                              r"|_per_s(ec)?$|rate$", re.I)),
)
# For every role a rise is bad except throughput (where a move either way is news).
HIGHER_IS_BETTER: dict[Role, bool | None] = {"errors": False, "latency": False, "saturation": False, "throughput": None}
# The roles whose rise after a change counts as co-movement (and whose recovery after a rollback counts).
COMOVEMENT_ROLES: tuple[Role, ...] = ("errors", "latency")


def role_of(metric: str, overrides: Mapping[str, str] | None = None) -> Role | None:
    """The role of a metric name (an explicit override first, then the naming convention)."""
    override = overrides.get(metric) if overrides else None
    if override in ROLES:
        return override
    for role, pattern in _CONVENTIONS:
        if pattern.search(metric):
            return role
    return None


def metrics_for(role: str, names: Iterable[str], overrides: Mapping[str, str] | None = None) -> list[str]:
    """The names that play ``role``, in a stable order (shortest first: ``error_rate`` before ``error_rate_5m``)."""
    return sorted((n for n in names if role_of(n, overrides) == role), key=lambda n: (len(n), n))


def higher_is_better(metric: str, overrides: Mapping[str, str] | None = None) -> bool | None:
    role = role_of(metric, overrides)
    if role is None:
        m = metric.lower()
        if any(k in m for k in ("success", "availability", "apdex", "uptime")):
            return True
        return None
    if role == "errors" and re.search(r"success|availability", metric, re.I):
        return True
    return HIGHER_IS_BETTER[role]


def role_for_word(word: str) -> Role | None:
    """A user's word for a role ("errors", "latency", "slow", "traffic", "cpu") → the role."""
    w = word.strip().lower()
    if w in ROLES:
        return w
    table: dict[Role, tuple[str, ...]] = {
        "errors": ("error", "errors", "failure", "failures", "5xx", "exceptions"),
        "latency": ("latency", "slow", "slowness", "p99", "p95", "response time", "duration"),
        "throughput": ("throughput", "traffic", "requests", "rps", "qps", "volume", "load"),
        "saturation": ("saturation", "cpu", "memory", "utilisation", "utilization", "queue"),
    }
    for role, words in table.items():
        if w in words:
            return role
    return None


# A percentile as people say it ("p99", "p 99.9", "99th percentile", "median", "tail") and as metrics are named
# ("latency_p99_ms", "p999", "rt_median", "duration_p50").
_ASKED_PCT = re.compile(r"(?<![a-z0-9])p\s?(\d{2}(?:\.\d)?|999)(?![0-9])|(?<![0-9])(\d{2}(?:\.\d)?)(?:st|nd|rd|th)\s+percentile"
                        r"|\b(median|tail)\b", re.I)
_NAMED_PCT = re.compile(r"(?:^|[^a-z0-9])p(\d{2,3})(?=$|[^0-9])|(?:^|[^a-z])(median)(?:$|[^a-z])", re.I)


def _pct(digits: str) -> str:
    return "99.9" if digits in ("999", "99.9") else digits.rstrip("0").rstrip(".") if "." in digits else digits


def percentile_asked(text: str) -> str | None:
    """The percentile a user's words ask for: "p99" → "99", "99.9th percentile" → "99.9", "median" → "50",
    "tail" → "tail" (the highest one the service has); None when they name none."""
    m = _ASKED_PCT.search(text)
    if not m:
        return None
    if m.group(3):
        return "50" if m.group(3).lower() == "median" else "tail"
    return _pct(m.group(1) or m.group(2))


def percentile_of(metric: str) -> str | None:
    """The percentile a metric's name carries ("latency_p99_ms" → "99", "p999" → "99.9", "rt_median" → "50",
    "latencyP95" → "95")."""
    m = _NAMED_PCT.search(metric)
    if not m:
        camel = re.search(r"(?<=[a-z])P(\d{2,3})(?![0-9])", metric)  # "latencyP99", "RequestDurationP95"
        return _pct(camel.group(1)) if camel else None
    return "50" if m.group(2) else _pct(m.group(1))


def by_percentile(asked: str, names: Iterable[str], overrides: Mapping[str, str] | None = None) -> list[str]:
    """The names carrying the asked percentile (latency ones first when others carry it too); for "tail", those
    carrying the highest percentile of 90 or more."""
    carried = {n: p for n in names if (p := percentile_of(n)) is not None}
    if asked == "tail":
        high = [float(p) for p in carried.values() if float(p) >= 90]
        asked = _pct(f"{max(high):g}") if high else ""
    found = [n for n, p in carried.items() if p == asked]
    latency = [n for n in found if role_of(n, overrides) == "latency"]
    return sorted(latency or found, key=lambda n: (len(n), n))
