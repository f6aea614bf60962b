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


def steps_daily(full: np.ndarray | None, first: int, b: int, shift: float, per_day: int, jitter: int) -> bool:
    """Whether a stage that moved the level by ``shift`` from window index ``b`` is the same step as one at the same
    time of day (within ``jitter`` points) on one of the two days before — the hour after against the hour before,
    the same way and at least :data:`ECHO_SHARE` of its size: daytime traffic rising at 08:00 every morning, a
    nightly job's plateau — the service's rhythm, not a jump. ``full`` holds ``first`` points of history before the
    window. Where the data has no day before, the two days after are looked at instead (the first morning of an
    export)."""
    if full is None or per_day < 4 or not np.isfinite(shift) or shift == 0:
        return False
    x = np.asarray(full, dtype=np.float64)
    w = max(2, per_day // 24)  # an hour of points (two for hourly data)
    today = float(shift)
    before = [b + first - k * per_day for k in (1, 2) if b + first - k * per_day - w >= 0]
    days = before or [b + first + k * per_day for k in (1, 2) if b + first + k * per_day + w <= x.size]
    for j in days:
        for s in range(-jitter, jitter + 1):
            then = _step(x, j + s, w)
            if then is not None and then * np.sign(today) >= ECHO_SHARE * abs(today):
                return True
    return False


def _step(x: np.ndarray, i: int, w: int) -> float | None:
    """Mean of the ``w`` points from ``i`` minus the mean of the ``w`` before it (None without data either side)."""
    if i - w < 0 or i + w > x.size:
        return None
    a, b = x[i - w:i], x[i:i + w]
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return None
    return float(b.mean() - a.mean())
