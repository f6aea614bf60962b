"""Cumulative counters as onset input (tools/changes/counters.py): a running total is judged on its increase
per point — a restart (the total falls back to zero) and a scrape gap are no onset, a rate step is."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tools.changes import counters
from tools.changes.models import MetricOnset
from tools.changes.onset import detect_onset

STEP = dt.timedelta(minutes=5)
T0 = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


def _total(rng: np.random.Generator, n: int, step_at: int, reset_at: int | None, gap: tuple[int, int] | None
           ) -> np.ndarray:
    rate = np.where(np.arange(n) >= step_at, 260.0, 120.0) + rng.normal(0, 12, n)
    total = np.cumsum(np.maximum(rate, 0.0)) + 5e6
    if reset_at is not None:
        total[reset_at:] -= total[reset_at - 1] - rate[reset_at]  # the process restarted and counts from zero
    if gap is not None:
        total[gap[0]:gap[1]] = np.nan  # the scraper was down
    return total


def test_a_counter_by_its_name_and_by_its_shape():
    rng = np.random.default_rng(7)
    total = _total(rng, 400, 300, 150, (200, 206))
    assert counters.is_counter("orders_placed_total", total)
    assert counters.is_counter("bytes_in", total)  # no suffix: it only climbs, and falls back to ~0 once
    gauge = 50 + rng.normal(0, 3, 400)
    assert not counters.is_counter("inflight_total", gauge)  # a gauge named oddly is no counter
    assert not counters.is_counter("bytes_in", gauge)
    leak = np.concatenate([np.linspace(5, 900, 200), np.linspace(5, 900, 200)])
    assert counters.is_counter("jobs_seen", leak)  # the shape alone: climbs, falls back to ~0
    assert not counters.is_counter("heap_used_mb", leak)  # a leak restarted looks just like it: saturation, never


def test_increase_spreads_a_gap_and_reads_a_drop_as_a_restart():
    x = np.array([10.0, 14.0, np.nan, np.nan, 26.0, 3.0, 8.0])
    inc = counters.to_increase(x)
    assert np.isnan(inc[0]) and inc[1] == 4.0 and np.isnan(inc[2])
    assert inc[4] == pytest.approx(4.0)  # 12 over three points
    assert inc[5] == 3.0 and inc[6] == 5.0  # restarted at 0: 3 since the restart


@pytest.mark.parametrize("seed", range(6))
def test_a_rate_step_on_a_running_total_is_the_onset_not_the_restart(seed):
    rng = np.random.default_rng(seed)
    n = 288 * 2
    step_at, reset_at = 500, 380
    total = _total(rng, n, step_at, reset_at, (430, 437))
    grid = [T0 + STEP * i for i in range(n)]
    first = 288
    r = MetricOnset(service="ledger", metric="rows_written_total", start=grid[first - 1], end=grid[-1], n_points=n)
    detect_onset(r, grid, total, first=first)
    assert r.per_point == "5 min"
    assert r.onset is not None and abs(r.onset - grid[step_at]) <= 2 * STEP, (r.onset, grid[step_at])
    assert r.direction == "up" and r.after_level > 1.8 * r.before_level
