"""Change-point search: gap compression and ruptures-exact vectorised binary segmentation (L2)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from tools.control_limits.models import _EPS

#: Default penalty ``PENALTY_FACTOR·ln(n)`` on the noise-scaled series (see :mod:`.noise`).
PENALTY_FACTOR = 3.0


def default_penalty(n: int) -> float:
    """Default change-point penalty ``PENALTY_FACTOR·ln(n)`` for ``n`` non-missing points."""
    return PENALTY_FACTOR * math.log(max(int(n), 2))


def zscore(values: np.ndarray) -> np.ndarray:
    """Z-score a 1-D series with population std (``ddof=0``), NaN kept in place.

    Constant (or single-valued) series give zeros.  (The stage search itself
    no longer uses it: it measures a series in its robust long-run noise, see
    :func:`tools.control_limits.noise.search_input`.)
    """
    x = np.asarray(values, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    v = x[ok]
    if v.size == 0:
        return out
    mu = v.mean()
    sd = v.std()
    out[ok] = (v - mu) / sd if sd > 0 and math.isfinite(sd) else 0.0
    return out



# --------------------------------------------------------------------------- #
# Compression of gaps
# --------------------------------------------------------------------------- #


def _compress(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move the non-missing values of each row to the front (order kept).

    Returns ``(X, pos, L)``: ``X`` (rows, n) with NaN padding after ``L[i]``
    values, ``pos`` the original column of each compressed value (``-1`` for
    padding) and ``L`` the number of non-missing values per row.
    """
    valid = np.isfinite(matrix)
    n_rows, n = matrix.shape
    L = valid.sum(axis=1).astype(np.int64)
    cols = np.arange(n, dtype=np.int64)
    if bool(valid.all()):
        return matrix.astype(np.float64, copy=True), np.broadcast_to(cols, (n_rows, n)).copy(), L
    order = np.argsort(~valid, axis=1, kind="stable").astype(np.int64)
    X = np.take_along_axis(matrix, order, axis=1).astype(np.float64, copy=False)
    pad = cols[None, :] >= L[:, None]
    X[pad] = np.nan
    pos = np.where(pad, -1, order)
    return X, pos, L


