"""KPI tools shaped like operators' questions: compare scopes, rank stations/regions and what needs attention
(values at a grain and the latest stage change at any distance are in :mod:`tools.kpis.history`, re-exported here).

Read-only, parameterised and scoped to ``ctx.org_id``; the arithmetic is in :mod:`tools.kpis.views`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.control_limits import analyze_many
from tools.control_limits.models import D2
from tools.kpis import (
    KpiInfo,
    Scope,
    SummaryLevel,
    kpi_series,
    list_kpis,
    match_kpi,
    resolve_scope,
)
from tools.kpis.analytics import ANALYSIS_DAYS, RECENT_SHIFT_POINTS
from tools.kpis.day_noise import NOISE_DAYS, day_sigma, window_error
from tools.kpis.history import HistoricShift, KpiValues, PeriodValue, kpi_last_shift, kpi_values
from tools.kpis.queries import load_daily, scoped_points
from tools.kpis.rank_sql import RANK_SQL as _RANK_SQL
from tools.kpis.recovery import RecoveredItem, recovered_item, recovery
from tools.kpis.shaping import fmt_value
from tools.kpis.views import (
    aggregate,
    better,
    kpi_state,
    rank_order,
)
from tools.kpis.windows import YEAR
from tools.kpis.windows import data_window as _window

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
    within_noise: bool = Field(False, description=(
        "the best and the worst differ by less than two standard errors of their day-to-day noise: no clear "
        "difference"))


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
    errors: dict[str, float | None] = {}
    for spec in scopes:
        level, code = parse_scope(spec)
        series = (await kpi_series(ctx, kpi=info.code, station=code if level == "station" else None,
                                   region=code if level == "region" else None, summary_level=level,
                                   start=first, end=stop, chart=False)).result
        vals = [p.value for p in series.points]
        prior = [p.yoy_value for p in series.points]
        value, yoy = aggregate(vals, info.aggregation), aggregate(prior, info.aggregation)
        async with ctx.read() as session:  # the noise over the window or the NOISE_DAYS before its end
            noisy = await load_daily(session, ctx.org_id, info, series.scope.station_ids,
                                     min(first, stop - dt.timedelta(days=NOISE_DAYS - 1)), stop)
        errors[series.scope.label] = window_error(day_sigma(list(noisy.to_numpy())), sum(v is not None for v in vals),
                                                  info.aggregation)
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
    if result.best and result.worst:
        ends = [next(r for r in rows if r.scope.label == label) for label in (result.best, result.worst)]
        e1, e2 = errors.get(result.best), errors.get(result.worst)
        result.within_noise = (e1 is not None and e2 is not None and ends[0].value is not None
                               and ends[1].value is not None
                               and abs(ends[0].value - ends[1].value) < 2 * (e1 ** 2 + e2 ** 2) ** 0.5)
    what = "total" if info.aggregation == "sum" else "mean"
    parts = [f"{r.scope.label} {what} {fmt_value(r.value, info)} (centre {fmt_value(r.cl, info)}, limits {fmt_value(r.lcl, info)}–"
             f"{fmt_value(r.ucl, info)}, {r.state}"
             + (f", a year earlier {fmt_value(r.yoy_value, info)}" if r.yoy_value is not None else "") + ")"
             for r in rows]
    verdict = (f"; better: {result.best} ({'higher' if info.higher_is_better else 'lower'} is better)"
               + (", by less than their day-to-day noise" if result.within_noise else "") if result.best else "")
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


class RankRow(BaseModel):
    rank: int
    code: str
    name: str
    value: float | None
    days: int
    yoy_value: float | None = None
    spread: float | None = Field(None, description=(
        "its day-to-day noise: the average moving range of its daily values over the window or the 8 weeks before "
        "its end, whichever is longer, over d2 (for whole counts at least the square root of their mean)"))


class KpiRanking(BaseModel):
    kpi: KpiInfo
    group_by: Literal["station", "region"]
    region: str | None = None
    order: Literal["best", "worst"]
    start: dt.date
    end: dt.date
    rows: list[RankRow] = Field(description="the top ``limit`` rows in the asked order")
    total: int = Field(description="how many stations/regions were ranked")
    within_noise: list[str] = Field(default_factory=list, description=(
        "the others whose value is within two standard errors of the first's (not told apart from it)"))
    lowest: float | None = None  # the range of every ranked value
    highest: float | None = None


def within_noise(rows: list[RankRow], aggregation: str) -> list[str]:
    """The rows after the first whose value is within two standard errors of the difference from the first's (a
    mean's error is its daily spread over √days, a total's the spread times √days)."""
    def err(r: RankRow) -> float | None:
        if r.spread is None or not r.days:
            return None
        return r.spread * r.days ** 0.5 if aggregation == "sum" else r.spread / r.days ** 0.5

    if not rows or rows[0].value is None or (e0 := err(rows[0])) is None:
        return []
    return [r.code for r in rows[1:] if r.value is not None and (e := err(r)) is not None
            and abs(r.value - rows[0].value) < 2 * (e0 ** 2 + e ** 2) ** 0.5]


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
            "nstart": min(first, stop - dt.timedelta(days=NOISE_DAYS - 1)), "d2": D2,
            "yend": stop - YEAR, "region": region_code,
        })).all()
    values = {r.code: (float(r.value) if r.value is not None else None) for r in rows}
    by_code = {r.code: r for r in rows}
    ordered = rank_order(values, info.higher_is_better, order)
    out = [RankRow(rank=i, code=c, name=by_code[c].name, value=values[c], days=int(by_code[c].days),
                   yoy_value=float(by_code[c].yoy) if by_code[c].yoy is not None else None,
                   spread=float(by_code[c].spread) if by_code[c].spread is not None else None)
           for i, c in enumerate(ordered, 1)]
    known = [r.value for r in out if r.value is not None]
    result = KpiRanking(kpi=info, group_by=group_by, region=region_code, order=order, start=first, end=stop,
                        rows=out[:limit], total=len(out), within_noise=within_noise(out, info.aggregation),
                        lowest=min(known, default=None), highest=max(known, default=None))
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
    goal: float | None = None
    unit: str = ""
    decimals: int = 1


class Attention(BaseModel):
    as_of: dt.date
    region: str | None
    station: str | None
    series_checked: int
    items: list[AttentionItem] = Field(description="critical first, then the most recent onset first")
    short_of_goal: list[AttentionItem] = Field(default_factory=list, description=(
        "with no KPI named: series in control (no signal) whose latest point or stage misses the KPI's goal — the "
        "goal's state, furthest from the goal first (in process sigmas)"))
    recovered: list[RecoveredItem] = Field(default_factory=list, description=(
        "series fine now after a short excursion (its latest points back at the earlier level), most recent first"))


def _goal_gap(i: AttentionItem) -> float:
    """How far the stage's centre is from the goal, in process sigmas (the XmR limits are 3 of them)."""
    sigma = (i.ucl - i.cl) / 3 if i.ucl > i.cl else 1.0
    return abs(i.cl - (i.goal if i.goal is not None else i.cl)) / sigma


