"""Two steps on short silent rows — a temporary level (:mod:`tools.control_limits.episode`, off by default).

A second organisation's metric: a water utility's weekly share of calls answered within a minute (%), which drops
for twelve weeks while a billing migration runs and comes back — nothing like the demo's series.  One step explains
such a row poorly (both ends sit at one level); two steps of opposite sign explain it.  Shift-free AR(1) rows of the
same length must not pass the calibrated threshold.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits import analysis, analyze_many, episode, shortstep
from tools.control_limits.noise import search_input


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def _answered_share(rng: np.random.Generator, n: int = 48) -> np.ndarray:
    """AR(1) noise (phi 0.8); a drop of 6 innovation sd from week 18 to week 29, then back."""
    t = np.arange(n)
    return 92.0 - 1.5 * (_ar1(rng, n, 0.8) + 6.0 * ((t >= 18) & (t < 30)))


def _starts(rows: list[np.ndarray], on: bool) -> list[list[int]]:
    before = analysis.SHORT_EPISODES
    analysis.SHORT_EPISODES = on
    try:
        return [[s.start for s in analyze_many(x[None, :])[0].stages[1:]] for x in rows]
    finally:
        analysis.SHORT_EPISODES = before


def test_the_scan_places_both_steps_of_an_episode() -> None:
    rng = np.random.default_rng(5)
    X = np.stack([_answered_share(rng) for _ in range(30)])
    lr, k1, k2, d1, d2 = episode.scan(X)
    placed = (np.abs(k1 - 18) <= 2) & (np.abs(k2 - 30) <= 2)
    assert placed.sum() >= 27  # 30 of 30 when measured
    assert ((d1 < 0) & (d2 > 0))[placed].all()  # a drop, then the way back
    assert (lr >= episode.threshold(np.full(30, 48))).sum() >= 25  # 28 of 30


def test_an_episode_in_a_short_row_is_staged_with_the_pass_on() -> None:
    rng = np.random.default_rng(5)
    rows = [_answered_share(rng) for _ in range(30)]
    on, off = _starts(rows, True), _starts(rows, False)

    def both(starts: list[list[int]]) -> int:
        return sum(any(abs(c - 18) <= 3 for c in s) and any(abs(c - 30) <= 3 for c in s) for s in starts)

    assert both(on) >= both(off) + 8, (both(on), both(off))  # 15 vs 4 when measured
    assert sum(bool(s) for s in on) >= sum(bool(s) for s in off) + 8  # 28 vs 17 rows staged


def test_shift_free_rows_rarely_pass_the_threshold() -> None:
    rng = np.random.default_rng(9)
    for phi, n in ((0.9, 48), (0.5, 32), (1.0, 64)):
        X = shortstep.null_rows(rng, phi, 400, n)
        _, Xc, _ = search_input(X, np.full(400, n))
        passed = int((episode.scan(Xc)[0] >= episode.threshold(np.full(400, n))).sum())
        assert passed <= 4, (phi, n, passed)  # calibrated at 0.2 % per row; 0–1 of 400 when measured


def test_the_pass_leaves_short_random_walks_alone() -> None:
    rng = np.random.default_rng(31)
    rows = [np.cumsum(rng.standard_normal(int(rng.integers(24, 121)))) for _ in range(120)]
    on, off = _starts(rows, True), _starts(rows, False)
    assert sum(bool(s) for s in on) <= sum(bool(s) for s in off) + 1


def test_with_opposite_signs_required_a_staircase_is_left_to_other_passes() -> None:
    """``OPPOSITE``: a row that steps up twice (a staircase) is no episode; the answered-share drop still is one."""
    rng = np.random.default_rng(12)
    t = np.arange(48)
    stairs = [40.0 + 1.5 * (_ar1(rng, 48, 0.8) + 6.0 * (t >= 16) + 6.0 * (t >= 32)) for _ in range(20)]
    drops = [_answered_share(rng) for _ in range(20)]
    before = episode.OPPOSITE
    try:
        episode.OPPOSITE = False
        stairs_free, drops_free = _starts(stairs, True), _starts(drops, True)
        episode.OPPOSITE = True
        stairs_opp, drops_opp = _starts(stairs, True), _starts(drops, True)
    finally:
        episode.OPPOSITE = before
    assert sum(bool(s) for s in stairs_opp) < sum(bool(s) for s in stairs_free)  # 7 vs 15 of 20 (7 with the pass off)
    assert sum(bool(s) for s in drops_opp) == sum(bool(s) for s in drops_free)  # 19 of 20 either way
