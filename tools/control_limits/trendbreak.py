"""Abrupt changes of trend: straight-line stages on short rows, calibrated against wander.

A level-shift search (:mod:`.segmentation`) models every stage as a flat level,
so a series that rises, levels off and falls (a rate that climbs for a decade,
plateaus, then declines; output that grows and then stalls) has no step to
find and gets no stage.  Rows of ``MIN_N``…``MAX_N`` points are also cut
greedily into **straight-line stages** (:mod:`.linefit`: a line per stage,
ruptures' ``CostLinear`` on the time index; every candidate cut of every row
scored at once from prefix sums, ``MAX_BREAKS`` rounds, ``MIN_SEGMENT`` points
per side).

Cut ``k`` scores the likelihood ratio ``m·ln(s²_{k-1} / s²_k)`` under AR(1)
noise (``s²_k``: the variance of the AR(1) innovations of the residuals around
the lines with ``k`` cuts, ``phi`` refitted per model and capped at
``PHI_CAP``, innovations winsorised at ``WINSOR`` robust sd), made
non-increasing.  Cuts are kept while their score reaches :func:`threshold` —
the ``1 - ALPHA`` quantile of the first cut's score over **shift-free** series
of that length, the worst of white noise, AR(1) up to ``phi = 0.95`` and a pure
random walk (a straight trend or a drift changes nothing: each stage fits its
own line), estimated exactly as on real rows (:func:`calibrate`).  So a steady
trend, autocorrelated noise and a random walk with or without drift gain a
stage on about ``ALPHA`` of series at most.

Not searched: rows whose differences repeat a cycle (:func:`cyclic`) or whose
cycle was removed, rare counts (:func:`rare_counts`).  A row's cuts are
dropped where a cubic in time fits as well (gradual curvature,
:func:`smooth_curve_fits`); each cut must be material (``MATERIALITY`` of the
row's robust spread).  Where the level search kept boundaries, the line stages
replace them when they explain the row better (:func:`lines_beat_levels`),
else cuts inside the kept stages are added ``min_size`` points from them.  A
cut is a **turn of trend** (moved to the best single kink between its
neighbours) unless two separate lines beat one bent line clearly
(:func:`.linefit.classify`); otherwise it is a step.  All go through Wheeler
confirmation like every other boundary; a turn's stage is reported with
``kind="trend"``.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits import linefit
from tools.control_limits.counts import COUNT_MEAN_MAX, non_count_mask
from tools.control_limits.refine import _IQR_TO_SD, MATERIALITY, _row_quantile
from tools.control_limits.seasonal import _diff_acf

#: At most this many cuts per row (greedy rounds).
MAX_BREAKS = 4
#: Points on each side of a cut.
MIN_SEGMENT = 8
#: Rows shorter than this or longer than ``MAX_N`` are not searched.
MIN_N = 24
MAX_N = 120
#: Cap on the residual autocorrelation (a random walk's would be ~1: its wander is the noise).
PHI_CAP = 0.995
#: Innovations beyond this many robust sd are counted at that size (spikes; 0: plain squares).
WINSOR = 2.5
#: Chance of a stage on a shift-free series (the calibration's tail).
ALPHA = 0.01
SCALE = 1.0
#: Line stages replace the level boundaries where they explain a row better (Schwarz's criterion + this margin).
REPLACE = True
BIC_MARGIN = 10.0
#: No cut where a polynomial of this degree in time fits as well (0: no such guard), by this margin.
CURVE_DEGREE = 3
CURVE_MARGIN = 0.0
#: A cut is a step rather than a kink only when two separate lines beat one bent line by this many ``ln N``.
STEP_PRICE = 2.0
#: Rows that keep their level boundaries may gain trend cuts inside their stages.
WITHIN = True

#: Rows whose differences repeat a cycle (autocorrelation peak this far above the dip before it) are skipped.
CYCLE_GUARD = 1.0
#: Longest cycle looked for by the guard.
CYCLE_MAX = 24

_CAL_LENGTHS = (24, 32, 40, 48, 64, 80, 96, 128, 160, 192)
_CAL_PHIS = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 1.0)


def _innov(res: np.ndarray, marks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return linefit.innovation_var(res, marks, PHI_CAP, WINSOR)


def statistics(Y: np.ndarray, L: np.ndarray, rows: np.ndarray, fixed: list[list[int]] | None = None,
               ) -> tuple[np.ndarray, np.ndarray, linefit.Sums]:
    """``(cuts, likelihood-ratio statistics made non-increasing, sums)`` of the rows' greedy cuts.

    Statistic of cut ``k``: ``m·ln(s²_{k-1} / s²_k)`` with ``s²_k`` the AR(1)
    innovation variance of the residuals around the fit with the first ``k``
    cuts (``phi`` refitted per model; ``s²_0``: one line, or the lines of the
    ``fixed`` stages) and ``m`` the number of pairs.
    """
    R, n = Y.shape
    cuts, _gains, S, _marks = linefit.segment(Y, L, rows, fixed, MAX_BREAKS, MIN_SEGMENT)
    mk = linefit.mark(R, n, L, fixed or [[] for _ in range(R)])

    def res(k: int) -> np.ndarray:
        if k:
            has = cuts[:, k - 1] >= 0
            mk[np.flatnonzero(has), cuts[has, k - 1]] = 1
        return linefit.residuals(Y, L, S, mk)

    prev, m = _innov(res(0), mk)
    stat = np.zeros(cuts.shape)
    for k in range(cuts.shape[1]):
        has = cuts[:, k] >= 0
        if not has.any():
            break
        cur, m = _innov(res(k + 1), mk)
        with np.errstate(invalid="ignore", divide="ignore"):
            st = m * np.log(np.maximum(prev, 1e-300) / np.maximum(cur, 1e-300))
        stat[:, k] = np.where(has & np.isfinite(st), st, 0.0)
        prev = cur
    return cuts, np.minimum.accumulate(stat, axis=1), S


def calibrate(alpha: float = ALPHA, reps: int = 4000, seed: int = 20261201,
              lengths: tuple[int, ...] = _CAL_LENGTHS) -> np.ndarray:
    """Per length of ``_CAL_LENGTHS``: the ``1 - alpha`` quantile of the first cut's statistic, worst over ``_CAL_PHIS``.

    Shift-free AR(1) series (``phi = 1``: a pure random walk) with the noise
    estimated exactly as on real rows; a straight trend or a drift changes
    nothing (the fit has its own line).  ``THRESHOLDS`` holds the result (~1 min).
    """
    rng = np.random.default_rng(seed)
    out = []
    for n in lengths:
        worst = 0.0
        for phi in _CAL_PHIS:
            e = rng.standard_normal((reps, n))
            Y = np.empty_like(e)
            Y[:, 0] = e[:, 0] if phi >= 1.0 else e[:, 0] / np.sqrt(1.0 - phi * phi)
            for t in range(1, n):
                Y[:, t] = phi * Y[:, t - 1] + e[:, t]
            _c, g, _s = statistics(Y, np.full(reps, n, dtype=np.int64), np.ones(reps, dtype=bool))
            worst = max(worst, float(np.quantile(g[:, 0], 1.0 - alpha)))
        out.append(worst)
    return np.round(np.asarray(out), 1)


#: ``calibrate(ALPHA)`` per ``_CAL_LENGTHS`` (4,000 series per length and ``phi``).
THRESHOLDS = np.array([24.7, 26.6, 27.9, 28.1, 27.1, 26.8, 27.1, 26.9, 27.6, 26.7])


def threshold(n: np.ndarray | int) -> np.ndarray:
    """Threshold on a cut's statistic for series of ``n`` points (interpolated in ``ln n``)."""
    grid = np.log(np.asarray(_CAL_LENGTHS, dtype=np.float64))
    x = np.log(np.maximum(np.asarray(n, dtype=np.float64), 2.0))
    return SCALE * np.interp(x, grid, THRESHOLDS)


