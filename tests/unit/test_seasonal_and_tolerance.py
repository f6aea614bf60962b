"""The daily shape of service telemetry (tools.changes.seasonal) and the after-onset tolerance of the time score."""

from __future__ import annotations

import numpy as np
import pytest

from tools.changes import scoring, seasonal


def _cycle(days: int, per_day: int, rng: np.random.Generator, level: float = 50.0) -> np.ndarray:
    t = np.arange(days * per_day)
    return level + 12 * np.sin(2 * np.pi * t / per_day) + rng.normal(0, 1.0, t.size)


def test_a_daily_cycle_is_removed_and_a_level_shift_survives():
    rng = np.random.default_rng(7)
    x = _cycle(6, 288, rng)
    x[5 * 288 + 100:] += 20  # a shift on the last day
    adjusted, removed = seasonal.remove_daily_profile(x, 288)
    assert removed
    before, after = adjusted[4 * 288:5 * 288 + 100], adjusted[5 * 288 + 110:]
    assert np.std(before) < 2.5 < np.std(x[:4 * 288])  # the cycle (sd ~8.5) is gone, the noise (sd 1) stays
    assert np.mean(after) - np.mean(before) == pytest.approx(20, abs=3)


def test_no_cycle_or_too_little_history_changes_nothing():
    rng = np.random.default_rng(8)
    flat = 50 + rng.normal(0, 1, 6 * 288)
    assert seasonal.remove_daily_profile(flat, 288)[1] is False
    short = _cycle(2, 288, rng)  # two days are not enough to tell a shape from a bad day
    out, removed = seasonal.remove_daily_profile(short, 288)
    assert removed is False and np.array_equal(out, short)
    assert seasonal.points_per_day(5) == 288 and seasonal.points_per_day(60) == 24 and seasonal.points_per_day(7) == 0


def test_a_multiplicative_cycle_shrinks_with_its_level():
    """Positive metrics are handled on the log scale: after a 90% drop the cycle is a tenth as big, and the
    adjusted series does not get the old cycle's amplitude subtracted from it."""
    rng = np.random.default_rng(9)
    t = np.arange(6 * 24)
    level = np.where(t < 5 * 24, 1e6, 1e5)
    x = level * (1 + 0.3 * np.sin(2 * np.pi * t / 24)) * (1 + rng.normal(0, 0.02, t.size))
    adjusted, removed = seasonal.remove_daily_profile(x, 24)
    assert removed and adjusted.min() > 0
    tail = adjusted[5 * 24 + 2:]
    assert np.std(tail) / np.mean(tail) < 0.08  # the raw tail varies by ±30%


def test_time_score_after_an_estimated_onset():
    assert scoring.time_score(-5, 90) == 0.0  # a given onset: strict
    assert 0 < scoring.time_score(-20, 90, after_tolerance=60) < scoring.time_score(20, 90, after_tolerance=60)
    assert scoring.time_score(-61, 90, after_tolerance=60) == 0.0
    assert scoring.time_score(-30, 90, after_tolerance=60, after_grace=60) > 0.8  # inside the first hourly point
    assert scoring.time_score(0, 90, after_tolerance=5, after_grace=5) > scoring.time_score(
        -3, 90, after_tolerance=5, after_grace=5) > scoring.time_score(-6, 90, after_tolerance=5, after_grace=5)


def test_the_grid_follows_the_usual_spacing_of_a_jittered_export():
    import datetime as dt

    from tools.changes.onset import to_grid

    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rows = [(t0 + dt.timedelta(minutes=5 * i), float(i)) for i in range(100)]
    rows[40] = (rows[40][0] + dt.timedelta(minutes=1), 40.0)  # a minute late
    rows.insert(71, (rows[70][0] + dt.timedelta(seconds=20), 1000.0))  # a second sample in the same slot
    grid, values = to_grid(rows)
    assert len(grid) == 100 and grid[1] - grid[0] == dt.timedelta(minutes=5)
    assert values[40] == 40.0 and values[70] == (70.0 + 1000.0) / 2 and np.isfinite(values).all()
    empty_grid, empty = to_grid([])
    assert empty_grid == [] and empty.size == 0
