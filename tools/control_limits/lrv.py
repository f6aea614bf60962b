"""Long-run noise variance beyond AR(1): an ARMA(1,1) fit to the robust variogram (tenth pass, A).

:mod:`.noise` takes the noise autocorrelation ``phi`` from the robust
correlation of successive differences, which equals ``(γ1 − γ2)/(γ0 − γ1)``
(``γh`` the noise autocovariances) — exact for AR(1) noise, but for noise
whose correlation dies fast (day-to-day weather, demand with a one-day echo,
an MA(1) process) it overshoots badly: ``ρ1 = 0.45, ρ2 ≈ 0`` gives
``phi = 0.82`` and a long-run sd ~4× too large, and the search proposes
nothing however clear the shift.

The ARMA(1,1) family (``γh = γ1·a^(h−1)`` for ``h ≥ 1``; AR(1), MA(1) and
AR(1) + white noise are all in it) has the long-run variance
``γ0 + 2·γ1/(1 − a)``.  Its three parameters are fitted to the **robust
variogram** — half the winsorised variance of the lag-``h`` differences,
``v_h = γ0 − γh = γ0 − γ1·a^(h−1)`` for ``h = 1..KMAX`` — by weighted least
squares on a grid of ``a`` (the two linear parameters in closed form per row;
relative weights, since a variogram value's error grows with it).  As for the
estimate from differences, a level shift touches only ``h`` of the ``n − h``
lag-``h`` differences and a slow trend adds ``(h·slope)²``, so the lags are few.

The fit replaces the AR(1) long-run variance only where it is **smaller** and
can be trusted (:func:`applies`):

* the row has at least ``N_MIN`` points (three parameters from a few lags of a
  short row are noise: on shift-free AR(1) rows of 60–120 points the smaller of
  the two estimates opens false stages);
* the variogram has **levelled off** — its value at lag ``FAR_LAG`` is at most
  ``PLATEAU`` times its value at ``KMAX``.  A random walk's doubles there, AR(1)
  noise with ``phi = 0.8`` gives 1.33, ``0.7`` gives 1.17, noise whose
  correlation dies within a few lags stays at 1: the fit's extrapolation to the
  long run is only believed where the data show the correlation has died.

The result is expressed as the AR(1) ``phi`` that gives the same long-run
variance with the same ``sigma_d`` (:func:`phi_for_factor`): every consumer of
:class:`.noise.NoiseScale` (the search scale, the local re-validation's
``(1+phi)/(1−phi)²``) then reads the right long-run variance unchanged.  The
residual refit around the proposed stages then takes, on those rows, the larger
of the AR(1) and ARMA(1,1) long-run variances of the residuals
(:func:`residual_factor`): a liberal first search, judged conservatively.
"""

from __future__ import annotations

import numpy as np

#: Largest lag of the variogram fitted.
KMAX = 5
#: Rows shorter than this keep the AR(1) estimate.
N_MIN = 150
#: Lag at which the variogram must have levelled off ...
FAR_LAG = 10
#: ... to at most this multiple of its value at ``KMAX``.
PLATEAU = 1.2
#: Grid size of the ARMA(1,1) autoregressive parameter ``a`` (its upper end is the noise model's ``PHI_MAX``).
GRID = 48


def phi_for_factor(f: np.ndarray, phi_max: float) -> np.ndarray:
    """The AR(1) ``phi`` in ``[0, phi_max]`` whose long-run factor ``(1+phi)/(1-phi)²`` equals ``f``."""
    f = np.maximum(np.asarray(f, dtype=np.float64), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = ((2.0 * f + 1.0) - np.sqrt(8.0 * f + 1.0)) / (2.0 * f)
    return np.clip(np.where(np.isfinite(phi), phi, phi_max), 0.0, phi_max)


def arma_factor(V: np.ndarray, W: np.ndarray, phi_max: float) -> np.ndarray:
    """Long-run variance of the best ARMA(1,1) fit to variograms ``V`` (rows × lags 1..K), in units of ``V[:, 0]``.

    ``W`` holds the fit weights (0 = lag not used; the number of differences).
    Rows with fewer than 3 usable lags or a non-positive first value give NaN.
    The factor is at least 1 (no anti-persistence: as in :mod:`.noise`, ``phi``
    is never below 0).
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
    B = -(grid[:, None] ** np.arange(K, dtype=np.float64)[None, :])  # (G, K): v_h = g0 + g1·B
    s0 = Wr.sum(axis=1)[:, None]
    sv = (Wr * Vr).sum(axis=1)[:, None]
    svv = (Wr * Vr * Vr).sum(axis=1)[:, None]
    sb = Wr @ B.T  # (rows, G)
    sbb = Wr @ (B * B).T
    sbv = (Wr * Vr) @ B.T
    det = s0 * sbb - sb * sb
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = (s0 * sbv - sb * sv) / det
        g0 = (sv - g1 * sb) / s0
    g1 = np.where(np.isfinite(g1), g1, 0.0)
    g0 = np.where(np.isfinite(g0), g0, sv / s0)
    rss = svv + g0 * g0 * s0 + g1 * g1 * sbb - 2 * g0 * sv - 2 * g1 * sbv + 2 * g0 * g1 * sb
    best = np.argmin(np.where(det > 1e-12, rss, np.inf), axis=1)
    r = np.arange(best.size)
    lrv = g0[r, best] + 2.0 * g1[r, best] / (1.0 - grid[best])
    out[ok] = np.maximum(np.where(np.isfinite(lrv), lrv, np.inf), 1.0)
    return out


def applies(f: np.ndarray, f_ar1: np.ndarray, V: np.ndarray, v_far: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Rows where the ARMA(1,1) factor ``f`` replaces the AR(1) one ``f_ar1`` (module docstring)."""
    with np.errstate(invalid="ignore"):
        flat = v_far <= PLATEAU * V[:, -1]
    return np.isfinite(f) & (f < f_ar1) & (L >= N_MIN) & flat


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
