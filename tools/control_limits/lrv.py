"""Long-run noise variance beyond AR(1): an ARMA(1,1) fit to the robust variogram (tenth pass, A).

:mod:`.noise` takes the noise autocorrelation ``phi`` from the robust
correlation of successive differences, which equals ``(γ1 − γ2)/(γ0 − γ1)``
(``γh`` the noise autocovariances) — exact for AR(1) noise, but for noise
whose correlation dies fast (day-to-day weather, demand with a one-day echo,
bursts of heteroscedastic noise) it overshoots badly: ``ρ1 = 0.45, ρ2 ≈ 0``
gives ``phi = 0.82`` and a long-run sd ~4× too large, and the search proposes
nothing however clear the shift.

The ARMA(1,1) family (``γh = γ1·a^(h−1)`` for ``h ≥ 1``; AR(1), MA(1) and
AR(1) + white noise are all in it) has the long-run variance
``γ0 + 2·γ1/(1 − a)``.  Its three parameters are fitted to the **robust
variogram** — half the winsorised variance of the lag-``h`` differences,
``v_h = γ0 − γh = γ0 − γ1·a^(h−1)`` for ``h = 1..K`` — by weighted least
squares on a grid of ``a`` (the two linear parameters in closed form per row;
relative weights, since a variogram value's error grows with it).  Like the
estimate from differences, a level shift touches only ``h`` of the ``n − h``
lag-``h`` differences and a slow trend adds ``(h·slope)²``, so ``K`` is kept
small (``KMAX``, and at most ``n / LAG_SHARE``).  A random walk's variogram
grows linearly, so ``a`` goes to its bound and the long-run variance stays
large, as it must.

The result is expressed as the AR(1) ``phi`` that gives the same long-run
variance with the same ``sigma_d`` (:func:`phi_for_factor`): every consumer of
:class:`.noise.NoiseScale` (the search scale, the local re-validation's
``(1+phi)/(1−phi)²``) then reads the right long-run variance without change.
"""

from __future__ import annotations

import numpy as np

#: Largest lag of the variogram fitted.
KMAX = 5
#: At most one lag per this many points (a short series gets fewer lags; at least 3 are needed).
LAG_SHARE = 8
#: The fit is used only when its autoregressive parameter is at most this (the correlation dies within the lags seen).
A_MAX = 1.0
#: Rows shorter than this keep the AR(1) estimate (three parameters from a few lags of a short row are noise).
N_MIN = 120
#: Grid of the ARMA(1,1) autoregressive parameter ``a`` (its upper end is the noise model's ``PHI_MAX``).
GRID = 48


