"""Abrupt changes of trend: binary segmentation into straight-line stages, calibrated against wander.

A level-shift search (:mod:`.segmentation`) models every stage as a flat level,
so a series that rises, levels off and falls (a rate that climbs for a decade,
plateaus, then declines; output that grows and then stalls) has no step to
find and gets no stage.  Here each row is cut greedily into **straight-line
segments** (a continuous kink and a jump both reduce the residual sum of
squares of a line fitted per segment; ruptures' ``CostLinear`` on the time
index), every candidate cut of every row scored at once from prefix sums of
``1, t, t², y, t·y, y²`` (numpy over the whole batch, ``MAX_BREAKS`` rounds).

The gains of the successive cuts are measured in the row's **long-run noise
variance around the fitted lines**: the residuals' robust sd (winsorised, as
in :mod:`.noise`) and their moving ranges inside each segment give the lag-1
autocorrelation ``phi = 1 - s_mr² / s_r²`` (capped at ``PHI_CAP``), and the
long-run variance ``s_r²·(1 + phi) / (1 - phi)``.  Gains are made
non-increasing (a later cut never counts for more than an earlier one) and the
cuts kept while their gain is at least :func:`threshold` — the ``1 - ALPHA``
quantile of the *largest* first gain over **shift-free** series of that
length, taken at the worst of a grid of noise models: white noise, AR(1) with
``phi`` up to 0.95 and pure random walks, with or without a straight trend or
a drift (a line per segment makes both invisible), estimated exactly as on
real rows (:func:`calibrate`).  So a steady trend, a random walk with or
without drift and autocorrelated noise open a stage on at most ~``ALPHA`` of
series, whatever their length.

A cut also needs ``MIN_SEGMENT`` points on each side, and is kept only when it
is at least ``min_size`` points from every boundary the level search kept (a
level break already explains the change there) and changes the fitted slope
or level materially (``MATERIALITY`` of the row's robust spread over the
shorter of the two segments).  The cuts then go through Wheeler confirmation
like every other boundary, and the stage they open is reported with
``kind="trend"``.
"""

from __future__ import annotations

import numpy as np

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


def _prefix(A: np.ndarray) -> np.ndarray:
    out = np.zeros((A.shape[0], A.shape[1] + 1))
    np.cumsum(A, axis=1, out=out[:, 1:])
    return out


