"""Slow drifts in service telemetry (pure numpy, no database).

A metric that drifts (a leak filling memory, a queue backing up, latency creeping up over hours) is cut by stage
detection into a staircase of small steps, and "the latest stage that moved the bad way" is the top of the
stairs — hours after the drift began, when the change that started it is long out of reach. The onset of a
drift is where it starts. :func:`ramp_start` fits the stretch around the staircase two ways — as the stages
(one level per stage) and as flat → straight ramp → flat (a level, a ramp from ``t1`` to ``t2``, a level) — and
when the ramp explains it better (BIC: the stages pay for every level and boundary, the ramp for four numbers)
and lasts a few points, the ramp's start is the onset. A step (a ramp one or two points long) and two separate
steps hours apart (a ramp fits them worse than two levels) keep the stage's own start.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: A ramp at least this many points long is a drift (shorter: a step, whose stage start stands).
MIN_RAMP_POINTS = 4
#: The most points fitted (the baseline before the stairs is cut to fit); candidate ramp ends are thinned
#: beyond :data:`MAX_CANDIDATES` so the search stays O(candidates² · points).
MAX_SPAN = 432
MAX_CANDIDATES = 160


def ramp_start(x: np.ndarray, stages: Sequence[tuple[int, int, float]], k: int, sign: float) -> int | None:
    """Where the drift that stage ``k`` tops began, or None when the stages explain the stretch as well.

    ``stages``: (start, end, centre) per stage, in order; ``k``: the stage whose start is the onset found;
    ``sign``: +1 when up is the bad way, -1 when down, 0 either way (the ramp must go the way stage ``k`` moved).
    """
    if k < 1 or k >= len(stages):
        return None
    cl = [s[2] for s in stages]
    way = np.sign(cl[k] - cl[k - 1]) if sign == 0 else sign
    if way == 0 or (cl[k] - cl[k - 1]) * way <= 0:
        return None
    m = k
    while m - 1 >= 1 and (cl[m - 1] - cl[m - 2]) * way > 0:  # the staircase: every step the same way
        m -= 1
    end = stages[k][1]
    lo = max(stages[m - 1][0], end - MAX_SPAN + 1)
    if lo >= stages[m][0]:
        return None
    idx = np.arange(lo, end + 1)
    y = np.asarray(x[lo:end + 1], dtype=np.float64)
    ok = np.isfinite(y)
    t, y = idx[ok], y[ok]
    n = t.size
    if n < 3 * MIN_RAMP_POINTS:
        return None
    sse_stages = 0.0
    levels = 0
    for s0, s1, _ in stages[m - 1:k + 1]:
        seg = y[(t >= s0) & (t <= s1)]
        if seg.size:
            sse_stages += float(((seg - seg.mean()) ** 2).sum())
            levels += 1
    best = _best_ramp(t, y, way, first=lo + MIN_RAMP_POINTS)  # a few points of level before it
    if best is None:
        return None
    sse_ramp, t1, t2 = best
    if t2 - t1 < MIN_RAMP_POINTS or t1 >= stages[k][0]:
        return None
    return _first_after(t, t1) if _bic(sse_ramp, n, 4) < _bic(sse_stages, n, 2 * levels - 1) else None


def ramp_into(x: np.ndarray, lo: int, start: int, hi: int, sign: float) -> int | None:
    """Where a climb that an episode beyond the limits (from ``start``) only continues began, or None.

    The stretch ``[lo, hi]`` (the episode's stage up to the episode's end) is fitted as a level with a step at
    ``start`` and as flat → ramp → flat going ``sign`` (+1 up, -1 down): when the ramp explains it better (BIC)
    and began a few points before ``start``, the series was drifting before it crossed the limits."""
    if sign == 0 or hi - lo < 3 * MIN_RAMP_POINTS:
        return None
    lo = max(lo, hi - MAX_SPAN + 1)
    if start - lo < 2 * MIN_RAMP_POINTS:
        return None
    idx = np.arange(lo, hi + 1)
    y = np.asarray(x[lo:hi + 1], dtype=np.float64)
    ok = np.isfinite(y)
    t, y = idx[ok], y[ok]
    n = t.size
    if n < 3 * MIN_RAMP_POINTS:
        return None
    a, b = y[t < start], y[t >= start]
    if a.size < MIN_RAMP_POINTS or b.size == 0:
        return None
    sse_step = float(((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum())
    best = _best_ramp(t, y, sign, first=lo + MIN_RAMP_POINTS)
    if best is None:
        return None
    sse_ramp, t1, t2 = best
    if t2 - t1 < MIN_RAMP_POINTS or t1 > start - MIN_RAMP_POINTS:
        return None
    return _first_after(t, t1) if _bic(sse_ramp, n, 4) < _bic(sse_step, n, 3) else None


def rose_the_day_before(full: np.ndarray | None, first: int, t1: int, t: int, per_day: int, way: float) -> bool:
    """Whether the series (``full``: with ``first`` points of history before the window) moved ``way`` from
    ``t1`` to ``t`` (window indexes) on the day before by at least half as much as on the day itself: then the
    "climb" is the daily rhythm (a cycle too weak or too gappy to be taken out first), not a drift."""
    if full is None or per_day < 4 or way == 0:
        return False
    x = np.asarray(full, dtype=np.float64)

    def level(i: int) -> float:
        part = x[max(0, i - 2):max(0, i + 3)]
        part = part[np.isfinite(part)]
        return float(part.mean()) if part.size else float("nan")

    today = (level(t + first) - level(t1 + first)) * way
    before = (level(t + first - per_day) - level(t1 + first - per_day)) * way
    if t1 + first - per_day - 2 < 0 or not (np.isfinite(today) and np.isfinite(before)):
        return False
    return today > 0 and before >= 0.5 * today


def _first_after(t: np.ndarray, t1: int) -> int:
    """The first point on the ramp: the fit's hinge ``t1`` is the last point still at the level before it."""
    later = t[t > t1]
    return int(later[0]) if later.size else int(t1)


def _bic(sse: float, n: int, params: int) -> float:
    return float(n * np.log(max(sse, 1e-12) / n) + params * np.log(n))


def _best_ramp(t: np.ndarray, y: np.ndarray, way: float, first: int) -> tuple[float, int, int] | None:
    """(SSE, t1, t2) of the best flat → ramp → flat fit going ``way``, its start no earlier than ``first``."""
    cands = np.unique(t[t >= first])
    if cands.size > MAX_CANDIDATES:
        cands = cands[np.linspace(0, cands.size - 1, MAX_CANDIDATES).round().astype(int)]
    if cands.size < 2:
        return None
    yc = y - y.mean()
    syy = float((yc ** 2).sum())
    best: tuple[float, int, int] | None = None
    for i, t1 in enumerate(cands[:-1]):
        t2 = cands[i + 1:]  # every later end at once
        u = np.clip((t[None, :] - t1) / (t2[:, None] - t1), 0.0, 1.0)
        uc = u - u.mean(axis=1, keepdims=True)
        suu = (uc ** 2).sum(axis=1)
        suy = uc @ yc
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.where(suu > 0, suy / suu, 0.0)
            sse = np.where(suu > 0, syy - suy * slope, syy)
        sse = np.where(slope * way > 0, sse, np.inf)
        j = int(np.argmin(sse))
        if np.isfinite(sse[j]) and (best is None or sse[j] < best[0]):
            best = (float(sse[j]), int(t1), int(t2[j]))
    return best
