"""Computed expectations: values a case needs that the manifest does not state, read from the database.

Each hook is ``async def hook(ctx, **args)`` and computes its value with its
own SQL, independently of the tools under test (a hook that called
``tools.kpis.kpi_series`` would make the KPI cases check the tool against
itself). Use them in a case as ``{computed: NAME, args: {...}}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass
class HookContext:
    sessions: async_sessionmaker[AsyncSession]
    org_id: int
    now: dt.datetime  # the assistant's clock during the evaluation
    manifest: Mapping[str, Any]


Hook = Callable[..., Awaitable[Any]]
HOOKS: dict[str, Hook] = {}


def hook(fn: Hook) -> Hook:
    HOOKS[fn.__name__] = fn
    return fn


async def _kpi(s: AsyncSession, org: int, kpi: str) -> tuple[int, str]:
    row = (await s.execute(text("SELECT id, aggregation FROM kpi_definitions WHERE org_id = :o AND code = :c"),
                           {"o": org, "c": kpi})).first()
    if row is None:
        raise LookupError(f"no KPI {kpi!r}")
    return row[0], row[1]


async def _stations(s: AsyncSession, org: int, station: str | None, region: str | None) -> list[int]:
    if station:
        q, p = "SELECT id FROM stations WHERE org_id = :o AND code = :c", {"o": org, "c": station}
    elif region:
        q = "SELECT s.id FROM stations s JOIN regions r ON r.id = s.region_id WHERE s.org_id = :o AND r.code = :c"
        p = {"o": org, "c": region}
    else:
        q, p = "SELECT id FROM stations WHERE org_id = :o", {"o": org}
    ids = [r[0] for r in await s.execute(text(q), p)]
    if not ids:
        raise LookupError(f"no stations for station={station} region={region}")
    return ids


async def _day(ctx: HookContext, s: AsyncSession, day: str | dt.date) -> dt.date:
    if isinstance(day, dt.date):
        return day
    if day == "latest" or day.startswith("latest-"):
        last = (await s.execute(text("SELECT max(day) FROM kpi_points WHERE org_id = :o"), {"o": ctx.org_id})).scalar()
        if last is None:
            raise LookupError("no KPI points")
        back = int(day.split("-", 1)[1]) if "-" in day else 0
        return last - dt.timedelta(days=back)
    return dt.date.fromisoformat(day[:10])


async def _daily(ctx: HookContext, kpi: str, station: str | None, region: str | None, start: dt.date,
                 end: dt.date) -> list[float]:
    async with ctx.sessions() as s:
        kpi_id, agg = await _kpi(s, ctx.org_id, kpi)
        ids = await _stations(s, ctx.org_id, station, region)
        fn = "sum" if agg == "sum" else "avg"
        rows = await s.execute(
            text(f"""SELECT day, {fn}(value) FROM kpi_points
                     WHERE org_id = :o AND kpi_id = :k AND station_id = ANY(:ids) AND day BETWEEN :a AND :b
                     GROUP BY day ORDER BY day"""),
            {"o": ctx.org_id, "k": kpi_id, "ids": ids, "a": start, "b": end},
        )
        return [float(v) for _, v in rows]


@hook
async def kpi_value(ctx: HookContext, kpi: str, station: str | None = None, region: str | None = None,
                    day: str = "latest") -> float:
    """The KPI's daily value (aggregated over the scope's stations by the KPI's rule) on ``day``
    (an ISO date, ``latest``, or ``latest-N`` days)."""
    async with ctx.sessions() as s:
        d = await _day(ctx, s, day)
    values = await _daily(ctx, kpi, station, region, d, d)
    if not values:
        raise LookupError(f"no {kpi} value on {d}")
    return values[0]


@hook
async def kpi_mean(ctx: HookContext, kpi: str, start: str, end: str = "latest", station: str | None = None,
                   region: str | None = None) -> float:
    """Mean of the KPI's daily values from ``start`` to ``end`` (inclusive)."""
    async with ctx.sessions() as s:
        a, b = await _day(ctx, s, start), await _day(ctx, s, end)
    values = await _daily(ctx, kpi, station, region, a, b)
    if not values:
        raise LookupError(f"no {kpi} values between {a} and {b}")
    return sum(values) / len(values)