def _row_mean_std(X: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population std of the first ``L[i]`` values of each row.

    Uses the same reductions as ``x.mean()`` / ``x.std()`` on the 1-D row so the
    z-scores are bit-identical to :func:`zscore`.
    """
    n_rows, n = X.shape
    mu = np.full(n_rows, np.nan)
    sd = np.full(n_rows, np.nan)
    # Rows of equal length are reduced together: a row-wise reduction over a
    # C-contiguous row gives the same bits as the 1-D reduction.
    for length in np.unique(L):
        if length == 0:
            continue
        rows = np.flatnonzero(L == length)
        sub = X[rows, :length] if length < n else X[rows]
        mu[rows] = sub.mean(axis=1)
        sd[rows] = sub.std(axis=1)
    return mu, sd


# --------------------------------------------------------------------------- #
# Binary segmentation (L2) — ruptures-exact, vectorised
# --------------------------------------------------------------------------- #


def _resolve_exact(
    z: np.ndarray,
    bounds: list[int],
    cands: np.ndarray,
    pen: float,
    min_size: int,
) -> tuple[int | None, bool]:
    """Re-take one greedy Binseg decision with ruptures' own float expressions.

    ``cands`` are the (few) positions whose fast gain is within rounding
    tolerance of the best; every other split is provably worse.  Mirrors
    ``ruptures.Binseg._seg`` / ``single_bkp``: per segment ``max((gain, bkp))``
    (ties → largest bkp), across segments ``max(key=gain)`` (ties → leftmost
    segment), segments with no admissible split contribute ``(None, 0)``.
    """
    sig = np.ascontiguousarray(z).reshape(-1, 1)

    def cost(a: int, b: int) -> float:  # == ruptures.costs.CostL2.error
        return sig[a:b].var(axis=0).sum() * (b - a)

    cand_list = sorted(int(c) for c in cands)
    new_bkps: list[tuple[int | None, float]] = []
    for a, b in itertools.pairwise(bounds):
        if b - a < 2 * min_size:
            new_bkps.append((None, 0))
            continue
        members = [t for t in cand_list if a + min_size <= t <= b - min_size]
        if not members:
            continue  # admissible, but its best split is provably below the winner
        seg_cost = cost(a, b)
        gain, bkp = max((seg_cost - cost(a, t) - cost(t, b), t) for t in members)
        new_bkps.append((bkp, gain))
    if not new_bkps:
        return None, False
    best_bkp, gain = max(new_bkps, key=lambda x: x[1])
    if best_bkp is None:
        return None, False
    return int(best_bkp), bool(gain > pen)


def _binseg_batch(
    Z: np.ndarray,
    L: np.ndarray,
    pen: np.ndarray,
    min_size: int,
    max_cps: int | None,
    search: np.ndarray | None = None,
) -> list[list[int]]:
    """Greedy binary segmentation with L2 cost for many series at once.

    ``Z`` (rows, n): series left-aligned, the first ``L[i]`` values of row ``i``
    are used.  ``pen`` per row.  ``search`` (bool per row) restricts the rows
    searched.  Returns per row the change points in greedy (selection) order.

    The gain of splitting segment ``[s, e)`` at ``t`` is computed from prefix
    sums ``P`` as ``A²/(t-s) + B²/(e-t) - (A+B)²/(e-s)`` with ``A = P_t - P_s``
    and ``B = P_e - P_t`` (the squared terms of the L2 costs cancel exactly).
    All admissible splits of all segments of all active rows are evaluated in
    one array pass per greedy step.
    """
    n_rows, n = Z.shape
    m = max(int(min_size), 1)
    cps: list[list[int]] = [[] for _ in range(n_rows)]
    if n_rows == 0 or n < 2:
        return cps
    cols1 = np.arange(n + 1, dtype=np.int64)
    inside = cols1[None, :n] < L[:, None]
    Zf = np.where(inside, Z, 0.0)
    P = np.zeros((n_rows, n + 1))
    np.cumsum(Zf, axis=1, out=P[:, 1:])
    abs_sum = np.abs(Zf).sum(axis=1)
    # Conservative bound on the rounding error of a fast gain (prefix sums
    # accumulate at most n·eps·Σ|z|; the gain is quadratic in them).
    tol = 16.0 * _EPS * (n + 1) * (abs_sum + 1.0) ** 2 / m + 1e-12

    # Segment boundaries: 0, every accepted change point, and all positions >= L
    # (so positions past the series end are never admissible).
    bnd = cols1[None, :] >= L[:, None]
    bnd[:, 0] = True

    active = np.flatnonzero(L >= 2 * m)
    if search is not None:
        active = active[search[active]]
    max_iter = max_cps if max_cps is not None else n // m + 1
    tt = cols1[1:n]  # candidate split positions
    PL = P[np.arange(n_rows), L]
    tt_f = tt.astype(np.float64)
    for it in range(max_iter):
        if active.size == 0:
            break
        if it == 0:
            # one segment [0, L) per row: no boundary look-ups needed
            La = L[active]
            A = P[active, 1:n]
            Bv = PL[active, None] - A
            le = La[:, None] - tt
            adm = (tt >= m) & (le >= m)
            le_f = np.maximum(le, 1).astype(np.float64)
            gain = A * A
            gain /= tt_f
            tmp = Bv * Bv
            tmp /= le_f
            gain += tmp
            gain -= (PL[active] ** 2 / np.maximum(La, 1))[:, None]
        else:
            B = bnd[active]
            prev = np.maximum.accumulate(np.where(B, cols1, 0), axis=1)[:, 1:n]
            nxt = np.minimum.accumulate(np.where(B, cols1, n)[:, ::-1], axis=1)[:, ::-1][:, 1:n]
            ls = tt - prev
            le = nxt - tt
            adm = (ls >= m) & (le >= m)
            Pa = P[active]
            Pt = Pa[:, 1:n]
            Ps = np.take_along_axis(Pa, prev, axis=1)
            Pe = np.take_along_axis(Pa, nxt, axis=1)
            A = Pt - Ps
            Bv = Pe - Pt
            ls_f = np.maximum(ls, 1).astype(np.float64)
            le_f = np.maximum(le, 1).astype(np.float64)
            gain = A * A
            gain /= ls_f
            tmp = Bv * Bv
            tmp /= le_f
            gain += tmp
            Pe -= Ps
            Pe *= Pe
            ls_f += le_f
            Pe /= ls_f
            gain -= Pe
        np.putmask(gain, ~adm, -np.inf)
        G = gain

        best = G.argmax(axis=1)
        mx = G[np.arange(active.size), best]
        has = np.isfinite(mx)
        tol_a = tol[active]
        pen_a = pen[active]
        with np.errstate(invalid="ignore"):
            near = (G >= (mx - tol_a)[:, None]).sum(axis=1)
            amb = has & (
                (near > 1)
                | (np.abs(mx - pen_a) <= tol_a)
                | ((mx <= tol_a) & (pen_a < mx + tol_a))
            )
        accept = has & ~amb & (mx > pen_a)
        chosen = np.where(accept, best + 1, -1)  # column of G -> position t
        for j in np.flatnonzero(amb):
            row = int(active[j])
            bounds = [0, *sorted(cps[row]), int(L[row])]
            cands = np.flatnonzero(G[j] >= mx[j] - tol_a[j]) + 1
            t, ok = _resolve_exact(Z[row, : L[row]], bounds, cands, float(pen[row]), m)
            if ok and t is not None:
                chosen[j] = t
                accept[j] = True
        rows = active[accept]
        picks = chosen[accept]
        bnd[rows, picks] = True
        still = np.ones(rows.size, dtype=bool)
        for k, (row, t) in enumerate(zip(rows.tolist(), picks.tolist(), strict=True)):
            cps[row].append(int(t))
            if max_cps is not None and len(cps[row]) >= max_cps:
                still[k] = False
        active = rows[still]
    return cps


def binseg_l2_many(
    Z: np.ndarray,
    penalty: float | Sequence[float] | np.ndarray,
    min_size: int = 8,
    max_cps: int | None = 5,
    lengths: Sequence[int] | np.ndarray | None = None,
) -> list[list[int]]:
    """:func:`binseg_l2` for many series: rows of ``Z`` (first ``lengths[i]`` values used).

    ``penalty`` is a scalar or one value per row.  Returns sorted change points per row.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2:
        raise ValueError("Z must be a 2-D array (n_series, n_points)")
    n_rows, n = Z.shape
    L = np.full(n_rows, n, dtype=np.int64) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if L.shape != (n_rows,) or (L < 0).any() or (L > n).any():
        raise ValueError("lengths must give one length in [0, n_points] per row")
    inside = np.arange(n)[None, :] < L[:, None]
    if not np.isfinite(Z[inside]).all():
        raise ValueError("Z must be finite within each row's length (remove NaN gaps first)")
    pen = np.broadcast_to(np.asarray(penalty, dtype=np.float64), (n_rows,)).copy()
    return [sorted(c) for c in _binseg_batch(Z, L, pen, min_size, max_cps)]


def binseg_l2(
    z: np.ndarray, penalty: float, min_size: int = 8, max_cps: int | None = 5
) -> list[int]:
    """Binary segmentation (L2 cost, ``jump=1``) of a finite 1-D series.

    Returns the sorted change points, i.e. the start indices of the new
    segments — exactly ``ruptures.Binseg(model="l2", min_size=min_size,
    jump=1).fit(z).predict(pen=penalty)[:-1]`` whenever the ``max_cps`` cap
    is not binding (``max_cps=None`` for no cap).  With a binding cap the
    first ``max_cps`` greedy picks are returned (what ruptures'
    ``predict(n_bkps=max_cps)`` returns).  Series shorter than ``min_size``
    give ``[]`` (ruptures raises ``BadSegmentationParameters``).
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError("z must be 1-D")
    if not np.isfinite(z).all():
        raise ValueError("z must be finite (remove NaN gaps first)")
    return binseg_l2_many(z[None, :], penalty, min_size=min_size, max_cps=max_cps)[0]


