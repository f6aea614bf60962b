"""One lasting step on short, strongly autocorrelated rows (:mod:`tools.control_limits.shortstep`).

A second organisation's metrics: a support desk's weekly first-contact resolution share and a warehouse's weekly
pick backlog — nothing like the demo's series.  A short row whose noise is strongly autocorrelated, with one level
step people see plainly, used to stay silent (its long-run noise model explains the step away); shift-free random
walks and AR(1) rows of the same lengths must stay unstaged.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.ar1_support import ar1 as _ar1
from tools.control_limits import analysis, analyze_many, shortstep


def _starts(rows: list[np.ndarray], on: bool) -> list[list[int]]:
    before = analysis.SHORT_ROW_TEST
    analysis.SHORT_ROW_TEST = on
    try:
        return [[s.start for s in analyze_many(x[None, :])[0].stages[1:]] for x in rows]
    finally:
        analysis.SHORT_ROW_TEST = before


def _resolution_share(rng: np.random.Generator, n: int = 80, at: int = 50) -> np.ndarray:
    """Weekly first-contact resolution (%): AR(1) noise (phi 0.9), one lasting rise of 7 innovation sd at ``at``."""
    return 61.0 + 0.9 * (_ar1(rng, n, 0.9) + 7.0 * (np.arange(n) >= at))


def test_a_step_in_a_short_autocorrelated_row_is_found() -> None:
    rng = np.random.default_rng(8)
    rows = [_resolution_share(rng) for _ in range(30)]
    on, off = _starts(rows, True), _starts(rows, False)
    hits_on = sum(any(abs(c - 50) <= 3 for c in s) for s in on)
    hits_off = sum(any(abs(c - 50) <= 3 for c in s) for s in off)
    extra_on = sum(abs(c - 50) > 3 for s in on for c in s)
    extra_off = sum(abs(c - 50) > 3 for s in off for c in s)
    assert hits_on >= 25, (hits_on, hits_off)  # 27 of 30 when measured
    assert hits_off <= 22  # 20 of 30: the long-run noise model explains the step away
    assert extra_on <= extra_off  # no stage elsewhere


def test_a_step_near_the_start_of_a_short_row_is_found() -> None:
    """A pick backlog (hundreds of orders) that drops for good in week 12 of 60, noise phi 0.85."""
    rng = np.random.default_rng(21)
    rows = [420.0 + 14.0 * (_ar1(rng, 60, 0.85) - 7.0 * (np.arange(60) >= 12)) for _ in range(30)]
    on, off = _starts(rows, True), _starts(rows, False)
    hits_on = sum(any(abs(c - 12) <= 3 for c in s) for s in on)
    hits_off = sum(any(abs(c - 12) <= 3 for c in s) for s in off)
    assert hits_on >= hits_off + 3, (hits_on, hits_off)


@pytest.mark.parametrize("kind", ["walk", "ar1"])
def test_short_shift_free_rows_gain_no_stage(kind: str) -> None:
    rng = np.random.default_rng(99 if kind == "walk" else 98)
    rows = []
    for _ in range(300):
        n = int(rng.integers(24, 151))
        x = np.cumsum(rng.standard_normal(n)) if kind == "walk" else _ar1(rng, n, float(rng.uniform(0.5, 0.98)))
        rows.append(250.0 + 3.0 * x)
    staged_on = sum(1 for s in _starts(rows, True) if s)
    staged_off = sum(1 for s in _starts(rows, False) if s)
    assert staged_on <= staged_off + 1, (staged_on, staged_off)  # equal when measured


def test_a_trend_is_no_step() -> None:
    rng = np.random.default_rng(4)
    rows = [18.0 + 0.5 * (_ar1(rng, 70, 0.8) + 0.12 * np.arange(70)) for _ in range(60)]
    assert sum(1 for s in _starts(rows, True) if s) <= sum(1 for s in _starts(rows, False) if s) + 1


def test_the_statistic_finds_the_step_and_its_size() -> None:
    rng = np.random.default_rng(1)
    x = _ar1(rng, 60, 0.6) + 6.0 * (np.arange(60) >= 33)
    lr, at, size = shortstep.scan(x[None, :])
    assert abs(int(at[0]) - 33) <= 2 and lr[0] > float(shortstep.threshold(np.array([60]))[0])
    assert 4.0 < size[0] < 8.0


def test_threshold_covers_the_null_models() -> None:
    """``THRESHOLDS`` is at least what a small re-run of the calibration gives (worst null model, within noise)."""
    got = shortstep.calibrate(alpha=0.01, reps=400, seed=5)
    assert np.all(got <= shortstep.THRESHOLDS + 1.0), got