@hook
async def kpi_yoy_delta(ctx: HookContext, kpi: str, station: str | None = None, region: str | None = None) -> float:
    """Latest value minus the value 365 days before it."""
    now = await kpi_value(ctx, kpi, station, region, "latest")
    before = await kpi_value(ctx, kpi, station, region, "latest-365")
    return now - before


@hook
async def kpi_name(ctx: HookContext, kpi: str) -> str:
    """The KPI's display name (what answers call it)."""
    async with ctx.sessions() as s:
        row = (await s.execute(text("SELECT name FROM kpi_definitions WHERE org_id = :o AND code = :c"),
                               {"o": ctx.org_id, "c": kpi})).first()
    if row is None:
        raise LookupError(f"no KPI {kpi!r}")
    return row[0]


@hook
async def latest_kpi_day(ctx: HookContext) -> str:
    async with ctx.sessions() as s:
        return (await _day(ctx, s, "latest")).isoformat()


@hook
async def deployment_of_commit(ctx: HookContext, sha: str) -> str:
    """The deployment that shipped a commit."""
    async with ctx.sessions() as s:
        row = (await s.execute(text(
            """SELECT d.external_id FROM deployments d
               JOIN deployment_commits dc ON dc.deployment_id = d.id
               JOIN commits c ON c.id = dc.commit_id
               WHERE d.org_id = :o AND c.sha = :sha ORDER BY d.started_at LIMIT 1"""),
            {"o": ctx.org_id, "sha": sha})).first()
    if row is None:
        raise LookupError(f"no deployment shipped commit {sha}")
    return row[0]


@hook
async def ticket_field(ctx: HookContext, external_id: str, field: str) -> Any:
    """A column of a ticket (priority, customer_tier, status, subject…)."""
    allowed = {"priority", "customer_tier", "status", "subject", "customer", "product", "urgency"}
    if field not in allowed:
        raise LookupError(f"field must be one of {sorted(allowed)}")
    async with ctx.sessions() as s:
        row = (await s.execute(text(f"SELECT {field} FROM tickets WHERE org_id = :o AND external_id = :e"),
                               {"o": ctx.org_id, "e": external_id})).first()
    if row is None:
        raise LookupError(f"no ticket {external_id}")
    return row[0]


def _sla_state(manifest: Mapping[str, Any], kind: str, priority: str, tier: str, created: dt.datetime,
               done: dt.datetime | None, now: dt.datetime) -> str:
    """SLA state by the rules the demo manifest documents (``tickets.sla``)."""
    rules = manifest["tickets"]["sla"]
    target = dt.timedelta(minutes=rules[f"{kind}_targets_minutes"][priority] * rules["tier_multipliers"][tier])
    if done is not None and done <= now:
        return "met" if done - created <= target else "breached"
    elapsed = now - created
    if elapsed > target:
        return "breached"
    if elapsed >= target * rules["at_risk_fraction"]:
        return "at_risk"
    return "on_track"


async def _open_tickets(ctx: HookContext) -> list[Mapping[str, Any]]:
    async with ctx.sessions() as s:
        return list((await s.execute(text(
            """SELECT external_id, priority, customer_tier, created_at, first_response_at, resolved_at, closed_at
               FROM tickets WHERE org_id = :o AND status IN ('new', 'open', 'pending')
                 AND resolved_at IS NULL AND closed_at IS NULL AND created_at <= :now"""),
            {"o": ctx.org_id, "now": ctx.now})).mappings())


