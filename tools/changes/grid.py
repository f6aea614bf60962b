"""Service metric points on a regular grid (pure: no database)."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np


def to_grid(rows: list[tuple[dt.datetime, float]]) -> tuple[list[dt.datetime], np.ndarray]:
    """Points (in time order) on a regular grid at their usual spacing; gaps are NaN.

    The spacing is the smallest *usual* gap between points (:func:`_usual_gap`), not the smallest: real exports
    jitter (a point a minute late, a repeated hour at a daylight-saving change), and one short gap must not turn
    a 5-minute series into a 1-minute grid that is 80% holes; nor is it the median, as an exporter that drops
    every third point would make a 5-minute series a 10-minute one. Points on the same grid slot are averaged.
    """
    if not rows:
        return [], np.array([])
    ts = [r[0] for r in rows]
    step = dt.timedelta(minutes=5)
    if len(ts) > 1:
        gaps = sorted(b - a for a, b in itertools.pairwise(ts) if b > a)
        step = _usual_gap(gaps) if gaps else step
    n = round((ts[-1] - ts[0]) / step) + 1
    grid = [ts[0] + step * i for i in range(n)]
    sums, counts = np.zeros(n), np.zeros(n)
    for t, v in rows:
        i = min(n - 1, round((t - ts[0]) / step))
        sums[i] += v
        counts[i] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return grid, values


#: A spacing is "usual" when at least this share of the gaps between points is within 10% of it.
USUAL_GAP_SHARE = 0.2


def _usual_gap(gaps: list[dt.timedelta]) -> dt.timedelta:
    """The spacing of a series from its sorted gaps: the smallest gap that at least :data:`USUAL_GAP_SHARE` of
    them are (within 10%) — an exporter that drops every third point has gaps of 5 and 10 minutes, and its
    spacing is 5 — else the median gap (jitter: a point a minute late is no 1-minute spacing)."""
    secs = np.array([g.total_seconds() for g in gaps])
    lo = np.searchsorted(secs, secs * 0.9, side="left")
    hi = np.searchsorted(secs, secs * 1.1, side="right")
    usual = np.nonzero(hi - lo >= USUAL_GAP_SHARE * secs.size)[0]
    if not usual.size:
        return gaps[len(gaps) // 2]
    i = int(usual[0])  # the median of the gaps around the first usual one (4m40s next to 97 gaps of 5 min is 5)
    return gaps[(int(lo[i]) + int(hi[i]) - 1) // 2]
