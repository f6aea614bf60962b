"""One lasting level step in short, strongly autocorrelated rows: a likelihood ratio against AR(1) or a random walk.

The stage search judges a row in units of its long-run noise.  On a short row whose noise looks strongly
autocorrelated (``phi`` near its cap) that unit is so wide that a step people see plainly on the chart — a level
that holds, jumps and holds again — is explained away as noise: the row stays silent.  And yet a shift-free random
walk or AR(1) row of the same length must stay unstaged.  What separates the two is *what the step explains*: in a
random walk a step is one large increment and nothing more; where the level really moved, the step also explains
the persistence — once it is taken out, the noise on either side mean-reverts (a lower ``phi``).

So, on rows left with one stage, this pass compares two models of the (outlier-clipped) row by conditional least
squares, each minimised over a grid of ``phi`` in [0, 1] (``phi = 1`` is a random walk; an intercept — drift — and
optionally a linear time trend in both):

* null: ``x_t = c + phi·x_{t-1} + e_t``;
* one step of size ``d`` at ``k`` (the first point of the new level) in AR(1) noise:
  ``x_t - phi·x_{t-1} = c + d·z_t(k) + e_t`` with ``z_t = 0`` before ``k``, ``1`` at ``k`` and ``1 - phi``
  after — the exact level-shift regressor of an AR(1) process.

The statistic is ``m·ln(RSS0 / min_k RSS1(k))`` (``m`` = ``n - 1`` innovations), the step being at least ``EDGE``
points from either end.  Every candidate cut of every row is scored at once from suffix sums (vectorised over rows
of equal length and the ``phi`` grid).  Its null distribution depends on the noise model and the length; the
threshold is the **worst** ``1 - ALPHA`` quantile over white noise, AR(1) with ``phi`` up to 0.98 and a random
walk (with and without drift) at each length (:func:`calibrate`; interpolated in ``ln n``).  A step that passes
must be material like every stage (``|d| ≥ MATERIALITY`` robust spreads of the row) and then goes through
Wheeler confirmation like every other boundary.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tools.control_limits.refine import _IQR_TO_SD, MATERIALITY, _row_quantile

#: ``phi`` grid of both models (1.0 = random walk).
GRID = np.concatenate([np.linspace(0.0, 0.9, 19), [0.93, 0.96, 0.98, 1.0]])
#: Rows of this many points are judged (shorter: no power; longer: the search's own noise model is precise).
N_MIN = 24
N_MAX = 400
#: At most this many steps per row: the first, and with 2 one more on either side of it (judged the same way).
MAX_STEPS = 1
#: A step at least this many points from either end.
EDGE = 5
#: A linear time trend in both models (a trending row is no step).
TREND = True
#: The jump at the step's first point is set aside (a free impulse in both models): heavy-tailed walks' big single
#: increments are no evidence, only a level that holds is.
EXCLUDE_JUMP = False
#: The step model's noise ``phi`` at most this (a random walk plus one jump is no step: a heavy-tailed walk has such jumps).
ALT_PHI_MAX = 1.0
#: The best step model's ``phi`` must be at most this (a random walk plus one jump is a heavy-tailed walk, no step).
PHI_GATE = 1.0
#: Innovations' squares capped at this many robust sds in the statistic (0: plain least squares).
WINSOR = 0.0
#: Heavy tails: a row with ``TAIL_MAX`` or more increments beyond ``TAIL_Z`` robust sds away from the step is skipped.
TAIL_Z = 3.5
TAIL_MAX = 3
#: False-stage rate per shift-free row the threshold is calibrated at.
ALPHA = 0.002
#: Row lengths of the calibration table.
_CAL_LENGTHS = (24, 32, 48, 64, 96, 128, 192, 256, 400)
#: ``1 - ALPHA`` quantile of the statistic per length, worst over the null models (:func:`calibrate`).
THRESHOLDS = np.full(len(_CAL_LENGTHS), 24.5)
#: Rows of at most this many in one array pass.
_CHUNK = 256


def threshold(n: np.ndarray) -> np.ndarray:
    """The statistic's threshold for rows of ``n`` points (interpolated in ``ln n``)."""
    ln = np.log(np.clip(np.asarray(n, dtype=np.float64), _CAL_LENGTHS[0], _CAL_LENGTHS[-1]))
    return np.interp(ln, np.log(np.asarray(_CAL_LENGTHS, dtype=np.float64)), THRESHOLDS)


