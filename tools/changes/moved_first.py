"""Which changes' own services visibly moved, for a KPI's step (pure: no database).

A KPI value covers a whole day (or week), so every change made inside it is "at the onset" by time alone; what tells
them apart is whether the changed service's own metrics (error rate, latency) left their pre-change limits right
after it. A change whose service's metrics were checked and stayed flat is kept below one whose service's metrics
moved right after it (:func:`moved_first`) — however risky the flat one looks on paper.

The metric windows around a change follow the service's own spacing (:func:`windows`): a service reporting hourly
error rates or latency needs more than the two hours before a change to set its limits, and at least one point after
it (a service reporting only metrics of no known direction keeps the default windows: over a longer hourly window
its daily cycle and a dependency's effects are no sign of harm).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tools.changes.models import AFTER, BASELINE
from tools.changes.scoring import MOVED, PLAUSIBLE_FLOOR

#: A change whose service's metrics stayed flat keeps at most this share of the best one whose service's moved.
FLAT_SHARE = 0.6
#: The baseline before a change holds at least this many of its service's points (the XmR limits need six).
BASELINE_POINTS = 8


def windows(spacing: dt.timedelta) -> tuple[dt.timedelta, dt.timedelta]:
    """(baseline, after) windows around a change on a service whose points are ``spacing`` apart: at least
    :data:`BASELINE_POINTS` points before it, at least one point after it (never shorter than the defaults)."""
    return max(BASELINE, BASELINE_POINTS * spacing), max(AFTER, spacing)


def moved_first(comovements: Sequence[float | None], raws: Sequence[float], distances: Sequence[int]) -> list[float]:
    """Raw scores with every change whose own service's metrics were checked and stayed flat (co-movement below
    :data:`MOVED`) kept at most :data:`FLAT_SHARE` of the best change whose service's metrics moved right after it
    and that is no further from the KPI (a flat change on a service behind the KPI is not held below a dependency's
    that moved: a setting can change what customers see without errors), when that one is plausible on its own (raw
    ≥ :data:`PLAUSIBLE_FLOOR`). Changes whose services report no metrics keep theirs."""
    out = list(raws)
    for i, (c, r, d) in enumerate(zip(comovements, raws, distances, strict=True)):
        if c is None or c >= MOVED:
            continue
        best = max((r2 for c2, r2, d2 in zip(comovements, raws, distances, strict=True)
                    if c2 is not None and c2 >= MOVED and d2 <= d), default=0.0)
        if best >= PLAUSIBLE_FLOOR:
            out[i] = min(r, FLAT_SHARE * best)
    return out
