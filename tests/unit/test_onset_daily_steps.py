"""A level that steps up and down at the same hours every day (a sorting line's shift, a ticket office's opening
hours) is the rhythm, not an onset — even with too few days of data to estimate a daily shape; a step at an hour
with no such daily step is still an onset (pure: no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tools.changes import rhythm
from tools.changes.models import MetricOnset
from tools.changes.onset import detect_onset

END = dt.datetime(2026, 5, 6, 15, 0, tzinfo=dt.UTC)


def _series(days: int, step_min: int, seed: int, extra_at: dt.datetime | None = None) -> tuple[list[dt.datetime], np.ndarray]:
    rng = np.random.default_rng(seed)
    n = days * 24 * 60 // step_min
    grid = [END - dt.timedelta(minutes=step_min * (n - 1 - i)) for i in range(n)]
    x = np.array([(55.0 if 6 <= t.hour < 18 else 20.0) + rng.normal(0, 1.2) for t in grid])
    if extra_at is not None:
        x += np.array([30.0 if t >= extra_at else 0.0 for t in grid])
    return grid, x


def _onset(grid: list[dt.datetime], x: np.ndarray, metric: str, hours: int = 24) -> MetricOnset:
    start = grid[-1] - dt.timedelta(hours=hours)
    first = next(i for i, t in enumerate(grid) if t > start)
    r = MetricOnset(service="sorter-line-b", metric=metric, start=start, end=grid[-1], n_points=len(grid) - first)
    detect_onset(r, grid, x, None, first=first)
    return r


@pytest.mark.parametrize("step_min", [5, 60])
@pytest.mark.parametrize("metric", ["parcels_per_min", "belt_wait_ms"])
@pytest.mark.parametrize("seed", range(3))
def test_the_daily_shift_start_is_no_onset(step_min, metric, seed):
    grid, x = _series(2, step_min, seed)
    r = _onset(grid, x, metric)
    assert r.onset is None, (r.onset, r.method, r.before_level, r.after_level)


@pytest.mark.parametrize("seed", range(3))
def test_a_step_at_an_hour_with_no_daily_step_is_an_onset(seed):
    at = END - dt.timedelta(hours=3)  # 12:00, mid-shift
    grid, x = _series(2, 5, seed, extra_at=at)
    r = _onset(grid, x, "belt_wait_ms")
    assert r.onset is not None and abs(r.onset - at) <= dt.timedelta(minutes=15), (r.onset, r.method)


def test_steps_daily_needs_the_same_way_and_half_the_size():
    x = np.r_[np.zeros(10), np.ones(14), np.zeros(10), np.ones(14)]  # "days" of 24 points, a step at 10 and 34
    assert rhythm.steps_daily(x, 24, 10, 1.0, 24, 1)  # window index 10 = 34 overall; the day before stepped too
    assert not rhythm.steps_daily(x, 24, 10, -1.0, 24, 1)  # a fall where the day before rose is no echo
    assert not rhythm.steps_daily(x, 24, 10, 3.0, 24, 1)  # three times yesterday's step is more than the rhythm
    assert not rhythm.steps_daily(None, 24, 10, 1.0, 24, 1) and not rhythm.steps_daily(x, 24, 10, 1.0, 0, 1)
