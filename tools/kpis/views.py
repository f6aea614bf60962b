"""Pure arithmetic for the question-shaped KPI tools (no database): window totals by the
KPI's own rule, periods at a grain, ranking order, "since when" of a signal, the latest
stage change anywhere in a series' history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tools.control_limits import SeriesAnalysis
from tools.kpis.analytics import current_state
from tools.kpis.recovery import recovery

PeriodGrain = Literal["day", "week", "month"]
# "since when" tolerates this many quiet points inside a run of signals
SIGNAL_RUN_GAP = 3


def aggregate(values: np.ndarray | list[float | None], aggregation: str) -> float | None:
    """A window's value by the KPI's rule: total for a sum KPI, mean otherwise (None without data)."""
    x = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    return float(x.sum() if aggregation == "sum" else x.mean())


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    value: float | None
    days: int  # observed days
    complete: bool  # the period lies wholly inside the asked window


def periods(daily: pd.Series, start: dt.date, end: dt.date, grain: PeriodGrain, aggregation: str) -> list[Period]:
    """Daily series (DatetimeIndex) → one value per day/week (Monday start)/calendar month inside [start, end]."""
    idx = pd.date_range(start, end, freq="D")
    s = daily.reindex(idx)
    if grain == "day":
        return [Period(d.date(), d.date(), None if not np.isfinite(v) else float(v), int(np.isfinite(v)), True)
                for d, v in zip(idx, s.to_numpy(dtype=float), strict=True)]
    if grain == "week":
        keys = [(d - pd.Timedelta(days=d.weekday())).date() for d in idx]
    else:
        keys = [d.date().replace(day=1) for d in idx]
    out: list[Period] = []
    frame = pd.DataFrame({"k": keys, "v": s.to_numpy(dtype=float)}, index=idx)
    for k, grp in frame.groupby("k", sort=True):
        first = k
        last = (first + dt.timedelta(days=6)) if grain == "week" else (
            (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date())
        vals = grp["v"].to_numpy(dtype=float)
        out.append(Period(max(first, start), min(last, end), aggregate(vals, aggregation),
                          int(np.isfinite(vals).sum()), first >= start and last <= end))
    return out


def rank_order(values: dict[str, float | None], higher_is_better: bool, order: Literal["best", "worst"]) -> list[str]:
    """Codes ordered best or worst first by the KPI's direction; no data last; ties by code."""
    have = [(c, v) for c, v in values.items() if v is not None]
    sign = -1.0 if higher_is_better else 1.0  # ascending key = best first
    best_first = sorted(have, key=lambda cv: (sign * cv[1], cv[0]))
    ordered = best_first if order == "best" else sorted(have, key=lambda cv: (-sign * cv[1], cv[0]))
    return [c for c, _ in ordered] + sorted(c for c, v in values.items() if v is None)


def better(a: float | None, b: float | None, higher_is_better: bool) -> int:
    """1 if a is better, -1 if b is, 0 if equal or unknown."""
    if a is None or b is None or a == b:
        return 0
    return 1 if (a > b) == higher_is_better else -1


def since_index(an: SeriesAnalysis, rule: str | None) -> int | None:
    """Where the current warning/critical state began: the stage start for a stage shift, else the first
    point of the run of bad signals that reaches the latest point (quiet gaps of up to SIGNAL_RUN_GAP points)."""
    last = an.last_index()
    if last is None:
        return None
    if rule == "stage_shift" and an.stages:
        st = an.stages[-1]
        return st.evidence_start if st.evidence_start is not None and st.evidence_start >= st.start else st.start
    bad = sorted({s.index for s in an.signals if s.direction == "bad" and s.state in ("warning", "critical")})
    start = last
    for i in reversed(bad):
        if i > start:
            continue
        if start - i <= SIGNAL_RUN_GAP + 1:
            start = i
        else:
            break
    return start


@dataclass(frozen=True)
class StageChange:
    index: int  # first point of the new stage
    before_cl: float
    after_cl: float
    confirmed_by: str | None
    kind: str = "level"  # "trend": the direction or slope turned there (tools.control_limits.trendbreak)