@hook
async def open_ticket_count(ctx: HookContext) -> int:
    return len(await _open_tickets(ctx))


@hook
async def sla_pressing_count(ctx: HookContext) -> int:
    """Open tickets with a response or resolution clock at risk or breached at the evaluation clock."""
    n = 0
    for t in await _open_tickets(ctx):
        states = [
            _sla_state(ctx.manifest, "response", t["priority"], t["customer_tier"], t["created_at"],
                       t["first_response_at"], ctx.now),
            _sla_state(ctx.manifest, "resolution", t["priority"], t["customer_tier"], t["created_at"], None, ctx.now),
        ]
        n += any(x in ("at_risk", "breached") for x in states)
    return n


@hook
async def ticket_sla_state(ctx: HookContext, external_id: str, clock: str = "response") -> str:
    """``met``, ``breached``, ``at_risk`` or ``on_track`` for one clock of a ticket at the evaluation clock."""
    async with ctx.sessions() as s:
        t = (await s.execute(text(
            """SELECT priority, customer_tier, created_at, first_response_at, resolved_at, closed_at
               FROM tickets WHERE org_id = :o AND external_id = :e"""),
            {"o": ctx.org_id, "e": external_id})).mappings().first()
    if t is None:
        raise LookupError(f"no ticket {external_id}")
    done = t["first_response_at"] if clock == "response" else (t["resolved_at"] or t["closed_at"])
    return _sla_state(ctx.manifest, clock, t["priority"], t["customer_tier"], t["created_at"], done, ctx.now)


@hook
async def incident_field(ctx: HookContext, external_id: str, field: str) -> Any:
    allowed = {"title", "severity", "status"}
    if field not in allowed:
        raise LookupError(f"field must be one of {sorted(allowed)}")
    async with ctx.sessions() as s:
        row = (await s.execute(text(f"SELECT {field} FROM incidents WHERE org_id = :o AND external_id = :e"),
                               {"o": ctx.org_id, "e": external_id})).first()
    if row is None:
        raise LookupError(f"no incident {external_id}")
    return row[0]


@hook
async def change_time(ctx: HookContext, external_id: str) -> str:
    """When a deployment started or a config change was made (ISO timestamp, UTC)."""
    async with ctx.sessions() as s:
        row = (await s.execute(text(
            """SELECT started_at FROM deployments WHERE org_id = :o AND external_id = :e
               UNION ALL SELECT changed_at FROM config_changes WHERE org_id = :o AND external_id = :e"""),
            {"o": ctx.org_id, "e": external_id})).first()
    if row is None:
        raise LookupError(f"no deployment or config change {external_id}")
    return row[0].astimezone(dt.UTC).isoformat()


