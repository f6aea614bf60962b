"""The KPI tools: a series with control limits and YoY, the active signals, the dashboard cards.

Database reads are in :mod:`tools.kpis.queries`, the arithmetic in :mod:`tools.kpis.analytics`,
the shaping into read models in :mod:`tools.kpis.shaping`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.kpis.analytics import Grain, SeriesView, build_view, plan_window
from tools.kpis.models import (
    ActiveSignal,
    ActiveSignals,
    Dashboard,
    GoalMiss,
    KpiCard,
    KpiInfo,
    KpiSeries,
    Scope,
    SummaryLevel,
)
from tools.kpis.queries import first_day, last_day, list_kpis, load_daily, match_kpi, resolve_scope
from tools.kpis.shaping import (
    analysis_dates,
    fmt_value,
    latest_shift,
    points_and_signals,
    series_chart,
    series_summary,
    stage_moves,
    stages_out,
)
from tools.kpis.views import kpi_state


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
        latest = await last_day(session, ctx.org_id, ctx.today)
        if latest is None:
            raise ToolError("there are no KPI points yet (import some with `opsgraph import kpis FILE`)")
        window = plan_window(grain, min(latest, end or latest), start, end)
        daily = await load_daily(session, ctx.org_id, info, scope.station_ids, window.load_start, window.end + dt.timedelta(days=6))
        days = pd.DatetimeIndex(daily.index)
        if not ((days >= pd.Timestamp(window.start)) & (days <= pd.Timestamp(window.end))).any():
            # "OTP in 2023" when the history starts in 2024: say where the data is (no series of nothing)
            since = await first_day(session, ctx.org_id, info.id, scope.station_ids)
            raise ToolError(f"there is no {info.name} data at {scope.label} from {window.start} to {window.end}"
                            + (f"; its data runs from {since} to {latest}" if since is not None else ""))
    view = build_view(daily, window, info.aggregation, info.higher_is_better)
    points, signals = points_and_signals(view)
    summary = series_summary(view, points, info, configured=_configured_applies(grain, level, info))
    shift = latest_shift(view, info.higher_is_better)
    result = KpiSeries(
        kpi=info, scope=scope, grain=grain, start=window.start, end=window.end, points=points,
        stages=stages_out(view), signals=signals, summary=summary, shift=shift, moves=stage_moves(view, info.higher_is_better),
        chart=series_chart(view, points, signals, info, scope) if chart else None,
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
            } | ({"moves": [m.model_dump(mode="json") for m in result.moves]} if len(result.moves) > 1 else {}),
            summary=(
                f"{info.name} at {scope.label}, {grain} {window.start}–{window.end}: latest "
                f"{fmt_value(summary.latest_value, info)} on {summary.latest_date}; current stage centre {fmt_value(summary.cl, info)}, "
                f"limits {fmt_value(summary.lcl, info)}–{fmt_value(summary.ucl, info)}"
                + (" (count limit: Poisson limit of a rare count)" if summary.upper_limit_kind == "count limit" else "")
                + f"; state {summary.state}"
                + (f"; a year earlier {fmt_value(summary.past_value, info)}" if summary.past_value is not None else "")
            ),
        )
    ]
    if shift is not None:
        evidence.append(
            EvidenceDraft(
                kind="stage_change", source="tools.kpis.kpi_series", ref=ref,
                payload=shift.model_dump(mode="json") | {"kpi": info.code, "scope": scope.code or "company"},
                summary=(
                    f"{info.name} at {scope.label} shifted {shift.direction} from {fmt_value(shift.before_cl, info)} "
                    f"to {fmt_value(shift.after_cl, info)} starting {shift.onset} ({'worse' if shift.bad else 'better'}; "
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


def _configured_applies(grain: Grain, level: SummaryLevel, info: KpiInfo) -> bool:
    """A KPI's configured limits are daily values of a station: they apply to a daily series of one station, or
    of a wider scope when the KPI's daily value is a mean (a summed region/company total is not comparable)."""
    return grain == "daily" and (level == "station" or info.aggregation != "sum")


