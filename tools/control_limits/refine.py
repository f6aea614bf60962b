"""Local re-validation of change-point candidates (after the binary-segmentation search).

Binary segmentation judges every split against one noise scale for the whole
series.  Each surviving candidate ``c`` is then re-judged against the two
stages it separates, ``[a, c)`` and ``[c, b)`` (``a``/``b`` the neighbouring
surviving candidates or the series ends), on the outlier-clipped values:

* **shift large against local noise** — a Welch-type statistic
  ``T = (m2 - m1)² / (g·(v1/n1 + v2/n2))`` with ``v`` each stage's own
  moving-range variance (``(mR̄/1.128)²``) and ``g = (1+phi)/(1-phi)²`` the
  long-run variance factor of the series' autocorrelation, must exceed the
  same penalty as the search.  A change of *variance* alone therefore does not
  leave a staircase of spurious mean stages behind;
* **a step, not a slope** — the step must explain more of ``[a, b)`` than a
  straight line does, by the BIC price of its one extra parameter (the
  location): ``n1·n2/n·(m2-m1)² > S_tx²/S_tt + LINE_MARGIN·LRV·ln n``, so a
  slow trend is not cut into stairs;
* **material at the scale of the whole series** — ``|m2 - m1|`` must be at
  least ``MATERIALITY`` times the robust spread of the whole (outlier-clipped)
  series, ``IQR/1.349``.  The tests above measure a shift in the *local* noise;
  on a long series with quiet noise they pass for a wiggle that nobody looking
  at the whole chart would call a new stage.  For a stable series with one
  real shift the spread is about the noise sd (or half the shift, if larger),
  so the condition does not bite there.

Immaterial candidates are dropped first (the smallest shift first), then the
weakest candidate failing the shift tests; after each drop the neighbours are
re-judged, until every candidate passes.  All rows are processed together.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits.models import D2
from tools.control_limits.noise import NoiseScale

#: How much more (in long-run noise variances × ln n) a step must explain than a line.
LINE_MARGIN = 1.0
_IQR_TO_SD = 1.3489795003921634
#: A stage's shift in level must be at least this many robust spreads (IQR/1.349) of the series.
MATERIALITY = 0.25


class _Sums:
    """Prefix sums for O(1) segment means, moving ranges and line fits."""

    def __init__(self, Xc: np.ndarray, L: np.ndarray) -> None:
        n_rows, n = Xc.shape
        inside = np.arange(n)[None, :] < L[:, None]
        with np.errstate(invalid="ignore"):
            mu = np.where(inside, Xc, 0.0).sum(axis=1) / np.maximum(L, 1)
        x = np.where(inside, Xc - mu[:, None], 0.0)
        t = np.arange(n, dtype=np.float64)
        self.S1 = _prefix(x)
        self.Stx = _prefix(x * t[None, :])
        d = np.zeros((n_rows, n))
        if n > 1:
            d[:, 1:] = np.abs(np.diff(x, axis=1))
            d[~inside] = 0.0
            d[:, 1:][~inside[:, :-1]] = 0.0
        self.D = _prefix(d)

    def take(self, P: np.ndarray, rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return P[rows, idx]


def _prefix(A: np.ndarray) -> np.ndarray:
    out = np.zeros((A.shape[0], A.shape[1] + 1))
    np.cumsum(A, axis=1, out=out[:, 1:])
    return out


def _scores(
    sums: _Sums, rows: np.ndarray, a: np.ndarray, c: np.ndarray, b: np.ndarray, g: np.ndarray, v0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Welch-type shift statistic of candidates ``c`` between ``a`` and ``b`` (−inf when a line wins), and ``|m2-m1|``."""
    n1 = (c - a).astype(np.float64)
    n2 = (b - c).astype(np.float64)
    nn = n1 + n2
    s1 = sums.S1[rows, c] - sums.S1[rows, a]
    s2 = sums.S1[rows, b] - sums.S1[rows, c]
    m1 = s1 / n1
    m2 = s2 / n2
    with np.errstate(invalid="ignore", divide="ignore"):
        mr1 = (sums.D[rows, c] - sums.D[rows, np.minimum(a + 1, c)]) / (n1 - 1.0)
        mr2 = (sums.D[rows, b] - sums.D[rows, np.minimum(c + 1, b)]) / (n2 - 1.0)
    v1 = np.where((n1 > 1) & np.isfinite(mr1), (mr1 / D2) ** 2, v0)
    v2 = np.where((n2 > 1) & np.isfinite(mr2), (mr2 / D2) ** 2, v0)
    tiny = 1e-12 * np.maximum(v0, 1e-300)
    var = g * (np.maximum(v1, tiny) / n1 + np.maximum(v2, tiny) / n2)
    delta2 = (m2 - m1) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        T = delta2 / var
    # step vs line on [a, b): explained sums of squares
    sx = s1 + s2
    stx = sums.Stx[rows, b] - sums.Stx[rows, a]
    tbar = (a + b - 1) / 2.0
    stx_c = stx - tbar * sx  # sum (t - tbar)(x - xbar)
    stt_c = nn * (nn * nn - 1.0) / 12.0
    step_ss = n1 * n2 / nn * delta2
    with np.errstate(invalid="ignore", divide="ignore"):
        line_ss = np.where(stt_c > 0, stx_c * stx_c / stt_c, 0.0)
    margin = LINE_MARGIN * g * v0 * np.log(np.maximum(nn, 2.0))
    return np.where(step_ss > line_ss + margin, T, -np.inf), np.sqrt(delta2)


