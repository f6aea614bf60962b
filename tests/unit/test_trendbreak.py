"""Abrupt changes of trend (issue #13, ninth pass: :mod:`tools.control_limits.trendbreak`).

A short series that climbs and then falls, or grows and then stalls, has no
step for a level search to find: before this pass it got no stage (or level
steps in the wrong places).  Straight-line stages now find where the direction
turned, report the stage with ``kind="trend"``; a steady trend under AR(1)
noise, random walks with or without drift and a trending seasonal series must
not gain stages.  Seeded; a second organisation's metrics (a bike-share
co-op's weekly sign-ups, a warehouse's monthly pick rate), unlike any demo
metric.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tools.control_limits.analysis as analysis
from tools.control_limits import analyze_many, analyze_series, trendbreak


def _peak(seed: int, n: int = 60, turn: int = 30, slope: float = 0.25) -> np.ndarray:
    """Weekly sign-ups of a bike-share co-op: a climb, then a fall from ``turn`` on (noise sd 6)."""
    rng = np.random.default_rng(500 + seed)
    t = np.arange(n, dtype=np.float64)
    base = np.where(t < turn, slope * t, slope * turn - slope * (t - turn))
    return 120.0 + 6.0 * (base + rng.standard_normal(n))


def _stall(seed: int, n: int = 50, turn: int = 22, slope: float = 0.5) -> np.ndarray:
    """A warehouse's monthly pick rate (lines per hour): growth that stalls at ``turn`` (noise sd 2.5)."""
    rng = np.random.default_rng(900 + seed)
    t = np.arange(n, dtype=np.float64)
    base = np.where(t < turn, slope * t, slope * turn)
    return 61.0 + 2.5 * (base + rng.standard_normal(n))


def _trend_stages(x: np.ndarray) -> list[int]:
    return [s.start for s in analyze_series(x).stages[1:] if s.kind == "trend"]


def _stage_count(M: np.ndarray, on: bool) -> np.ndarray:
    old = analysis.TREND_BREAKS
    analysis.TREND_BREAKS = on
    try:
        return np.array([len(a.stages) for a in analyze_many(M)])
    finally:
        analysis.TREND_BREAKS = old


@pytest.mark.parametrize(("make", "turn", "need"), [(_peak, 30, 16), (_stall, 22, 15)])
def test_a_turn_of_direction_opens_a_trend_stage(make, turn: int, need: int) -> None:
    found = [_trend_stages(make(seed)) for seed in range(30)]
    hits = sum(any(abs(c - turn) <= 3 for c in st) for st in found)
    assert hits >= need, found


def test_the_turn_is_reported_with_its_kind_in_json_and_a_level_step_is_not() -> None:
    a = analyze_series(_peak(3, slope=0.35))
    stages = a.to_json()["stages"]
    assert stages[0]["kind"] is None
    assert any(s["kind"] == "trend" and abs(s["start"] - 30) <= 3 for s in stages[1:]), stages
    rng = np.random.default_rng(7)
    step = 40.0 + rng.normal(0.0, 1.0, 80)
    step[45:] += 6.0
    st = analyze_series(step).to_json()["stages"]
    assert [s["kind"] for s in st] == [None, "level"] and abs(st[1]["start"] - 45) <= 2, st


@pytest.mark.parametrize("n", [30, 60, 100, 150])
def test_steady_trends_under_autocorrelated_noise_gain_no_stage(n: int) -> None:
    rng = np.random.default_rng(n)
    rows = []
    for phi in (0.0, 0.5, 0.8, 0.95):
        e = rng.standard_normal((50, n))
        for t in range(1, n):
            e[:, t] += phi * e[:, t - 1]
        slope = rng.uniform(-0.3, 0.3, (50, 1))
        rows.append(250.0 + slope * np.arange(n) + e)
    M = np.vstack(rows)
    extra = int((_stage_count(M, True) > _stage_count(M, False)).sum())
    assert extra <= 3, extra  # of 200


def test_random_walks_with_and_without_drift_gain_no_stage() -> None:
    rng = np.random.default_rng(2026)
    extra = 0
    for n in (40, 80, 120, 150):
        drift = rng.choice([0.0, 0.0, 0.4, -0.4], (100, 1))
        M = 500.0 + np.cumsum(rng.standard_normal((100, n)) + drift, axis=1)
        extra += int((_stage_count(M, True) > _stage_count(M, False)).sum())
    assert extra <= 6, extra  # of 400


def test_a_trending_seasonal_series_is_not_cut_into_lines() -> None:
    rng = np.random.default_rng(11)
    t = np.arange(96, dtype=np.float64)
    for seed in range(10):
        season = np.tile(rng.normal(0.0, 1.0, 4), 24) * (1.0 + t / 60.0)  # quarterly, growing
        x = 300.0 + 2.0 * t + 8.0 * season + rng.normal(0.0, 2.0, 96)
        assert _trend_stages(x) == [], seed


def test_the_threshold_table_is_what_the_simulation_gives() -> None:
    fresh = trendbreak.calibrate(reps=800, seed=5, lengths=(48, 96))
    table = trendbreak.threshold(np.array([48, 96]))
    assert np.all(np.abs(fresh / table - 1.0) < 0.25), (fresh, table)
    assert np.all(table > 15.0)  # far above a white-noise-only threshold (~10-15): random walks set it


def test_kpi_shift_says_the_trend_turned() -> None:
    from tools.kpis.analytics import SeriesView
    from tools.kpis.shaping import latest_shift

    x = _peak(3, slope=0.35)
    a = analyze_series(x, higher_is_better=True)
    dates = [dt.date(2025, 1, 6) + dt.timedelta(weeks=i) for i in range(len(x))]
    view = SeriesView(dates=dates, values=x, yoy_values=np.full(len(x), np.nan), analysis=a, offset=0)
    sh = latest_shift(view, higher_is_better=True)
    assert sh is not None and sh.kind == "trend" and abs((sh.onset - dates[30]).days) <= 3 * 7, sh


def test_cli_json_carries_the_kind(tmp_path: Path) -> None:
    x = _peak(3, slope=0.35)
    csv = tmp_path / "signups.csv"
    start = dt.date(2024, 3, 4)
    csv.write_text("date,signups\n" + "".join(
        f"{start + dt.timedelta(weeks=i)},{v:.2f}\n" for i, v in enumerate(x)))
    exe = Path(sys.executable).with_name("opsgraph")
    out = subprocess.run([str(exe), "analyze", str(csv), "--column", "signups", "--json"],
                         capture_output=True, text=True, timeout=120, check=True)
    stages = json.loads(out.stdout)["stages"]
    assert any(s["kind"] == "trend" for s in stages), stages
