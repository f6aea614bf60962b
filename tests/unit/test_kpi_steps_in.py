"""A step in a daily KPI's last few days is dated where it happened, not at the start of the shortest stage the
detector allows (qa20a: a parcel carrier's contacts per 1k crept up on the 17th and stepped up on the 26th, four days
before the end; the stage was dated the 22nd and the changes of the 22nd–25th were never looked at)."""

from __future__ import annotations

import numpy as np

from tools.control_limits import analyze_series
from tools.kpis.history import refined_stage_change
from tools.kpis.views import latest_stage_change


def _series(rng: np.random.Generator, *parts: tuple[float, int]) -> np.ndarray:
    return np.concatenate([level + rng.normal(0, 0.3, n) for level, n in parts])


def test_a_step_in_the_last_days_is_dated_where_it_happened():
    values = _series(np.random.default_rng(0), (10, 60), (10.8, 6), (14, 5))
    an = analyze_series(values, higher_is_better=False)
    assert latest_stage_change(an).index == 63  # the detector's shortest last stage
    assert refined_stage_change(values, an).index == 66


def test_an_older_step_keeps_its_date():
    values = _series(np.random.default_rng(8), (10, 40), (13, 30))
    an = analyze_series(values, higher_is_better=False)
    assert refined_stage_change(values, an).index == latest_stage_change(an).index == 40