@hook
async def metric_level(ctx: HookContext, service: str, metric: str, start: str, end: str) -> float:
    """Median of a service metric's 5-minute points in [start, end) (ISO timestamps)."""
    async with ctx.sessions() as s:
        row = (await s.execute(text(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m.value)
               FROM metric_points m JOIN services v ON v.id = m.service_id
               WHERE m.org_id = :o AND v.name = :svc AND m.metric = :metric AND m.ts >= :a AND m.ts < :b"""),
            {"o": ctx.org_id, "svc": service, "metric": metric, "a": dt.datetime.fromisoformat(start),
             "b": dt.datetime.fromisoformat(end)})).first()
    if row is None or row[0] is None:
        raise LookupError(f"no {metric} points for {service} in [{start}, {end})")
    return float(row[0])


# ------------------------------------------------------------------ operators' questions (compare, rank, changes, incidents)


@hook
async def kpi_window_value(ctx: HookContext, kpi: str, start: str, end: str = "latest", station: str | None = None,
                           region: str | None = None) -> float:
    """The KPI over ``start``..``end`` by its own rule: the total of the daily values for a sum KPI, else their mean."""
    async with ctx.sessions() as s:
        a, b = await _day(ctx, s, start), await _day(ctx, s, end)
        _, agg = await _kpi(s, ctx.org_id, kpi)
    values = await _daily(ctx, kpi, station, region, a, b)
    if not values:
        raise LookupError(f"no {kpi} values between {a} and {b}")
    return sum(values) if agg == "sum" else sum(values) / len(values)


@hook
async def kpi_ranked(ctx: HookContext, kpi: str, start: str, end: str = "latest", order: str = "worst",
                     position: int = 0) -> str:
    """The station at ``position`` when stations are ordered by the KPI over the window (worst = bad direction)."""
    async with ctx.sessions() as s:
        a, b = await _day(ctx, s, start), await _day(ctx, s, end)
        row = (await s.execute(text("SELECT aggregation, higher_is_better FROM kpi_definitions WHERE org_id = :o AND code = :c"),
                               {"o": ctx.org_id, "c": kpi})).first()
        if row is None:
            raise LookupError(f"no KPI {kpi!r}")
        agg = "sum" if row[0] == "sum" else "avg"
        rows = (await s.execute(text(
            f"""SELECT st.code, {agg}(p.value) FROM kpi_points p JOIN stations st ON st.id = p.station_id
                JOIN kpi_definitions k ON k.id = p.kpi_id
                WHERE p.org_id = :o AND k.code = :c AND p.day BETWEEN :a AND :b GROUP BY st.code"""),
            {"o": ctx.org_id, "c": kpi, "a": a, "b": b})).all()
    worst_first = sorted(rows, key=lambda r: (float(r[1]) if row[1] else -float(r[1]), r[0]))
    ordered = worst_first if order == "worst" else list(reversed(worst_first))
    return ordered[position][0]


@hook
async def deployment_count(ctx: HookContext, service: str, days: int) -> int:
    """Deployments of a service overlapping the last ``days`` days before the evaluation clock."""
    async with ctx.sessions() as s:
        return int((await s.execute(text(
            """SELECT count(*) FROM deployments d JOIN services sv ON sv.id = d.service_id
               WHERE d.org_id = :o AND sv.name = :n AND d.started_at <= :now
                 AND COALESCE(d.finished_at, d.started_at) >= :since"""),
            {"o": ctx.org_id, "n": service, "now": ctx.now, "since": ctx.now - dt.timedelta(days=days)})).scalar())


@hook
async def deployment_field(ctx: HookContext, external_id: str, field: str) -> Any:
    """A column of a deployment (deployed_by, version, status…)."""
    if field not in ("deployed_by", "version", "status", "environment"):
        raise LookupError(f"unknown deployment field {field!r}")
    async with ctx.sessions() as s:
        row = (await s.execute(text(f"SELECT {field} FROM deployments WHERE org_id = :o AND external_id = :e"),
                               {"o": ctx.org_id, "e": external_id})).first()
    if row is None:
        raise LookupError(f"no deployment {external_id!r}")
    return row[0]


@hook
async def unresolved_incident(ctx: HookContext, position: int = 0) -> str:
    """The external id of the ``position``-th incident (newest first) not resolved at the evaluation clock."""
    async with ctx.sessions() as s:
        ids = [r[0] for r in await s.execute(text(
            """SELECT external_id FROM incidents WHERE org_id = :o AND status <> 'resolved' AND started_at <= :now
               ORDER BY started_at DESC"""), {"o": ctx.org_id, "now": ctx.now})]
    if position >= len(ids):
        raise LookupError(f"fewer than {position + 1} unresolved incidents")
    return ids[position]


@hook
async def latest_incident(ctx: HookContext) -> str:
    async with ctx.sessions() as s:
        return (await s.execute(text(
            "SELECT external_id FROM incidents WHERE org_id = :o AND started_at <= :now ORDER BY started_at DESC LIMIT 1"),
            {"o": ctx.org_id, "now": ctx.now})).scalar_one()
