"""How long a KPI series has been on one side of its goal (or of a number), over its whole history: "how long has
X been below goal?", "since when have we been over target?", "how long has X been above 5%?".

Daily values wobble around a goal they drift across, so three dates answer it: the first day on that side in the
current stretch (after the last two weeks in a row on the other side), since when the 7-day average has been on
that side, and since when every day has been. Read-only, parameterised and scoped to ``ctx.org_id``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.control_limits import analyze_series
from tools.kpis import KpiInfo, Scope, SummaryLevel, last_day, list_kpis, load_daily, match_kpi, resolve_scope
from tools.kpis.queries import first_day
from tools.kpis.shaping import fmt_value

Side = Literal["below", "above", "short", "meet"]
AVERAGE_DAYS = 7  # the smoothing that tells a level across the goal from a day's wobble
OTHER_RUN_DAYS = 14  # this many days in a row on the other side end a stretch


class SideRun(BaseModel):
    kpi: KpiInfo
    scope: Scope
    side: Side
    threshold: float
    of_goal: bool
    searched_from: dt.date
    searched_to: dt.date
    latest_date: dt.date
    latest_value: float
    on_side_now: bool
    stretch_from: dt.date | None = None  # the first day on the side after the last run on the other side
    stretch_from_history_start: bool = False  # no run on the other side in the whole history
    average_since: dt.date | None = None  # since when the 7-day average has been on the side
    every_day_since: dt.date | None = None  # since when every day has been on the side
    last_other_day: dt.date | None = None
    other_run_days: int = 0  # the days in a row on the other side just before the stretch
    average_then: float | None = None  # the 7-day average at the start of the stretch and now
    average_now: float | None = None
    days_on_side: int = 0  # days on the side within the stretch, of days_in_stretch with data
    days_in_stretch: int = 0
    last_on_side: dt.date | None = None  # when not on the side now: the last day that was
    level_crossed_on: dt.date | None = None  # a stage change that took the level across onto the side
    level_before: float | None = None
    level_after: float | None = None


def on_side(values: np.ndarray, side: Side, threshold: float, higher_is_better: bool) -> np.ndarray:
    """Which values are on ``side`` of ``threshold`` ("short"/"meet" by the KPI's direction)."""
    if side == "below" or (side == "short" and higher_is_better):
        return values < threshold
    if side == "above" or side == "short":
        return values > threshold
    return values >= threshold if higher_is_better else values <= threshold


def side_run(dates: list[dt.date], values: np.ndarray, side: Side, threshold: float, higher_is_better: bool,
             ) -> dict[str, object]:
    """The stretch's dates and averages for days ``dates`` with ``values`` (no gaps: days without data left out)."""
    hit = on_side(values, side, threshold, higher_is_better)
    n = len(values)
    per = AVERAGE_DAYS if n and (dates[-1] - dates[0]).days < 2 * n else 1  # a weekly KPI's points are not smoothed
    avg = np.array([values[max(0, i - per + 1):i + 1].mean() for i in range(n)])
    avg_hit = on_side(avg, side, threshold, higher_is_better)
    out: dict[str, object] = {"on_side_now": bool(hit[-1]), "average_now": float(avg[-1])}
    if not hit[-1]:
        out["last_on_side"] = dates[int(np.flatnonzero(hit)[-1])] if hit.any() else None
        return out
    others = np.flatnonzero(~hit)
    out["every_day_since"] = dates[int(others[-1]) + 1] if len(others) else dates[0]
    out["last_other_day"] = dates[int(others[-1])] if len(others) else None
    avg_others = np.flatnonzero(~avg_hit)
    out["average_since"] = dates[int(avg_others[-1]) + 1] if len(avg_others) else dates[0]
    need = OTHER_RUN_DAYS if per > 1 else 2
    start, run, before = 0, 0, 0
    for i in range(n):  # the first day on the side after the last run of ``need`` days on the other side (or of
        run = 0 if hit[i] else run + 1  # a week at least, when the data begins with it)
        if run >= need or (run == i + 1 and run >= per):
            start, before = i + 1, run
    out["stretch_from_history_start"] = start == 0
    out["other_run_days"] = before
    out["stretch_from"] = dates[start]
    out["average_then"] = float(avg[min(n - 1, start + per - 1)])
    out["days_on_side"] = int(hit[start:].sum())
    out["days_in_stretch"] = n - start
    return out


def _level_crossed(daily: pd.Series, side: Side, threshold: float, higher_is_better: bool) -> dict[str, object]:
    """The latest stage change of the whole history when it took the level across ``threshold`` onto ``side`` (a
    step dates the stretch better than a stray day before it), else {}."""
    from tools.kpis.history import refined_stage_change  # (history imports this package's modules)

    idx = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    values = daily.reindex(idx).to_numpy(dtype=float)
    change = refined_stage_change(values, analyze_series(values, higher_is_better=higher_is_better))
    if change is None or change.kind != "level":
        return {}
    before, after = on_side(np.array([change.before_cl, change.after_cl]), side, threshold, higher_is_better)
    if before or not after:
        return {}
    return {"level_crossed_on": idx[change.index].date(), "level_before": float(change.before_cl),
            "level_after": float(change.after_cl)}


async def kpi_side_run(
    ctx: ToolContext, *, kpi: str, side: Side, threshold: float | None = None, station: str | None = None,
    region: str | None = None, summary_level: SummaryLevel | None = None, before: dt.date | None = None,
) -> ToolOutput[SideRun]:
    """How long a KPI at a scope has been ``side`` of ``threshold`` (its goal when None), over its whole history."""
    level: SummaryLevel = summary_level or ("station" if station else "region" if region else "company")
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, level, station if level == "station" else (region or station))
        if threshold is None and info.goal is None:
            raise ToolError(f"{info.name} has no goal configured, so there is no stretch below or above it to date")
        if threshold is None and level != "station" and info.aggregation == "sum":
            raise ToolError(f"the goal of {info.name} is per station; {scope.label}'s total is not held to it")
        latest = await last_day(session, ctx.org_id, ctx.today)
        since = await first_day(session, ctx.org_id, info.id, scope.station_ids)
        if latest is None or since is None:
            raise ToolError(f"there are no {info.name} points at {scope.label} yet")
        stop = min(before or latest, latest)
        daily = (await load_daily(session, ctx.org_id, info, scope.station_ids, since, stop)).dropna()
    if daily.empty:
        raise ToolError(f"there is no {info.name} data at {scope.label} up to {stop}")
    dates = [d.date() for d in daily.index]
    values = daily.to_numpy(dtype=float)
    goal = info.goal if threshold is None else threshold
    assert goal is not None  # (no goal raised above)
    level_value = float(goal)
    got = side_run(dates, values, side, level_value, info.higher_is_better)
    if got["on_side_now"]:
        got |= _level_crossed(daily, side, level_value, info.higher_is_better)
    result = SideRun(kpi=info, scope=scope, side=side, threshold=level_value, of_goal=threshold is None,
                     searched_from=dates[0], searched_to=dates[-1], latest_date=dates[-1], latest_value=float(values[-1]),
                     **got)
    what = f"{side} {'its goal ' if threshold is None else ''}{fmt_value(level_value, info)}"
    summary = (f"{info.name} at {scope.label}, {dates[0]}–{dates[-1]}: "
               + (f"{what} since {result.stretch_from} ({result.days_on_side} of {result.days_in_stretch} days); "
                  f"7-day average since {result.average_since}; every day since {result.every_day_since}"
                  if result.on_side_now else f"not {what} on {dates[-1]} (last on {result.last_on_side})"))
    evidence = [EvidenceDraft(
        kind="kpi_history", source="tools.kpis.kpi_side_run",
        ref={"tool": "kpi_side_run", "args": {"kpi": info.code, "summary_level": level, "code": scope.code, "side": side,
                                              "threshold": level_value, "before": stop.isoformat()},
             "query": f"every kpi_point of {info.code} over {len(scope.station_ids)} station(s), {info.aggregation} per day"},
        payload=result.model_dump(mode="json", exclude={"kpi", "scope"}) | {"kpi": info.code, "scope": scope.code or "company"},
        summary=summary,
    )]
    return ToolOutput(result=result, evidence=evidence)
