"""Changes of variability as stage boundaries.

Under Wheeler's semantics a stage is a stretch of the series with its own
natural process limits.  Limits come from the average moving range, so a
stretch whose point-to-point variation is clearly larger (or smaller) than the
one before needs limits of its own even when its centre line did not move —
a service whose latency starts to swing, a meter that goes quiet.  The level
search (:mod:`.segmentation`, :mod:`.refine`) deliberately does not open a
stage for that; this module does, with its own proposal and test:

* **proposal** — binary segmentation (the same L2 search and penalty as the
  level search) on ``u_t = ln|x_t − x_{t−1}|`` of the outlier-clipped series,
  each ``|difference|`` floored at ``FLOOR`` and capped at ``CAP`` robust
  noise sigmas (ties and zero differences of counts, single big jumps of a
  level shift).  A change of the noise sd by a factor ``r`` shifts the mean of
  ``u`` by ``ln r`` whatever the series' scale; ``u`` is divided by its null
  long-run sd ``U_SD`` so the penalty means the same as for levels;
* **test** — between its neighbouring boundaries ``a`` and ``b`` (level and
  variability boundaries alike), the mean of ``u`` over the differences inside
  ``[a, c)`` and inside ``[c, b)`` (the difference straddling a boundary is
  left out, so a level shift is not taken for variability) must differ by more
  than the penalty allows, ``Δ² / (U_SD²·(1/n1 + 1/n2)) > pen``, explain ``u``
  on ``[a, b)`` better than a straight line does (as for levels, by
  ``LINE_MARGIN·U_SD²·ln n``: a swing that grows steadily is no stage), and by at
  least ``ln MIN_RATIO`` — the noise sd must change by a factor of at least
  ``MIN_RATIO``, which is what one sees on a chart.  The weakest failing
  candidate is dropped first, then the neighbours are re-judged.  A candidate
  within ``min_size`` points of a level boundary is dropped: that boundary
  already gives both sides their own limits;
* **confirmation** (in :mod:`.rules`) — Wheeler evidence on the points after
  the boundary against the stage before it: the X chart's rules, or the
  moving-range chart's (a moving range above the upper range limit, or
  ``RUN_LENGTH`` successive moving ranges below the average moving range).
"""

from __future__ import annotations

import math

import numpy as np

from tools.control_limits.noise import PHI_MAX
from tools.control_limits.segmentation import _binseg_batch

#: Smallest change of the noise sd (either way) that makes a stage of its own.
MIN_RATIO = 2.0
#: |differences| are floored at this many robust noise sigmas before the log.
FLOOR = 0.05
#: ... and capped at this many (a level shift's one big jump).
CAP = 4.0
#: Smallest long-run sd of ln|d| used (Gaussian noise: sd π/√8 ≈ 1.11, a little more for the dependence of
#: successive differences); each series' own is estimated around its stages (:func:`_residual_scale`).
U_SD = 1.2
#: How much more (in null variances of ``u`` × ln n) a step must explain than a line.
LINE_MARGIN = 1.0


