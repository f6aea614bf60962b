"""Level steps on rows where the stage search stays silent (ninth pass, B).

The local re-validation (:mod:`.refine`) judges a candidate against the two
whole stages it separates, in the long-run noise of the series, and asks it to
beat a straight line over both.  On a row where nothing survives that — a
count that falls for years with one abrupt drop in the middle, an approval
rating that jumps with each new office holder — a viewer still sees a jump in
level that lasts.  On such rows only (``analysis.SHORT_LEVELS``; rows with a
removed cycle, and rows whose noise autocorrelation from differences is at
least ``PHI_ROWS_MAX`` — where a 10-point step is within the wander and this
test has no power — are left alone) this module re-judges candidates **locally**:

* candidates: the search's own, plus a binary segmentation of the series in
  units of its *own* sd (the scale of its chart, ``PLOT_PENALTY·ln n``);
* for candidate ``c`` the ``WINDOW`` points on each side (up to the
  neighbouring candidate): the step ``δ`` between the two side means, with
  the noise of the residuals around them — their variance ``v`` and, from the
  squared first differences inside each side (the pair across ``c`` left
  out), ``σ_d² = 2·v·(1 − φ)``, hence a local lag-1 autocorrelation ``φ`` and
  the long-run variance factor ``(1 + φ)/(1 − φ)``; ``|t| = |δ|/se``;
* the step must also beat a line over the window by ``LINE_MARGIN`` residual
  long-run variances × ln n (a steady slope is not a step), **persist** (the
  medians of ``PERSIST`` points on each side keep ``KEEP`` of it), be
  **material** (``MATERIALITY`` × the robust spread, as every stage) and
  **visible** above the point-to-point noise (``|δ| ≥ VISIBLE`` robust sds of
  the first differences) — for these two the size is the change of the
  window's medians when smaller (``ROBUST_SIZE``: a spike or two in the window
  moves its mean, not its median);
* ``|t|`` must exceed :func:`threshold`: per class of the row's noise
  autocorrelation (from differences) and per length, the ``1 − ALPHA``
  quantile of the smallest threshold that leaves a shift-free series without
  such a step, through the whole pipeline (:func:`calibrate` on
  :func:`null_batch`: AR(1) with ``φ`` up to 0.95, random walks, trends,
  spikes, counts), and at least ``T_FLOOR``.

Failing candidates are dropped weakest first and their neighbours re-judged, as
in :mod:`.refine`; survivors go through Wheeler confirmation like every other
boundary (:mod:`.rules`).  ``MODEL = "line"`` (one line plus a step over up to
``WINDOW`` points each side) is the measured alternative.  Everything is prefix
sums, vectorised over rows and candidates.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tools.control_limits.noise import _MAD_TO_SD, row_median
from tools.control_limits.refine import _IQR_TO_SD, MATERIALITY, _row_quantile, neighbours
from tools.control_limits.segmentation import _binseg_batch

#: False-stage rate per shift-free series the threshold is calibrated to.
ALPHA = 0.005
#: Points at most on each side of a candidate used in its regression.
WINDOW = 10
#: Fewest points on each side of a candidate.
MIN_SIDE = 8
#: Points on each side whose medians must keep the step.
PERSIST = 5
#: Share of the step the medians around it must keep.
KEEP = 0.5
#: "line": a step on one line over the window; "means": two flat sides, and the step must beat a line.
MODEL = "means"
#: How much more (residual long-run variances × ln n) the step must explain than a line ("means").
LINE_MARGIN = 1.0
#: Also propose by binary segmentation on the series in units of its own sd (the scale of its chart).
PLOT_SEARCH = True
#: Penalty of that search, × ln n.
PLOT_PENALTY = 3.0
#: A step must be at least this many robust sds of the row's first differences (visible above the point-to-point noise).
VISIBLE = 2.5
#: Materiality and visibility judge the step by the change of the window's medians (not its means).
ROBUST_SIZE = True
#: Upper bound of the residual autocorrelation.
PHI_MAX = 0.95
#: Lengths of the calibration grid (geometric), interpolated in ``ln n``.
_CAL_LENGTHS = (24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768)
#: Rows whose noise autocorrelation (from differences) is at least this are left alone.
PHI_ROWS_MAX = 0.6
#: Upper edges of the classes of the noise autocorrelation (from differences) calibrated separately.
PHI_EDGES = (0.2, 0.4, 0.6, 0.8, 0.9, 1.01)
#: ``calibrate(ALPHA)``: one row per class of ``PHI_EDGES``, one column per length of ``_CAL_LENGTHS``.
THRESHOLDS = np.array(
    [
        [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],
        [0.00, 3.93, 0.00, 4.94, 6.66, 6.32, 6.80, 0.00, 2.39, 0.00, 0.00],
        [3.51, 5.09, 7.68, 9.36, 7.74, 9.69, 8.81, 9.98, 8.35, 7.85, 7.65],
        [7.17, 7.87, 6.89, 9.22, 9.98, 9.49, 9.42, 8.98, 9.96, 9.72, 9.71],
        [6.72, 7.45, 10.59, 9.86, 9.61, 8.27, 8.97, 9.99, 10.21, 10.23, 10.85],
        [6.97, 8.15, 8.81, 10.46, 10.75, 11.12, 9.95, 9.63, 10.60, 9.15, 12.80],
    ]
)
#: Whatever the calibration says, a step's ``|t|`` must reach this (a 3-sigma step at least).
T_FLOOR = 3.0


def threshold(n: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Threshold on the step's ``|t|`` per row: its ``phi`` class, interpolated in ``ln n``."""
    grid = np.log(np.asarray(_CAL_LENGTHS, dtype=np.float64))
    ln = np.log(np.maximum(np.asarray(n, dtype=np.float64), 2.0))
    cls = np.minimum(np.searchsorted(np.asarray(PHI_EDGES), np.asarray(phi), side="right"), len(PHI_EDGES) - 1)
    T = np.stack([np.interp(ln, grid, row) for row in THRESHOLDS], axis=0)
    return np.maximum(T[cls, np.arange(np.size(ln))], T_FLOOR)


