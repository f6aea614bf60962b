"""A short excursion that is over is not the current state.

The stage detector (:mod:`tools.control_limits`) may open a new stage where a KPI moved the wrong way and keep the
days after it came back in that same stage; the stage's centre then mixes the excursion with the recovery ("centre
99.36" when the series dipped for four days and has been back at its usual 99.7 since). Reading such a stage as a
lasting shift calls a KPI critical that is fine today. :func:`recovery` tells the two apart on the values alone: the
latest :data:`RECOVERED_POINTS` or more points are all back inside the previous stage's limits and nearer its centre
than the current stage's, after at least one point of the current stage beyond the previous stage's limit on the bad
side. A real lasting shift keeps its recent points at the new level and stays a shift.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from tools.control_limits import SeriesAnalysis

# Three points in a row: one point of a lasting shift of three sigma lands nearer the old centre than the new one
# with probability ~7% (1.5 sigma on the far side), three in a row ~0.03% — while a recovery of a few days is seen
# as soon as it is three days old (a dip of four days back for five is read as recovered, not as the new level).
RECOVERED_POINTS = 3


@dataclass(frozen=True)
class Recovery:
    start: int  # first point of the excursion (the current stage's start)
    end: int  # last point beyond the previous stage's limit on the bad side
    since: int  # first point of the trailing run back inside the previous stage's limits
    extreme: float  # the excursion's worst value
    before_cl: float  # the previous stage's centre (the usual level it came back to)
    recovered_mean: float  # the mean of the points since it came back


def recovery(an: SeriesAnalysis, higher_is_better: bool) -> Recovery | None:
    """The current stage's bad-direction excursion when the latest points are back at the previous level, else None."""
    if len(an.stages) < 2:
        return None
    prev, cur = an.stages[-2], an.stages[-1]
    if (cur.kind or "level") != "level":
        return None
    down = cur.limits.cl < prev.limits.cl
    if down != higher_is_better:  # an improvement: nothing to recover from
        return None
    vals = an.values
    mid = (prev.limits.cl + cur.limits.cl) / 2

    def back(v: float) -> bool:  # inside the previous stage's limits and on its side of the two centres
        return bool(prev.limits.lcl <= v <= prev.limits.ucl and (v > mid if down else v < mid))

    def beyond(v: float) -> bool:  # beyond the previous stage's limit on the bad side
        return bool(v < prev.limits.lcl if down else v > prev.limits.ucl)

    run: list[int] = []
    i = cur.end
    while i >= cur.start:
        v = float(vals[i])
        if np.isfinite(v):
            if not back(v):
                break
            run.append(i)
        i -= 1
    if len(run) < RECOVERED_POINTS or i < cur.start:
        return None
    out = [j for j in range(cur.start, i + 1) if np.isfinite(vals[j]) and beyond(float(vals[j]))]
    if not out:
        return None
    worst = min if down else max
    return Recovery(start=cur.start, end=out[-1], since=run[-1], extreme=float(worst(vals[j] for j in out)),
                    before_cl=float(prev.limits.cl), recovered_mean=float(np.mean([vals[j] for j in run])))


class RecoveredItem(BaseModel):
    """A series of the attention list's scope that is fine now after a short excursion that ended recently."""

    kpi: str
    kpi_name: str
    station: str
    start: dt.date = Field(description="first day of the excursion")
    end: dt.date = Field(description="last day beyond the earlier limits")
    since: dt.date = Field(description="back within the earlier limits since this day")


def recovered_item(rec: Recovery, kpi: str, kpi_name: str, station: str, days: Sequence[Any]) -> RecoveredItem:
    """``days``: the analysed series' dates (pandas timestamps or dates), one per index."""
    def day(i: int) -> dt.date:
        d = days[i]
        return d.date() if hasattr(d, "date") and callable(d.date) else d

    return RecoveredItem(kpi=kpi, kpi_name=kpi_name, station=station, start=day(rec.start), end=day(rec.end),
                         since=day(rec.since))
