"""Shape an analysed KPI series (:class:`tools.kpis.analytics.SeriesView`) into the read models and a chart."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any, Literal

import numpy as np

from tools.charts import xmr_figure
from tools.kpis.analytics import SeriesView, safe
from tools.kpis.models import Excursion, KpiInfo, KpiPoint, Scope, SeriesSummary, Shift, SignalOut, StageOut
from tools.kpis.recovery import recovery
from tools.kpis.views import kpi_state


def stages_out(view: SeriesView) -> list[StageOut]:
    an = view.analysis
    n_hidden = view.offset
    all_dates = analysis_dates(view)
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
                upper_limit_kind=lim.upper_kind,
                kind=st.kind or "level",
            )
        )
    return out


def analysis_dates(view: SeriesView) -> list[dt.date]:
    """Dates for every index of the analysis range (window plus the history before it)."""
    step = (view.dates[1] - view.dates[0]) if len(view.dates) > 1 else dt.timedelta(days=1)
    first = view.dates[0] - step * view.offset if view.dates else dt.date.today()
    return [first + step * i for i in range(len(view.analysis.values))]


def latest_shift(view: SeriesView, higher_is_better: bool) -> Shift | None:
    stages = view.analysis.stages
    if len(stages) < 2:
        return None
    prev, last = stages[-2], stages[-1]
    if last.start < view.offset:  # the change happened before the window: not news here
        return None
    dates = analysis_dates(view)
    delta = last.limits.cl - prev.limits.cl
    direction: Literal["up", "down"] = "up" if delta > 0 else "down"
    if last.kind == "dispersion":  # more point-to-point variation is worse whichever way is better
        wider = last.limits.mr_bar > prev.limits.mr_bar
        return Shift(
            onset=dates[last.start], before_cl=prev.limits.cl, after_cl=last.limits.cl, delta=delta,
            direction="up" if wider else "down", bad=wider, confirmed_by=last.confirmed_by, kind="dispersion",
            before_mr=prev.limits.mr_bar, after_mr=last.limits.mr_bar,
        )
    return Shift(
        onset=dates[last.start], before_cl=prev.limits.cl, after_cl=last.limits.cl, delta=delta, direction=direction,
        bad=(direction == "down") == higher_is_better, confirmed_by=last.confirmed_by,
        kind=last.kind or "level",
    )


MOVES_DAYS = 90  # how far back a "why did it drop?" without a period looks for the step the user saw


def stage_moves(view: SeriesView, higher_is_better: bool) -> list[Shift]:
    """Every level step between consecutive stages whose onset lies in the window or the last ``MOVES_DAYS``
    periods up to its end, oldest first: the moves a question without a period may be about."""
    stages, dates = view.analysis.stages, analysis_dates(view)
    since = min(view.offset, len(dates) - MOVES_DAYS)
    out = []
    for prev, cur in itertools.pairwise(stages):
        if cur.start < since or (cur.kind or "level") != "level":
            continue
        delta = cur.limits.cl - prev.limits.cl
        down = delta < 0
        out.append(Shift(onset=dates[cur.start], before_cl=prev.limits.cl, after_cl=cur.limits.cl, delta=delta,
                         direction="down" if down else "up", bad=down == higher_is_better,
                         confirmed_by=cur.confirmed_by, kind="level"))
    return out


def points_and_signals(view: SeriesView) -> tuple[list[KpiPoint], list[SignalOut]]:
    pl = view.analysis.point_limits()
    sl = slice(view.offset, None)
    cl, ucl, lcl, phase = pl["cl"][sl], pl["ucl"][sl], pl["lcl"][sl], pl["phase_number"][sl]
    by_index: dict[int, str] = {}
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


def series_summary(view: SeriesView, points: list[KpiPoint], kpi: KpiInfo, *, with_goal: bool = True,
                   configured: bool = True) -> SeriesSummary:
    """Latest value, current stage limits and the state, decided by :func:`tools.kpis.views.kpi_state` (the same
    function ``attention`` uses). ``configured``: the KPI's configured limits apply to these values (daily values of
    a station, or of a scope whose daily value is a mean); ``with_goal``: a stage centre short of the goal warns."""
    observed = [p for p in points if p.value is not None]
    latest = observed[-1] if observed else None
    stage = view.analysis.stages[-1] if view.analysis.stages else None
    st = kpi_state(view.analysis, higher_is_better=kpi.higher_is_better, lower_limit=kpi.lower_limit,
                   upper_limit=kpi.upper_limit, goal=kpi.goal, with_goal=with_goal, configured=configured)
    state, rule = st.state, st.rule
    lim = stage.limits if stage else None
    rec, excursion = recovery(view.analysis, kpi.higher_is_better), None
    if rec is not None and view.dates:
        days = analysis_dates(view)
        excursion = Excursion(start=days[rec.start], end=days[rec.end], since=days[rec.since], extreme=rec.extreme,
                              before_cl=rec.before_cl, recovered_mean=rec.recovered_mean)
    return SeriesSummary(
        latest_date=latest.date if latest else None,
        latest_value=latest.value if latest else None,
        mean=safe(np.nanmean(view.values)) if observed else None,
        past_value=latest.yoy_value if latest else None,
        delta=latest.yoy_delta if latest else None,
        cl=safe(lim.cl) if lim else None, ucl=safe(lim.ucl) if lim else None, lcl=safe(lim.lcl) if lim else None,
        sigma=safe(lim.sigma) if lim else None, mr_bar=safe(lim.mr_bar) if lim else None,
        state=state, rule=rule, upper_limit_kind=st.upper_limit_kind, excursion=excursion,
    )


def singular(unit: str) -> str:
    """"1 bike", not "1 bikes": a plural English word as a unit in the singular ("deliveries" → "delivery",
    "boxes" → "box"); symbols and abbreviations ("%", "ms", "kWh", "bus") are left as they are."""
    if len(unit) <= 3 or not unit.isalpha() or not unit.islower() or not unit.endswith("s") or unit.endswith("ss"):
        return unit
    if unit.endswith("ies"):
        return unit[:-3] + "y"
    if unit.endswith(("ches", "shes", "xes", "sses", "zes")):
        return unit[:-2]
    return unit[:-1]


def fmt_amount(x: float | None, decimals: int, unit: str, *, grouped: bool = True) -> str:
    """A value with its unit as the answers say it: "1,234 orders", "96.5%", "1 order"; a count's unit is left out."""
    if x is None:
        return "n/a"
    u = "" if unit in ("", "count") else unit
    text = f"{x:,.{decimals}f}" if grouped else f"{x:.{decimals}f}"
    if text in ("1", "-1"):
        u = singular(u)
    return f"{text}{'' if u == '%' or not u else ' '}{u}"


def fmt_rate(x: float | None, decimals: int, unit: str) -> str:
    """A small rate ("a trend of +0.29 parcels a week", not "+0"): two significant figures below 1, at most 3 decimals."""
    if x is not None and 0 < abs(x) < 1:
        decimals = min(3, max(decimals, 1 - math.floor(math.log10(abs(x)))))
    return fmt_amount(x, decimals, unit)


def fmt_value(x: float | None, kpi: KpiInfo) -> str:
    return fmt_amount(x, kpi.decimals, kpi.unit, grouped=False)


def series_chart(view: SeriesView, points: list[KpiPoint], signals: list[SignalOut], kpi: KpiInfo, scope: Scope) -> dict[str, Any]:
    index = {p.date: i for i, p in enumerate(points)}
    return xmr_figure(
        [p.date for p in points], [np.nan if p.value is None else p.value for p in points],
        [p.cl for p in points], [p.ucl for p in points], [p.lcl for p in points],
        [p.phase_number or 0 for p in points],
        [{"index": index[s.date], "rule": s.rule, "state": s.state} for s in signals],
        title=f"{kpi.name} — {scope.label}", unit=kpi.unit,
    )
