"""Tech Ops KPI tools: series with control limits and YoY, active signals, dashboard cards.

Database access is in this module (parameterised, read-only, org-scoped);
the arithmetic is in :mod:`tools.kpis.analytics`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.charts import xmr_figure
from tools.kpis.analytics import Grain, SeriesView, build_view, current_state, plan_window, safe

SummaryLevel = Literal["station", "region", "company"]


# ------------------------------------------------------------------ read models


class KpiInfo(BaseModel):
    id: int
    code: str
    name: str
    unit: str
    aggregation: str
    goal: float | None = None
    upper_limit: float | None = None
    lower_limit: float | None = None
    decimals: int = 2
    higher_is_better: bool
    aliases: list[str] = []
    related_services: list[str] = []


class Scope(BaseModel):
    summary_level: SummaryLevel
    code: str | None = Field(None, description="station or region code; None for the company")
    label: str
    station_ids: list[int]


class KpiPoint(BaseModel):
    date: dt.date
    value: float | None
    yoy_value: float | None = None
    yoy_delta: float | None = None
    cl: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    phase_number: int | None = None
    signal: str | None = Field(None, description="critical|warning|info when a rule fired at this point")


class StageOut(BaseModel):
    phase_number: int
    start_date: dt.date
    end_date: dt.date
    cl: float
    ucl: float
    lcl: float
    sigma: float
    mr_bar: float
    confirmed_by: str | None = None
    evidence_start_date: dt.date | None = None


class SignalOut(BaseModel):
    date: dt.date
    value: float
    rule: str
    state: str
    side: str


class Shift(BaseModel):
    """The latest stage change: where the process moved to a new level."""

    onset: dt.date
    before_cl: float
    after_cl: float
    delta: float
    direction: Literal["up", "down"]
    bad: bool
    confirmed_by: str | None


class SeriesSummary(BaseModel):
    latest_date: dt.date | None
    latest_value: float | None
    mean: float | None
    past_value: float | None = Field(None, description="the latest point's value one year earlier")
    delta: float | None = Field(None, description="latest value minus past value")
    cl: float | None
    ucl: float | None
    lcl: float | None
    sigma: float | None
    mr_bar: float | None
    state: str = Field(description="ok, warning or critical at the latest point")
    rule: str | None = None


class KpiSeries(BaseModel):
    kpi: KpiInfo
    scope: Scope
    grain: Grain
    start: dt.date
    end: dt.date
    points: list[KpiPoint]
    stages: list[StageOut]
    signals: list[SignalOut]
    summary: SeriesSummary
    shift: Shift | None = None
    chart: dict[str, Any] | None = None


class ActiveSignal(BaseModel):
    kpi: str
    kpi_name: str
    date: dt.date
    value: float
    state: str
    rule: str
    side: str
    cl: float
    ucl: float
    lcl: float


class ActiveSignals(BaseModel):
    scope: Scope
    signals: list[ActiveSignal]


class KpiCard(BaseModel):
    kpi: KpiInfo
    latest_date: dt.date | None
    value: float | None
    yoy_value: float | None
    yoy_delta: float | None
    state: str
    rule: str | None
    cl: float | None
    ucl: float | None
    lcl: float | None
    chart: dict[str, Any] | None = None


class Dashboard(BaseModel):
    scope: Scope
    grain: Grain
    start: dt.date
    end: dt.date
    cards: list[KpiCard]


# ------------------------------------------------------------------ queries


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
    return [KpiInfo(**r) for r in rows]


def match_kpi(kpis: list[KpiInfo], query: str) -> KpiInfo:
    """By code, name or alias (case-insensitive); unknown → ToolError with close matches."""
    q = query.strip().lower().replace("-", " ").replace("_", " ")
    for k in kpis:
        names = {k.code.lower().replace("_", " "), k.name.lower(), *(a.lower() for a in k.aliases)}
        if q in names:
            return k
    candidates = {k.code: k for k in kpis}
    labels = {k.code.lower().replace("_", " "): k.code for k in kpis} | {k.name.lower(): k.code for k in kpis}
    close = difflib.get_close_matches(q, list(labels), n=3, cutoff=0.5)
    suggestions = list(dict.fromkeys(labels[c] for c in close)) or list(candidates)[:5]
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
            suggestions=difflib.get_close_matches(code_u, [r[1] for r in rows], n=3, cutoff=0.3) or [r[1] for r in rows][:8],
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


async def last_day(session: AsyncSession, org_id: int) -> dt.date | None:
    return (await session.execute(text("SELECT max(day) FROM kpi_points WHERE org_id = :org"), {"org": org_id})).scalar()


# ------------------------------------------------------------------ shaping


def _stages_out(view: SeriesView) -> list[StageOut]:
    an = view.analysis
    n_hidden = view.offset
    all_dates = _analysis_dates(view)
    out = []
    for st in an.stages:
        if st.end < n_hidden:
            continue
        lim = st.limits
        out.append(
            StageOut(
                phase_number=st.phase_number,
                start_date=all_dates[st.start],
                end_date=all_dates[st.end],
                cl=lim.cl, ucl=lim.ucl, lcl=lim.lcl, sigma=lim.sigma, mr_bar=lim.mr_bar,
                confirmed_by=st.confirmed_by,
                evidence_start_date=all_dates[st.evidence_start] if st.evidence_start is not None else None,
            )
        )
    return out


def _analysis_dates(view: SeriesView) -> list[dt.date]:
    """Dates for every index of the analysis range (window plus the history before it)."""
    step = (view.dates[1] - view.dates[0]) if len(view.dates) > 1 else dt.timedelta(days=1)
    first = view.dates[0] - step * view.offset if view.dates else dt.date.today()
    return [first + step * i for i in range(len(view.analysis.values))]


def _shift(view: SeriesView, higher_is_better: bool) -> Shift | None:
    stages = view.analysis.stages
    if len(stages) < 2:
        return None
    prev, last = stages[-2], stages[-1]
    if last.start < view.offset:  # the change happened before the window: not news here
        return None
    dates = _analysis_dates(view)
    delta = last.limits.cl - prev.limits.cl
    direction: Literal["up", "down"] = "up" if delta > 0 else "down"
    return Shift(
        onset=dates[last.start], before_cl=prev.limits.cl, after_cl=last.limits.cl, delta=delta, direction=direction,
        bad=(direction == "down") == higher_is_better, confirmed_by=last.confirmed_by,
    )


def _points(view: SeriesView) -> tuple[list[KpiPoint], list[SignalOut]]:
    pl = view.analysis.point_limits()
    sl = slice(view.offset, None)
    cl, ucl, lcl, phase = pl["cl"][sl], pl["ucl"][sl], pl["lcl"][sl], pl["phase_number"][sl]
    by_index = {}
    signals = []
    for s in view.analysis.signals:
        if s.index >= view.offset:
            i = s.index - view.offset
            prev = by_index.get(i)
            if prev is None or prev == "info" or (prev == "warning" and s.state == "critical"):
                by_index[i] = s.state
            signals.append(SignalOut(date=view.dates[i], value=float(s.value), rule=s.rule, state=s.state, side=s.side))
    points = []
    for i, d in enumerate(view.dates):
        v, p = safe(view.values[i]), safe(view.yoy_values[i])
        points.append(
            KpiPoint(
                date=d, value=v, yoy_value=p, yoy_delta=safe(v - p) if v is not None and p is not None else None,
                cl=safe(cl[i]), ucl=safe(ucl[i]), lcl=safe(lcl[i]),
                phase_number=int(phase[i]) if np.isfinite(phase[i]) else None, signal=by_index.get(i),
            )
        )
    return points, signals


def _summary(view: SeriesView, points: list[KpiPoint], kpi: KpiInfo) -> SeriesSummary:
    observed = [p for p in points if p.value is not None]
    latest = observed[-1] if observed else None
    stage = view.analysis.stages[-1] if view.analysis.stages else None
    state, rule = current_state(view.analysis, kpi.higher_is_better)
    lim = stage.limits if stage else None
    return SeriesSummary(
        latest_date=latest.date if latest else None,
        latest_value=latest.value if latest else None,
        mean=safe(np.nanmean(view.values)) if observed else None,
        past_value=latest.yoy_value if latest else None,
        delta=latest.yoy_delta if latest else None,
        cl=safe(lim.cl) if lim else None, ucl=safe(lim.ucl) if lim else None, lcl=safe(lim.lcl) if lim else None,
        sigma=safe(lim.sigma) if lim else None, mr_bar=safe(lim.mr_bar) if lim else None,
        state=state, rule=rule,
    )


def _fmt(x: float | None, kpi: KpiInfo) -> str:
    if x is None:
        return "n/a"
    unit = kpi.unit if kpi.unit not in ("", "count") else ""
    return f"{x:.{kpi.decimals}f}{'' if unit in ('%',) else ' '}{unit}".strip()


def _chart(view: SeriesView, points: list[KpiPoint], signals: list[SignalOut], kpi: KpiInfo, scope: Scope) -> dict[str, Any]:
    index = {p.date: i for i, p in enumerate(points)}
    return xmr_figure(
        [p.date for p in points], [np.nan if p.value is None else p.value for p in points],
        [p.cl for p in points], [p.ucl for p in points], [p.lcl for p in points],
        [p.phase_number or 0 for p in points],
        [{"index": index[s.date], "rule": s.rule, "state": s.state} for s in signals],
        title=f"{kpi.name} — {scope.label}", unit=kpi.unit,
    )


# ------------------------------------------------------------------ tools


async def kpi_series(
    ctx: ToolContext,
    *,
    kpi: str,
    station: str | None = None,
    region: str | None = None,
    summary_level: SummaryLevel | None = None,
    grain: Grain = "daily",
    start: dt.date | None = None,
    end: dt.date | None = None,
    chart: bool = True,
) -> ToolOutput[KpiSeries]:
    """A KPI's series for a station, region or the company: values, YoY, stage limits, signals, latest shift."""
    level: SummaryLevel = summary_level or ("station" if station else "region" if region else "company")
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, level, station if level == "station" else (region or station))
        latest = await last_day(session, ctx.org_id)
        if latest is None:
            raise ToolError("there are no KPI points yet (import some with `opsgraph import kpis FILE`)")
        window = plan_window(grain, min(latest, end or latest), start, end)
        daily = await load_daily(session, ctx.org_id, info, scope.station_ids, window.load_start, window.end + dt.timedelta(days=6))
    view = build_view(daily, window, info.aggregation, info.higher_is_better)
    points, signals = _points(view)
    summary = _summary(view, points, info)
    shift = _shift(view, info.higher_is_better)
    result = KpiSeries(
        kpi=info, scope=scope, grain=grain, start=window.start, end=window.end, points=points,
        stages=_stages_out(view), signals=signals, summary=summary, shift=shift,
        chart=_chart(view, points, signals, info, scope) if chart else None,
    )
    ref = {
        "tool": "kpi_series",
        "args": {"kpi": info.code, "summary_level": level, "code": scope.code, "grain": grain,
                 "start": window.start.isoformat(), "end": window.end.isoformat()},
        "query": f"kpi_points of {info.code} over {len(scope.station_ids)} station(s), {info.aggregation} per day",
    }
    evidence = [
        EvidenceDraft(
            kind="kpi_series", source="tools.kpis.kpi_series", ref=ref,
            payload={
                "summary": summary.model_dump(mode="json"),
                "stages": [s.model_dump(mode="json") for s in result.stages],
                "points": [p.model_dump(mode="json") for p in points],
            },
            summary=(
                f"{info.name} at {scope.label}, {grain} {window.start}–{window.end}: latest "
                f"{_fmt(summary.latest_value, info)} on {summary.latest_date}; current stage centre {_fmt(summary.cl, info)}, "
                f"limits {_fmt(summary.lcl, info)}–{_fmt(summary.ucl, info)}; state {summary.state}"
                + (f"; a year earlier {_fmt(summary.past_value, info)}" if summary.past_value is not None else "")
            ),
        )
    ]
    if shift is not None:
        evidence.append(
            EvidenceDraft(
                kind="stage_change", source="tools.kpis.kpi_series", ref=ref,
                payload=shift.model_dump(mode="json") | {"kpi": info.code, "scope": scope.code or "company"},
                summary=(
                    f"{info.name} at {scope.label} shifted {shift.direction} from {_fmt(shift.before_cl, info)} "
                    f"to {_fmt(shift.after_cl, info)} starting {shift.onset} ({'worse' if shift.bad else 'better'}; "
                    f"confirmed by {shift.confirmed_by or 'change-point search'})"
                ),
            )
        )
    if signals:
        recent = signals[-5:]
        evidence.append(
            EvidenceDraft(
                kind="signals", source="tools.kpis.kpi_series", ref=ref,
                payload={"signals": [s.model_dump(mode="json") for s in signals]},
                summary=f"{len(signals)} signal(s) on {info.name} at {scope.label}; latest: "
                + "; ".join(f"{s.date} {s.state} ({s.rule}, {s.side})" for s in recent[-3:]),
            )
        )
    return ToolOutput(result=result, evidence=evidence)


