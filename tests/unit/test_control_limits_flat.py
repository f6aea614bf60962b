"""A stretch of one repeated value (a strike, an idle host, a stopped meter) is a stage of its own.

Series are seeded and unlike the demo: a ferry operator's weekly crossings with
strongly autocorrelated demand, a quantised pressure sensor, rare defect counts.
"""

from __future__ import annotations

import numpy as np

from tests.unit.ar1_support import ar1_unit as _ar1
from tools.control_limits import analyze_many, detect_stages


def _starts(x: np.ndarray) -> list[int]:
    return [s.start for s in detect_stages(x)[0][1:]]


def test_weeks_at_zero_inside_wandering_demand_are_a_stage_with_exact_edges() -> None:
    # weekly crossings wander (phi 0.95) and the crew strikes for 9 weeks: zero crossings.
    # Judged only as a level shift against that wander the strike is not believable; as a
    # stretch of one repeated value far outside its neighbours' limits it is.
    found = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = np.round(np.maximum(4200.0 + 1500.0 * _ar1(rng, 260, 0.95), 50.0))
        x[140:149] = 0.0
        starts = _starts(x)
        found += 140 in starts and 149 in starts
    assert found >= 19, found  # the level search alone: 1 of 20


def test_a_stretch_of_zeros_opens_and_closes_a_stage_with_its_own_limits() -> None:
    rng = np.random.default_rng(5)
    x = 55.0 + 6.0 * _ar1(rng, 120, 0.85)
    x[60:70] = 0.0
    stages, _ = detect_stages(x)
    idle = next(s for s in stages if s.start == 60)
    assert idle.end == 69
    assert abs(idle.limits.cl) < 1e-9 and idle.limits.mr_bar == 0.0


def test_sensor_stuck_at_its_usual_level_is_not_a_stage() -> None:
    # a quantised sensor repeats values all the time; a longer repeat at its normal level is nothing new
    rng = np.random.default_rng(8)
    rows = []
    for _ in range(40):
        x = np.round(125.0 + 1.5 * _ar1(rng, 400, 0.5))
        at = int(rng.integers(50, 340))
        x[at : at + 12] = np.round(np.median(x))
        rows.append(x)
    res = analyze_many(np.stack(rows))
    assert sum(len(r.stages) > 1 for r in res) <= 1


def test_runs_of_zero_in_rare_counts_are_not_stages() -> None:
    # defects per day, mean 0.4: weeks without a defect happen by chance
    rng = np.random.default_rng(12)
    res = analyze_many(rng.poisson(0.4, size=(100, 365)).astype(float))
    assert sum(len(r.stages) > 1 for r in res) <= 1
