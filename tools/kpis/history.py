"""KPI tools for values and history: a KPI's values at a grain (a day, weeks, months) with the window's total, and
the latest stage change at any distance. Read-only, parameterised and scoped to ``ctx.org_id``."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.control_limits import analyze_series
from tools.kpis import KpiInfo, Scope, SummaryLevel, last_day, list_kpis, load_daily, match_kpi, resolve_scope
from tools.kpis.shaping import fmt_value
from tools.kpis.views import PeriodGrain, aggregate, latest_stage_change, periods
from tools.kpis.windows import YEAR, data_window

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
        first, stop = await data_window(session, ctx.org_id, start, end, until=ctx.today)
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


def refined_stage_change(values: np.ndarray, an: Any) -> Any:
    """:func:`latest_stage_change`, a level shift dated where its step happened (:func:`_steps_in_at`)."""
    change = latest_stage_change(an)
    if change is not None and change.kind == "level" and len(an.stages) >= 2:
        change = replace(change, index=_steps_in_at(values, change.index, an.stages[-2].limits,
                                                    up=change.after_cl > change.before_cl))
    return change


def _steps_in_at(values: np.ndarray, start: int, prev: Any, *, up: bool) -> int:
    """Where a level shift really begins inside its stage: the first point from which every later point lies beyond
    the previous stage's limit on the shift's side. A stage cannot be shorter than its detector's minimum, so a step
    in the last few days is dated to the start of that minimum; the points before the step say otherwise."""
    limit = float(prev.ucl if up else prev.lcl)
    if not np.isfinite(limit):
        return start
    beyond = [not np.isfinite(v) or (v > limit if up else v < limit) for v in values[start:]]
    k = len(beyond)
    while k > 0 and beyond[k - 1]:
        k -= 1
    return start + k if 0 < k < len(beyond) else start


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
    change = refined_stage_change(values, an)
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