class _Sums:
    """Prefix sums of ``x``, ``t·x``, ``x²``, ``Δx``, ``Δx²`` for O(1) regressions on any window."""

    def __init__(self, X: np.ndarray, L: np.ndarray) -> None:
        n_rows, n = X.shape
        inside = np.arange(n)[None, :] < L[:, None]
        mu = np.where(inside, X, 0.0).sum(axis=1) / np.maximum(L, 1)
        x = np.where(inside, X - mu[:, None], 0.0)
        t = np.arange(n, dtype=np.float64)[None, :]
        d = np.zeros_like(x)
        d[:, 1:] = np.where(inside[:, 1:], x[:, 1:] - x[:, :-1], 0.0)

        def pre(A: np.ndarray) -> np.ndarray:
            out = np.zeros((n_rows, n + 1))
            np.cumsum(A, axis=1, out=out[:, 1:])
            return out

        self.x, self.tx, self.xx, self.d, self.dd = pre(x), pre(t * x), pre(x * x), pre(d), pre(d * d)


def _tsum(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """``Σ t^p`` over ``t`` in ``[a, b)`` (p = 0, 1, 2)."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    if p == 0:
        return b - a
    if p == 1:
        return (b * (b - 1) - a * (a - 1)) / 2.0

    def s2(m: np.ndarray) -> np.ndarray:
        return (m - 1) * m * (2 * m - 1) / 6.0

    return s2(b) - s2(a)


def step_stats(
    S: _Sums, rows: np.ndarray, a: np.ndarray, c: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(|t|, step)`` of a level step at ``c`` on a line over ``[a, b)``, for each (row, a, c, b)."""
    def seg(P: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return P[rows, hi] - P[rows, lo]

    n = (b - a).astype(np.float64)
    n2 = (b - c).astype(np.float64)
    # time centred on c for conditioning
    St = _tsum(a, b, 1) - c * n
    Stt = _tsum(a, b, 2) - 2 * c * _tsum(a, b, 1) + c * c * n
    St2 = _tsum(c, b, 1) - c * n2
    Sx = seg(S.x, a, b)
    Stx = seg(S.tx, a, b) - c * Sx
    Sx2 = seg(S.x, c, b)
    Sxx = seg(S.xx, a, b)
    G = np.empty((rows.size, 3, 3))
    G[:, 0, 0], G[:, 0, 1], G[:, 0, 2] = n, St, n2
    G[:, 1, 0], G[:, 1, 1], G[:, 1, 2] = St, Stt, St2
    G[:, 2, 0], G[:, 2, 1], G[:, 2, 2] = n2, St2, n2
    y = np.stack([Sx, Stx, Sx2], axis=1)
    if MODEL == "means":
        G[:, 1, :] = 0.0
        G[:, :, 1] = 0.0
        G[:, 1, 1] = 1.0
        y[:, 1] = 0.0
    det = np.linalg.det(G)
    ok = np.abs(det) > 1e-9 * np.maximum(n, 1.0) ** 4
    G[~ok] = np.eye(3)
    Ginv = np.linalg.inv(G)
    beta = np.einsum("kij,kj->ki", Ginv, y)
    rss = np.maximum(Sxx - np.einsum("ki,ki->k", beta, y), 0.0)
    v = rss / np.maximum(n - 3.0, 1.0)
    # squared differences inside each side (the pair across c left out), slope removed
    m = n - 2.0
    Sd = seg(S.d, a + 1, c) + seg(S.d, c + 1, b)
    Sdd = seg(S.dd, a + 1, c) + seg(S.dd, c + 1, b)
    slope = beta[:, 1]
    sd2 = np.maximum(Sdd - 2.0 * slope * Sd + m * slope * slope, 0.0) / np.maximum(m, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.clip(1.0 - sd2 / (2.0 * v), 0.0, PHI_MAX)
        g = (1.0 + phi) / (1.0 - phi)
        se = np.sqrt(v * g * Ginv[:, 2, 2])
        t = np.where(ok & (se > 0), np.abs(beta[:, 2]) / se, 0.0)
        if MODEL == "means":
            step_ss = n2 * (n - n2) / n * beta[:, 2] ** 2
            line_ss = np.where(Stt > St * St / n, (Stx - St * Sx / n) ** 2 / (Stt - St * St / n), 0.0)
            t = np.where(step_ss > line_ss + LINE_MARGIN * v * g * np.log(np.maximum(n, 2.0)), t, 0.0)
    return np.where(np.isfinite(t), t, 0.0), beta[:, 2]


def validate(
    Xc: np.ndarray, L: np.ndarray, cands: list[list[int]], thr: np.ndarray, min_shift: np.ndarray
) -> list[list[int]]:
    """Candidates that pass (module docstring), weakest failing dropped first, neighbours re-judged."""
    n_rows = len(cands)
    counts = np.array([len(c) for c in cands], dtype=np.int64)
    K = int(counts.max()) if n_rows else 0
    if K == 0:
        return [[] for _ in range(n_rows)]
    S = _Sums(Xc, L)
    C = np.repeat(L[:, None], K, axis=1).astype(np.int64)
    for i in np.flatnonzero(counts):
        C[i, : counts[i]] = sorted(cands[i])
    alive = np.arange(K)[None, :] < counts[:, None]
    rows_all = np.arange(n_rows)
    for _ in range(K):
        prev, nxt = neighbours(C, alive, L)
        r_idx, k_idx = np.nonzero(alive)
        if r_idx.size == 0:
            break
        c = C[r_idx, k_idx]
        a = np.maximum(prev[r_idx, k_idx], c - WINDOW)
        b = np.minimum(nxt[r_idx, k_idx], c + WINDOW)
        score = np.full((n_rows, K), np.inf)
        good = (c - a >= MIN_SIDE) & (b - c >= MIN_SIDE)
        t, step = step_stats(S, r_idx, a, c, b)
        held = np.array([
            _held(Xc[r], int(ci), float(st), PERSIST)
            for r, ci, st in zip(r_idx.tolist(), c.tolist(), step.tolist(), strict=True)
        ])
        size = np.abs(step)
        if ROBUST_SIZE:  # the step's size from the window's medians: a spike or two do not make it
            size = np.minimum(size, np.array([
                _held(Xc[r], int(ci), float(st), WINDOW)
                for r, ci, st in zip(r_idx.tolist(), c.tolist(), step.tolist(), strict=True)
            ]))
        passes = good & (t > thr[r_idx]) & (held >= KEEP * np.abs(step)) & (size >= min_shift[r_idx])
        score[r_idx, k_idx] = np.where(passes, np.inf, np.where(good, t, -np.inf))
        failing = alive & (score < np.inf)
        todo = failing.any(axis=1)
        if not todo.any():
            break
        worst = np.where(failing, score, np.inf).argmin(axis=1)
        alive[rows_all[todo], worst[todo]] = False
    return [C[i, alive[i]].tolist() for i in range(n_rows)]


def _held(x: np.ndarray, c: int, step: float, k: int) -> float:
    """The change of the ``k``-point medians across ``c``, in the step's direction."""
    lo, hi = max(c - k, 0), c + k
    return float((np.median(x[c:hi]) - np.median(x[lo:c])) * np.sign(step))


def _prepare(
    Xc: np.ndarray, L: np.ndarray, kept: list[list[int]], cands: list[list[int]], searchable: np.ndarray,
    min_shift_floor: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[int]], np.ndarray]:
    """The silent rows ``idx``, their values and lengths, their candidates and their materiality."""
    rows = searchable & np.array([not k for k in kept], dtype=bool)
    if not PLOT_SEARCH:
        rows &= np.array([bool(c) for c in cands], dtype=bool)
    idx = np.flatnonzero(rows)
    Xr, Lr = Xc[idx], L[idx]
    cs = [list(cands[i]) for i in idx.tolist()]
    if idx.size == 0:
        return idx, Xr, Lr, cs, np.zeros(0)
    S = np.sort(Xr, axis=1)
    iqr = _row_quantile(S, Lr, 0.75) - _row_quantile(S, Lr, 0.25)
    min_shift = MATERIALITY * np.where(np.isfinite(iqr), iqr / _IQR_TO_SD, 0.0)
    if min_shift_floor is not None:
        min_shift = np.maximum(min_shift, min_shift_floor[idx])
    if VISIBLE > 0:
        with np.errstate(invalid="ignore"):
            d = np.abs(np.diff(Xr, axis=1))
        min_shift = np.maximum(min_shift, VISIBLE * row_median(d, np.maximum(Lr - 1, 0)) * _MAD_TO_SD)
    if PLOT_SEARCH:
        inside = np.arange(Xr.shape[1])[None, :] < Lr[:, None]
        mu = np.where(inside, Xr, 0.0).sum(axis=1) / np.maximum(Lr, 1)
        sd = np.sqrt(np.where(inside, (Xr - mu[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(Lr, 1))
        Zs = np.where(inside, (Xr - mu[:, None]) / np.where(sd > 0, sd, 1.0)[:, None], 0.0)
        pens = PLOT_PENALTY * np.log(np.maximum(Lr, 2).astype(np.float64))
        for j, picks in enumerate(_binseg_batch(Zs, Lr, pens, MIN_SIDE, 5)):
            cs[j] = sorted({*cs[j], *(p for p in picks if all(abs(p - q) > 2 for q in cs[j]))})
    return idx, Xr, Lr, cs, min_shift


def add_levels(
    Xc: np.ndarray,
    L: np.ndarray,
    kept: list[list[int]],
    cands: list[list[int]],
    searchable: np.ndarray,
    phi: np.ndarray,
    min_shift_floor: np.ndarray | None = None,
) -> list[list[int]]:
    """``kept`` with, on rows where it is empty, the candidates that pass as a step on a local line."""
    idx, Xr, Lr, cs, min_shift = _prepare(Xc, L, kept, cands, searchable & (phi < PHI_ROWS_MAX), min_shift_floor)
    if idx.size == 0:
        return kept
    found = validate(Xr, Lr, cs, threshold(Lr, phi[idx]), min_shift)
    out = list(kept)
    for j, i in enumerate(idx.tolist()):
        out[i] = sorted(found[j])
    return out


def null_batch(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    """Shift-free series of ``n`` points: AR(1) noise (``φ`` up to 0.95), random walks, trends, spikes, counts."""
    kind = rng.integers(0, 5, rows)
    phi = rng.uniform(0.0, 0.95, rows)
    phi[kind == 1] = 1.0
    e = rng.standard_normal((rows, n))
    X = np.empty((rows, n))
    X[:, 0] = e[:, 0] / np.sqrt(np.maximum(1.0 - np.minimum(phi, 0.99) ** 2, 1e-3))
    for t in range(1, n):
        X[:, t] = phi * X[:, t - 1] + e[:, t]
    X[kind == 1] += 0.5 * rng.standard_normal((int((kind == 1).sum()), n))
    tt = np.arange(n)[None, :] / n
    X += np.where((kind == 2)[:, None], rng.normal(0.0, 3.0, rows)[:, None] * tt * X.std(axis=1, keepdims=True), 0.0)
    spikes = (kind == 3)[:, None] & (rng.random((rows, n)) < 0.02)
    X += np.where(spikes, rng.choice([-1.0, 1.0], (rows, n)) * rng.uniform(6.0, 15.0, (rows, n)), 0.0)
    lam = rng.uniform(1.0, 20.0, rows)[:, None]
    X = np.where((kind == 4)[:, None], rng.poisson(np.broadcast_to(lam, (rows, n))).astype(np.float64), X)
    return X


def calibrate(alpha: float = ALPHA, reps: int = 4000, seed: int = 20261201) -> np.ndarray:
    """``1 - alpha`` quantile, per length of ``_CAL_LENGTHS``, of the smallest threshold that leaves a
    shift-free series (:func:`null_batch`) without a stage from this module, through the whole pipeline."""
    from tools.control_limits import analysis  # lazy: the pipeline imports this module

    global add_levels
    rng = np.random.default_rng(seed)
    scores: list[np.ndarray] = []
    phis: list[np.ndarray] = []
    real = add_levels
    for n in _CAL_LENGTHS:
        seen: list[tuple[tuple[Any, ...], np.ndarray]] = []

        def spy(
            Xc: np.ndarray, L: np.ndarray, kept: list[list[int]], cands: list[list[int]], searchable: np.ndarray,
            phi: np.ndarray, min_shift_floor: np.ndarray | None = None, _seen: list[Any] = seen,
        ) -> list[list[int]]:
            _seen.append(((Xc.copy(), L.copy(), kept, cands, searchable.copy(), min_shift_floor), phi.copy()))
            return kept

        add_levels = spy
        on, analysis.SHORT_LEVELS = analysis.SHORT_LEVELS, True
        try:
            analysis.analyze_many(null_batch(rng, reps, n))
        finally:
            add_levels = real
            analysis.SHORT_LEVELS = on
        idx, Xr, Lr, cs, ms = _prepare(*seen[0][0])
        phis.append(seen[0][1])
        score = np.zeros(len(seen[0][0][2]))
        if idx.size:
            lo, hi = np.zeros(idx.size), np.full(idx.size, 50.0)
            for _ in range(14):
                mid = (lo + hi) / 2.0
                any_ = np.array([bool(f) for f in validate(Xr, Lr, cs, mid, ms)])
                lo = np.where(any_, mid, lo)
                hi = np.where(any_, hi, mid)
            score[idx] = np.where(lo > 0, hi, 0.0)
        scores.append(score)
    global _LAST
    _LAST = (scores, phis)
    return _quantiles(scores, phis, alpha)


_LAST: tuple[list[np.ndarray], list[np.ndarray]] | None = None


def _quantiles(scores: list[np.ndarray], phis: list[np.ndarray], alpha: float) -> np.ndarray:
    """Per ``phi`` class and length, the ``1 - alpha`` quantile of the calibration scores."""
    out = np.zeros((len(PHI_EDGES), len(_CAL_LENGTHS)))
    for j, (sc, ph) in enumerate(zip(scores, phis, strict=True)):
        cls = np.minimum(np.searchsorted(np.asarray(PHI_EDGES), ph, side="right"), len(PHI_EDGES) - 1)
        for k in range(len(PHI_EDGES)):
            sel = sc[cls == k]
            out[k, j] = float(np.quantile(sel, 1.0 - alpha)) if sel.size >= 50 else float(np.quantile(sc, 1.0 - alpha))
    return out
