"""KPI tools shaped like operators' questions: compare scopes, rank stations/regions, what needs
attention, values at a grain (a day, weeks, months), and the latest stage change at any distance.

Read-only, parameterised and scoped to ``ctx.org_id``; the arithmetic is in :mod:`tools.kpis.views`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.control_limits import analyze_many, analyze_series
from tools.kpis import (
    KpiInfo,
    Scope,
    SummaryLevel,
    kpi_series,
    last_day,
    list_kpis,
    load_daily,
    match_kpi,
    resolve_scope,
)
from tools.kpis.analytics import ANALYSIS_DAYS, DEFAULT_DAYS
from tools.kpis.shaping import fmt_value
from tools.kpis.views import (
    PeriodGrain,
    aggregate,
    better,
    kpi_state,
    latest_stage_change,
    periods,
    rank_order,
)

YEAR = dt.timedelta(days=365)


_LEVELS: tuple[SummaryLevel, ...] = ("station", "region", "company")


def parse_scope(spec: str) -> tuple[SummaryLevel, str | None]:
    """``"station:LAS"``, ``"region:EAST"``, ``"company"`` (a bare code means a station)."""
    s = spec.strip()
    if not s or s.lower() in ("company", "company:", "all"):
        return "company", None
    level, _, code = s.partition(":")
    if not code:
        return "station", level
    lowered = level.lower()
    if lowered not in _LEVELS:
        raise ToolError(f"scope {spec!r} must look like station:CODE, region:CODE or company")
    return lowered, code or None


async def _window(session: AsyncSession, org_id: int, start: dt.date | None, end: dt.date | None,
                  default_days: int = DEFAULT_DAYS, kpi_id: int | None = None,
                  until: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """[start, end] clipped to the data (the KPI's own latest day, one index probe, or the org's) and to
    ``until`` (the run's "now")."""
    if kpi_id is not None:
        latest = (await session.execute(
            text("SELECT max(day) FROM kpi_points WHERE org_id = :org AND kpi_id = :k AND day <= CAST(:until AS date)"),
            {"org": org_id, "k": kpi_id, "until": until or dt.date.max},
        )).scalar()
    else:
        latest = await last_day(session, org_id, until)
    if latest is None:
        raise ToolError("there are no KPI points yet (import some with `opsgraph import kpis FILE`)")
    stop = min(end or latest, latest)
    first = start or stop - dt.timedelta(days=default_days - 1)
    if first > stop:
        raise ToolError(f"there is no data between {first} and {end} (the latest point is {latest})")
    return first, stop


# ------------------------------------------------------------------ compare


class ScopeFigures(BaseModel):
    scope: Scope
    value: float | None = Field(description="the window's value by the KPI's rule (total for sum KPIs, else mean)")
    days: int
    latest_date: dt.date | None
    latest_value: float | None
    cl: float | None
    ucl: float | None
    lcl: float | None
    state: str
    signals: int = Field(description="warning/critical signals in the window")
    yoy_value: float | None = Field(None, description="the same window one year earlier")
    yoy_delta: float | None = None
    shift_onset: dt.date | None = None


class KpiComparison(BaseModel):
    kpi: KpiInfo
    start: dt.date
    end: dt.date
    rows: list[ScopeFigures]
    best: str | None = Field(None, description="label of the better scope given the KPI's direction")
    worst: str | None = None


async def compare_kpi(
    ctx: ToolContext, *, kpi: str, scopes: list[str], start: dt.date | None = None, end: dt.date | None = None,
) -> ToolOutput[KpiComparison]:
    """Two or more scopes (``station:CODE``, ``region:CODE``, ``company``) on one KPI over a window."""
    if len(scopes) < 2:
        raise ToolError("a comparison needs two or more scopes")
    if len(scopes) > 12:
        raise ToolError("compare at most 12 scopes at once")
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        first, stop = await _window(session, ctx.org_id, start, end, until=ctx.today)
    rows: list[ScopeFigures] = []
    for spec in scopes:
        level, code = parse_scope(spec)
        series = (await kpi_series(ctx, kpi=info.code, station=code if level == "station" else None,
                                   region=code if level == "region" else None, summary_level=level,
                                   start=first, end=stop, chart=False)).result
        vals = [p.value for p in series.points]
        prior = [p.yoy_value for p in series.points]
        value, yoy = aggregate(vals, info.aggregation), aggregate(prior, info.aggregation)
        sm = series.summary
        rows.append(ScopeFigures(
            scope=series.scope, value=value, days=sum(v is not None for v in vals),
            latest_date=sm.latest_date, latest_value=sm.latest_value, cl=sm.cl, ucl=sm.ucl, lcl=sm.lcl,
            state=sm.state, signals=sum(1 for s in series.signals if s.state in ("warning", "critical")),
            yoy_value=yoy, yoy_delta=(value - yoy) if value is not None and yoy is not None else None,
            shift_onset=series.shift.onset if series.shift else None,
        ))
    order = rank_order({r.scope.label: r.value for r in rows}, info.higher_is_better, "best")
    known = [label for label in order if next(r for r in rows if r.scope.label == label).value is not None]
    distinct = len({r.value for r in rows if r.value is not None}) > 1
    result = KpiComparison(kpi=info, start=first, end=stop, rows=rows,
                           best=known[0] if distinct else None, worst=known[-1] if distinct else None)
    what = "total" if info.aggregation == "sum" else "mean"
    parts = [f"{r.scope.label} {what} {fmt_value(r.value, info)} (centre {fmt_value(r.cl, info)}, limits {fmt_value(r.lcl, info)}–"
             f"{fmt_value(r.ucl, info)}, {r.state}"
             + (f", a year earlier {fmt_value(r.yoy_value, info)}" if r.yoy_value is not None else "") + ")"
             for r in rows]
    verdict = (f"; better: {result.best} ({'higher' if info.higher_is_better else 'lower'} is better)"
               if result.best else "")
    evidence = [EvidenceDraft(
        kind="kpi_comparison", source="tools.kpis.compare_kpi",
        ref={"tool": "compare_kpi", "args": {"kpi": info.code, "scopes": scopes, "start": first.isoformat(),
                                             "end": stop.isoformat()},
             "query": f"kpi_points of {info.code} per scope, {info.aggregation} per day, {what} over the window"},
        payload=result.model_dump(mode="json", exclude={"kpi"}) | {"kpi": info.code},
        summary=f"{info.name} {first}–{stop}: " + "; ".join(parts) + verdict,
    )]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ rank

_RANK_SQL = """
WITH daily AS (
    SELECT {group_col} AS code, {group_name} AS name, p.day, {agg}(p.value) AS v
    FROM kpi_points p
    JOIN stations s ON s.id = p.station_id AND s.org_id = :org
    JOIN regions r ON r.id = s.region_id AND r.org_id = :org
    WHERE p.org_id = :org AND p.kpi_id = :kpi
      AND (p.day BETWEEN :start AND :end OR p.day BETWEEN :ystart AND :yend)
      AND (CAST(:region AS text) IS NULL OR r.code = :region)
    GROUP BY 1, 2, p.day
)
SELECT code, name,
       {agg2}(v) FILTER (WHERE day BETWEEN :start AND :end) AS value,
       count(*) FILTER (WHERE day BETWEEN :start AND :end) AS days,
       {agg2}(v) FILTER (WHERE day BETWEEN :ystart AND :yend) AS yoy
FROM daily GROUP BY code, name
"""


class RankRow(BaseModel):
    rank: int
    code: str
    name: str
    value: float | None
    days: int
    yoy_value: float | None = None


class KpiRanking(BaseModel):
    kpi: KpiInfo
    group_by: Literal["station", "region"]
    region: str | None = None
    order: Literal["best", "worst"]
    start: dt.date
    end: dt.date
    rows: list[RankRow] = Field(description="the top ``limit`` rows in the asked order")
    total: int = Field(description="how many stations/regions were ranked")


async def rank_kpi(
    ctx: ToolContext, *, kpi: str, group_by: Literal["station", "region"] = "station",
    order: Literal["best", "worst"] = "worst", limit: int = 5, start: dt.date | None = None,
    end: dt.date | None = None, region: str | None = None,
) -> ToolOutput[KpiRanking]:
    """Stations (optionally within a region) or regions ordered by a KPI over a window, by the KPI's own rule."""
    if group_by not in ("station", "region"):
        raise ToolError("group_by must be station or region")
    if order not in ("best", "worst"):
        raise ToolError("order must be best or worst")
    limit = max(1, min(int(limit), 1000))
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        first, stop = await _window(session, ctx.org_id, start, end, kpi_id=info.id, until=ctx.today)
        region_code = None
        if region:
            region_code = (await resolve_scope(session, ctx.org_id, "region", region)).code
        agg = "sum" if info.aggregation == "sum" else "avg"
        sql = _RANK_SQL.format(  # fixed identifiers and one of two aggregate names, never user text
            group_col="s.code" if group_by == "station" else "r.code",
            group_name="s.name" if group_by == "station" else "r.name", agg=agg, agg2=agg,
        )
        rows = (await session.execute(text(sql), {
            "org": ctx.org_id, "kpi": info.id, "start": first, "end": stop, "ystart": first - YEAR,
            "yend": stop - YEAR, "region": region_code,
        })).all()
    values = {r.code: (float(r.value) if r.value is not None else None) for r in rows}
    by_code = {r.code: r for r in rows}
    ordered = rank_order(values, info.higher_is_better, order)
    out = [RankRow(rank=i, code=c, name=by_code[c].name, value=values[c], days=int(by_code[c].days),
                   yoy_value=float(by_code[c].yoy) if by_code[c].yoy is not None else None)
           for i, c in enumerate(ordered, 1)]
    result = KpiRanking(kpi=info, group_by=group_by, region=region_code, order=order, start=first, end=stop,
                        rows=out[:limit], total=len(out))
    what = "total" if info.aggregation == "sum" else "mean"
    listed = ", ".join(f"{r.rank}. {r.code} {fmt_value(r.value, info)}" for r in result.rows)
    evidence = [EvidenceDraft(
        kind="kpi_ranking", source="tools.kpis.rank_kpi",
        ref={"tool": "rank_kpi", "args": {"kpi": info.code, "group_by": group_by, "order": order, "limit": limit,
                                          "start": first.isoformat(), "end": stop.isoformat(), "region": region_code},
             "query": f"kpi_points of {info.code}: {agg} per {group_by} and day, then {agg} over the window "
                      "(one grouped query)"},
        payload=result.model_dump(mode="json", exclude={"kpi"}) | {"kpi": info.code},
        summary=(f"{info.name} by {group_by}{' in ' + region_code if region_code else ''}, {what} {first}–{stop}, "
                 f"{order} first ({'higher' if info.higher_is_better else 'lower'} is better; {len(out)} ranked): "
                 + (listed or "no data")),
    )]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ attention


class AttentionItem(BaseModel):
    kpi: str
    kpi_name: str
    station: str
    station_name: str
    region: str
    state: Literal["warning", "critical"]
    rule: str
    date: dt.date
    value: float
    since: dt.date = Field(description="when the current warning/critical state began")
    cl: float
    ucl: float
    lcl: float
    upper_limit_kind: str = Field("natural process limit", description="'count limit' when the stage is a rare "
                                  "count charted against its Poisson limit, else 'natural process limit' (XmR)")


class Attention(BaseModel):
    as_of: dt.date
    region: str | None
    station: str | None
    series_checked: int
    items: list[AttentionItem] = Field(description="critical first, then the most recent onset first")


async def attention(
    ctx: ToolContext, *, region: str | None = None, station: str | None = None, kpi: str | None = None,
) -> ToolOutput[Attention]:
    """Every KPI at every station (of the org, a region or one station) whose latest point is warning or critical."""
    async with ctx.read() as session:
        kpis = await list_kpis(session, ctx.org_id)
        if kpi:
            kpis = [match_kpi(kpis, kpi)]
        latest = await last_day(session, ctx.org_id, ctx.today)
        if latest is None or not kpis:
            raise ToolError("there are no KPIs yet (import kpi-definitions and kpis first)")
        scope = None
        if station:
            scope = await resolve_scope(session, ctx.org_id, "station", station)
        elif region:
            scope = await resolve_scope(session, ctx.org_id, "region", region)
        start = latest - dt.timedelta(days=ANALYSIS_DAYS - 1)
        rows = (await session.execute(text(
            """SELECT p.kpi_id, s.code, s.name, r.code AS region, p.day, p.value
               FROM kpi_points p JOIN stations s ON s.id = p.station_id AND s.org_id = :org
               JOIN regions r ON r.id = s.region_id AND r.org_id = :org
               WHERE p.org_id = :org AND p.kpi_id = ANY(:kpis) AND p.day BETWEEN :start AND :end
                 AND (CAST(:sids AS bigint[]) IS NULL OR s.id = ANY(CAST(:sids AS bigint[])))"""),
            {"org": ctx.org_id, "kpis": [k.id for k in kpis], "start": start, "end": latest,
             "sids": scope.station_ids if scope else None})).all()
    days = pd.date_range(start, latest, freq="D")
    frame = pd.DataFrame(rows, columns=["kpi_id", "code", "name", "region", "day", "value"])
    items: list[AttentionItem] = []
    checked = 0
    by_id = {k.id: k for k in kpis}
    for kpi_id, grp in frame.groupby("kpi_id"):
        k = by_id[int(kpi_id)]
        wide = grp.pivot_table(index="code", columns="day", values="value", aggfunc="mean")
        wide.columns = pd.DatetimeIndex(wide.columns)
        wide = wide.reindex(columns=days)
        meta = grp.drop_duplicates("code").set_index("code")
        analyses = analyze_many(wide.to_numpy(dtype=float), higher_is_better=k.higher_is_better)
        checked += len(analyses)
        for code, an in zip(wide.index, analyses, strict=True):
            last = an.last_index()
            if last is None:
                continue
            lim = an.stages[-1].limits
            st = kpi_state(an, higher_is_better=k.higher_is_better, lower_limit=k.lower_limit,
                           upper_limit=k.upper_limit, goal=k.goal, with_goal=kpi is not None)
            state, rule, since = st.state, st.rule, st.since
            if state not in ("warning", "critical"):
                continue
            items.append(AttentionItem(
                kpi=k.code, kpi_name=k.name, station=str(code), station_name=str(meta.loc[code, "name"]),
                region=str(meta.loc[code, "region"]), state=state, rule=rule or "", date=days[last].date(),
                value=float(an.values[last]), since=days[since if since is not None else last].date(),
                cl=float(lim.cl), ucl=float(lim.ucl), lcl=float(lim.lcl), upper_limit_kind=st.upper_limit_kind,
            ))
    items.sort(key=lambda i: (i.state != "critical", -i.since.toordinal(), i.kpi, i.station))
    result = Attention(as_of=latest, region=scope.code if scope and scope.summary_level == "region" else None,
                       station=scope.code if scope and scope.summary_level == "station" else None,
                       series_checked=checked, items=items)
    where = scope.label if scope else "all stations"
    ref = {"tool": "attention", "args": {"region": region, "station": station, "kpi": kpi},
           "query": f"kpi_points of every KPI x station over the last {ANALYSIS_DAYS} days, XmR stages and signals "
                    "(batched), state of the latest point"}
    evidence = [EvidenceDraft(
        kind="attention", source="tools.kpis.attention", ref=ref,
        payload=result.model_dump(mode="json"),
        summary=(f"{len(items)} KPI series need attention at {where} as of {latest} ({checked} checked)"
                 + (": " + "; ".join(f"{i.kpi} at {i.station} {i.state} since {i.since} ({i.rule}"
                                     + (", count limit" if i.upper_limit_kind == "count limit" else "") + ")"
                                     for i in items[:8]) if items else "")),
    )]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ values at a grain


class PeriodValue(BaseModel):
    start: dt.date
    end: dt.date
    value: float | None
    days: int
    complete: bool
    yoy_value: float | None = None


class KpiValues(BaseModel):
    kpi: KpiInfo
    scope: Scope
    grain: PeriodGrain
    start: dt.date
    end: dt.date
    points: list[PeriodValue]
    total: float | None = Field(description="the whole window by the KPI's rule (total for sum KPIs, else mean)")
    total_kind: Literal["total", "mean"]
    yoy_total: float | None = None


async def kpi_values(
    ctx: ToolContext, *, kpi: str, station: str | None = None, region: str | None = None,
    summary_level: SummaryLevel | None = None, start: dt.date | None = None, end: dt.date | None = None,
    grain: PeriodGrain = "day",
) -> ToolOutput[KpiValues]:
    """A KPI's value on a date, or its daily/weekly/monthly values and window total, by the KPI's own rule."""
    if grain not in ("day", "week", "month"):
        raise ToolError("grain must be day, week or month")
    level: SummaryLevel = summary_level or ("station" if station else "region" if region else "company")
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, level, station if level == "station" else (region or station))
        first, stop = await _window(session, ctx.org_id, start, end, until=ctx.today)
        daily = await load_daily(session, ctx.org_id, info, scope.station_ids, first - YEAR, stop)
    daily.index = pd.DatetimeIndex(daily.index)
    now = periods(daily, first, stop, grain, info.aggregation)
    before = periods(daily, first - YEAR, stop - YEAR, grain, info.aggregation) if grain == "day" else []
    prior = {p.start + YEAR: p.value for p in before}
    window_vals = daily[(daily.index >= pd.Timestamp(first)) & (daily.index <= pd.Timestamp(stop))].to_numpy()
    prior_vals = daily[(daily.index >= pd.Timestamp(first - YEAR)) & (daily.index <= pd.Timestamp(stop - YEAR))]
    result = KpiValues(
        kpi=info, scope=scope, grain=grain, start=first, end=stop,
        points=[PeriodValue(start=p.start, end=p.end, value=p.value, days=p.days, complete=p.complete,
                            yoy_value=prior.get(p.start)) for p in now],
        total=aggregate(window_vals, info.aggregation), total_kind="total" if info.aggregation == "sum" else "mean",
        yoy_total=aggregate(prior_vals.to_numpy(), info.aggregation),
    )
    shown = result.points[-14:]
    label = {"day": "daily", "week": "weekly", "month": "monthly"}[grain]
    evidence = [EvidenceDraft(
        kind="kpi_values", source="tools.kpis.kpi_values",
        ref={"tool": "kpi_values", "args": {"kpi": info.code, "summary_level": level, "code": scope.code,
                                            "grain": grain, "start": first.isoformat(), "end": stop.isoformat()},
             "query": f"kpi_points of {info.code} over {len(scope.station_ids)} station(s), {info.aggregation} per "
                      f"day, {'summed' if info.aggregation == 'sum' else 'averaged'} per {grain}"},
        payload=result.model_dump(mode="json", exclude={"kpi"}) | {"kpi": info.code},
        summary=(f"{info.name} at {scope.label}, {label} {first}–{stop}: "
                 + "; ".join(f"{p.start}{'' if p.start == p.end else '–' + str(p.end)} {fmt_value(p.value, info)}"
                             + ("" if p.complete else " (partial)") for p in shown)
                 + f"; {result.total_kind} {fmt_value(result.total, info)}"),
    )]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ latest stage change at any distance


