"""Two steps on short silent rows — an episode (a level that rises and falls back) or a two-step staircase.

:mod:`.shortstep` asks whether **one** lasting step explains a short row better than AR(1) or a random walk.  A
temporary level — an inflation episode, a war, a strike, a promotion — is two steps of opposite sign, and one
step explains it poorly: the row's two ends sit at the same level, so the best single cut gains little and the row
stays silent, although people see the episode plainly on the chart.

This pass takes the rows still silent after the one-step test and compares the same null (conditional least
squares, ``x_t - phi·x_{t-1} = c + b·t + e_t`` minimised over a ``phi`` grid up to a random walk) with **two**
steps of free sizes at ``k1 < k2`` in AR(1) noise (each with the exact AR(1) level-shift regressor of
:mod:`.shortstep`).  Statistic ``m·ln(RSS0 / min RSS2)``; both steps at least ``EDGE`` points from either end and
at least ``GAP`` points apart.  Every pair of cuts of every row is scored at once from the one-step quantities (the
2 × 2 normal equations in closed form).  The threshold is the worst ``1 - ALPHA`` quantile of the statistic over the
same shift-free null models as the one-step test (:func:`calibrate`), with a margin.  Both steps must be material,
the row must not be heavy-tailed away from its two jumps, and both boundaries go through Wheeler confirmation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tools.control_limits import shortstep
from tools.control_limits.refine import _IQR_TO_SD, MATERIALITY, _row_quantile

#: ``phi`` grid of both models (1.0 = random walk): coarser than the one-step test's (the pair search is costly).
GRID = np.array([0.0, 0.3, 0.5, 0.65, 0.8, 0.9, 0.95, 1.0])
#: Polynomial in time in both models: 1 a trend (as the one-step test), 2 also a curvature (growth is no episode).
ORDER = 1
#: Rows of this many points are judged (the pair search is quadratic in the length).
N_MIN = 24
N_MAX = 160
#: Both steps at least this many points from either end, and at least ``GAP`` points apart (shorter: a burst).
EDGE = 5
GAP = 4
#: Only an episode proper: the two steps of opposite sign (a level that comes back), not a staircase.
OPPOSITE = False
#: Heavy tails: rows with ``TAIL_MAX`` or more increments beyond ``TAIL_Z`` robust sds away from both jumps are skipped.
TAIL_Z = 3.5
TAIL_MAX = 3
#: Row lengths of the calibration table and the statistic's threshold per length: :func:`calibrate` (1,000 rows per
#: model and length) gave 32.8–36.5 with no trend in length (AR(1) φ 0.6–0.98 and the walks set it); flat, above all.
_CAL_LENGTHS = (24, 32, 48, 64, 96, 128, 160)
THRESHOLDS = np.full(len(_CAL_LENGTHS), 37.0)
#: False-stage rate per shift-free row the threshold is calibrated at.
ALPHA = 0.002
#: Rows per array pass (memory: rows × grid × cuts²).
_CELLS = 4_000_000


def threshold(n: np.ndarray) -> np.ndarray:
    """The statistic's threshold for rows of ``n`` points (interpolated in ``ln n``)."""
    ln = np.log(np.clip(np.asarray(n, dtype=np.float64), _CAL_LENGTHS[0], _CAL_LENGTHS[-1]))
    return np.interp(ln, np.log(np.asarray(_CAL_LENGTHS, dtype=np.float64)), THRESHOLDS)


