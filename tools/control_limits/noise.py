"""Robust per-series noise scale and the input of the change-point search.

A level-shift search needs to know how large a shift must be, *in units of the
series' own noise*, before it is believed.  A raw z-score (dividing by the
standard deviation of the whole series) gets that wrong in both directions: the
shifts themselves inflate the standard deviation (small real shifts are missed),
and serially correlated noise makes segment means wander far more than
independent noise would (slow wander is taken for shifts).  This module
estimates, per series and fully vectorised over a batch:

* ``sigma_d`` — the scale of the first differences ``x_t - x_{t-1}`` (a
  one-step Huber-type winsorised estimate started from the MAD, so single
  spikes, level shifts and slow trends barely move it, and integer counts do
  not quantise it);
* ``phi`` — the lag-1 autocorrelation of the noise, from the robust
  (Gnanadesikan–Kettenring) correlation of successive differences: for AR(1)
  noise ``corr(d_t, d_{t-1}) = -(1-phi)/2``, and ``var(d_t ± d_{t-1})`` are
  the scales of ``x_t - x_{t-2}`` and ``x_t - 2x_{t-1} + x_{t-2}``, which a
  level shift only touches at two points;
* the **long-run variance** of the noise, ``sigma_d² (1+phi) / (2 (1-phi)²)``
  — the variance that governs how far the mean of ``k`` successive points
  strays (``LRV / k``); it equals the plain variance for independent noise.

The search input is the series with isolated outliers pulled in (each point is
clipped to ``±CLIP_SIGMAS`` noise sigmas around the running median of
``MEDIAN_WINDOW`` points — a median filter keeps step edges but not spikes),
centred and divided by ``sqrt(LRV)``.  On that scale an L2 split gain has the
same null distribution for every series, so one penalty ``c·ln n`` fits all.

Where the noise's correlation dies fast (not AR(1): an MA(1) echo, weather),
the AR(1) long-run variance overshoots; on rows of at least ``lrv.N_MIN``
points whose robust variogram has levelled off, an ARMA(1,1) fit to it gives
the long-run variance instead when smaller (:mod:`.lrv`, ``ARMA_LRV``);
``phi`` is then the AR(1) equivalent and ``phi_diff`` keeps the estimate from
differences (the passes that class rows by their noise read that one).

Once a first search has proposed stages, :func:`refit_phi` re-estimates
``phi`` on the residuals around them (a moment estimate, ~1.5× more precise
than the one from differences, with its small-sample bias added back), so a
chance autocorrelation on independent noise does not widen the scale enough
to reject a real short shift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tools.control_limits import lrv as _lrv

#: Width of the running median used to pull in isolated outliers.
MEDIAN_WINDOW = 5
#: Width of the window of |differences| whose median gives the local noise scale for clipping.
SCALE_WINDOW = 9
#: Points further than this many noise sigmas from the running median are clipped.
CLIP_SIGMAS = 3.0
#: Winsorising constant of the one-step scale estimate (in MAD sigmas).
HUBER_C = 2.5
#: Upper bound of the noise autocorrelation used (beyond it a series is a random walk).
PHI_MAX = 0.95
#: On long rows whose variogram levels off, the long-run variance is the smaller of the AR(1) one and an ARMA(1,1)
#: fit to the robust variogram (:mod:`.lrv`; tenth pass, see docs/benchmarks.md).
ARMA_LRV = True
#: How the residual refit reads the long-run variance on every row: "ar1" (lag 1 only), or with the ARMA(1,1)
#: form (:func:`.lrv.residual_factor`) "arma", "min" or "max" of the two (measured; "ar1" chosen) ...
REFIT_MODE = "ar1"
#: ... and on the rows whose first estimate came from the ARMA(1,1) fit (when ``REFIT_MODE`` is "ar1").
REFIT_ARMA_ROWS = "max"
#: 1 / Phi^-1(3/4): MAD → standard deviation for Gaussian data.
_MAD_TO_SD = 1.482602218505602


def _huber_consistency(c: float) -> float:
    """``E[min(Z², c²)]`` for standard normal ``Z`` (makes the winsorised variance unbiased)."""
    phi_c = math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi)
    tail = 0.5 * math.erfc(c / math.sqrt(2.0))
    return (1.0 - 2.0 * tail) - 2.0 * c * phi_c + 2.0 * c * c * tail


_HUBER_E = _huber_consistency(HUBER_C)


@dataclass(frozen=True, slots=True)
class NoiseScale:
    """Per-row noise estimates of a left-aligned batch (arrays of length ``n_rows``)."""

    sigma_d: np.ndarray  # robust sd of first differences
    phi: np.ndarray  # lag-1 autocorrelation of the noise, clipped to [0, PHI_MAX]
    lrv: np.ndarray  # long-run variance of the noise
    arma: np.ndarray | None = None  # rows whose long-run variance came from the ARMA(1,1) fit (:mod:`.lrv`)
    phi_diff: np.ndarray | None = None  # phi from differences (AR(1)) where ``phi`` is the ARMA fit's equivalent

    @property
    def lrv_factor(self) -> np.ndarray:
        """``LRV / (sigma_d²/2)``: how much more segment means wander than white noise suggests."""
        return (1.0 + self.phi) / (1.0 - self.phi) ** 2


def row_median(A: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of the first ``counts[i]`` values of each row (NaN elsewhere / when empty).

    Invalid cells must be NaN (``np.sort`` puts them last).
    """
    S = np.sort(A, axis=1)
    cnt = np.asarray(counts, dtype=np.int64)
    lo = np.clip((cnt - 1) // 2, 0, max(A.shape[1] - 1, 0))
    hi = np.clip(cnt // 2, 0, max(A.shape[1] - 1, 0))
    if A.shape[1] == 0:
        return np.full(A.shape[0], np.nan)
    r = np.arange(A.shape[0])
    med = 0.5 * (S[r, lo] + S[r, hi])
    return np.where(cnt > 0, med, np.nan)


def robust_sd(A: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Robust scale around 0 of the valid (non-NaN, left-aligned) values of each row.

    Differences of a series are centred on 0 (a trend's slope per step is
    small against its noise, and centring on a median breaks on two-valued
    data).  MAD start, then one winsorised (Huber) step:
    ``sqrt(mean(min(r², (c·s0)²)) / E_c)``.  When the MAD is 0 (e.g. counts
    that mostly repeat) the mean absolute value starts the step instead;
    all-zero rows give 0.
    """
    absR = np.abs(A)
    mad = row_median(absR, counts) * _MAD_TO_SD
    s0 = np.array(mad, dtype=np.float64)
    need = ~(mad > 0)
    if need.any():
        cnt = np.broadcast_to(np.asarray(counts), mad.shape)[need]
        with np.errstate(invalid="ignore", divide="ignore"):
            s0[need] = np.nansum(absR[need], axis=1) / np.maximum(cnt, 1) * math.sqrt(math.pi / 2.0)
    s0 = np.where(np.isfinite(s0), s0, 0.0)
    with np.errstate(invalid="ignore"):
        sq = np.minimum(absR, (HUBER_C * s0)[:, None], out=absR)  # absR is our own copy
    sq *= sq
    sq[np.isnan(sq)] = 0.0
    msq = sq.sum(axis=1) / np.maximum(counts, 1)
    return np.sqrt(msq / _HUBER_E)


def noise_scale(X: np.ndarray, L: np.ndarray) -> NoiseScale:
    """Robust noise scale, autocorrelation and long-run variance of each row.

    ``X`` is left-aligned (the first ``L[i]`` values of row ``i`` are the
    series, NaN after).  Rows with fewer than 3 values get ``phi = 0``.
    """
    n_rows, n = X.shape
    if n < 2:
        z = np.zeros(n_rows)
        return NoiseScale(z, z.copy(), z.copy())
    with np.errstate(invalid="ignore"):
        d1 = X[:, 1:] - X[:, :-1]
    c1 = np.maximum(L - 1, 0)
    s1 = robust_sd(d1, c1)
    phi = np.zeros(n_rows)
    sp = np.zeros(n_rows)
    if n >= 3:
        with np.errstate(invalid="ignore"):
            dp = X[:, 2:] - X[:, :-2]  # d_t + d_{t-1}
            dm = X[:, 2:] - 2.0 * X[:, 1:-1] + X[:, :-2]  # d_t - d_{t-1}
        c2 = np.maximum(L - 2, 0)
        sp = robust_sd(dp, c2) ** 2
        sm = robust_sd(dm, c2) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = (sp - sm) / (sp + sm)
        phi = np.where((c2 >= 3) & np.isfinite(rho), 1.0 + 2.0 * rho, 0.0)
    phi = np.clip(phi, 0.0, PHI_MAX)
    if ARMA_LRV and n > _lrv.FAR_LAG:
        return _with_arma(X, L, s1, sp, phi)
    lrv = s1 * s1 * (1.0 + phi) / (2.0 * (1.0 - phi) ** 2)
    return NoiseScale(s1, phi, lrv)


def _lag_halfvar(X: np.ndarray, L: np.ndarray, h: int) -> np.ndarray:
    """Half the robust variance of the lag-``h`` differences of each row (the robust variogram at ``h``)."""
    with np.errstate(invalid="ignore"):
        d = X[:, h:] - X[:, :-h]
    return robust_sd(d, np.maximum(L - h, 0)) ** 2 / 2.0


def _with_arma(X: np.ndarray, L: np.ndarray, s1: np.ndarray, sp: np.ndarray, phi: np.ndarray) -> NoiseScale:
    """The noise estimates with the ARMA(1,1) long-run variance where it applies (:mod:`.lrv`).

    ``s1²/2`` and ``sp/2`` are the variogram at lags 1 and 2, already computed.
    """
    rows = np.flatnonzero(L >= _lrv.N_MIN)
    phi_d = phi
    arma = np.zeros(L.shape[0], dtype=bool)
    if rows.size:
        Xr, Lr = X[rows], L[rows]
        K = _lrv.KMAX
        V = np.column_stack([s1[rows] ** 2 / 2.0, sp[rows] / 2.0, *(_lag_halfvar(Xr, Lr, h) for h in range(3, K + 1))])
        W = np.maximum(Lr[:, None] - np.arange(1, K + 1)[None, :], 0).astype(np.float64)
        f = _lrv.arma_factor(V, W, PHI_MAX)
        f_ar1 = (1.0 + phi[rows]) / (1.0 - phi[rows]) ** 2
        arma[rows] = _lrv.applies(f, f_ar1, V, _lag_halfvar(Xr, Lr, _lrv.FAR_LAG), Lr)
        phi = phi.copy()
        phi[rows] = np.where(arma[rows], _lrv.phi_for_factor(f, PHI_MAX), phi[rows])
    lrv = s1 * s1 * (1.0 + phi) / (2.0 * (1.0 - phi) ** 2)
    return NoiseScale(s1, phi, lrv, arma, phi_d)


def _med3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Element-wise median of three arrays."""
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def _edge_padded(X: np.ndarray, L: np.ndarray, half: int) -> np.ndarray:
    """Left-aligned rows padded by ``half`` columns on each side with their own edge values."""
    n = X.shape[1]
    cols = np.arange(n)
    last = np.take_along_axis(X, np.clip(L - 1, 0, n - 1)[:, None], axis=1)
    filled = np.where(cols[None, :] < L[:, None], X, last)
    filled = np.where(np.isfinite(filled), filled, 0.0)
    last = np.where(np.isfinite(last), last, 0.0)
    return np.concatenate(
        [np.repeat(filled[:, :1], half, axis=1), filled, np.repeat(last, half, axis=1)], axis=1
    )


def _running_median5(X: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Exact running median of 5 (a min/max network: no window copies)."""
    n = X.shape[1]
    if n == 0:
        return X.copy()
    P = _edge_padded(X, L, 2)
    a, b, c, d, e = (P[:, k : k + n] for k in range(5))
    f = np.maximum(np.minimum(a, b), np.minimum(c, d))
    g = np.minimum(np.maximum(a, b), np.maximum(c, d))
    return _med3(e, f, g)


def clip_outliers(X: np.ndarray, L: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Pull points further than ``CLIP_SIGMAS`` noise sigmas from the running median back to that band.

    The sigma is the larger of the series' robust one and a local one (the
    median of ``|x_t - x_{t-1}|`` over the ``SCALE_WINDOW`` points around the
    point, which one or two spikes do not move), so a stretch that is genuinely
    noisier than the rest keeps its noise.  The local scale is only computed
    for the few points outside the global band.
    """
    med = _running_median5(X, L)
    n = X.shape[1]
    band = (CLIP_SIGMAS * sigma)[:, None]
    with np.errstate(invalid="ignore"):
        lo, hi = med - band, med + band
        r, c = np.nonzero((X < lo) | (X > hi))
    if r.size and n >= 2:
        half = SCALE_WINDOW // 2
        absd = np.zeros_like(X)
        with np.errstate(invalid="ignore"):
            absd[:, 1:] = np.abs(np.diff(X, axis=1))
        absd[:, 0] = absd[:, 1]
        P = _edge_padded(absd, L, half)
        win = P[r[:, None], c[:, None] + np.arange(SCALE_WINDOW)[None, :]]
        local = np.median(win, axis=1) * (_MAD_TO_SD / math.sqrt(2.0))
        wide = CLIP_SIGMAS * np.maximum(sigma[r], local)
        lo[r, c] = med[r, c] - wide
        hi[r, c] = med[r, c] + wide
    with np.errstate(invalid="ignore"):
        out = np.clip(X, lo, hi)
    return np.where(np.isfinite(X), out, np.nan)


def search_input(X: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, NoiseScale]:
    """The change-point search input of a left-aligned batch.

    Returns ``(Z, Xc, noise)``: ``Xc`` is ``X`` with isolated outliers clipped,
    ``Z`` is ``Xc`` centred per row and divided by the square root of the
    long-run noise variance (rows without noise give zeros), ``noise`` the
    estimates.
    """
    noise = noise_scale(X, L)
    sigma = noise.sigma_d / math.sqrt(2.0)
    Xc = clip_outliers(X, L, sigma)
    n = X.shape[1]
    inside = np.arange(n)[None, :] < L[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(inside, Xc, 0.0).sum(axis=1) / np.maximum(L, 1)
        scale = np.sqrt(noise.lrv)
        ok = np.isfinite(scale) & (scale > 0)
        Z = np.where(inside & ok[:, None], (Xc - mu[:, None]) / np.where(ok, scale, 1.0)[:, None], 0.0)
    Z = np.where(inside, Z, np.nan)
    return Z, Xc, noise


def stage_residuals(Xc: np.ndarray, L: np.ndarray, cands: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Residuals around a candidate segmentation and the lag-1 pairs inside one stage, for a batch.

    ``r`` is each (left-aligned) value minus the mean of its stage (stages cut at ``cands[i]``; 0 beyond ``L``);
    ``pair[:, t-1]`` is True when ``(t-1, t)`` lie in the same stage, so a level shift never counts as a pair.
    """
    n_rows, n = Xc.shape
    inside = np.arange(n)[None, :] < L[:, None]
    cut = np.zeros((n_rows, n), dtype=np.int64)
    for i, cs in enumerate(cands):
        for c in cs:
            if 0 < c < n:
                cut[i, c] = 1
    grp = np.cumsum(cut, axis=1)
    x = np.where(inside, Xc, 0.0)
    k = int(grp.max()) + 1
    key = np.where(inside, grp + k * np.arange(n_rows)[:, None], n_rows * k)
    flat = key.ravel()
    sums = np.bincount(flat, weights=x.ravel(), minlength=n_rows * k + 1)
    cnts = np.bincount(flat, minlength=n_rows * k + 1)
    means = sums / np.maximum(cnts, 1)
    r = np.where(inside, x - means[key], 0.0)
    return r, inside[:, 1:] & (grp[:, 1:] == grp[:, :-1])


def residual_phi(Xc: np.ndarray, L: np.ndarray, cands: list[list[int]]) -> np.ndarray:
    """Lag-1 autocorrelation of the noise around a candidate segmentation, one per row.

    The residuals are the (outlier-clipped) values minus their stage mean,
    stages cut at ``cands[i]``; pairs ``(t-1, t)`` straddling a cut are left
    out, so level shifts — which inflate the autocorrelation of a raw series —
    do not count (:func:`stage_residuals`).  Uses the moment estimate
    ``Σ r_t r_{t-1} / Σ r_t²``, whose standard error on independent noise is
    ``1/sqrt(n)`` (the estimate from differences in :func:`noise_scale` has
    about 1.5/sqrt(n)).  Rows with fewer than 8 pairs give NaN.
    """
    n_rows, n = Xc.shape
    if n < 2 or n_rows == 0:
        return np.full(n_rows, np.nan)
    r, pair = stage_residuals(Xc, L, cands)
    num = np.where(pair, r[:, 1:] * r[:, :-1], 0.0).sum(axis=1)
    den = (r * r).sum(axis=1)
    npairs = pair.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = num / den
    return np.where((npairs >= 8) & (den > 0), rho, np.nan)


def with_phi(noise: NoiseScale, phi: np.ndarray) -> NoiseScale:
    """``noise`` with a new autocorrelation (clipped to ``[0, PHI_MAX]``) and its long-run variance."""
    phi = np.clip(np.where(np.isfinite(phi), phi, noise.phi), 0.0, PHI_MAX)
    lrv = noise.sigma_d**2 * (1.0 + phi) / (2.0 * (1.0 - phi) ** 2)
    return NoiseScale(noise.sigma_d, phi, lrv, noise.arma, noise.phi_diff)


def refit_phi(Xc: np.ndarray, L: np.ndarray, cands: list[list[int]], noise: NoiseScale) -> NoiseScale:
    """The noise estimates with ``phi`` re-estimated around a candidate segmentation.

    The estimate from differences (:func:`noise_scale`) is robust to shifts
    but imprecise: on 120 points of independent noise it exceeds 0.25 by
    chance often enough to inflate the long-run scale ~2×, and a real short
    shift is then rejected.  The moment estimate on the residuals around the
    stages (:func:`residual_phi`) is about 1.5× more precise; its small-sample
    bias, about ``-(k+1)/n`` for ``k+1`` estimated stage means, is added back.
    Chosen over the raw residual estimate, a ``2/sqrt(n)`` significance
    threshold and a ``1/sqrt(n)`` shrinkage on the synthetic and real dev sets
    (see docs/benchmarks.md).  On rows whose first estimate came from the
    ARMA(1,1) fit the larger of the AR(1) and ARMA(1,1) long-run variances of
    the residuals is taken (``REFIT_ARMA_ROWS``, :func:`.lrv.residual_factor`).
    """
    n = np.maximum(L, 1).astype(np.float64)
    k = np.array([len(c) for c in cands], dtype=np.float64)
    mode, rows = REFIT_MODE, np.ones(L.shape[0], dtype=bool)
    if mode == "ar1" and noise.arma is not None:
        mode, rows = REFIT_ARMA_ROWS, noise.arma
    if mode != "ar1" and Xc.shape[1] >= 4 and rows.any():
        r, pair = stage_residuals(Xc, L, cands)
        f_ar1, f_arma = _lrv.residual_factor(r, pair, (k + 1.0) / n, PHI_MAX)
        f = {"arma": f_arma, "max": np.fmax(f_ar1, f_arma)}.get(mode, np.fmin(f_ar1, f_arma))
        f = np.where(rows, f, f_ar1)
        return with_phi(noise, np.where(np.isfinite(f), _lrv.phi_for_factor(f, PHI_MAX), np.nan))
    rho = residual_phi(Xc, L, cands)
    return with_phi(noise, rho + (k + 1.0) / n)