def add_steps(
    Xc: np.ndarray,
    L: np.ndarray,
    confirmed: list[list[tuple[int, str, int]]],
    rows: np.ndarray,
    confirm: Callable[[list[list[int]]], list[list[tuple[int, str, int]]]],
) -> tuple[list[list[tuple[int, str, int]]], np.ndarray]:
    """``confirmed`` with a Wheeler-confirmed step on the ``rows`` left with one stage whose statistic passes.

    ``Xc`` is the outlier-clipped batch (left-aligned, ``L`` points per row); ``confirm`` Wheeler-confirms a list
    of candidate boundaries per row.  Also returns the statistic per row (0 where not judged).
    """
    stat = np.zeros(L.shape[0])
    judge = rows & (L >= N_MIN) & (L <= N_MAX) & np.array([not c for c in confirmed], dtype=bool)
    if not judge.any():
        return confirmed, stat
    cands: list[list[int]] = [[] for _ in confirmed]
    spread = np.zeros(L.shape[0])
    for n in np.unique(L[judge]).tolist():
        idx = np.flatnonzero(judge & (L == n))
        S = Xc[idx, :n]
        iqr = _row_quantile(S, np.full(idx.size, n), 0.75) - _row_quantile(S, np.full(idx.size, n), 0.25)
        spread[idx] = np.where(np.isfinite(iqr), iqr / _IQR_TO_SD, 0.0)
        ok, at, lr = _judge(S, MATERIALITY * spread[idx])
        stat[idx] = lr
        for i, k in zip(idx[ok].tolist(), at[ok].tolist(), strict=True):
            cands[i] = [int(k)]
    if MAX_STEPS > 1:  # one more step on either side of the first (binary segmentation, one level)
        segs = [(i, a, b) for i, c in enumerate(cands) if c for a, b in ((0, c[0]), (c[0], int(L[i])))]
        for n in sorted({b - a for _, a, b in segs if b - a >= N_MIN}):
            sel = [(i, a) for i, a, b in segs if b - a == n]
            S = np.stack([Xc[i, a : a + n] for i, a in sel])
            ok, at, _ = _judge(S, MATERIALITY * spread[[i for i, _ in sel]])
            for (i, a), k, good in zip(sel, at.tolist(), ok.tolist(), strict=True):
                if good:
                    cands[i] = sorted([*cands[i], a + int(k)])
    if not any(cands):
        return confirmed, stat
    conf = confirm(cands)
    out = list(confirmed)
    for i, c in enumerate(cands):
        if c and conf[i]:
            out[i] = conf[i]
    return out, stat