def _chosen(cuts: np.ndarray, g: np.ndarray, thr: np.ndarray, j: int) -> list[int]:
    """The cuts, in the order found, while their (non-increasing) statistic passes the threshold."""
    out: list[int] = []
    for k in range(cuts.shape[1]):
        if cuts[j, k] < 0 or not g[j, k] >= thr[j]:
            break
        out.append(int(cuts[j, k]))
    return out


def lines_beat_levels(Y: np.ndarray, L: np.ndarray, S: linefit.Sums, levels: list[list[int]], lines: list[list[int]],
                      ) -> np.ndarray:
    """Per row: do straight-line stages at ``lines`` explain it better than flat stages at ``levels``?

    Both under AR(1) noise; Schwarz's criterion ``m·ln s² + k·ln m`` (``k`` fitted
    parameters: 2 per line stage, 1 per level stage, ``m`` innovation pairs).
    """
    R, n = Y.shape
    mk_l = linefit.mark(R, n, L, levels)
    mk_t = linefit.mark(R, n, L, lines)
    s_l, m = _innov(linefit.level_residuals(Y, L, S, mk_l), mk_l)
    s_t, m_t = _innov(linefit.residuals(Y, L, S, mk_t), mk_t)
    k_l = np.array([len(v) + 1 for v in levels], dtype=np.float64)
    k_t = np.array([2 * (len(v) + 1) for v in lines], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        bic_l = m * np.log(np.maximum(s_l, 1e-300)) + k_l * np.log(np.maximum(m, 2))
        bic_t = m_t * np.log(np.maximum(s_t, 1e-300)) + k_t * np.log(np.maximum(m_t, 2))
    return np.asarray(bic_t + BIC_MARGIN < bic_l)


def smooth_curve_fits(Y: np.ndarray, L: np.ndarray, S: linefit.Sums, lines: list[list[int]]) -> np.ndarray:
    """Per row: does a smooth curve (a polynomial of degree ``CURVE_DEGREE``) explain it as well as the
    straight-line stages at ``lines``?  (Schwarz's criterion under AR(1) noise, as :func:`lines_beat_levels`.)
    Growth that speeds up or slows down gradually is curvature, not an abrupt change of trend."""
    R, n = Y.shape
    mk_t = linefit.mark(R, n, L, lines)
    mk_0 = linefit.mark(R, n, L, [[] for _ in range(R)])
    s_t, m_t = _innov(linefit.residuals(Y, L, S, mk_t), mk_t)
    s_c, m_c = _innov(linefit.poly_residuals(Y, L, CURVE_DEGREE), mk_0)
    k_t = np.array([2 * (len(v) + 1) for v in lines], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        bic_t = m_t * np.log(np.maximum(s_t, 1e-300)) + k_t * np.log(np.maximum(m_t, 2))
        bic_c = m_c * np.log(np.maximum(s_c, 1e-300)) + (CURVE_DEGREE + 1) * np.log(np.maximum(m_c, 2))
    return np.asarray(bic_c <= bic_t + CURVE_MARGIN)


def find_breaks(
    Y: np.ndarray, L: np.ndarray, rows: np.ndarray, kept: list[list[int]], min_size: int,
) -> tuple[list[list[int]], np.ndarray]:
    """Per row, the trend cuts (sorted) and whether they *replace* the level boundaries ``kept``.

    A row's cuts from a search of its own (no boundary given) that pass the
    threshold and are material replace ``kept`` where straight-line stages at
    those cuts explain the row better than flat stages at ``kept``
    (:func:`lines_beat_levels`; a row without level boundaries just takes
    them).  Elsewhere, cuts searched within the level stages are added where
    at least ``min_size`` points from every kept boundary.
    """
    out: list[list[int]] = [[] for _ in range(Y.shape[0])]
    replace = np.zeros(Y.shape[0], dtype=bool)
    rows = rows & (L >= MIN_N) & (L <= MAX_N)
    if not rows.any():
        return out, replace
    rows &= ~cyclic(Y, L, rows)
    r = np.flatnonzero(rows)
    if r.size == 0:
        return out, replace
    Yr, Lr = Y[r], L[r]
    Ss = np.sort(Yr, axis=1)
    spread = (_row_quantile(Ss, Lr, 0.75) - _row_quantile(Ss, Lr, 0.25)) / _IQR_TO_SD
    thr = threshold(Lr)
    ones = np.ones(r.size, dtype=bool)
    cuts, g, S = statistics(Yr, Lr, ones)
    free = [_material_cuts(S, j, [], _chosen(cuts, g, thr, j), int(Lr[j]), spread[j]) for j in range(r.size)]
    if CURVE_DEGREE:
        curve = smooth_curve_fits(Yr, Lr, S, free)
        free = [[] if curve[j] else f for j, f in enumerate(free)]
    levels = [kept[i] for i in r.tolist()]
    better = lines_beat_levels(Yr, Lr, S, levels, free)
    for j, i in enumerate(r.tolist()):
        if free[j] and (not kept[i] or (REPLACE and better[j])):
            out[i], replace[i] = free[j], bool(kept[i])
    if WITHIN:
        t = np.array([j for j, i in enumerate(r.tolist()) if kept[i] and not replace[i]], dtype=np.int64)
        if t.size:
            cuts2, g2, S2 = statistics(Yr[t], Lr[t], np.ones(t.size, dtype=bool), [levels[j] for j in t.tolist()])
            for q, j in enumerate(t.tolist()):
                i = int(r[j])
                ch = [c for c in _chosen(cuts2, g2, thr[t], q) if all(abs(c - b) >= min_size for b in kept[i])]
                out[i] = _material_cuts(S2, q, kept[i], ch, int(Lr[j]), spread[j])
    return out, replace


def _material_cuts(S: linefit.Sums, j: int, fixed: list[int], chosen: list[int], n: int, spread: float) -> list[int]:
    if not chosen:
        return []
    bounds = sorted({0, n, *fixed, *chosen})
    keep = []
    for c in sorted(chosen):
        p = bounds.index(c)
        if _material(S, j, bounds[p - 1], c, bounds[p + 1], spread):
            keep.append(c)
    return keep


def cyclic(Y: np.ndarray, L: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows whose first differences repeat a cycle: an autocorrelation peak (≥ 0.2) at a lag 2…``CYCLE_MAX``
    at least ``CYCLE_GUARD`` above the lowest autocorrelation at shorter lags (a line per stage cannot fit a
    season, and its residuals would pose as changes of trend)."""
    out = np.zeros(Y.shape[0], dtype=bool)
    top = min(CYCLE_MAX, Y.shape[1] // 4)
    r = np.flatnonzero(rows)
    if top < 2 or r.size == 0:
        return out
    acf = _diff_acf(Y[r], L[r], top)
    low = np.minimum.accumulate(acf[:, 1:top], axis=1)
    peak = acf[:, 2 : top + 1]
    lag_ok = np.arange(2, top + 1)[None, :] <= (L[r] // 4)[:, None]
    prom = np.where((peak >= 0.2) & lag_ok, peak - low, 0.0)
    out[r] = prom.max(axis=1) >= CYCLE_GUARD
    return out


def _material(S: linefit.Sums, j: int, a: int, c: int, b: int, spread: float) -> bool:
    """The two fitted lines differ at the cut, or over the shorter segment, by ``MATERIALITY`` spreads."""
    return max(linefit.jump_turn(S, j, a, c, b)) >= MATERIALITY * spread


def rare_counts(X: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Rows of non-negative integers with a mean of at most ``COUNT_MEAN_MAX`` (:mod:`.counts`): a line per stage
    is no model for them, and a burst of a rare count is not a change of trend."""
    inside = np.arange(X.shape[1])[None, :] < L[:, None]
    ints = ~(non_count_mask(X) & inside).any(axis=1)
    mean = np.where(inside, X, 0.0).sum(axis=1) / np.maximum(L, 1)
    return ints & (mean <= COUNT_MEAN_MAX)


def add_breaks(
    X: np.ndarray, L: np.ndarray, searchable: np.ndarray, kept: list[list[int]], min_size: int,
    raw: np.ndarray | None = None,
) -> tuple[list[list[int]], list[set[int]]]:
    """``(kept with the cuts added or substituted (sorted), per row the cuts where the trend turned)``.

    ``raw`` (the values before any clipping) lets rare counts be skipped (:func:`rare_counts`).

    A cut is a turn of trend when the slopes of the lines on either side differ
    more (over the shorter stage) than their levels at the cut; otherwise it
    is a step found by the line search (its stage is reported as a level change).
    """
    if raw is not None:
        searchable = searchable & ~rare_counts(raw, L)
    found, replace = find_breaks(X, L, searchable, kept, min_size)
    merged = [
        sorted(f) if rep else (sorted({*k, *f}) if f else k)
        for k, f, rep in zip(kept, found, replace, strict=True)
    ]
    turned: list[set[int]] = [set() for _ in found]
    for i, f in enumerate(found):
        for c in list(f):
            bounds = [0, *merged[i], int(L[i])]
            p = bounds.index(c)
            a, b = bounds[p - 1], bounds[p + 1]
            tau, is_turn = linefit.classify(X[i, a:b], c - a, min(min_size, MIN_SEGMENT), STEP_PRICE)
            if not is_turn:
                continue
            c2 = a + tau
            if c2 != c and c2 not in merged[i]:
                merged[i] = sorted({*merged[i], c2} - {c})
                found[i] = [c2 if q == c else q for q in found[i]]
            turned[i].add(c2 if c2 in merged[i] else c)
    return merged, turned
