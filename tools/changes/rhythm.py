"""Daily rhythm of critical points (pure numpy, no database): a nightly batch job or a daily peak beyond the
limits at the same time of day on the days before is the service's rhythm, not an onset."""

from __future__ import annotations

from typing import Any

import numpy as np

from tools.control_limits import SeriesAnalysis


def recurs_daily(an: SeriesAnalysis, points: list[int], per_day: int, jitter: int, raw: np.ndarray | None = None,
                 first: int = 0) -> bool:
    """Whether critical points recur at the same time of day on one of the two days before (a nightly batch
    job, a daily peak; a job skips a night now and then): then they are the service's rhythm, not an onset. Echoes are looked for in the analysed
    values and in the ``raw`` ones, which hold ``first`` points of history before the window (a job that runs
    at 03:50 one night and 04:05 the next is not taken out with the daily shape); ``per_day`` points make a day,
    ``jitter`` points either side are "the same time". Where the data has no day
    before, a short episode (two hours at most) that recurs on the two days after is rhythm too."""
    if per_day < 4 or not points:
        return False
    x = an.values
    full = np.asarray(raw, dtype=np.float64) if raw is not None and len(raw) == len(x) + first else None
    offset = first if full is not None else 0
    short = (points[-1] - points[0]) * 24 * 60 / per_day <= 120
    for i in points:
        st = next(s for s in an.stages if s.start <= i <= s.end)
        up = x[i] > st.cl
        days = [i - k * per_day for k in (1, 2) if i + offset - k * per_day - jitter >= 0]
        if not days and short:
            days = [i + k * per_day for k in (1, 2) if i + k * per_day + jitter < len(x)]
        if not any(_echo(x, full, first, j, jitter, st, up, float(x[i])) for j in days):
            return False
    return True


def _echo(x: np.ndarray, full: np.ndarray | None, first: int, j: int, jitter: int, st: Any, up: bool,
          value: float | None = None) -> bool:
    """Whether the series went beyond the stage's limit (the same side) within ``jitter`` points of ``j`` — and,
    given the ``value`` being echoed, at least :data:`ECHO_SHARE` of its distance from the centre (a point six
    times the usual level is no echo of yesterday's afternoon peak that just crossed the limit)."""
    parts = [x[max(0, j - jitter):max(0, j + jitter + 1)]]
    if full is not None:
        parts.append(full[max(0, j + first - jitter):max(0, j + first + jitter + 1)])
    near = np.concatenate(parts)
    near = near[np.isfinite(near)]
    if near.size == 0:
        return False
    bar = st.ucl if up else st.lcl
    if value is not None and np.isfinite(value):
        reach = st.cl + ECHO_SHARE * (value - st.cl)
        bar = max(bar, reach) if up else min(bar, reach)
    return bool(near.max() > bar if up else near.min() < bar)


#: An echo on an earlier day must reach at least this share of the episode's distance from the stage centre.
ECHO_SHARE = 0.5
