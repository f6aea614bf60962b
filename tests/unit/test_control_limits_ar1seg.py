"""Stages under strongly autocorrelated noise (issue #13, sixth pass: :mod:`tools.control_limits.ar1seg`).

A persisting jump in a series whose noise wanders like a random walk locally (a
fermenter temperature, a weekly footfall count) used to be missed: the noise
autocorrelation estimated from differences sat near its bound, the long-run
noise sd came out far above the series' own spread and the search proposed
nothing.  A self-consistent lower-``phi`` solution, chosen by a penalised AR(1)
likelihood, now competes with "no change".  Random walks and shift-free
autocorrelated noise must not gain stages.  Seeded; units and levels unlike any
demo metric.
"""

from __future__ import annotations

import numpy as np
import pytest

import tools.control_limits.analysis as analysis
from tests.unit.ar1_support import ar1 as _ar1
from tools.control_limits import ar1seg, detect_stages


def _fermenter(seed: int, jump: float = 0.125) -> np.ndarray:
    """Fermenter temperature (°C), 100 readings, AR(1) noise phi 0.7, a lasting rise at reading 38."""
    rng = np.random.default_rng(seed)
    return 30.2 + _ar1(rng, 100, 0.7, 0.025) + np.where(np.arange(100) >= 38, jump, 0.0)


def _starts(x: np.ndarray) -> list[int]:
    return [s.start for s in detect_stages(x)[0][1:]]


def test_a_lasting_jump_under_strongly_autocorrelated_noise_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "AR1_ALTERNATIVE", True)  # off by default (see docs/benchmarks.md, sixth pass)
    found = [_starts(_fermenter(seed)) for seed in range(30)]
    hits = sum(any(abs(c - 38) <= 3 for c in st) for st in found)
    extra = sum(sum(abs(c - 38) > 3 for c in st) for st in found)
    assert hits >= 28 and extra == 0, found


def test_without_the_alternative_the_jump_is_often_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "AR1_ALTERNATIVE", False)
    monkeypatch.setattr(analysis, "TREND_BREAKS", False)  # the line search finds most of them too (27 of 30)
    monkeypatch.setattr(analysis, "SHORT_LEVELS", False)  # its all-rows variant finds more of these jumps
    monkeypatch.setattr(analysis, "LEARNED_ACCEPT", False)  # so does the learned acceptance (tenth pass B)
    monkeypatch.setattr(analysis, "SHORT_ROW_TEST", False)  # and the short-row step test (eleventh pass B)
    hits = sum(any(abs(c - 38) <= 3 for c in _starts(_fermenter(seed))) for seed in range(30))
    assert hits <= 24  # 21 of 30 when measured: the new solution is what finds the rest


def _count(series: list[np.ndarray]) -> int:
    return sum(len(_starts(x)) > 0 for x in series)


def test_random_walks_gain_no_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    walks = [2_400.0 + np.cumsum(np.random.default_rng(700 + s).normal(0.0, 5.0, 80 + 7 * s)) for s in range(40)]
    monkeypatch.setattr(analysis, "AR1_ALTERNATIVE", True)
    with_alt = _count(walks)
    monkeypatch.setattr(analysis, "AR1_ALTERNATIVE", False)
    assert with_alt <= _count(walks) + 1


@pytest.mark.parametrize("phi", [0.7, 0.85])
def test_shift_free_autocorrelated_noise_gains_no_stage(phi: float, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(int(phi * 100))
    series = [0.004 * _ar1(rng, int(rng.integers(60, 400)), phi, 1.0) + 1.7 for _ in range(60)]
    monkeypatch.setattr(analysis, "AR1_ALTERNATIVE", True)
    with_alt = _count(series)
    monkeypatch.setattr(analysis, "AR1_ALTERNATIVE", False)
    assert with_alt <= _count(series) + 1


def test_backward_elimination_keeps_the_real_change_only() -> None:
    rng = np.random.default_rng(3)
    x = _ar1(rng, 120, 0.8, 1.0) + np.where(np.arange(120) >= 70, 5.0, 0.0)
    assert ar1seg.best_subset(x, [30, 70, 95])[0] == [70]
    assert ar1seg.best_subset(_ar1(np.random.default_rng(4), 120, 0.8, 1.0), [30, 70, 95])[0] == []


def test_a_stage_that_explains_the_autocorrelation_lowers_the_cost() -> None:
    rng = np.random.default_rng(11)
    x = np.r_[np.zeros(60), np.full(60, 4.0)] + _ar1(rng, 120, 0.5, 1.0)
    L = np.array([120, 120])
    cost = ar1seg.ar1_cost(np.vstack([x, x]), L, [[], [60]])
    assert cost[1] + ar1seg.ALT_PENALTY * np.log(120) < cost[0]
