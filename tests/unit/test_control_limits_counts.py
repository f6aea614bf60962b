"""Count-aware upper limits for rare integer counts: which stages get them, what they flag, and that stage
detection and point signals stay quiet on stable rare counts (seeded Poisson series)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.control_limits import (
    RULE_BEYOND,
    RULE_THREE,
    analyze_many,
    analyze_series,
    detect_signals,
    xmr_limits,
)
from tools.control_limits.counts import COUNT_LIMIT, COUNT_MEAN_MAX, NATURAL_LIMIT, TAIL, poisson_upper


def _brute_quantile(lam: float, p: float = 1 - TAIL) -> int:
    k, c = 0, math.exp(-lam)
    while c < p:
        k += 1
        c += math.exp(-lam) * lam**k / math.factorial(k)
    return k


@pytest.mark.parametrize("lam", [0.0, 0.01, 0.05, 0.3, 0.7, 1.0, 2.5, 5.0, COUNT_MEAN_MAX])
def test_poisson_quantile_matches_the_definition(lam):
    assert poisson_upper(np.array([lam]))[0] == _brute_quantile(lam)


def test_cut_is_where_a_zero_day_stops_being_unusual():
    # below the cut even X = 0 is not beyond the Poisson lower 3-sigma tail: a single day cannot show a drop
    assert math.exp(-COUNT_MEAN_MAX) == pytest.approx(TAIL)


def _rare(lam: float, n: int = 120, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).poisson(lam, n).astype(float)


def test_rare_count_stage_uses_the_count_limit_and_two_events_are_not_critical():
    x = _rare(0.3)
    x[-1] = 2.0  # an ordinary day for a mean of 0.3 (P(X >= 2) ~ 0.04): XmR alone calls it beyond the limits
    assert x[-1] > xmr_limits(x).ucl
    an = analyze_series(x, higher_is_better=False)
    lim = an.stages[-1].limits
    assert lim.count_limit and lim.upper_kind == COUNT_LIMIT
    assert lim.ucl == poisson_upper(np.array([lim.cl]))[0] > xmr_limits(x).ucl
    assert an.latest_state() == ("ok", None)
    assert an.to_json()["stages"][-1]["upper_limit_kind"] == COUNT_LIMIT


def test_a_truly_unusual_day_of_a_rare_count_is_still_critical():
    x = _rare(0.3)
    x[-1] = 6.0  # P(X >= 6 | 0.3) ~ 1e-6
    an = analyze_series(x, higher_is_better=False)
    assert an.latest_state() == ("critical", RULE_BEYOND)
    assert an.stages[-1].limits.count_limit


@pytest.mark.parametrize("transform", [
    lambda x: x + 0.5,  # not integers
    lambda x: x / 10.0,  # a rate, not a count
    lambda x: x - 1.0,  # negative values
    lambda x: x + 40.0,  # integer but mean far above the cut (often under-dispersed scheduled counts)
])
def test_non_counts_and_frequent_counts_keep_natural_process_limits(transform):
    x = transform(_rare(0.6))
    an = analyze_series(x)
    lim = an.stages[-1].limits
    assert not lim.count_limit and lim.upper_kind == NATURAL_LIMIT
    assert lim.ucl == pytest.approx(xmr_limits(x).ucl)


def test_regular_low_counts_keep_xmr_limits():
    # 4 to 6 a day, like a schedule: integer, mean under the cut, but far less spread than a Poisson count
    x = np.random.default_rng(9).integers(4, 7, 150).astype(float)
    lim = analyze_series(x).stages[-1].limits
    assert lim.cl <= COUNT_MEAN_MAX and not lim.count_limit
    assert lim.ucl == pytest.approx(xmr_limits(x).ucl)


def test_bursty_counts_keep_the_wider_xmr_limit():
    rng = np.random.default_rng(5)
    x = np.where(rng.random(200) < 0.08, rng.integers(3, 7, 200), 0).astype(float)  # mean ~0.4, over-dispersed
    lim = analyze_series(x).stages[-1].limits
    assert lim.cl <= COUNT_MEAN_MAX
    assert lim.ucl == pytest.approx(max(xmr_limits(x).ucl, poisson_upper(np.array([lim.cl]))[0]))


def test_three_of_four_line_moves_with_the_count_limit():
    x = _rare(0.3, seed=7)
    stages = analyze_series(x).stages
    lim = stages[-1].limits
    assert lim.count_limit and lim.q_upper == pytest.approx((lim.cl + lim.ucl) / 2)
    xmr_q = xmr_limits(x).q_upper
    y = x.copy()
    y[-4:] = [1, 0, 1, 1]  # three of four days with one event (P ~ 0.26 each): beyond the XmR quartile line only
    assert xmr_q < 1 < lim.q_upper
    assert not any(s.rule == RULE_THREE for s in detect_signals(y, stages, higher_is_better=False))
    y[-4:] = [2, 0, 2, 2]  # three of four days with two events (P ~ 0.04 each): beyond the count quartile line
    assert lim.q_upper < 2 <= lim.ucl
    hits = [s.index for s in detect_signals(y, stages, higher_is_better=False) if s.rule == RULE_THREE]
    assert hits == [119]


def test_stable_rare_counts_open_no_stages_and_flag_at_most_the_nominal_rate():
    """200 seeded series, Poisson means 0.2–1.0, a year of days each: stage detection opens no stage by chance and
    critical (point) signals stay near the Poisson tail rate (0.135 % of days, ~0.5 a series-year)."""
    rng = np.random.default_rng(13)
    lams = rng.uniform(0.2, 1.0, 200)
    M = rng.poisson(lams[:, None], (200, 365)).astype(float)
    res = analyze_many(M, higher_is_better=False)
    assert sum(len(r.stages) > 1 for r in res) <= 1
    crit = [len({s.index for s in r.signals if s.direction == "bad" and s.state == "critical"}) for r in res]
    assert np.mean(crit) <= 0.5  # per series-year
    assert all(r.stages[0].limits.count_limit for r in res)
    # the plain XmR limits on the same data: several "critical" days a series-year (the false alarm fixed here)
    xmr = [int((row > xmr_limits(row).ucl).sum()) for row in M]
    assert np.mean(xmr) >= 5


def test_a_real_rise_of_a_rare_count_is_still_found():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.poisson(0.3, 250), rng.poisson(2.5, 60)]).astype(float)
    an = analyze_series(x, higher_is_better=False)
    assert len(an.stages) >= 2 and abs(an.stages[-1].start - 250) <= 10
    assert an.stages[-1].limits.cl > 1.5
