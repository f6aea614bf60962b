"""KPI database reads (parameterised, read-only, org-scoped): definitions, scopes, daily values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.names import close_matches
from tools.base import ToolError
from tools.kpis.decimals import fill_decimals
from tools.kpis.models import KpiInfo, Scope, SummaryLevel


async def list_kpis(session: AsyncSession, org_id: int) -> list[KpiInfo]:
    rows = (
        await session.execute(
            text(
                """SELECT id, code, name, unit, aggregation, goal, upper_limit, lower_limit, decimals,
                          higher_is_better, aliases, related_services
                   FROM kpi_definitions WHERE org_id = :org ORDER BY code"""
            ),
            {"org": org_id},
        )
    ).mappings()
    return [KpiInfo(**r) for r in await fill_decimals(session, org_id, [dict(r) for r in rows])]


def match_kpi(kpis: list[KpiInfo], query: str) -> KpiInfo:
    """By code, name or alias (case-insensitive); unknown → ToolError with close matches."""
    def norm(s: str) -> str:
        return " ".join(s.lower().replace("-", " ").replace("_", " ").split())

    q = norm(query)
    for k in kpis:
        names = {norm(k.code), norm(k.name), *(norm(a) for a in k.aliases)}
        if q in names:
            return k
    code_of = {k.code: k.code for k in kpis} | {k.name: k.code for k in kpis}
    close = close_matches(query, code_of, n=6)
    suggestions = list(dict.fromkeys(code_of[c] for c in close))[:3] or [k.code for k in kpis][:5]
    raise ToolError(f"unknown KPI {query!r}", suggestions=suggestions)


async def resolve_scope(
    session: AsyncSession, org_id: int, summary_level: SummaryLevel, code: str | None
) -> Scope:
    """Station, region or company → the stations to aggregate over."""
    if summary_level == "company":
        ids = [r[0] for r in await session.execute(text("SELECT id FROM stations WHERE org_id = :org"), {"org": org_id})]
        return Scope(summary_level="company", code=None, label="company", station_ids=ids)
    if not code:
        raise ToolError(f"a {summary_level} code is needed for summary_level={summary_level}")
    code_u = code.strip().upper()
    if summary_level == "station":
        rows = (
            await session.execute(
                text("SELECT id, code, name FROM stations WHERE org_id = :org ORDER BY code"), {"org": org_id}
            )
        ).all()
        for sid, scode, name in rows:
            if scode == code_u or name.lower() == code.strip().lower():
                return Scope(summary_level="station", code=scode, label=f"{scode} ({name})", station_ids=[sid])
        raise ToolError(
            f"unknown station {code!r}",
            suggestions=close_matches(code, [r[1] for r in rows]) or [r[1] for r in rows][:8],
        )
    rows = (
        await session.execute(
            text(
                """SELECT r.code, r.name, array_remove(array_agg(s.id), NULL) AS ids
                   FROM regions r LEFT JOIN stations s ON s.region_id = r.id
                   WHERE r.org_id = :org GROUP BY r.code, r.name ORDER BY r.code"""
            ),
            {"org": org_id},
        )
    ).all()
    for rcode, name, ids in rows:
        if rcode == code_u or name.lower() == code.strip().lower():
            label = name if "region" in name.lower() else f"{name} region"
            return Scope(summary_level="region", code=rcode, label=label, station_ids=list(ids))
    # A station code given at region level means "that station's region".
    station_region = (
        await session.execute(
            text("SELECT r.code FROM stations s JOIN regions r ON r.id = s.region_id WHERE s.org_id = :org AND s.code = :c"),
            {"org": org_id, "c": code_u},
        )
    ).scalar()
    if station_region:
        return await resolve_scope(session, org_id, "region", station_region)
    raise ToolError(f"unknown region {code!r}", suggestions=[r[0] for r in rows])


async def load_daily(
    session: AsyncSession, org_id: int, kpi: KpiInfo, station_ids: list[int], start: dt.date, end: dt.date
) -> pd.Series:
    """One value a day over the stations, aggregated by the KPI's rule (mean or sum)."""
    agg = "sum" if kpi.aggregation == "sum" else "avg"
    rows = (
        await session.execute(
            text(
                f"""SELECT day, {agg}(value) AS v FROM kpi_points
                    WHERE org_id = :org AND kpi_id = :kpi AND station_id = ANY(:stations)
                      AND day BETWEEN :start AND :end
                    GROUP BY day ORDER BY day"""  # agg is one of two literals above
            ),
            {"org": org_id, "kpi": kpi.id, "stations": station_ids, "start": start, "end": end},
        )
    ).all()
    if not rows:
        return pd.Series(dtype=float)
    return pd.Series([float(v) for _, v in rows], index=pd.DatetimeIndex([d for d, _ in rows]))


async def first_day(session: AsyncSession, org_id: int, kpi_id: int, station_ids: list[int]) -> dt.date | None:
    """The first day with points of one KPI over the stations (where its history starts)."""
    return (await session.execute(
        text("SELECT min(day) FROM kpi_points WHERE org_id = :org AND kpi_id = :kpi AND station_id = ANY(:stations)"),
        {"org": org_id, "kpi": kpi_id, "stations": station_ids})).scalar()


async def last_day(session: AsyncSession, org_id: int, until: dt.date | None = None) -> dt.date | None:
    """The latest day with KPI points, not after ``until`` (the run's "now": a question pinned to a date never
    reads what happened after it)."""
    return (await session.execute(
        text("SELECT max(day) FROM kpi_points WHERE org_id = :org AND day <= CAST(:until AS date)"),
        {"org": org_id, "until": until or dt.date.max})).scalar()


async def scoped_points(
    session: AsyncSession, org_id: int, until: dt.date | None, days: int, *, kpi: str | None = None,
    station: str | None = None, region: str | None = None,
) -> tuple[list[KpiInfo], dt.date, Scope | None, pd.DataFrame]:
    """The organisation's KPIs (or the one named), the latest day with points, the scope asked for (a station, a
    region or everything: None) and every point of those KPIs there in the last ``days`` days, one row per station and
    day (columns kpi_id, code, name, region, day, value). No KPI or no point yet → ToolError."""
    kpis = await list_kpis(session, org_id)
    if kpi:
        kpis = [match_kpi(kpis, kpi)]
    latest = await last_day(session, org_id, until)
    if latest is None or not kpis:
        raise ToolError("there are no KPIs yet (import kpi-definitions and kpis first)")
    scope = None
    if station:
        scope = await resolve_scope(session, org_id, "station", station)
    elif region:
        scope = await resolve_scope(session, org_id, "region", region)
    start = latest - dt.timedelta(days=days - 1)
    rows = (await session.execute(text(
        """SELECT p.kpi_id, s.code, s.name, r.code AS region, p.day, p.value
           FROM kpi_points p JOIN stations s ON s.id = p.station_id AND s.org_id = :org
           JOIN regions r ON r.id = s.region_id AND r.org_id = :org
           WHERE p.org_id = :org AND p.kpi_id = ANY(:kpis) AND p.day BETWEEN :start AND :end
             AND (CAST(:sids AS bigint[]) IS NULL OR s.id = ANY(CAST(:sids AS bigint[])))"""),
        {"org": org_id, "kpis": [k.id for k in kpis], "start": start, "end": latest,
         "sids": scope.station_ids if scope else None})).all()
    frame = pd.DataFrame(rows, columns=["kpi_id", "code", "name", "region", "day", "value"])
    return kpis, latest, scope, frame