def add_episodes(
    Xc: np.ndarray,
    L: np.ndarray,
    confirmed: list[list[tuple[int, str, int]]],
    rows: np.ndarray,
    confirm: Callable[[list[list[int]]], list[list[tuple[int, str, int]]]],
) -> tuple[list[list[tuple[int, str, int]]], np.ndarray]:
    """``confirmed`` with two Wheeler-confirmed steps on the silent ``rows`` whose statistic passes.

    Same arguments as :func:`.shortstep.add_steps`; also returns the statistic per row (0 where not judged).
    """
    stat = np.zeros(L.shape[0])
    judge = rows & (L >= N_MIN) & (L <= N_MAX) & np.array([not c for c in confirmed], dtype=bool)
    if not judge.any():
        return confirmed, stat
    cands: list[list[int]] = [[] for _ in confirmed]
    for n in np.unique(L[judge]).tolist():
        idx = np.flatnonzero(judge & (L == n))
        S = Xc[idx, :n]
        iqr = _row_quantile(S, np.full(idx.size, n), 0.75) - _row_quantile(S, np.full(idx.size, n), 0.25)
        spread = np.where(np.isfinite(iqr), iqr / _IQR_TO_SD, 0.0)
        lr, k1, k2, d1, d2 = scan(S)
        stat[idx] = lr
        big = (np.abs(d1) >= MATERIALITY * spread) & (np.abs(d2) >= MATERIALITY * spread)
        if OPPOSITE:
            big &= np.sign(d1) != np.sign(d2)
        ok = (lr >= threshold(np.full(idx.size, n))) & big & _thin_tailed(S, k1, k2)
        for i, a, b in zip(idx[ok].tolist(), k1[ok].tolist(), k2[ok].tolist(), strict=True):
            cands[i] = [int(a), int(b)]
    if not any(cands):
        return confirmed, stat
    conf = confirm(cands)
    out = list(confirmed)
    for i, c in enumerate(cands):
        if c and conf[i]:
            out[i] = conf[i]
    return out, stat


def _thin_tailed(S: np.ndarray, k1: np.ndarray, k2: np.ndarray) -> np.ndarray:
    """Rows with fewer than ``TAIL_MAX`` increments beyond ``TAIL_Z`` robust sds away from both jumps."""
    if TAIL_MAX <= 0:
        return np.ones(S.shape[0], dtype=bool)
    d = np.diff(S, axis=1)
    med = np.median(d, axis=1, keepdims=True)
    sd = 1.482602218505602 * np.median(np.abs(d - med), axis=1, keepdims=True)
    big = np.abs(d - med) > TAIL_Z * np.maximum(sd, 1e-12)
    j = np.arange(d.shape[1])[None, :]
    near = (np.abs(j - (k1[:, None] - 1)) <= 1) | (np.abs(j - (k2[:, None] - 1)) <= 1)
    return (big & ~near).sum(axis=1) < TAIL_MAX