async def attention(
    ctx: ToolContext, *, region: str | None = None, station: str | None = None, kpi: str | None = None,
    goal_all: bool = False,
) -> ToolOutput[Attention]:
    """Every KPI at every station (of the org, a region or one station) whose latest point is warning or critical;
    ``goal_all`` ("which KPIs are missing their goal?"): every series whose stage centre misses its KPI's goal is in
    ``short_of_goal`` too, signalled or not."""
    async with ctx.read() as session:
        kpis, latest, scope, frame = await scoped_points(session, ctx.org_id, ctx.today, ANALYSIS_DAYS, kpi=kpi,
                                                         station=station, region=region)
    start = latest - dt.timedelta(days=ANALYSIS_DAYS - 1)
    days = pd.date_range(start, latest, freq="D")
    items: list[AttentionItem] = []
    short: list[AttentionItem] = []
    recovered: list[RecoveredItem] = []
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
            if state not in ("warning", "critical") and (rec := recovery(an, k.higher_is_better)) is not None \
                    and last - rec.since < RECENT_SHIFT_POINTS:  # fine now, after an excursion that ended lately
                recovered.append(recovered_item(rec, k.code, k.name, str(code), days))
            if state not in ("warning", "critical") and kpi is None and k.goal is not None:
                st = kpi_state(an, higher_is_better=k.higher_is_better, lower_limit=k.lower_limit,
                               upper_limit=k.upper_limit, goal=k.goal, with_goal=True)
                if st.state in ("warning", "critical"):  # in control, but short of what the organisation aims for
                    short.append(AttentionItem(
                        kpi=k.code, kpi_name=k.name, station=str(code), station_name=str(meta.loc[code, "name"]),
                        region=str(meta.loc[code, "region"]), state=st.state, rule=st.rule or "",
                        date=days[last].date(), value=float(an.values[last]),
                        since=days[st.since if st.since is not None else last].date(), cl=float(lim.cl),
                        ucl=float(lim.ucl), lcl=float(lim.lcl), upper_limit_kind=st.upper_limit_kind, goal=k.goal,
                        unit=k.unit, decimals=k.decimals))
                continue
            if state not in ("warning", "critical"):
                continue
            if goal_all and k.goal is not None and (lim.cl < k.goal if k.higher_is_better else lim.cl > k.goal):
                short.append(AttentionItem(
                    kpi=k.code, kpi_name=k.name, station=str(code), station_name=str(meta.loc[code, "name"]),
                    region=str(meta.loc[code, "region"]), state=state, rule=rule or "", date=days[last].date(),
                    value=float(an.values[last]), since=days[since if since is not None else last].date(),
                    cl=float(lim.cl), ucl=float(lim.ucl), lcl=float(lim.lcl), upper_limit_kind=st.upper_limit_kind,
                    goal=k.goal, unit=k.unit, decimals=k.decimals))
            items.append(AttentionItem(
                kpi=k.code, kpi_name=k.name, station=str(code), station_name=str(meta.loc[code, "name"]),
                region=str(meta.loc[code, "region"]), state=state, rule=rule or "", date=days[last].date(),
                value=float(an.values[last]), since=days[since if since is not None else last].date(),
                cl=float(lim.cl), ucl=float(lim.ucl), lcl=float(lim.lcl), upper_limit_kind=st.upper_limit_kind,
            ))
    items.sort(key=lambda i: (i.state != "critical", -i.since.toordinal(), i.kpi, i.station))
    result = Attention(as_of=latest, region=scope.code if scope and scope.summary_level == "region" else None,
                       station=scope.code if scope and scope.summary_level == "station" else None,
                       series_checked=checked, items=items,
                       short_of_goal=sorted(short, key=_goal_gap, reverse=True),
                       recovered=sorted(recovered, key=lambda i: (-i.since.toordinal(), i.kpi, i.station)))
    where = scope.label if scope else "all stations"
    ref = {"tool": "attention", "args": {"region": region, "station": station, "kpi": kpi, "goal_all": goal_all},
           "query": f"kpi_points of every KPI x station over the last {ANALYSIS_DAYS} days, XmR stages and signals "
                    "(batched), state of the latest point"}
    evidence = [EvidenceDraft(
        kind="attention", source="tools.kpis.attention", ref=ref,
        payload=result.model_dump(mode="json"),
        summary=(f"{len(items)} KPI series need attention at {where} as of {latest} ({checked} checked)"
                 + (": " + "; ".join(f"{i.kpi} at {i.station} {i.state} since {i.since} ({i.rule}"
                                     + (", count limit" if i.upper_limit_kind == "count limit" else "") + ")"
                                     for i in items[:8]) if items else "")
                 + (f"; {len(short)} more in control but short of goal: " + "; ".join(
                     f"{i.kpi} at {i.station} centre {i.cl:.4g} vs goal {i.goal:.4g}" for i in result.short_of_goal[:8])
                    if short else "")),
    )]
    return ToolOutput(result=result, evidence=evidence)


__all__ = [
    "Attention", "AttentionItem", "HistoricShift", "KpiComparison", "KpiRanking", "KpiValues", "PeriodValue",
    "RankRow", "ScopeFigures", "attention", "better", "compare_kpi", "kpi_last_shift", "kpi_values", "parse_scope",
    "rank_kpi",
]