def _row_quantile(S: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` (linear interpolation, as ``np.quantile``) of the first ``counts[i]`` values of sorted rows."""
    pos = q * np.maximum(counts - 1, 0).astype(np.float64)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0))
    r = np.arange(S.shape[0])
    return S[r, lo] + (pos - lo) * (S[r, hi] - S[r, lo])


def neighbours(C: np.ndarray, alive: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate ``C[i, k]``: the nearest surviving candidate before it (0 if none) and after it
    (the row's length ``L[i]`` if none), ``alive`` marking the survivors."""
    n_rows, K = C.shape
    prev = np.zeros((n_rows, K), dtype=np.int64)
    nxt = np.repeat(L[:, None], K, axis=1).astype(np.int64)
    run = np.zeros(n_rows, dtype=np.int64)
    for k in range(K):
        prev[:, k] = run
        run = np.where(alive[:, k], C[:, k], run)
    run = L.astype(np.int64).copy()
    for k in range(K - 1, -1, -1):
        nxt[:, k] = run
        run = np.where(alive[:, k], C[:, k], run)
    return prev, nxt


def prune_candidates(
    Xc: np.ndarray,
    L: np.ndarray,
    cands: list[list[int]],
    noise: NoiseScale,
    pens: np.ndarray,
    min_shift_floor: np.ndarray | None = None,
) -> list[list[int]]:
    """Drop immaterial candidates and those failing the local shift test, weakest first (module docstring).

    ``min_shift_floor`` (per row, optional) raises the materiality threshold, e.g. to a share of the
    seasonal swing removed from ``Xc`` (:mod:`.seasonal`).
    """
    n_rows = len(cands)
    counts = np.array([len(c) for c in cands], dtype=np.int64)
    K = int(counts.max()) if n_rows else 0
    if K == 0:
        return [[] for _ in range(n_rows)]
    sums = _Sums(Xc, L)
    C = np.repeat(L[:, None], K, axis=1).astype(np.int64)
    for i in np.flatnonzero(counts):
        C[i, : counts[i]] = sorted(cands[i])
    alive = np.arange(K)[None, :] < counts[:, None]
    g = noise.lrv_factor
    v0 = np.maximum(noise.sigma_d**2 / 2.0, 1e-300)
    rows_all = np.arange(n_rows)
    spread = np.zeros(n_rows)
    has = np.flatnonzero(counts)
    if has.size:
        S = np.sort(Xc[has], axis=1)  # NaN padding sorts last
        iqr = _row_quantile(S, L[has], 0.75) - _row_quantile(S, L[has], 0.25)
        spread[has] = np.where(np.isfinite(iqr), iqr / _IQR_TO_SD, 0.0)
    min_shift = MATERIALITY * spread
    if min_shift_floor is not None:
        min_shift = np.maximum(min_shift, min_shift_floor)
    for _ in range(K):
        prev, nxt = neighbours(C, alive, L)
        score = np.full((n_rows, K), np.inf)
        r_idx, k_idx = np.nonzero(alive)
        if r_idx.size == 0:
            break
        shift = np.full((n_rows, K), np.inf)
        score[r_idx, k_idx], shift[r_idx, k_idx] = _scores(
            sums, r_idx, prev[r_idx, k_idx], C[r_idx, k_idx], nxt[r_idx, k_idx], g[r_idx], v0[r_idx]
        )
        immaterial = alive & ~(shift >= min_shift[:, None])
        failing = alive & ~(score > pens[:, None])
        has_imm = immaterial.any(axis=1)
        todo = has_imm | failing.any(axis=1)
        if not todo.any():
            break
        worst = np.where(
            has_imm,
            np.where(immaterial, shift, np.inf).argmin(axis=1),
            np.where(failing, score, np.inf).argmin(axis=1),
        )
        alive[rows_all[todo], worst[todo]] = False
    return [C[i, alive[i]].tolist() for i in range(n_rows)]