def scan(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``X`` (equal length, no gaps): the statistic, both steps' first indices and their sizes."""
    r, n = X.shape
    lr = np.zeros(r)
    k1 = np.zeros(r, dtype=np.int64)
    k2 = np.zeros(r, dtype=np.int64)
    d1 = np.zeros(r)
    d2 = np.zeros(r)
    if n < 2 * EDGE + GAP + 2:
        return lr, k1, k2, d1, d2
    K = n - 2 * EDGE + 1
    step = max(1, _CELLS // (len(GRID) * K * K // 2))
    for lo in range(0, r, step):
        sl = slice(lo, min(r, lo + step))
        lr[sl], k1[sl], k2[sl], d1[sl], d2[sl] = _scan_chunk(X[sl])
    return lr, k1, k2, d1, d2


def _scan_chunk(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r, n = X.shape
    m = n - 1
    grid = GRID
    w = X[:, None, 1:] - grid[None, :, None] * X[:, None, :-1]  # (r, G, m); w[j] is time j + 1
    Q = _basis(m)  # (m, q) orthonormal: intercept, trend (and curvature)
    wt = w - (w @ Q) @ Q.T  # w with the basis partialled out
    rss0 = (wt * wt).sum(axis=2)  # (r, G)
    ks = np.arange(EDGE, n - EDGE + 1)  # first index of a new level
    j = ks - 1
    has = ks < m
    aft = np.minimum(ks, m - 1)
    cnt = np.where(has, m - ks, 0).astype(np.float64)  # points after k
    a = (1.0 - grid)[:, None]  # (G, 1)
    suf_w = np.cumsum(wt[..., ::-1], axis=2)[..., ::-1]
    suf_q = np.cumsum(Q[::-1], axis=0)[::-1]  # (m, q)
    b = a[None] * np.where(has, suf_w[..., aft], 0.0) + wt[..., j]  # z'w~  (r, G, K)
    qz = a[:, :, None] * np.where(has[:, None], suf_q[aft], 0.0)[None] + Q[j][None]  # Q'z  (G, K, q)
    czz = np.maximum(a * a * cnt + 1.0 - (qz * qz).sum(axis=2), 1e-12)  # (G, K)
    p1, p2 = _pairs(ks.size)
    # cross products of two projected step regressors, k1 < k2: z1 = a where z2 = 1, a·a after k2
    c12 = (a + a * a * cnt)[:, p2] - (qz[:, p1] * qz[:, p2]).sum(axis=2)  # (G, P)
    c11, c22 = czz[:, p1], czz[:, p2]
    det = c11 * c22 - c12 * c12
    det = np.where(det > 1e-9 * c11 * c22, det, np.inf)
    f11, f22, f12 = (c22 / det).astype(np.float32), (c11 / det).astype(np.float32), (-2.0 * c12 / det).astype(np.float32)
    bf = b.astype(np.float32)
    b1, b2 = bf[..., p1], bf[..., p2]  # (r, G, P)
    gain = b1 * b1 * f11 + b2 * b2 * f22 + b1 * b2 * f12  # b' C^-1 b
    rss2 = rss0[:, :, None] - gain
    flat = rss2.reshape(r, -1)
    best = np.argmin(flat, axis=1)
    gi, pi = np.unravel_index(best, rss2.shape[1:])
    i1, i2 = p1[pi], p2[pi]
    rows = np.arange(r)
    r2 = rss0[rows, gi] - _gain64(b[rows, gi, i1], b[rows, gi, i2], c11[gi, pi], c22[gi, pi], c12[gi, pi], det[gi, pi])
    r0 = rss0.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.where((r0 > 0) & (r2 > 0), m * np.log(r0 / np.maximum(r2, 1e-300)), 0.0)
    B1, B2 = b[rows, gi, i1], b[rows, gi, i2]
    C11, C22, C12, D = c11[gi, pi], c22[gi, pi], c12[gi, pi], det[gi, pi]
    d1 = (C22 * B1 - C12 * B2) / D
    d2 = (C11 * B2 - C12 * B1) / D
    return np.maximum(lr, 0.0), ks[i1], ks[i2], d1, d2


def _gain64(b1: np.ndarray, b2: np.ndarray, c11: np.ndarray, c22: np.ndarray, c12: np.ndarray, det: np.ndarray) -> np.ndarray:
    return (b1 * b1 * c22 - 2.0 * b1 * b2 * c12 + b2 * b2 * c11) / det


def _basis(m: int) -> np.ndarray:
    """Orthonormal columns spanning the intercept and the powers of time up to ``ORDER`` over ``m`` innovations."""
    t = np.linspace(-1.0, 1.0, m)
    return np.linalg.qr(np.vander(t, ORDER + 1, increasing=True))[0]


def _pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i1, i2)`` of the ``k`` cuts at least ``GAP`` apart, ``i1 < i2``."""
    i1, i2 = np.triu_indices(k, GAP)
    return i1, i2


def calibrate(alpha: float = ALPHA, reps: int = 2000, seed: int = 20261201, per_model: bool = False) -> np.ndarray:
    """Per length of ``_CAL_LENGTHS``, the worst ``1 - alpha`` quantile of the statistic over the null models of
    :mod:`.shortstep` (rows through the pipeline's outlier clipping, as in use); ``per_model``: the whole table."""
    from tools.control_limits.noise import search_input

    rng = np.random.default_rng(seed)
    models = shortstep._CAL_MODELS
    out = np.zeros((len(models), len(_CAL_LENGTHS)))
    for jn, n in enumerate(_CAL_LENGTHS):
        for i, phi in enumerate(models):
            X = shortstep.null_rows(rng, phi, reps, n)
            _, Xc, _ = search_input(X, np.full(reps, n))
            out[i, jn] = float(np.quantile(scan(Xc)[0], 1.0 - alpha))
    return out if per_model else out.max(axis=0)