def log_ranges(Xc: np.ndarray, L: np.ndarray, sigma_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(U, Lu)``: per row ``ln`` of the floored/capped |differences| in noise units, left-aligned, NaN after."""
    n_rows, n = Xc.shape
    if n < 2:
        return np.full((n_rows, 0), np.nan), np.zeros(n_rows, dtype=np.int64)
    s = np.where(np.isfinite(sigma_d) & (sigma_d > 0), sigma_d, 1.0)[:, None]
    with np.errstate(invalid="ignore"):
        d = np.abs(np.diff(Xc, axis=1)) / s
    Lu = np.maximum(L - 1, 0).astype(np.int64)
    inside = np.arange(n - 1)[None, :] < Lu[:, None]
    U = np.log(np.clip(np.where(inside, d, 1.0), FLOOR, CAP))
    return np.where(inside, U, np.nan), Lu


def relative_log_ranges(Xc: np.ndarray, L: np.ndarray, U: np.ndarray) -> np.ndarray:
    """``U`` minus the log of the local level (the mean of the two points), for rows of positive values only.

    Rows with a value <= 0 give NaN (no scale to be relative to).
    """
    n_rows, n = Xc.shape
    if n < 2:
        return np.full((n_rows, 0), np.nan)
    inside = np.arange(n)[None, :] < L[:, None]
    positive = np.where(inside, Xc > 0, True).all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = np.log(np.where(positive[:, None], 0.5 * (Xc[:, 1:] + Xc[:, :-1]), np.nan))
    return U - level


def _residual_scale(U: np.ndarray, Lu: np.ndarray, cands: list[list[int]]) -> np.ndarray:
    """Long-run sd of ``U`` around a segmentation (cuts ``cands``, in ``U``'s own index), per row.

    ``sd·sqrt((1+ρ)/(1−ρ))`` from the residuals around each stage's mean, ``ρ``
    their lag-1 autocorrelation (pairs straddling a cut left out) plus its
    small-sample bias ``(k+1)/n``, clipped to ``[0, PHI_MAX]``.  Real
    variability clusters (calm and busy stretches come and go), so the mean of
    ``U`` wanders more than independent values would; like the level search's
    long-run noise, this keeps such wander from being taken for a change.
    Rows with too few values get ``U_SD``.
    """
    n_rows, n = U.shape
    out = np.full(n_rows, U_SD)
    if n < 2 or n_rows == 0:
        return out
    cols = np.arange(n)
    inside = cols[None, :] < Lu[:, None]
    cut = np.zeros((n_rows, n), dtype=np.int64)
    for i, cs in enumerate(cands):
        for c in cs:
            if 0 < c < n:
                cut[i, c] = 1
    grp = np.cumsum(cut, axis=1)
    x = np.where(inside, U, 0.0)
    k = int(grp.max()) + 1
    key = np.where(inside, grp + k * np.arange(n_rows)[:, None], n_rows * k)
    sums = np.bincount(key.ravel(), weights=x.ravel(), minlength=n_rows * k + 1)
    cnts = np.bincount(key.ravel(), minlength=n_rows * k + 1)
    r = np.where(inside, x - (sums / np.maximum(cnts, 1))[key], 0.0)
    pair = inside[:, 1:] & (grp[:, 1:] == grp[:, :-1])
    den = (r * r).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(pair, r[:, 1:] * r[:, :-1], 0.0).sum(axis=1) / den
        sd = np.sqrt(den / np.maximum(Lu - np.array([len(c) for c in cands]) - 1, 1))
    kk = np.array([len(c) for c in cands], dtype=np.float64)
    rho = np.clip(rho + (kk + 1.0) / np.maximum(Lu, 1), 0.0, PHI_MAX)
    ok = (pair.sum(axis=1) >= 8) & (den > 0) & np.isfinite(rho)
    return np.where(ok, sd * np.sqrt((1.0 + rho) / (1.0 - rho)), out)


def propose(
    U: np.ndarray, Lu: np.ndarray, pens: np.ndarray, min_size: int, max_cps: int | None, search: np.ndarray
) -> tuple[list[list[int]], np.ndarray]:
    """Candidate boundaries (point indices, sorted) where the mean of ``U`` changes, and ``U``'s long-run sd.

    Searched twice: in the long-run sd of ``U`` around no change, then around
    the first candidates (:func:`_residual_scale`).
    """
    n_rows = U.shape[0]
    if U.shape[1] == 0:
        return [[] for _ in range(n_rows)], np.full(n_rows, U_SD)
    inside = np.arange(U.shape[1])[None, :] < Lu[:, None]
    with np.errstate(invalid="ignore"):
        mu = np.where(inside, U, 0.0).sum(axis=1) / np.maximum(Lu, 1)
    ok = search & (Lu >= 2 * min_size)
    cps: list[list[int]] = [[] for _ in range(n_rows)]
    for _ in range(2):
        scale = np.maximum(_residual_scale(U, Lu, cps), U_SD)
        Z = np.where(inside, (U - mu[:, None]) / scale[:, None], 0.0)
        cps = [sorted(c) for c in _binseg_batch(Z, Lu, pens, min_size, max_cps, search=ok)]
    # U[j] is the difference x[j+1] - x[j]: a split at j means x[j+1] is the first point of the new stage
    return [[c + 1 for c in row] for row in cps], scale


def _mean(P: np.ndarray, lo: int, hi: int) -> tuple[float, int]:
    k = hi - lo
    return ((P[hi] - P[lo]) / k if k > 0 else math.nan), k


def _step_beats_line(u: np.ndarray, k: int, delta: float, sd: float) -> bool:
    """A step of ``delta`` after ``k`` values explains ``u`` better than a line, by ``LINE_MARGIN·sd²·ln n``.

    A variability that grows steadily (a seasonal swing growing with the
    level) is not cut into stages.
    """
    m = u.size
    if m < 3:
        return True
    t = np.arange(m, dtype=np.float64) - (m - 1) / 2.0
    line_ss = float(t @ (u - u.mean())) ** 2 / float(t @ t)
    step_ss = k * (m - k) / m * delta * delta
    return step_ss > line_ss + LINE_MARGIN * sd * sd * math.log(m)


def _locate(u: np.ndarray, c: int, a: int, b: int, reach: int, min_size: int) -> int:
    """Where within ``reach`` of ``c`` (``min_size`` points from ``a`` and ``b``) the Gaussian variance likelihood peaks.

    ``u`` are the log |differences| of the row; the sample variance of each
    side is the mean of ``exp(2u)`` over the differences inside it.  The L2
    search on ``u`` ranks candidates well but places them loosely.
    """
    lo, hi = max(a + min_size, c - reach), min(b - min_size, c + reach)
    if hi <= lo:
        return c
    q = np.exp(2.0 * u[a : b - 1])  # differences x[t+1]-x[t], t in [a, b-1)
    P = np.concatenate([[0.0], np.cumsum(q)])
    m = q.size
    best, best_cost = c, math.inf
    for t in range(lo, hi + 1):
        k1 = t - a - 1  # differences inside [a, t)
        k2 = m - (t - a)  # differences inside [t, b)
        if k1 < 2 or k2 < 2:
            continue
        v1 = P[t - a - 1] / k1
        v2 = (P[m] - P[t - a]) / k2
        cost = k1 * math.log(max(v1, 1e-300)) + k2 * math.log(max(v2, 1e-300))
        if cost < best_cost:
            best, best_cost = t, cost
    return best


def prune(
    U: np.ndarray,
    Lu: np.ndarray,
    cands: list[list[int]],
    level: list[list[int]],
    pens: np.ndarray,
    min_size: int,
    scale: np.ndarray,
    R: np.ndarray | None = None,
) -> list[list[int]]:
    """Variability boundaries that pass the test of the module docstring, per row (sorted).

    ``scale`` is the long-run sd of ``U`` per row (from :func:`propose`).
    ``R`` (:func:`relative_log_ranges`): for series of positive values, the
    variability must also change by ``MIN_RATIO`` *relative to the level* — a
    swing that grows in proportion to a growing level is the series' scale,
    not a change of behaviour.
    """
    out: list[list[int]] = []
    for i, row in enumerate(cands):
        lv = sorted(level[i])
        alive = [c for c in row if all(abs(c - x) >= min_size for x in lv)]
        if not alive:
            out.append([])
            continue
        P = np.zeros(int(Lu[i]) + 1)
        np.cumsum(U[i, : Lu[i]], out=P[1:])
        rel = R is not None and bool(np.isfinite(R[i, : Lu[i]]).all())
        if rel:
            assert R is not None
            PR = np.zeros(int(Lu[i]) + 1)
            np.cumsum(R[i, : Lu[i]], out=PR[1:])
        end = int(Lu[i]) + 1  # number of points
        bounds = sorted({0, end, *lv, *alive})
        moved = []
        for c in alive:
            k = bounds.index(c)
            t = _locate(U[i, : Lu[i]], c, bounds[k - 1], bounds[k + 1], min_size, min_size)
            if all(abs(t - x) >= min_size for x in (*lv, *moved)):
                moved.append(t)
        alive = sorted(moved)
        while alive:
            bounds = sorted({0, end, *lv, *alive})
            worst, worst_score = None, math.inf
            for c in alive:
                k = bounds.index(c)
                a, b = bounds[k - 1], bounds[k + 1]
                # differences strictly inside [a, c) are U[a .. c-2]; inside [c, b): U[c .. b-2]
                m1, n1 = _mean(P, a, c - 1)
                m2, n2 = _mean(P, c, b - 1)
                if n1 < 2 or n2 < 2:
                    score = -math.inf
                else:
                    delta = m2 - m1
                    score = delta * delta / (scale[i] ** 2 * (1.0 / n1 + 1.0 / n2))
                    if rel:
                        delta_rel = _mean(PR, c, b - 1)[0] - _mean(PR, a, c - 1)[0]
                    if not _step_beats_line(U[i, a : b - 1], c - a, delta, float(scale[i])) or (
                        rel and abs(delta_rel) < math.log(MIN_RATIO)
                    ):
                        score = -math.inf
                    elif abs(delta) < math.log(MIN_RATIO) or score <= pens[i]:
                        score = -math.inf if abs(delta) < math.log(MIN_RATIO) else score - pens[i]
                    else:
                        continue
                if score < worst_score:
                    worst, worst_score = c, score
            if worst is None:
                break
            alive.remove(worst)
        out.append(sorted(alive))
    return out
