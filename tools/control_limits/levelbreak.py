"""Abrupt level breaks in random-walk-like series: the local level model's auxiliary residuals.

On a series whose noise wanders like a random walk (a price, a rate, a body
temperature, weekly footfall) the long-run noise sd the level search works in
(:mod:`.noise`) is several times the series' spread: a break everybody sees on
the chart — a level that jumps far beyond the usual step and stays there — is
inside that noise model.  Such a row is modelled instead as a **local level
model** (Harvey 1989)::

    y_t = mu_t + eps_t,        eps_t ~ N(0, s_eps²)   (measurement noise)
    mu_{t+1} = mu_t + eta_t,   eta_t ~ N(0, s_eta²)   (the random walk's own steps)

with the variances from robust moments of the differences (``d_t = y_t -
y_{t-1}``: ``var d = s_eta² + 2·s_eps²``, ``cov(d_t, d_{t-1}) = -s_eps²``; the
scales of ``d_t ± d_{t-1}`` by the same winsorised estimate as :mod:`.noise`,
so a few breaks or spikes barely move them).  A Kalman filter and the
disturbance smoother (one loop over time, numpy over the rows) give the
**standardised smoothed level disturbances** — the auxiliary residuals of
Harvey & Koopman (1992) and de Jong & Penzer (1998): ``r_t / sqrt(N_t)`` is
the t-statistic of an extra level shift between ``t`` and ``t + 1``; the
observation residuals ``u_t / sqrt(D_t)`` do the same for a single outlier.

A **break** at ``b`` (first index of the new level) is proposed when

* its level statistic exceeds the ``1 - ALPHA`` quantile of the *largest*
  level statistic over a pure local-level series of the same length
  (:func:`threshold`: calibrated by simulation, with the variances estimated
  as above, so the multiplicity of ``n`` tests and the estimation are both in
  it) — a random walk's own steps do not reach it but in ``ALPHA`` of series;
* it **persists**: the median of the ``PERSIST`` points from ``b`` on minus the
  median of the ``PERSIST`` points before it, and the smoothed level's change
  over those ``2·PERSIST`` points, both keep the break's sign and at least
  ``KEEP`` of the smoothed jump; no opposite step beyond the threshold within
  ``PERSIST`` points undoes ``KEEP`` of it (a short excursion that comes back
  is two opposite steps whose sum is small); and no single observation
  explains it as well (an observation statistic at ``b`` or ``b - 1`` at least
  as large in size) — a spike is an outlier or a returning excursion, never a
  lasting level;
* the row's steps are not **heavier-tailed** than the model: a row with more
  than ``MAX_CLUSTERS`` separate exceedances (spiky volumes, prices in a
  crisis) gets no break, and a break must **stand out** of the row's own
  steps — at least ``STAND_OUT`` times the largest level statistic away from
  the breaks (a walk with fat-tailed steps has a few large ones that are no
  break; a Gaussian walk's largest own step is ~3 of its sd);
* it is **material** like any stage (``|jump| ≥ MATERIALITY × the series'
  robust spread``, :mod:`.refine`).

Breaks are taken strongest first, at least ``min_size`` points apart and from
the boundaries the level search kept.  They then go through Wheeler
confirmation like every other boundary (:mod:`.rules`): the points after the
break must give evidence against the limits of the stage before it.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits.noise import robust_sd
from tools.control_limits.refine import _IQR_TO_SD, MATERIALITY, _row_quantile

#: Rows whose noise autocorrelation (from differences) is at least this are searched for breaks.
PHI_MIN = 0.9
#: False-break rate per pure local-level series the threshold is calibrated to.
ALPHA = 0.002
#: Points on each side whose medians must keep the break.
PERSIST = 5
#: Share of the smoothed jump the medians around a break must keep.
KEEP = 0.5
#: Rows with more separate exceedances than this have heavier tails than the model: no break there.
MAX_CLUSTERS = 5
#: A break must be at least this many times the row's largest level statistic away from the breaks.
STAND_OUT = 2.0
#: The smoothed level's change around a break must keep it too.
USE_NET = True
#: Measured alternative to the calibrated threshold: a break when its statistic² exceeds this × ln n.
PENALISED: float | None = None
#: A spike is what a single observation explains as well (its statistic next to the step as large).
OBS_CHECK = True
#: A returning excursion: an opposite step beyond the threshold nearby that undoes ``KEEP`` of the jump
#: (False: any opposite step beyond the threshold nearby).
PAIR_RETURN = True
#: Measured alternative for heavy-tailed rows: breaks this many times the row's own
#: (MAX_CLUSTERS+1)-th largest exceedance (None: no break on such rows).
TAIL_FACTOR: float | None = None
#: Heavy tails: the threshold grows by the row's own |statistic| quantile ``TAIL_Q`` over a Gaussian's (None: off).
TAIL_Q: float | None = None
#: Floor of ``s_eps² / s_eta²`` (a pure random walk has none; keeps the filter regular).
_Q_FLOOR = 1e-4
#: Simulated series per length in the threshold calibration.
_CAL_REPS = 2000
#: Lengths are calibrated on this grid (geometric) and interpolated in ``ln n``.
_CAL_LENGTHS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)


def variances(X: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Robust ``(s_eta², s_eps²)`` of each left-aligned row (NaN after ``L[i]``)."""
    n_rows, n = X.shape
    if n < 3:
        return np.zeros(n_rows), np.zeros(n_rows)
    with np.errstate(invalid="ignore"):
        dp = X[:, 2:] - X[:, :-2]  # d_t + d_{t-1}
        dm = X[:, 2:] - 2.0 * X[:, 1:-1] + X[:, :-2]  # d_t - d_{t-1}
    c2 = np.maximum(L - 2, 0)
    sp = robust_sd(dp, c2) ** 2  # 2·g0 + 2·g1
    sm = robust_sd(dm, c2) ** 2  # 2·g0 - 2·g1
    g0 = (sp + sm) / 4.0
    s_eps2 = np.maximum((sm - sp) / 4.0, 0.0)
    s_eta2 = np.maximum(g0 - 2.0 * s_eps2, 0.0)
    return s_eta2, s_eps2