async def _all_series(
    ctx: ToolContext, level: SummaryLevel, code: str | None, grain: Grain
) -> tuple[Scope, list[KpiInfo], list[SeriesView], dt.date, dt.date]:
    async with ctx.read() as session:
        kpis = await list_kpis(session, ctx.org_id)
        scope = await resolve_scope(session, ctx.org_id, level, code)
        latest = await last_day(session, ctx.org_id)
        if latest is None or not kpis:
            raise ToolError("there are no KPIs yet (import kpi-definitions and kpis first)")
        window = plan_window(grain, latest)
        dailies = [
            await load_daily(session, ctx.org_id, k, scope.station_ids, window.load_start, window.end + dt.timedelta(days=6))
            for k in kpis
        ]
    views = [build_view(d, window, k.aggregation, k.higher_is_better) for d, k in zip(dailies, kpis, strict=True)]
    return scope, kpis, views, window.start, window.end


async def active_signals(
    ctx: ToolContext, *, station: str | None = None, region: str | None = None,
    summary_level: SummaryLevel | None = None, grain: Grain = "daily",
) -> ToolOutput[ActiveSignals]:
    """Every KPI whose latest point is in a warning or critical state, with the rule that fired."""
    level: SummaryLevel = summary_level or ("station" if station else "region" if region else "company")
    scope, kpis, views, _, _ = await _all_series(ctx, level, station if level == "station" else (region or station), grain)
    out = []
    for k, view in zip(kpis, views, strict=True):
        last = view.analysis.last_index()
        if last is None:
            continue
        state, rule = current_state(view.analysis, k.higher_is_better)
        if state not in ("warning", "critical"):
            continue
        fired = [s for s in view.analysis.signals if s.index == last and s.rule == rule]
        stage = view.analysis.stages[-1]
        lim = stage.limits
        if fired:
            side = fired[0].side
        else:  # a recent bad stage change: the side is where the new centre went
            side = "above" if lim.cl > view.analysis.stages[-2].limits.cl else "below"
        out.append(
            ActiveSignal(
                kpi=k.code, kpi_name=k.name, date=_analysis_dates(view)[last],
                value=float(view.analysis.values[last]), state=state, rule=rule or "", side=side,
                cl=lim.cl, ucl=lim.ucl, lcl=lim.lcl,
            )
        )
    out.sort(key=lambda s: (s.state != "critical", s.kpi))
    evidence = [
        EvidenceDraft(
            kind="active_signal", source="tools.kpis.active_signals",
            ref={"tool": "active_signals", "args": {"summary_level": level, "code": scope.code, "grain": grain}},
            payload=s.model_dump(mode="json"),
            summary=f"{s.kpi_name} at {scope.label} is {s.state} on {s.date}: {s.value:.4g} ({s.rule}, {s.side} "
            f"limits {s.lcl:.4g}–{s.ucl:.4g})",
        )
        for s in out
    ]
    return ToolOutput(result=ActiveSignals(scope=scope, signals=out), evidence=evidence)


async def dashboard(
    ctx: ToolContext, *, grain: Grain = "daily", station: str | None = None,
    summary_level: SummaryLevel = "station", charts: bool = True,
) -> ToolOutput[Dashboard]:
    """KPI cards for the Tech Ops dashboard: value, YoY, signal state, stage limits and a chart each."""
    code = station if summary_level != "company" else None
    scope, kpis, views, start, end = await _all_series(ctx, summary_level, code, grain)
    cards = []
    for k, view in zip(kpis, views, strict=True):
        points, signals = _points(view)
        s = _summary(view, points, k)
        cards.append(
            KpiCard(
                kpi=k, latest_date=s.latest_date, value=s.latest_value, yoy_value=s.past_value, yoy_delta=s.delta,
                state=s.state, rule=s.rule, cl=s.cl, ucl=s.ucl, lcl=s.lcl,
                chart=_chart(view, points, signals, k, scope) if charts else None,
            )
        )
    return ToolOutput(result=Dashboard(scope=scope, grain=grain, start=start, end=end, cards=cards))