def phi_for_factor(f: np.ndarray, phi_max: float) -> np.ndarray:
    """The AR(1) ``phi`` in ``[0, phi_max]`` whose long-run factor ``(1+phi)/(1-phi)²`` equals ``f``."""
    f = np.maximum(np.asarray(f, dtype=np.float64), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = ((2.0 * f + 1.0) - np.sqrt(8.0 * f + 1.0)) / (2.0 * f)
    return np.clip(np.where(np.isfinite(phi), phi, phi_max), 0.0, phi_max)


def arma_factor(V: np.ndarray, W: np.ndarray, phi_max: float) -> np.ndarray:
    """Long-run variance of the best ARMA(1,1) fit to variograms ``V`` (rows × lags), in units of ``V[:, 0]``.

    ``W`` holds the fit weights (0 = lag not used).  Rows with fewer than 3
    usable lags or a non-positive first value give NaN.  The factor is at least 1
    (no anti-persistence: as :mod:`.noise`, ``phi`` is never below 0).
    """
    n_rows, K = V.shape
    out = np.full(n_rows, np.nan)
    if n_rows == 0 or K < 3:
        return out
    v1 = V[:, 0]
    ok = ((W > 0).sum(axis=1) >= 3) & np.isfinite(v1) & (v1 > 0)
    if not ok.any():
        return out
    Vr = np.where(W > 0, V / np.where(ok, v1, 1.0)[:, None], 0.0)[ok]  # relative variogram
    Wr = np.where(W > 0, W, 0.0)[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        Wr = np.where(Vr > 0, Wr / np.maximum(Vr, 1e-12) ** 2, 0.0)
    grid = np.linspace(0.0, phi_max, GRID)
    h = np.arange(K, dtype=np.float64)
    B = -(grid[:, None] ** h[None, :])  # (G, K): v_h = g0 + g1·B
    s0 = Wr.sum(axis=1)[:, None]
    sv = (Wr * Vr).sum(axis=1)[:, None]
    sb = Wr @ B.T  # (R, G)
    sbb = Wr @ (B * B).T
    sbv = (Wr * Vr) @ B.T
    det = s0 * sbb - sb * sb
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = (s0 * sbv - sb * sv) / det
        g0 = (sv - g1 * sb) / s0
    g1 = np.where(np.isfinite(g1), g1, 0.0)
    g0 = np.where(np.isfinite(g0), g0, sv / s0)
    # residual sum of squares per grid value (expanded quadratic form)
    svv = (Wr * Vr * Vr).sum(axis=1)[:, None]
    rss = svv + g0 * g0 * s0 + g1 * g1 * sbb - 2 * g0 * sv - 2 * g1 * sbv + 2 * g0 * g1 * sb
    best = np.argmin(np.where(det > 1e-12, rss, np.inf), axis=1)
    r = np.arange(best.size)
    a = grid[best]
    G0 = g0[r, best]
    G1 = g1[r, best]
    lrv = G0 + 2.0 * G1 / (1.0 - a)
    out[ok] = np.where(a <= A_MAX, np.maximum(np.where(np.isfinite(lrv), lrv, np.inf), 1.0), np.nan)
    return out


def variogram(X: np.ndarray, L: np.ndarray, robust_sd, K: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Robust half-variances of the lag-``h`` differences (``h = 1..K``) of left-aligned rows, and fit weights.

    ``robust_sd`` is :func:`.noise.robust_sd` (passed in: this module imports no
    sibling).  A lag is used on a row only when ``h ≤ L / LAG_SHARE`` or ``h ≤ 3``
    and at least 8 differences exist; its weight is the number of differences.
    """
    n_rows, n = X.shape
    V = np.full((n_rows, K), np.nan)
    W = np.zeros((n_rows, K))
    for h in range(1, K + 1):
        if h >= n:
            break
        with np.errstate(invalid="ignore"):
            d = X[:, h:] - X[:, :-h]
        c = np.maximum(L - h, 0)
        V[:, h - 1] = robust_sd(d, c) ** 2 / 2.0
        use = (c >= 8) & ((h <= 3) | (h * LAG_SHARE <= L)) & (L >= N_MIN)
        W[:, h - 1] = np.where(use, c, 0.0)
    return V, W


def residual_factor(r: np.ndarray, pair: np.ndarray, bias: np.ndarray, phi_max: float) -> tuple[np.ndarray, np.ndarray]:
    """AR(1) and ARMA(1,1) long-run factors (in units of ``σ_d²/2``) from residuals around candidate stages.

    ``r`` are the residuals, ``pair[:, t-1]`` marks ``(t-1, t)`` inside one
    stage (:func:`.noise.stage_residuals`); ``bias`` (per row) is added to
    each moment autocorrelation ``ρh = Σ r_t r_{t-h} / Σ r_t²`` (pairs inside
    one stage).  AR(1): ``(1+ρ1)/(1-ρ1)²``.  ARMA(1,1): ``ρh = ρ1·a^(h-1)``
    with ``a`` the least-squares ratio of ``ρ2, ρ3`` to ``ρ1, ρ2``; with
    ``σ_d²/2 = γ0 (1 − ρ1)`` the factor is ``(1 + 2ρ1/(1−a)) / (1 − ρ1)``.
    Rows with fewer than 8 pairs at a lag give NaN.
    """
    den = (r * r).sum(axis=1)
    rho = []
    ph = pair
    for h in (1, 2, 3):
        if h > 1:
            ph = ph[:, 1:] & pair[:, h - 1 :]
        num = np.where(ph, r[:, h:] * r[:, :-h], 0.0).sum(axis=1) if ph.shape[1] else np.zeros(r.shape[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            rho.append(np.where((ph.sum(axis=1) >= 8) & (den > 0), num / den + bias, np.nan))
    r1, r2, r3 = (np.clip(x, -0.99, phi_max) for x in rho)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_ar1 = (1.0 + r1) / (1.0 - r1) ** 2
        a = np.clip((r2 * r1 + r3 * r2) / (r1 * r1 + r2 * r2), 0.0, phi_max)
        f_arma = (1.0 + 2.0 * r1 / (1.0 - a)) / (1.0 - r1)
    f_arma = np.where(r1 > 0, f_arma, f_ar1)
    return f_ar1, f_arma
