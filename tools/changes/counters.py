"""Cumulative counters in service telemetry (pure numpy, no database).

Many exporters send a counter's running total (``bytes_written_total``, ``http_requests_total``, a
``jobs_done_count`` that restarts at zero when the process does), not its rate. On the total, a service that
doubles its request rate only bends a line that always climbs, a restart is a cliff, and a scrape that failed
for half an hour is a gap after which the total jumped: onset detection and co-movement see nothing or the
wrong thing. Such a series is judged on its increase per point instead (:func:`to_increase`), as
Prometheus' ``increase()`` does: a drop is a reset (the process restarted and counts from zero again), and
the increase over a gap is spread over the points it spans.

A series is a counter (:func:`is_counter`) when its name says so (``_total``, ``_count``, ``counter``,
``cumulative``) and it almost never goes down, or — whatever its name — when it goes down only by falling
back to near zero (a reset) and rises on most steps. A gauge of the saturation role (memory, heap, disk used,
queue depth) is never taken for one by its shape alone: a leak that climbs until the process is restarted
looks just like a counter that resets.
"""

from __future__ import annotations

import re

import numpy as np

from tools.changes import roles

#: A name that says the series is a running total.
COUNTER_NAME = re.compile(r"(_total|_count|_counter|_cumulative)$|(^|[_.-])(counter|cumulative)([_.-]|$)", re.I)
#: Named a counter: at least this share of its steps must not go down (a few resets).
NAMED_MIN_NONDECREASING = 0.9
#: Not named one: at least this share of steps rise, and a drop lands below :data:`RESET_SHARE` of the level before.
SHAPE_MIN_RISING = 0.8
RESET_SHARE = 0.1
MIN_POINTS = 8


def is_counter(metric: str, values: np.ndarray, overrides: dict[str, str] | None = None) -> bool:
    """Whether ``values`` (in time order, NaN = missing) are the running total of a counter (see module doc)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < MIN_POINTS or np.any(x < 0):
        return False
    d = np.diff(x)
    rising = float(np.mean(d > 0))
    if COUNTER_NAME.search(metric):
        return float(np.mean(d >= 0)) >= NAMED_MIN_NONDECREASING and rising >= 0.3
    if roles.role_of(metric, overrides) == "saturation" or rising < SHAPE_MIN_RISING:
        return False
    drops = np.flatnonzero(d < 0)
    if drops.size > max(1, x.size // 50):
        return False
    return bool(np.all(x[drops + 1] <= RESET_SHARE * x[drops]))


def to_increase(values: np.ndarray) -> np.ndarray:
    """The increase per point of a running total on a regular grid (NaN = missing): a drop is a reset (the total
    after it is the increase since the restart); the increase over a gap is spread over the points it spans;
    NaN at the first point and where the total is missing."""
    x = np.asarray(values, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(x))
    if idx.size < 2:
        return out
    v = x[idx]
    inc = np.diff(v)
    inc = np.where(inc < 0, v[1:], inc)
    out[idx[1:]] = inc / np.diff(idx)
    return out


def as_increase(metric: str, values: np.ndarray, overrides: dict[str, str] | None = None) -> tuple[np.ndarray, bool]:
    """(values to analyse, whether they are a counter's increase per point instead of its running total)."""
    if is_counter(metric, values, overrides):
        return to_increase(values), True
    return np.asarray(values, dtype=np.float64), False