async def _all_series(
    ctx: ToolContext, level: SummaryLevel, code: str | None, grain: Grain, on: dt.date | None = None
) -> tuple[Scope, list[KpiInfo], list[SeriesView], dt.date, dt.date]:
    async with ctx.read() as session:
        kpis = await list_kpis(session, ctx.org_id)
        scope = await resolve_scope(session, ctx.org_id, level, code)
        latest = await last_day(session, ctx.org_id, min(on, ctx.today) if on else ctx.today)
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
    summary_level: SummaryLevel | None = None, grain: Grain = "daily", on: dt.date | None = None,
) -> ToolOutput[ActiveSignals]:
    """Every KPI whose latest point is in a warning or critical state, with the rule that fired; ``on`` (a past
    day): the states on that day, each series analysed up to it ("what happened at <site> on 12 November")."""
    level: SummaryLevel = summary_level or ("station" if station else "region" if region else "company")
    scope, kpis, views, _, as_of = await _all_series(ctx, level, station if level == "station" else (region or station),
                                                     grain, on)
    out = []
    misses: list[GoalMiss] = []
    for k, view in zip(kpis, views, strict=True):
        last = view.analysis.last_index()
        if last is None:
            continue
        st = kpi_state(view.analysis, higher_is_better=k.higher_is_better, lower_limit=k.lower_limit,
                       upper_limit=k.upper_limit, goal=k.goal, configured=_configured_applies(grain, level, k))
        state, rule = st.state, st.rule
        if state not in ("warning", "critical"):
            if k.goal is not None and _configured_applies(grain, level, k) and kpi_state(
                    view.analysis, higher_is_better=k.higher_is_better, goal=k.goal, with_goal=True).state == "warning":
                misses.append(GoalMiss(kpi=k.code, kpi_name=k.name, cl=float(view.analysis.stages[-1].limits.cl),
                                       goal=float(k.goal), higher_is_better=k.higher_is_better,
                                       unit=k.unit, decimals=k.decimals))
            continue
        fired = [s for s in view.analysis.signals if s.index == last and s.rule == rule]
        stage = view.analysis.stages[-1]
        lim = stage.limits
        if fired:
            side = fired[0].side
        elif rule == "stage_shift" and len(view.analysis.stages) > 1:  # the side is where the new centre went
            side = "above" if lim.cl > view.analysis.stages[-2].limits.cl else "below"
        else:  # a configured limit: the bad side
            side = "below" if k.higher_is_better else "above"
        out.append(
            ActiveSignal(
                kpi=k.code, kpi_name=k.name, date=analysis_dates(view)[last],
                value=float(view.analysis.values[last]), state=state, rule=rule or "", side=side,
                cl=lim.cl, ucl=lim.ucl, lcl=lim.lcl, upper_limit_kind=st.upper_limit_kind,
            )
        )
    out.sort(key=lambda s: (s.state != "critical", s.kpi))
    evidence = [
        EvidenceDraft(
            kind="active_signal", source="tools.kpis.active_signals",
            ref={"tool": "active_signals", "args": {"summary_level": level, "code": scope.code, "grain": grain,
                                                   **({"on": str(on)} if on else {})}},
            payload=s.model_dump(mode="json"),
            summary=f"{s.kpi_name} at {scope.label} is {s.state} on {s.date}: {s.value:.4g} ({s.rule}, {s.side} "
            f"limits {s.lcl:.4g}–{s.ucl:.4g})",
        )
        for s in out
    ]
    misses.sort(key=lambda m: -abs(m.cl - m.goal) / (abs(m.goal) or 1.0))  # the furthest from its goal first
    if misses:
        evidence.append(EvidenceDraft(
            kind="goal_misses", source="tools.kpis.active_signals",
            ref={"tool": "active_signals", "args": {"summary_level": level, "code": scope.code, "grain": grain,
                                                   **({"on": str(on)} if on else {})}},
            payload={"goal_misses": [m.model_dump(mode="json") for m in misses]},
            summary=f"{len(misses)} KPI(s) at {scope.label} without a signal whose current stage is short of the goal: "
            + ", ".join(f"{m.kpi_name} (centre {m.cl:.4g}, goal {m.goal:g})" for m in misses)))
    return ToolOutput(result=ActiveSignals(scope=scope, signals=out, goal_misses=misses, as_of=as_of), evidence=evidence)


async def dashboard(
    ctx: ToolContext, *, grain: Grain = "daily", station: str | None = None,
    summary_level: SummaryLevel = "station", charts: bool = True,
) -> ToolOutput[Dashboard]:
    """KPI cards for the Tech Ops dashboard: value, YoY, signal state, stage limits and a chart each."""
    code = station if summary_level != "company" else None
    scope, kpis, views, start, end = await _all_series(ctx, summary_level, code, grain)
    cards = []
    for k, view in zip(kpis, views, strict=True):
        points, signals = points_and_signals(view)
        s = series_summary(view, points, k, with_goal=False, configured=_configured_applies(grain, summary_level, k))
        cards.append(
            KpiCard(
                kpi=k, latest_date=s.latest_date, value=s.latest_value, yoy_value=s.past_value, yoy_delta=s.delta,
                state=s.state, rule=s.rule, cl=s.cl, ucl=s.ucl, lcl=s.lcl,
                chart=series_chart(view, points, signals, k, scope) if charts else None,
            )
        )
    return ToolOutput(result=Dashboard(scope=scope, grain=grain, start=start, end=end, cards=cards))
