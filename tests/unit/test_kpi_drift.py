""""How is X trending?": a slow drift of a noisy count is named, a stable or autocorrelated series is not. Before,
a drift had to explain a third of the day-to-day variance, which a count drifting from 4 to 7 a day over 90 days
(a stranger's returns-to-sender, monthly means 3.6 → 4.5 → 6.1) never does: "no steady drift up or down"."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from agents.specialists.kpi_moves import drift

START = dt.date(2027, 1, 4)


def _series(values: np.ndarray) -> SimpleNamespace:
    mr = float(np.abs(np.diff(values)).mean())
    cl = float(values.mean())
    return SimpleNamespace(points=[SimpleNamespace(date=START + dt.timedelta(days=i), value=float(v))
                                   for i, v in enumerate(values)],
                           summary=SimpleNamespace(cl=cl, ucl=cl + 2.66 * mr))


def _ar1(rng: np.random.Generator, phi: float, n: int = 90) -> np.ndarray:
    e, out = rng.normal(0, 1, n), np.zeros(n)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


@pytest.mark.parametrize("seed", range(5))
def test_a_noisy_count_drifting_up_is_named(seed):
    rng = np.random.default_rng(700 + seed)
    got = drift(_series(rng.poisson(np.linspace(3.5, 7.5, 90)).astype(float)))
    assert got is not None and got[0] == "up" and got[2] > got[1], got


@pytest.mark.parametrize("seed", range(5))
def test_a_clean_drift_down_is_still_named(seed):
    rng = np.random.default_rng(800 + seed)
    got = drift(_series(96 - np.linspace(0, 6, 90) + rng.normal(0, 1, 90)))
    assert got is not None and got[0] == "down", got


def test_stable_series_have_no_drift():
    rng = np.random.default_rng(91)
    named = sum(drift(_series(rng.poisson(4.5, 90).astype(float))) is not None for _ in range(100))
    named += sum(drift(_series(40 + 2 * _ar1(rng, 0.6))) is not None for _ in range(100))
    named += sum(drift(_series(12 + 2 * np.sin(np.arange(90) * 2 * np.pi / 7) + rng.normal(0, 1, 90))) is not None
                 for _ in range(100))
    assert named <= 3, named  # of 300 stable series (counts, autocorrelated, weekly rhythm)


def test_a_small_weekly_trend_keeps_two_significant_figures():
    """Before: "a trend of +0 parcels a week" for a count KPI (no decimals) drifting by 0.29 a week."""
    from tools.kpis.shaping import fmt_rate

    assert fmt_rate(0.29, 0, "parcels") == "0.29 parcels"
    assert fmt_rate(-0.0423, 1, "%") == "-0.042%"
    assert fmt_rate(3.4, 0, "parcels") == "3 parcels"


@pytest.mark.parametrize("seed", range(5))
def test_a_step_the_stage_search_found_is_no_drift(seed):
    """A line fitted across a step looks like a drift; the step's two levels fit better, so it is not one."""
    rng = np.random.default_rng(900 + seed)
    values = np.where(np.arange(90) < 45, 2.0, 4.0) + rng.normal(0, 0.3, 90)
    series = _series(values)
    assert drift(series) is not None  # the line alone would call it a drift
    series.shift = SimpleNamespace(kind="level", onset=START + dt.timedelta(days=45))
    assert drift(series) is None
    ramp = _series(np.linspace(2.0, 4.0, 90) + rng.normal(0, 0.3, 90))
    ramp.shift = SimpleNamespace(kind="level", onset=START + dt.timedelta(days=45))  # a ramp split by the search
    assert drift(ramp) is not None