def latest_stage_change(an: SeriesAnalysis) -> StageChange | None:
    """The most recent stage boundary of the whole analysed history (None: one stage only)."""
    if len(an.stages) < 2:
        return None
    prev, last = an.stages[-2], an.stages[-1]
    return StageChange(last.start, float(prev.limits.cl), float(last.limits.cl), last.confirmed_by, last.kind or "level")


@dataclass(frozen=True)
class ConfiguredBreach:
    """The latest point (or the current stage) beyond what the organisation configured for the KPI."""

    state: Literal["warning", "critical"]
    rule: str
    since: int  # index of the first point of the breach


def configured_breach(values: np.ndarray, last: int, stage_start: int, stage_cl: float, *, higher_is_better: bool,
                      lower_limit: float | None, upper_limit: float | None, goal: float | None,
                      with_goal: bool) -> ConfiguredBreach | None:
    """Critical when the latest point lies beyond the configured limit on the bad side (lower limit for a
    higher-is-better KPI, upper limit otherwise); with ``with_goal``, a warning when the current stage's centre
    falls short of the configured goal. ``since`` is where the breach began (the run of breaching points)."""
    limit = lower_limit if higher_is_better else upper_limit
    v = float(values[last])
    if limit is not None and np.isfinite(v) and (v < limit if higher_is_better else v > limit):
        i = last
        while i > 0 and (not np.isfinite(values[i - 1]) or (values[i - 1] < limit if higher_is_better
                                                             else values[i - 1] > limit)):
            i -= 1
        side = "below the configured lower limit" if higher_is_better else "above the configured upper limit"
        return ConfiguredBreach("critical", f"{side} {limit:g}", i)
    if with_goal and goal is not None and (stage_cl < goal if higher_is_better else stage_cl > goal):
        return ConfiguredBreach("warning", f"stage centre {stage_cl:.4g} short of the configured goal {goal:g}",
                                stage_start)
    return None


@dataclass(frozen=True)
class KpiState:
    """A KPI series' state at its latest point, decided once for every tool (attention, compare, series, cards)."""

    state: str  # ok | warning | critical
    rule: str | None
    since: int | None  # index where the warning/critical state began (None when ok)
    upper_limit_kind: str  # "natural process limit" or "count limit" (the current stage's upper limit)


SEVERITY = {"warning": 1, "critical": 2}


def kpi_state(an: SeriesAnalysis, *, higher_is_better: bool, lower_limit: float | None = None,
              upper_limit: float | None = None, goal: float | None = None, with_goal: bool = False,
              configured: bool = True) -> KpiState:
    """The control-chart state of the latest point (its own signal or a recent bad stage change), raised by a
    breach of what the organisation configured for the KPI (``configured``: the configured limits apply to
    these values, i.e. daily values). The single place that decides "state"."""
    state, rule = current_state(an, higher_is_better)
    last = an.last_index()
    kind = an.stages[-1].limits.upper_kind if an.stages else "natural process limit"
    if last is None or not an.stages:
        return KpiState("ok", None, None, kind)
    since = since_index(an, rule) if state in ("warning", "critical") else None
    if configured:
        stage = an.stages[-1]
        rec = recovery(an, higher_is_better)  # back from a short excursion: the goal is held to the level since
        centre, start = (rec.recovered_mean, rec.since) if rec else (float(stage.limits.cl), stage.start)
        conf = configured_breach(an.values, last, start, centre,
                                 higher_is_better=higher_is_better, lower_limit=lower_limit,
                                 upper_limit=upper_limit, goal=goal, with_goal=with_goal)
        if conf is not None:  # the organisation's own limit/goal, besides (or instead of) an XmR signal
            xmr = f"; XmR: {rule}" if state in ("warning", "critical") and rule else ""
            if SEVERITY[conf.state] >= SEVERITY.get(str(state), 0):
                state = conf.state
            rule = conf.rule + xmr
            since = conf.since if since is None else min(since, conf.since)
    return KpiState(state, rule, since, kind)
