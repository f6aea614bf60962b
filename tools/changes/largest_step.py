"""The largest lasting step of a metric (pure: no database): with no date named, "what changed before <metric> went
up?" asks about the biggest move of its level, relative to its noise, that it has not given back — not the latest
small move on top of it (p99 192 → 660 ms nine days ago, then 660 → 687 ms last night: "p99 jumped" is the first)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tools.changes.models import MetricOnset
from tools.changes.onset_index import refine_boundary

#: A step counts only when its centre moved by at least this many sigmas (the noisier of the two stages').
MIN_SIGMAS = 2.0
#: Every stage after the step stays at least this share of it beyond where it started (it was not given back).
HELD = 0.5
#: ... and for at least this long (a rise every morning that falls every evening is a rhythm, not a step).
MIN_HELD = dt.timedelta(hours=24)


def _bad(delta: float, hib: bool | None) -> bool:
    return delta != 0 and (hib is None or (delta < 0) == hib)


def largest_held_step(result: MetricOnset, grid: list[dt.datetime], values: np.ndarray, hib: bool | None) -> bool:
    """Re-date ``result``'s onset to the stage boundary with the largest move the bad way (for ``hib`` None, either
    way) in sigmas, among those still held at the end of the series. Returns whether there was one."""
    st = result.stages
    best: tuple[float, int] | None = None
    for k in range(1, len(st)):
        delta = st[k].cl - st[k - 1].cl
        if not _bad(delta, hib):
            continue
        sigma = max((st[k - 1].ucl - st[k - 1].cl) / 3.0, (st[k].ucl - st[k].cl) / 3.0)
        size = abs(delta) / sigma if np.isfinite(sigma) and sigma > 0 else float("inf")
        held = st[-1].end - st[k].start >= MIN_HELD and all(
            (st[j].cl - st[k - 1].cl) / delta >= HELD for j in range(k, len(st)))
        if size >= MIN_SIGMAS and held and (best is None or size > best[0]):
            best = (size, k)
    if best is None:
        return False
    k = best[1]
    index = {t: i for i, t in enumerate(grid)}
    lo, b0, hi = index[st[k - 1].start], index[st[k].start], index[st[k].end]
    b = refine_boundary(values, b0, lo, hi)
    result.onset, result.method = grid[b], "stage_change"
    result.before_level = float(np.nanmean(values[lo:b])) if b > lo else st[k - 1].cl
    result.after_level = float(np.nanmean(values[b:hi + 1]))
    result.direction = "up" if result.after_level > result.before_level else "down"
    return True
