"""Which of a service's metrics a user's word means ("errors", "temperature", "disk writes", a role, a name)."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import ToolError
from tools.changes import roles
from tools.changes.queries import _close


async def metric_names(session: AsyncSession, org_id: int, service_id: int) -> list[str]:
    rows = await session.execute(
        text("SELECT DISTINCT metric FROM metric_points WHERE org_id = :org AND service_id = :sid ORDER BY metric"),
        {"org": org_id, "sid": service_id},
    )
    return [r[0] for r in rows]


async def _resolve_metric(session: AsyncSession, org_id: int, service_id: int, service: str, metric: str,
                          overrides: dict[str, str] | None = None) -> str:
    return pick_metric(await metric_names(session, org_id, service_id), service, metric, overrides)


def role_metrics(names: list[str], service: str, asked: tuple[str, ...],
                 overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Each of the roles ``asked`` ("errors", "tail latency" …) the service has a metric for → that metric."""
    out: dict[str, str] = {}
    for role in asked:
        try:
            out[role] = pick_metric(names, service, role, overrides)
        except ToolError:
            continue
    return out


def pick_metric(names: list[str], service: str, metric: str, overrides: dict[str, str] | None = None) -> str:
    """The one of ``names`` (a service's metrics) a word means; a ToolError naming the choices otherwise."""
    q = metric.strip().lower()
    if q in names:
        return q
    if q in ("", "any", "metric", "metrics", _squash(service)) or _squash(q) == _squash(service):
        picked = default_metric(names, overrides)  # no metric named (a service's own name is no metric)
        if picked is not None:
            return picked
    if (pct := roles.percentile_asked(q)) is not None:  # "p99", "median latency": that percentile, never another
        return _percentile(pct, q, names, service, overrides)
    role = roles.role_for_word(q) or (roles.role_of(q) if q not in names else None)
    if role is not None:  # a role ("errors", "latency") or another org's name for one ("error_rate", "p99_ms")
        by_role = roles.metrics_for(role, names, overrides)
        if by_role:
            return by_role[0]
    if not q:  # no metric named and none that is clearly the one to watch
        raise ToolError(f"which metric of {service}? it reports {', '.join(names[:8])}" if names else
                        f"{service} reports no metrics", suggestions=names[:8])
    partial = [n for n in names if q in n.lower()] or _by_words(q, names)
    if len(partial) == 1:
        return partial[0]
    raise ToolError(f"unknown metric {metric!r} for {service}", suggestions=partial or _close(metric, names))


def _percentile(pct: str, q: str, names: list[str], service: str, overrides: dict[str, str] | None) -> str:
    """The one metric carrying the asked percentile (narrowed by the other words asked when several do); else a
    question back naming those that do, or what the service has instead."""
    found = roles.by_percentile(pct, names, overrides)
    rest = [w for w in _words(q) if not re.fullmatch(r"p?\d+(?:st|nd|rd|th)?|median|tail|percentile|latency", w)]
    if len(found) > 1 and rest:
        found = [n for n in found if n in _by_words(" ".join(rest), found)] or found
    if len(found) == 1:
        return found[0]
    said = "tail latency" if pct == "tail" else "median" if pct == "50" and "median" in q else f"p{pct}"
    if found:
        raise ToolError(f"there is more than one {said} metric for {service}", suggestions=found)
    latency = roles.metrics_for("latency", names, overrides)
    raise ToolError(f"there is no {said} metric for {service}" + ("; its latency metrics are these" if latency else ""),
                    suggestions=latency or names[:8])


def _squash(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _words(s: str) -> list[str]:
    return [w for w in "".join(ch if ch.isalnum() else " " for ch in s.lower()).split() if w]


def _by_words(q: str, names: list[str]) -> list[str]:
    """Names that every word of ``q`` abbreviates or extends ("temperature" → ``board_temp_c``,
    "disk writes" → ``disk_write_bytes``, "network in" → ``network_in_bytes``); words of 3+ letters."""
    want = [w for w in _words(q) if len(w) >= 2]
    if not want:
        return []

    def covers(word: str, token: str) -> bool:
        if word == token:
            return True
        short, long_ = sorted((word, token), key=len)
        return len(short) >= 3 and long_.startswith(short)

    return [n for n in names if all(any(covers(w, t) for t in _words(n)) for w in want)]


def default_metric(names: list[str], overrides: dict[str, str] | None = None) -> str | None:
    """The metric to watch when none is named: errors, then latency, saturation, throughput; else the only one."""
    for role in roles.ROLES:
        found = roles.metrics_for(role, names, overrides)
        if found:
            return found[0]
    return names[0] if len(names) == 1 else None