def _judge(S: np.ndarray, min_shift: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``S`` (equal length) whose best step passes: ``(passes, first index of the step, statistic)``."""
    lr, at, size = scan(S)
    ok = (lr >= threshold(np.full(S.shape[0], S.shape[1]))) & (np.abs(size) >= min_shift) & _thin_tailed(S, at)
    return ok, at, lr


def _thin_tailed(S: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Rows whose increments away from the step have fewer than ``TAIL_MAX`` beyond ``TAIL_Z`` robust sds.

    The statistic is calibrated on Gaussian noise; a heavy-tailed walk (a price) has single big increments that are
    no lasting step, and shows it by having several of them.
    """
    if TAIL_MAX <= 0:
        return np.ones(S.shape[0], dtype=bool)
    d = np.diff(S, axis=1)
    med = np.median(d, axis=1, keepdims=True)
    sd = 1.482602218505602 * np.median(np.abs(d - med), axis=1, keepdims=True)
    big = np.abs(d - med) > TAIL_Z * np.maximum(sd, 1e-12)
    j = np.arange(d.shape[1])[None, :]
    near = np.abs(j - (at[:, None] - 1)) <= 1  # the step's own jump (difference index k - 1) and its neighbours
    return (big & ~near).sum(axis=1) < TAIL_MAX


def scan(X: np.ndarray, edge: int | None = None, trend: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``X`` (rows of equal length, no gaps): the statistic, the step's first index and its size."""
    trend = TREND if trend is None else trend
    edge = EDGE if edge is None else edge
    r, n = X.shape
    lr = np.zeros(r)
    at = np.zeros(r, dtype=np.int64)
    size = np.zeros(r)
    if n < 2 * edge + 2:
        return lr, at, size
    for lo in range(0, r, _CHUNK):
        sl = slice(lo, min(r, lo + _CHUNK))
        lr[sl], at[sl], size[sl] = _scan_chunk(X[sl], edge, trend)
    return lr, at, size


def _scan_chunk(X: np.ndarray, edge: int, trend: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, n = X.shape
    m = n - 1
    g = GRID[None, :, None]
    w = X[:, None, 1:] - g * X[:, None, :-1]  # (r, G, m); w[j] is time j + 1
    t = np.arange(1, n, dtype=np.float64)
    # partial the intercept (and trend) out of w
    wb = w.mean(axis=2, keepdims=True)
    wc = w - wb
    if trend:
        tc = t - t.mean()
        stt = float(tc @ tc)
        beta = (wc @ tc)[..., None] / stt
        wt = wc - beta * tc
    else:
        tc = np.zeros_like(t)
        stt = 1.0
        wt = wc
    rss0 = (wt * wt).sum(axis=2)  # (r, G)
    ks = np.arange(edge, n - edge + 1)  # first index of the new level
    j = ks - 1  # index into w of time k
    suf_w = np.cumsum(wt[..., ::-1], axis=2)[..., ::-1]  # suf_w[j] = sum_{j' >= j}
    suf_t = np.cumsum(tc[::-1])[::-1]
    after = ks  # w indices > j, i.e. from ks
    has = after < m
    aft_idx = np.minimum(after, m - 1)
    cnt = np.where(has, m - after, 0).astype(np.float64)
    a = (1.0 - GRID)[None, :, None]
    zw = a * np.where(has, suf_w[..., aft_idx], 0.0) + wt[..., j]  # z'w~ (w~ orthogonal to 1, t)
    sz = a * cnt + 1.0  # z'1
    szt = a * np.where(has, suf_t[aft_idx], 0.0) + tc[j]  # z'(t - mean t)
    szz = a * a * cnt + 1.0
    czz = szz - sz * sz / m - (szt * szt / stt if trend else 0.0)
    czz = np.broadcast_to(np.maximum(czz, 1e-12), zw.shape)
    rss1 = rss0[..., None] - zw * zw / czz  # (r, G, K)
    rss1 = np.where((GRID <= ALT_PHI_MAX)[None, :, None], rss1, np.inf)
    if EXCLUDE_JUMP:
        # the jump itself set aside (a free impulse at k in both models): the evidence is the level that holds
        h = 1.0 / m + (tc[j] ** 2 / stt if trend else 0.0)  # leverage of time k under (1, t)
        ej = wt[..., j]  # (r, G, K)
        r0k = rss0[..., None] - ej * ej / (1.0 - h)
        aw = np.where(has, suf_w[..., aft_idx], 0.0)  # <A, w~>, A = 1 after k
        sa = cnt
        sat = np.where(has, suf_t[aft_idx], 0.0)
        aa = cnt - sa * sa / m - (sat * sat / stt if trend else 0.0)
        aj = -(sa / m + (tc[j] * sat / stt if trend else 0.0))  # (M_X A)_k
        aw2 = aw - aj * ej / (1.0 - h)
        aa2 = np.maximum(aa - aj * aj / (1.0 - h), 1e-12)
        r1k = r0k - aw2 * aw2 / aa2
        n0 = r0k.min(axis=1)  # (r, K)
        n1 = r1k.min(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            lrk = np.where((n0 > 0) & (n1 > 0), (m - 1) * np.log(n0 / np.maximum(n1, 1e-300)), 0.0)
        kk = np.argmax(lrk, axis=1)
        rows = np.arange(r)
        gk = np.argmin(r1k[rows, :, kk], axis=1)
        rss1 = rss1  # size from the tied model at the chosen cut and phi
        d = zw[rows, gk, kk] / czz[rows, gk, kk]
        return np.maximum(lrk[rows, kk], 0.0), ks[kk], d
    flat = rss1.reshape(r, -1)
    best = np.argmin(flat, axis=1)
    gi, ki = np.unravel_index(best, rss1.shape[1:])
    r1 = flat[np.arange(r), best]
    r0 = rss0.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.where((r0 > 0) & (r1 > 0), m * np.log(r0 / np.maximum(r1, 1e-300)), 0.0)
    rows = np.arange(r)
    d = zw[rows, gi, ki] / czz[rows, gi, ki]
    lr = np.where(GRID[gi] <= PHI_GATE, lr, 0.0)  # the step must explain the persistence, not just one jump
    if WINSOR > 0:
        lr = _winsorised_lr(wt, tc, stt, trend, ks[ki], zw[rows, :, ki] / czz[rows, :, ki], gi, m)
    return np.maximum(lr, 0.0), ks[ki], d


def _winsorised_lr(
    wt: np.ndarray, tc: np.ndarray, stt: float, trend: bool, k: np.ndarray, coef: np.ndarray, gi: np.ndarray, m: int,
) -> np.ndarray:
    """The statistic at cut ``k`` with every innovation's square capped at ``WINSOR`` robust sds (one big jump or
    a heavy-tailed increment counts as no more than that)."""
    r = wt.shape[0]
    a = (1.0 - GRID)[None, :, None]
    tt = np.arange(1, m + 1)[None, None, :]
    kk = k[:, None, None]
    z = np.where(tt > kk, a, 0.0) + (tt == kk)  # (r, G, m)
    z = z - z.mean(axis=2, keepdims=True)
    if trend:
        z = z - ((z @ tc)[..., None] / stt) * tc
    e1 = wt - coef[..., None] * z
    rows = np.arange(r)
    best = e1[rows, gi]
    s = 1.482602218505602 * np.median(np.abs(best - np.median(best, axis=1, keepdims=True)), axis=1)
    cap = (WINSOR * np.maximum(s, 1e-12))[:, None, None] ** 2
    r0 = np.minimum(wt * wt, cap).sum(axis=2).min(axis=1)
    r1 = np.where((GRID <= ALT_PHI_MAX)[None, :], np.minimum(e1 * e1, cap).sum(axis=2), np.inf).min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((r0 > 0) & (r1 > 0), m * np.log(r0 / np.maximum(r1, 1e-300)), 0.0)


#: Noise models of the calibration: AR(1) ``phi`` (1.0 = random walk; 1.01 = random walk with drift).
_CAL_MODELS = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.98, 1.0, 1.01)


def null_rows(rng: np.random.Generator, phi: float, rows: int, n: int) -> np.ndarray:
    """Shift-free rows of ``n`` points: AR(1) noise with ``phi`` (stationary start), or a random walk (``phi ≥ 1``)."""
    e = rng.standard_normal((rows, n))
    X = np.empty((rows, n))
    p = min(phi, 1.0)
    X[:, 0] = e[:, 0] / np.sqrt(1.0 - p * p) if p < 1.0 else 0.0
    for t in range(1, n):
        X[:, t] = p * X[:, t - 1] + e[:, t]
    if phi > 1.0:
        X += rng.normal(0.0, 0.5, rows)[:, None] * np.arange(n)[None, :]
    return X


def calibrate(alpha: float = ALPHA, reps: int = 4000, seed: int = 20261203, per_model: bool = False) -> np.ndarray:
    """Per length of ``_CAL_LENGTHS``, the worst ``1 - alpha`` quantile of the statistic over the null models.

    The rows go through the pipeline's outlier clipping first (:func:`.noise.search_input`), as in use.
    ``per_model``: the ``(models, lengths)`` table instead of its column maxima.
    """
    from tools.control_limits.noise import search_input

    rng = np.random.default_rng(seed)
    out = np.zeros((len(_CAL_MODELS), len(_CAL_LENGTHS)))
    for j, n in enumerate(_CAL_LENGTHS):
        for i, phi in enumerate(_CAL_MODELS):
            X = null_rows(rng, phi, reps, n)
            _, Xc, _ = search_input(X, np.full(reps, n))
            out[i, j] = float(np.quantile(scan(Xc)[0], 1.0 - alpha))
    return out if per_model else out.max(axis=0)