def smooth(Y: np.ndarray, L: np.ndarray, q_eps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kalman filter and disturbance smoother of a local level model with ``s_eta² = 1``.

    ``Y`` is left-aligned in units of ``s_eta``; ``q_eps = s_eps²/s_eta²``.
    Returns ``(level, obs, jump)``: ``level[:, t]`` the standardised smoothed
    level disturbance between ``t - 1`` and ``t`` (column 0: 0),
    ``obs[:, t]`` the standardised smoothed observation disturbance at ``t``,
    ``jump[:, t]`` the smoothed level step itself (in ``s_eta``).
    """
    n_rows, n = Y.shape
    h = np.maximum(q_eps, _Q_FLOOR)
    V = np.zeros((n_rows, n))
    Finv = np.zeros((n_rows, n))
    K = np.zeros((n_rows, n))
    a = np.where(L > 0, Y[:, 0], 0.0)
    P = h + 1.0  # predicted variance of mu_1 given y_0 (y_0 initialises the level)
    for t in range(1, n):
        ok = t < L
        v = np.where(ok, Y[:, t] - a, 0.0)
        F = P + h
        k = np.where(ok, P / F, 0.0)
        V[:, t] = v
        Finv[:, t] = np.where(ok, 1.0 / F, 0.0)
        K[:, t] = k
        a = a + k * v
        P = P * (1.0 - k) + 1.0
    level = np.zeros((n_rows, n))
    obs = np.zeros((n_rows, n))
    jump = np.zeros((n_rows, n))
    r = np.zeros(n_rows)
    N = np.zeros(n_rows)
    for t in range(n - 1, 0, -1):
        # r, N here are r_t, N_t: about eta_t, the step from t to t + 1
        if t + 1 < n:
            with np.errstate(invalid="ignore", divide="ignore"):
                level[:, t + 1] = np.where(N > 0, r / np.sqrt(np.where(N > 0, N, 1.0)), 0.0)
            jump[:, t + 1] = r
        u = Finv[:, t] * V[:, t] - K[:, t] * r
        D = Finv[:, t] + K[:, t] ** 2 * N
        with np.errstate(invalid="ignore", divide="ignore"):
            obs[:, t] = np.where(D > 0, u / np.sqrt(np.where(D > 0, D, 1.0)), 0.0)
        lt = 1.0 - K[:, t]
        r = Finv[:, t] * V[:, t] + lt * r
        N = Finv[:, t] + lt * lt * N
    with np.errstate(invalid="ignore", divide="ignore"):
        level[:, 1] = np.where(N > 0, r / np.sqrt(np.where(N > 0, N, 1.0)), 0.0)
    jump[:, 1] = r
    return level, obs, jump


def statistics(X: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(level, obs, jump_in_units_of_X, s_eta)`` of each row (see :func:`smooth`)."""
    s_eta2, s_eps2 = variances(X, L)
    ok = s_eta2 > 0
    s_eta = np.sqrt(np.where(ok, s_eta2, 1.0))
    q = np.where(ok, s_eps2 / np.where(ok, s_eta2, 1.0), 0.0)
    inside = np.arange(X.shape[1])[None, :] < L[:, None]
    Y = np.where(inside, X, 0.0) / s_eta[:, None]
    level, obs, jump = smooth(Y, L, q)
    level[~ok] = 0.0
    obs[~ok] = 0.0
    return level, obs, jump * s_eta[:, None], np.where(ok, s_eta, 0.0)


def calibrate(alpha: float, reps: int = 20_000, seed: int = 20261130) -> np.ndarray:
    """``1 - alpha`` quantile of the largest level statistic per length of ``_CAL_LENGTHS`` (seeded simulation).

    Pure local-level series with ``s_eps²/s_eta²`` drawn log-uniform in
    ``[1e-3, 1]`` (random-walk-like: the steps dominate), the variances
    estimated exactly as on real rows; statistics within ``PERSIST`` points of
    an end are not used (as in :func:`find_breaks`).  ``THRESHOLDS`` holds its
    result for ``ALPHA`` (~35 s; regenerate when the estimator changes).
    """
    rng = np.random.default_rng(seed)
    out = []
    for n in _CAL_LENGTHS:
        mx = []
        for _ in range(max(reps // 2000, 1)):
            q = 10.0 ** rng.uniform(-3.0, 0.0, 2000)
            mu = np.cumsum(rng.standard_normal((2000, n)), axis=1)
            Y = mu + np.sqrt(q)[:, None] * rng.standard_normal((2000, n))
            level, _obs, _j, _s = statistics(Y, np.full(2000, n, dtype=np.int64))
            mx.append(np.abs(level[:, PERSIST : n - PERSIST + 1]).max(axis=1))
        out.append(float(np.quantile(np.concatenate(mx), 1.0 - alpha)))
    return np.asarray(out)


#: ``calibrate(ALPHA)`` (20,000 series per length): short series' variance estimates are noisy, so their tail is wide.
THRESHOLDS = np.array(
    [4.590, 5.058, 5.541, 5.064, 4.965, 4.574, 4.507, 4.476, 4.490, 4.569, 4.647, 4.675, 4.771, 4.836, 4.892]
)


def threshold(n: np.ndarray | int) -> np.ndarray:
    """Threshold on ``|level statistic|`` for series of ``n`` points (interpolated in ``ln n``)."""
    if PENALISED is not None:  # a penalised-likelihood form (DeCAFS-like): z² > c·ln n
        return np.sqrt(PENALISED * np.log(np.maximum(np.asarray(n, dtype=np.float64), 2.0)))
    grid = np.log(np.asarray(_CAL_LENGTHS, dtype=np.float64))
    return np.interp(np.log(np.maximum(np.asarray(n, dtype=np.float64), 2.0)), grid, THRESHOLDS)


def tail_ratio(level: np.ndarray, valid: np.ndarray, tail_q: float = 0.98) -> np.ndarray:
    """Per row, how much heavier the level statistics' ``tail_q`` quantile is than a Gaussian's (at least 1)."""
    from statistics import NormalDist

    A = np.where(valid, np.abs(level), np.nan)
    with np.errstate(invalid="ignore"):
        q = np.nanquantile(A, tail_q, axis=1)
    z = NormalDist().inv_cdf(0.5 + tail_q / 2.0)
    return np.maximum(np.where(np.isfinite(q), q / z, 1.0), 1.0)


def _returns(level: np.ndarray, jump: np.ndarray, b: int, thr: float) -> bool:
    """Whether an opposite step beyond ``thr`` within ``PERSIST`` points of ``b`` undoes ``KEEP`` of its jump."""
    sign = np.sign(jump[b])
    lo, hi = max(b - PERSIST, 1), min(b + PERSIST + 1, level.shape[0])
    for t in range(lo, hi):
        if level[t] * sign < -thr:
            a, e = min(b, t), max(b, t)
            if float(jump[a : e + 1].sum()) * sign < KEEP * abs(jump[b]):
                return True
    return False


def find_breaks(
    X: np.ndarray,
    L: np.ndarray,
    rows: np.ndarray,
    min_shift: np.ndarray,
    kept: list[list[int]],
    min_size: int,
) -> list[list[int]]:
    """Persistent, material level breaks of ``rows`` (compressed indices; module docstring).

    ``X`` is left-aligned (NaN after ``L[i]``), ``min_shift`` the per-row
    materiality in units of ``X``, ``kept`` the boundaries already kept (a
    break stays ``min_size`` points from them and from other breaks).
    """
    n_rows, n = X.shape
    out: list[list[int]] = [[] for _ in range(n_rows)]
    idx = np.flatnonzero(rows & (L >= 2 * PERSIST + 2))
    if idx.size == 0:
        return out
    Xr, Lr = X[idx], L[idx]
    level, obs, jump, _s = statistics(Xr, Lr)
    thr = threshold(Lr)
    cols = np.arange(n)
    valid = (cols[None, :] >= PERSIST) & (cols[None, :] <= (Lr - PERSIST)[:, None])
    if TAIL_Q is not None:
        thr = thr * tail_ratio(level, valid, TAIL_Q)
    hit = valid & (np.abs(level) > thr[:, None])
    # not a spike: no single observation next to the step explains it as well
    ob_here = np.abs(obs)
    ob_prev = np.zeros_like(ob_here)
    ob_prev[:, 1:] = ob_here[:, :-1]
    if OBS_CHECK:
        hit &= np.maximum(ob_here, ob_prev) < np.abs(level)
    for j, row in enumerate(idx.tolist()):
        ts = np.flatnonzero(hit[j])
        if ts.size == 0:
            continue
        raw = np.flatnonzero(valid[j] & (np.abs(level[j]) > thr[j]))
        if 1 + int((np.diff(raw) > PERSIST).sum()) > MAX_CLUSTERS:
            if TAIL_FACTOR is None:
                continue
            # heavy tails: judge against the row's own (MAX_CLUSTERS+1)-th largest cluster peak
            starts = np.concatenate([[0], np.flatnonzero(np.diff(raw) > PERSIST) + 1])
            peaks = np.sort(np.maximum.reduceat(np.abs(level[j, raw]), starts))[::-1]
            ts = ts[np.abs(level[j, ts]) >= TAIL_FACTOR * peaks[MAX_CLUSTERS]]
            if ts.size == 0:
                continue
        x = Xr[j, : int(Lr[j])]
        taken = list(kept[row])
        for b in ts[np.argsort(-np.abs(level[j, ts]))].tolist():
            if any(abs(b - c) < min_size for c in taken):
                continue
            step = float(jump[j, b])
            after = float(np.median(x[b : b + PERSIST]))
            before = float(np.median(x[b - PERSIST : b]))
            held = (after - before) * np.sign(step)
            net = float(jump[j, b - PERSIST + 1 : b + PERSIST].sum()) * np.sign(step)  # smoothed level's change
            back = _returns(level[j], jump[j], b, float(thr[j])) if PAIR_RETURN else bool(
                (level[j, max(b - PERSIST, 1) : b + PERSIST + 1] * np.sign(step) < -thr[j]).any()
            )
            if back or min(held, net if USE_NET else held) < KEEP * abs(step) or abs(after - before) < min_shift[row]:
                continue
            taken.append(b)
            out[row].append(b)
        if out[row] and STAND_OUT > 1.0:
            far = valid[j].copy()
            for b in out[row]:
                far[max(b - PERSIST, 0) : b + PERSIST + 1] = False
            rival = float(np.abs(level[j, far]).max()) if far.any() else 0.0
            out[row] = [b for b in out[row] if abs(level[j, b]) >= STAND_OUT * rival]
        out[row].sort()
    return out


def add_breaks(
    X: np.ndarray, L: np.ndarray, phi: np.ndarray, searchable: np.ndarray, kept: list[list[int]], min_size: int,
    min_shift_floor: np.ndarray | None = None,
) -> list[list[int]]:
    """``kept`` with the breaks of the rows whose noise ``phi`` is at least ``PHI_MIN`` added (sorted)."""
    rows = searchable & (phi >= PHI_MIN)
    if not rows.any():
        return kept
    S = np.sort(np.where(rows[:, None], X, np.nan), axis=1)
    spread = np.zeros(X.shape[0])
    r = np.flatnonzero(rows)
    iqr = _row_quantile(S[r], L[r], 0.75) - _row_quantile(S[r], L[r], 0.25)
    spread[r] = np.where(np.isfinite(iqr), iqr / _IQR_TO_SD, 0.0)
    min_shift = MATERIALITY * spread
    if min_shift_floor is not None:
        min_shift = np.maximum(min_shift, min_shift_floor)
    found = find_breaks(X, L, rows, min_shift, kept, min_size)
    return [sorted({*k, *f}) if f else k for k, f in zip(kept, found, strict=True)]