class _Sums:
    """Prefix sums of ``1, t, t², y, t·y, y²`` per row (NaN past ``L`` counts as nothing)."""

    def __init__(self, Y: np.ndarray, L: np.ndarray) -> None:
        n = Y.shape[1]
        inside = np.arange(n)[None, :] < L[:, None]
        t = np.broadcast_to((np.arange(n, dtype=np.float64) - n / 2.0)[None, :], Y.shape)
        w = inside.astype(np.float64)
        y = np.where(inside, Y, 0.0)
        self.P = [_prefix(a) for a in (w, t * w, t * t * w, y, t * y, y * y)]
        self._flat = np.stack(self.P).reshape(6, -1)
        self._off = (np.arange(Y.shape[0]) * (n + 1))[:, None]

    def _at(self, idx: np.ndarray) -> np.ndarray:
        """``(6, R, m)``: the six prefix sums at per-row column indices ``idx`` ``(R, m)`` (one gather)."""
        return self._flat[:, (idx + self._off).ravel()].reshape(6, *idx.shape)

    def _sums(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
        """The six sums over ``[a, b)`` per row (``a``, ``b``: ``(R, m)`` indices)."""
        return list(self._at(b) - self._at(a))

    @staticmethod
    def _rss(s: list[np.ndarray]) -> np.ndarray:
        n, st, stt, sy, sty, syy = s
        with np.errstate(invalid="ignore", divide="ignore"):
            nn = np.maximum(n, 1.0)
            sxx = stt - st * st / nn
            sxy = sty - st * sy / nn
            syc = syy - sy * sy / nn
            r = syc - np.where(sxx > 1e-9, sxy * sxy / np.where(sxx > 1e-9, sxx, 1.0), 0.0)
        return np.maximum(np.where(n > 0, r, 0.0), 0.0)

    def split_gain(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``(R, n+1)``: the fall in RSS when the segment ``[a, b)`` holding each column ``c`` is cut at ``c``."""
        Pa, Pb = list(self._at(a)), list(self._at(b))
        whole = self._rss([y - x for x, y in zip(Pa, Pb, strict=True)])
        left = self._rss([P - x for x, P in zip(Pa, self.P, strict=True)])
        right = self._rss([y - P for P, y in zip(self.P, Pb, strict=True)])
        return whole - left - right

    def line(self, rows: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slope and intercept (at the centred time origin) of the line on ``[a, b)`` (``rows=None``: ``a``,
        ``b`` are ``(R, m)`` per-row indices)."""
        if rows is None:
            n, st, stt, sy, sty, _ = self._sums(a, b)
        else:
            n, st, stt, sy, sty, _ = (P[rows, b] - P[rows, a] for P in self.P)
        with np.errstate(invalid="ignore", divide="ignore"):
            nn = np.maximum(n, 1.0)
            sxx = stt - st * st / nn
            slope = np.where(sxx > 1e-9, (sty - st * sy / nn) / np.where(sxx > 1e-9, sxx, 1.0), 0.0)
            icpt = (sy - slope * st) / nn
        return slope, icpt


def _bounds(marks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column ``c`` of ``marks`` (R, n+1; 1 at boundaries): start and end of the segment holding ``c-1, c``."""
    R, m = marks.shape
    cols = np.broadcast_to(np.arange(m)[None, :], marks.shape)
    start_at = np.where(marks > 0, cols, 0)
    a = np.maximum.accumulate(start_at, axis=1)  # last boundary <= c
    a_prev = np.concatenate([np.zeros((R, 1), dtype=a.dtype), a[:, :-1]], axis=1)  # last boundary <= c-1
    end_at = np.where(marks > 0, cols, m - 1)
    b = np.minimum.accumulate(end_at[:, ::-1], axis=1)[:, ::-1]  # first boundary >= c
    return a_prev, b


def segment(
    Y: np.ndarray, L: np.ndarray, rows: np.ndarray, fixed: list[list[int]] | None = None,
    max_breaks: int = MAX_BREAKS, min_seg: int = MIN_SEGMENT,
) -> tuple[np.ndarray, np.ndarray, _Sums, np.ndarray]:
    """Greedy line segmentation of ``rows``: ``(cuts, gains, sums, marks)``.

    ``cuts``/``gains`` are ``(R, max_breaks)`` (-1 / 0 when no cut fits);
    ``fixed`` boundaries (per row) are segment ends from the start.  Gains are
    in the units of ``Y`` squared.
    """
    R, n = Y.shape
    S = _Sums(Y, L)
    marks = np.zeros((R, n + 1), dtype=np.int8)
    marks[:, 0] = 1
    marks[np.arange(R), L] = 1
    if fixed is not None:
        for i, f in enumerate(fixed):
            for c in f:
                if 0 < c < L[i]:
                    marks[i, c] = 1
    cuts = np.full((R, max_breaks), -1, dtype=np.int64)
    gains = np.zeros((R, max_breaks))
    cols = np.arange(n + 1)[None, :]
    live = rows.copy()
    for k in range(max_breaks):
        a, b = _bounds(marks)
        ok = (cols - a >= min_seg) & (b - cols >= min_seg) & (cols < L[:, None]) & live[:, None]
        if not ok.any():
            break
        g = S.split_gain(a, b)
        g = np.where(ok, g, -np.inf)
        best = g.argmax(axis=1)
        gb = g[np.arange(R), best]
        take = np.isfinite(gb) & live
        cuts[take, k] = best[take]
        gains[take, k] = np.maximum(gb[take], 0.0)
        marks[np.flatnonzero(take), best[take]] = 1
        live = take
    return cuts, gains, S, marks


def _residuals(Y: np.ndarray, L: np.ndarray, S: _Sums, marks: np.ndarray) -> np.ndarray:
    """Residuals around the line fitted to each segment of ``marks`` (NaN past ``L``)."""
    R, n = Y.shape
    cols = np.broadcast_to(np.arange(n)[None, :], (R, n))
    start = np.maximum.accumulate(np.where(marks[:, :n] > 0, cols, 0), axis=1)
    end = np.minimum.accumulate(np.where(marks[:, 1:] > 0, cols + 1, n)[:, ::-1], axis=1)[:, ::-1]
    slope, icpt = S.line(None, start, end)
    return np.where(cols < L[:, None], Y - (icpt + slope * (cols - n / 2.0)), np.nan)


def innovation_var(res: np.ndarray, marks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(variance of the AR(1) innovations, number of pairs)`` of residuals, pairs inside a segment only."""
    n = res.shape[1]
    same = np.isfinite(res[:, 1:]) & (marks[:, 1:n] == 0)
    x0 = np.where(same, res[:, :-1], 0.0)
    x1 = np.where(same, res[:, 1:], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.clip((x0 * x1).sum(axis=1) / np.maximum((x0 * x0).sum(axis=1), 1e-300), 0.0, PHI_CAP)
        m = same.sum(axis=1)
        e = np.where(same, x1 - phi[:, None] * x0, np.nan)
        if WINSOR:  # a spike's two innovations count as no more than WINSOR robust sd each
            cap = WINSOR * 1.4826 * np.nanmedian(np.abs(e), axis=1)
            e = np.minimum(np.abs(e), cap[:, None])
        return np.nansum(e * e, axis=1) / np.maximum(m, 1), m


def statistics(Y: np.ndarray, L: np.ndarray, rows: np.ndarray, fixed: list[list[int]] | None = None,
               ) -> tuple[np.ndarray, np.ndarray, _Sums]:
    """``(cuts, likelihood-ratio statistics made non-increasing, sums)`` of the rows' greedy cuts.

    Statistic of cut ``k``: ``m·ln(s²_{k-1} / s²_k)`` with ``s²_k`` the AR(1)
    innovation variance of the residuals around the fit with the first ``k``
    cuts (``phi`` refitted per model; ``s²_0``: one line, or the lines of the
    ``fixed`` stages) and ``m`` the number of pairs.
    """
    R, n = Y.shape
    cuts, _gains, S, _marks = segment(Y, L, rows, fixed)
    mk = _mark(R, n, L, fixed or [[] for _ in range(R)])

    def res(k: int) -> np.ndarray:
        if k:
            has = cuts[:, k - 1] >= 0
            mk[np.flatnonzero(has), cuts[has, k - 1]] = 1
        return _residuals(Y, L, S, mk)

    prev, m = innovation_var(res(0), mk)
    stat = np.zeros(cuts.shape)
    for k in range(cuts.shape[1]):
        has = cuts[:, k] >= 0
        if not has.any():
            break
        cur, m = innovation_var(res(k + 1), mk)
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


def _mark(R: int, n: int, L: np.ndarray, bounds: list[list[int]]) -> np.ndarray:
    mk = np.zeros((R, n + 1), dtype=np.int8)
    mk[:, 0] = 1
    mk[np.arange(R), L] = 1
    for i, f in enumerate(bounds):
        for c in f:
            if 0 < c < L[i]:
                mk[i, c] = 1
    return mk


def _level_residuals(Y: np.ndarray, L: np.ndarray, S: _Sums, marks: np.ndarray) -> np.ndarray:
    """Residuals around each segment's mean (NaN past ``L``)."""
    R, n = Y.shape
    cols = np.broadcast_to(np.arange(n)[None, :], (R, n))
    start = np.maximum.accumulate(np.where(marks[:, :n] > 0, cols, 0), axis=1)
    end = np.minimum.accumulate(np.where(marks[:, 1:] > 0, cols + 1, n)[:, ::-1], axis=1)[:, ::-1]
    ridx = np.arange(R)[:, None]
    cnt = S.P[0][ridx, end] - S.P[0][ridx, start]
    mean = (S.P[3][ridx, end] - S.P[3][ridx, start]) / np.maximum(cnt, 1.0)
    return np.where(cols < L[:, None], Y - mean, np.nan)


def lines_beat_levels(Y: np.ndarray, L: np.ndarray, S: _Sums, levels: list[list[int]], lines: list[list[int]],
                      ) -> np.ndarray:
    """Per row: do straight-line stages at ``lines`` explain it better than flat stages at ``levels``?

    Both under AR(1) noise; Schwarz's criterion ``m·ln s² + k·ln m`` (``k`` fitted
    parameters: 2 per line stage, 1 per level stage, ``m`` innovation pairs).
    """
    R, n = Y.shape
    mk_l = _mark(R, n, L, levels)
    mk_t = _mark(R, n, L, lines)
    s_l, m = innovation_var(_level_residuals(Y, L, S, mk_l), mk_l)
    s_t, m_t = innovation_var(_residuals(Y, L, S, mk_t), mk_t)
    k_l = np.array([len(v) + 1 for v in levels], dtype=np.float64)
    k_t = np.array([2 * (len(v) + 1) for v in lines], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        bic_l = m * np.log(np.maximum(s_l, 1e-300)) + k_l * np.log(np.maximum(m, 2))
        bic_t = m_t * np.log(np.maximum(s_t, 1e-300)) + k_t * np.log(np.maximum(m_t, 2))
    return np.asarray(bic_t + BIC_MARGIN < bic_l)


def _poly_residuals(Y: np.ndarray, L: np.ndarray, deg: int) -> np.ndarray:
    """Residuals around a least-squares polynomial of degree ``deg`` in time, per row (NaN past ``L``)."""
    _r, n = Y.shape
    inside = np.arange(n)[None, :] < L[:, None]
    t = (np.arange(n)[None, :] / np.maximum(L - 1, 1)[:, None]) * 2.0 - 1.0
    B = np.stack([np.where(inside, t**p, 0.0) for p in range(deg + 1)], axis=2)
    G = np.einsum("rtp,rtq->rpq", B, B) + np.eye(deg + 1)[None] * 1e-9
    coef = np.linalg.solve(G, np.einsum("rtp,rt->rp", B, np.where(inside, Y, 0.0))[:, :, None])[:, :, 0]
    return np.where(inside, Y - np.einsum("rtp,rp->rt", B, coef), np.nan)


def smooth_curve_fits(Y: np.ndarray, L: np.ndarray, S: _Sums, lines: list[list[int]]) -> np.ndarray:
    """Per row: does a smooth curve (a polynomial of degree ``CURVE_DEGREE``) explain it as well as the
    straight-line stages at ``lines``?  (Schwarz's criterion under AR(1) noise, as :func:`lines_beat_levels`.)
    Growth that speeds up or slows down gradually is curvature, not an abrupt change of trend."""
    R, n = Y.shape
    mk_t = _mark(R, n, L, lines)
    mk_0 = _mark(R, n, L, [[] for _ in range(R)])
    s_t, m_t = innovation_var(_residuals(Y, L, S, mk_t), mk_t)
    s_c, m_c = innovation_var(_poly_residuals(Y, L, CURVE_DEGREE), mk_0)
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


def _material_cuts(S: _Sums, j: int, fixed: list[int], chosen: list[int], n: int, spread: float) -> list[int]:
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


def _jump_turn(S: _Sums, j: int, a: int, c: int, b: int) -> tuple[float, float]:
    """How far the lines of ``[a, c)`` and ``[c, b)`` differ at ``c`` (jump) and over the shorter one (turn)."""
    rows = np.array([j, j])
    slope, icpt = S.line(rows, np.array([a, c]), np.array([c, b]))
    tc = c - (S.P[0].shape[1] - 1) / 2.0
    jump = abs((icpt[1] + slope[1] * tc) - (icpt[0] + slope[0] * tc))
    return float(jump), float(abs(slope[1] - slope[0]) * min(c - a, b - c))


def _material(S: _Sums, j: int, a: int, c: int, b: int, spread: float) -> bool:
    """The two fitted lines differ at the cut, or over the shorter segment, by ``MATERIALITY`` spreads."""
    return max(_jump_turn(S, j, a, c, b)) >= MATERIALITY * spread


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
            tau, is_turn = classify(X[i, a:b], c - a, min(min_size, MIN_SEGMENT))
            if not is_turn:
                continue
            c2 = a + tau
            if c2 != c and c2 not in merged[i]:
                merged[i] = sorted({*merged[i], c2} - {c})
                found[i] = [c2 if q == c else q for q in found[i]]
            turned[i].add(c2 if c2 in merged[i] else c)
    return merged, turned


def classify(y: np.ndarray, c: int, m: int) -> tuple[int, bool]:
    """``(where, turned)`` for a cut at ``c`` of the stretch ``y`` between its neighbouring boundaries.

    The best single **kink** (a continuous line whose slope changes at ``τ``,
    ``m`` points from either end) against the two separate lines cut at ``c``:
    the kink explains the stretch when its residual sum of squares is within
    ``STEP_PRICE`` times Schwarz's price of the separate lines' extra parameter
    (``N·ln(RSS_kink / RSS_cut) ≤ STEP_PRICE·ln N``; both fits take the best of
    many positions, so chance favours the freer one) — then the trend turned,
    at ``τ``; otherwise the cut is a step, where it is.
    """
    N = int(y.size)
    t = np.arange(N, dtype=np.float64) / max(N, 1)
    taus = np.arange(m, N - m + 1)
    if taus.size == 0 or N < 2 * m + 2:
        return c, False
    B = np.stack([np.ones((taus.size, N)), np.broadcast_to(t, (taus.size, N)),
                  np.maximum(t[None, :] - t[taus][:, None], 0.0)], axis=2)
    G = np.einsum("ktp,ktq->kpq", B, B) + np.eye(3)[None] * 1e-12
    coef = np.linalg.solve(G, np.einsum("ktp,t->kp", B, y)[:, :, None])[:, :, 0]
    rss_k = ((y[None, :] - np.einsum("ktp,kp->kt", B, coef)) ** 2).sum(axis=1)
    best = int(rss_k.argmin())
    rss_c = sum(float(((seg - np.polyval(np.polyfit(ts, seg, 1), ts)) ** 2).sum())
                for ts, seg in ((t[:c], y[:c]), (t[c:], y[c:])) if seg.size >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        turned = bool(N * np.log(max(float(rss_k[best]), 1e-300) / max(rss_c, 1e-300)) <= STEP_PRICE * np.log(N))
    return int(taus[best]), turned