class HistoricShift(BaseModel):
    kpi: str
    kpi_name: str
    scope: Scope
    searched_from: dt.date
    searched_to: dt.date
    onset: dt.date | None = Field(None, description="first day of the most recent stage (None: one stage only)")
    before_cl: float | None = None
    after_cl: float | None = None
    direction: Literal["up", "down"] | None = None
    bad: bool | None = None
    confirmed_by: str | None = None
    days_before_end: int | None = None
    kind: str = Field("level", description="'level' (a step) or 'trend' (the direction or slope turned)")


async def kpi_last_shift(
    ctx: ToolContext, *, kpi: str, station: str | None = None, region: str | None = None,
    summary_level: SummaryLevel | None = None, before: dt.date | None = None,
) -> ToolOutput[HistoricShift]:
    """The most recent stage change in a KPI's whole history (up to ``before``), however long ago it was."""
    level: SummaryLevel = summary_level or ("station" if station else "region" if region else "company")
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, level, station if level == "station" else (region or station))
        latest = await last_day(session, ctx.org_id, ctx.today)
        first_day = (await session.execute(text("SELECT min(day) FROM kpi_points WHERE org_id = :org AND kpi_id = :k"),
                                           {"org": ctx.org_id, "k": info.id})).scalar()
        if latest is None or first_day is None:
            raise ToolError(f"there are no points for {info.code} yet")
        stop = min(before or latest, latest)
        daily = await load_daily(session, ctx.org_id, info, scope.station_ids, first_day, stop)
    idx = pd.date_range(first_day, stop, freq="D")
    values = daily.reindex(idx).to_numpy(dtype=float) if len(daily) else np.full(len(idx), np.nan)
    an = analyze_series(values, higher_is_better=info.higher_is_better)
    change = latest_stage_change(an)
    result = HistoricShift(kpi=info.code, kpi_name=info.name, scope=scope, searched_from=first_day, searched_to=stop,
                           onset=None)
    if change is not None:
        onset = idx[change.index].date()
        up = change.after_cl > change.before_cl
        result = result.model_copy(update={
            "onset": onset, "before_cl": change.before_cl, "after_cl": change.after_cl,
            "direction": "up" if up else "down", "bad": up != info.higher_is_better,
            "confirmed_by": change.confirmed_by, "days_before_end": (stop - onset).days, "kind": change.kind,
        })
    summary = (
        f"{info.name} at {scope.label}: the most recent stage change in {first_day}–{stop} began {result.onset} "
        f"({result.days_before_end} days before {stop}), {result.direction} from {fmt_value(result.before_cl, info)} to "
        f"{fmt_value(result.after_cl, info)} ({'worse' if result.bad else 'better'})"
        if result.onset else f"{info.name} at {scope.label}: no stage change in its whole history {first_day}–{stop}"
    )
    evidence = [EvidenceDraft(
        kind="stage_change" if result.onset else "kpi_history", source="tools.kpis.kpi_last_shift",
        ref={"tool": "kpi_last_shift", "args": {"kpi": info.code, "summary_level": level, "code": scope.code,
                                                "before": stop.isoformat()},
             "query": f"every kpi_point of {info.code} over {len(scope.station_ids)} station(s), XmR stage detection"},
        payload=result.model_dump(mode="json") | ({"scope": scope.code or "company"} if result.onset else {}),
        summary=summary,
    )]
    return ToolOutput(result=result, evidence=evidence)


__all__ = [
    "Attention", "AttentionItem", "HistoricShift", "KpiComparison", "KpiRanking", "KpiValues", "PeriodValue",
    "RankRow", "ScopeFigures", "attention", "better", "compare_kpi", "kpi_last_shift", "kpi_values", "parse_scope",
    "rank_kpi",
]
