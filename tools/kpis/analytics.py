"""Pure KPI series arithmetic (pandas/numpy): windows, weekly roll-up, YoY, summaries.

No database here: the functions take the daily aggregated series (one value a
day, NaN for gaps) that :mod:`tools.kpis.queries` loads, so they are testable
and fast on their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tools.control_limits import SeriesAnalysis, analyze_series
from tools.kpis.recovery import recovery

Grain = Literal["daily", "weekly"]

DEFAULT_DAYS = 30
DEFAULT_WEEKS = 53
YOY_DAYS = 365
YOY_WEEKS = 53
# How much history stage detection sees before the window (limits need a baseline).
ANALYSIS_DAYS = 120
ANALYSIS_WEEKS = 104


@dataclass(frozen=True)
class Window:
    grain: Grain
    start: dt.date  # first period shown
    end: dt.date  # last period shown (a day, or a week's Monday)
    analysis_start: dt.date  # first period stage detection sees
    load_start: dt.date  # first day to load (YoY needs a year more)


def week_start(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def plan_window(grain: Grain, last_day: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Window:
    """Default windows: the last 30 days, or the last 53 complete weeks, ending at ``last_day``."""
    end_day = min(end or last_day, last_day)
    if grain == "daily":
        first = start or end_day - dt.timedelta(days=DEFAULT_DAYS - 1)
        analysis = min(first, end_day - dt.timedelta(days=ANALYSIS_DAYS - 1))
        load = analysis - dt.timedelta(days=YOY_DAYS)
        return Window("daily", first, end_day, analysis, load)
    # Weekly: only complete Monday–Sunday weeks, so a sum KPI never shows a partial week as a drop.
    last_week = week_start(end_day) if end_day.weekday() == 6 else week_start(end_day) - dt.timedelta(days=7)
    first_week = week_start(start) if start else last_week - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
    analysis = min(first_week, last_week - dt.timedelta(weeks=ANALYSIS_WEEKS - 1))
    load = analysis - dt.timedelta(weeks=YOY_WEEKS)
    return Window("weekly", first_week, last_week, analysis, load)


def to_grain(daily: pd.Series, grain: Grain, aggregation: str) -> pd.Series:
    """Daily series (DatetimeIndex, NaN gaps) → the requested grain, by the KPI's own rule."""
    if grain == "daily":
        return daily
    weekly = daily.resample("W-MON", label="left", closed="left")  # Monday-start weeks
    out = weekly.sum(min_count=1) if aggregation == "sum" else weekly.mean()
    # A week with fewer than 4 observed days is not a trustworthy weekly value.
    counts = weekly.count()
    out[counts < 4] = np.nan
    out.index = out.index.normalize()
    return out


def yoy(series: pd.Series, grain: Grain) -> pd.Series:
    """The value one year earlier for each point (365 days / 53 weeks back)."""
    offset = pd.Timedelta(days=YOY_DAYS) if grain == "daily" else pd.Timedelta(weeks=YOY_WEEKS)
    return series.reindex(series.index - offset).set_axis(series.index)


@dataclass
class SeriesView:
    """A KPI series at one grain: the window shown plus its control-chart analysis."""

    dates: list[dt.date]
    values: np.ndarray
    yoy_values: np.ndarray
    analysis: SeriesAnalysis  # over the analysis range (window plus history)
    offset: int  # index of the window's first point inside the analysis range

    def window_slice(self, arr: np.ndarray) -> np.ndarray:
        return arr[self.offset :]


def build_view(daily: pd.Series, window: Window, aggregation: str, higher_is_better: bool | None) -> SeriesView:
    """Aggregate to the grain, analyse the analysis range, cut out the window."""
    full_index = pd.date_range(window.load_start, window.end + dt.timedelta(days=6 if window.grain == "weekly" else 0))
    daily = daily.reindex(full_index)
    series = to_grain(daily, window.grain, aggregation)
    freq = "D" if window.grain == "daily" else "7D"
    idx = pd.date_range(window.load_start if window.grain == "daily" else week_start(window.load_start), window.end, freq=freq)
    series = series.reindex(idx)
    prior = yoy(series, window.grain)
    analysed = series[series.index >= pd.Timestamp(window.analysis_start)]
    analysis = analyze_series(analysed.to_numpy(dtype=float), higher_is_better=higher_is_better)
    offset = int(np.searchsorted(analysed.index.values, np.datetime64(pd.Timestamp(window.start))))
    shown = analysed.iloc[offset:]
    return SeriesView(
        dates=[d.date() for d in shown.index],
        values=shown.to_numpy(dtype=float),
        yoy_values=prior.reindex(shown.index).to_numpy(dtype=float),
        analysis=analysis,
        offset=offset,
    )


RECENT_SHIFT_POINTS = 21


def current_state(analysis: SeriesAnalysis, higher_is_better: bool) -> tuple[str, str | None]:
    """State of the latest point: its own signal, or a recent bad stage change.

    A sustained shift becomes a new stage whose limits contain the new level, so
    the latest point may fire no rule at all; a change in the bad direction that
    started within the last three weeks of points is still news. It is critical
    when the new centre lies beyond the previous stage's limits — unless the change
    was a short excursion that is over (:func:`tools.kpis.recovery.recovery`: the
    latest points are back at the previous level), which is the latest point's own state.
    """
    state, rule = analysis.latest_state()
    if state == "critical" or len(analysis.stages) < 2:
        return state, rule
    last = analysis.last_index()
    prev, cur = analysis.stages[-2], analysis.stages[-1]
    if last is None or last - cur.start >= RECENT_SHIFT_POINTS:
        return state, rule
    down = cur.limits.cl < prev.limits.cl
    if down != higher_is_better or recovery(analysis, higher_is_better) is not None:
        return state, rule
    beyond = cur.limits.cl < prev.limits.lcl if down else cur.limits.cl > prev.limits.ucl
    if beyond:
        return "critical", "stage_shift"
    return (state, rule) if state == "warning" else ("warning", "stage_shift")


def safe(x: float | np.floating | None, decimals: int = 6) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else round(x, decimals)
