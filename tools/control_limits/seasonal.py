"""A strong periodic component, found in the data and taken out before the stage search.

Operations KPIs often carry a cycle — a weekly one in daily data, a daily one
in hourly data, a yearly one in monthly data — and nothing in a bare series
says its sampling frequency.  When the cycle dominates the first differences,
the robust noise scale of :mod:`.noise` measures the *cycle*, not the noise,
and a clear level shift of one or two seasonal swings looks small against it.
This module, vectorised over a left-aligned batch:

1. **Finds a period per row** from the autocorrelation of the winsorised first
   differences (differences remove level and trend, winsorising keeps one
   spike or one level shift from shaping it): a lag ``P`` in
   ``2 … min(MAX_PERIOD, n/4)`` qualifies when its autocorrelation is at least
   ``ACF_MIN``, stands at least ``PROMINENCE`` above the lowest autocorrelation
   at the shorter lags (the curve dips between peaks, unlike the slow decay of
   a smooth or trending series), **repeats** (around ``2P`` at least ``REPEAT``
   of the peak) and is a local maximum of the mean autocorrelation at its first
   ``REPEATS`` multiples (on a smooth cycle 11 and 13 peak almost as high as 12,
   but drift off at 22/26 and 33/39).  The best-scoring lag is the period, or
   its shortest divisor whose own peak is within ``MULTIPLE_TOL`` of that lag's
   (12, not 24 or 36).  Periods below ``MIN_PERIOD`` are not removed.
2. **Estimates a level-robust seasonal component**: the series minus its
   centred moving average over one period (a ``2×P`` average for even ``P``),
   so the level — and any level shift, except within half a period of it — is
   gone; then per phase (original column mod ``P``, so gaps keep the phase)
   the running median over ``PROFILE_CYCLES`` cycles (a swing that grows or
   drifts is followed; a shift leaks into one cycle per phase, which the median
   ignores), each cycle's profile centred to mean zero.  One vectorised pass per
   distinct period.
3. **Keeps the removal only where it matters**: where it lowers the long-run
   noise sd (:mod:`.noise`) to at most ``GAIN_MAX`` of what it was — the cycle,
   not the noise, dominated the differences (a smooth cycle mostly shows as a
   spurious autocorrelation near 1).  Every other row is returned unchanged,
   bit for bit.

The stage search, its noise scale, the local re-validation and Wheeler's
confirmation then run on the adjusted series (:mod:`.analysis`); there a stage
must also shift the level by ``SWING_MATERIALITY`` of the cycle's median
peak-to-trough swing (:attr:`Seasonal.min_shift`), and no seeded pick lies
near an end (where the component is extrapolated).  The limits and signals a
user sees are still the per-stage XmR chart of the raw values: they span the
stage's whole spread, cycle included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.control_limits.noise import _MAD_TO_SD, noise_scale, robust_sd, row_median

#: Shortest period removed: a period-2 alternation is the saw-tooth of over-adjustment, a
#: signal the chart must show, not a season to remove.
MIN_PERIOD = 3
#: Longest period looked for (points); also at most a quarter of the series.
MAX_PERIOD = 60
#: Shortest series (points) in which a period is looked for.
MIN_POINTS = 24
#: Autocorrelation of the differences a period's peak must reach.
ACF_MIN = 0.3
#: How far the peak must stand above the lowest autocorrelation at shorter lags.
PROMINENCE = 0.3
#: The autocorrelation around twice the period, as a share of the peak ("a repeated peak").
REPEAT = 0.5
#: Multiples of a lag whose autocorrelations score it.
REPEATS = 3
#: A divisor of the best-scoring lag is the period when its peak is within this share of that lag's.
MULTIPLE_TOL = 0.8
#: Winsorising constant of the differences (robust sds).
WINSOR = 2.5
#: The removal is kept where the differences' robust scale falls to at most this share.
GAIN_MAX = 0.7
#: Cycles over which each phase's running median is taken (odd).
PROFILE_CYCLES = 11
#: On a row with a removed cycle, a stage's shift must be at least this share of the cycle's swing (peak to trough).
SWING_MATERIALITY = 0.4
_CHUNK = 256  # rows per vectorised profile pass (bounds the memory of the running-median windows)


@dataclass(frozen=True, slots=True)
class Seasonal:
    """Per-row outcome: ``period`` (0 = none removed) and the adjusted batch."""

    X: np.ndarray  # left-aligned values with the profile removed (rows without a period: unchanged)
    period: np.ndarray  # int per row, 0 where nothing was removed
    profile: list[np.ndarray | None]  # per row, the removed component per value (None where nothing)

    @property
    def min_shift(self) -> np.ndarray:
        """Per row, the smallest level shift a person sees against the removed swing (0 where none)."""
        return np.array([0.0 if p is None else SWING_MATERIALITY * _swing(p, int(q))
                         for p, q in zip(self.profile, self.period, strict=True)])


def _swing(component: np.ndarray, p: int) -> float:
    """Median peak-to-trough swing of the removed component over its cycles."""
    m = component.size // p
    if m == 0:
        return float(np.ptp(component))
    return float(np.median(np.ptp(component[: m * p].reshape(m, p), axis=1)))


def _diff_acf(X: np.ndarray, L: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation of the winsorised first differences at lags ``0 … max_lag`` (rows × lags)."""
    n = X.shape[1]
    with np.errstate(invalid="ignore"):
        d = X[:, 1:] - X[:, :-1]
    m = np.maximum(L - 1, 0)
    inside = np.arange(n - 1)[None, :] < m[:, None]
    d = np.where(inside & np.isfinite(d), d, np.nan)
    med = row_median(d, m)
    d = d - med[:, None]
    s = row_median(np.abs(d), m) * _MAD_TO_SD
    s = np.where(np.isfinite(s) & (s > 0), s, robust_sd(d, m))
    cap = (WINSOR * s)[:, None]
    d = np.where(inside, np.clip(np.nan_to_num(d), -cap, cap), 0.0)
    nfft = 1 << int(np.ceil(np.log2(max(2 * (n - 1), 2))))
    F = np.fft.rfft(d, nfft, axis=1)
    ac = np.fft.irfft(F * np.conj(F), nfft, axis=1)[:, : max_lag + 1]
    lags = np.arange(max_lag + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = ac * (m[:, None] / np.maximum(m[:, None] - lags[None, :], 1))  # unbiased per lag
        out = ac / ac[:, :1]
    return np.where(np.isfinite(out), out, 0.0)


def find_period(X: np.ndarray, L: np.ndarray) -> np.ndarray:
    """The period of a strong, repeated cycle in each row (0 where there is none)."""
    n_rows, n = X.shape
    top = min(MAX_PERIOD, n // 4)
    if n_rows == 0 or top < 2:
        return np.zeros(n_rows, dtype=np.int64)
    max_lag = REPEATS * top + 1
    acf = _diff_acf(X, L, max_lag)
    lags = np.arange(max_lag + 2)
    lo = 2  # shorter periods are found (so 4, 6, … are not taken for them), then not removed
    # score of a lag: the mean autocorrelation at its first REPEATS multiples (a wrong neighbour of
    # the period drifts off the later peaks, so the period itself scores highest)
    ext = np.concatenate([acf, np.zeros((n_rows, 1))], axis=1)
    Q = lags[lo - 1 : top + 2]
    mult = np.arange(1, REPEATS + 1)
    km = Q[:, None] * mult[None, :]
    valid = km <= max_lag
    score = (ext[:, np.minimum(km, max_lag + 1)] * valid[None]).sum(axis=2) / valid.sum(axis=1)[None, :]
    P = Q[1:-1]
    sc = score[:, 1:-1]
    a = acf[:, lo : top + 1]
    low_before = np.minimum.accumulate(acf[:, 1:top], axis=1)[:, lo - 2 :]  # min over lags 1 … P-1
    twice = np.maximum(np.maximum(acf[:, 2 * P - 1], acf[:, 2 * P]), acf[:, 2 * P + 1])
    ok = (
        (a >= ACF_MIN)
        & (sc >= score[:, :-2])
        & (sc >= score[:, 2:])
        & (a - low_before >= PROMINENCE)
        & (twice >= REPEAT * a)
        & (P[None, :] <= (L[:, None] // 4))
        & (L[:, None] >= MIN_POINTS)
    )
    top_i = np.where(ok, sc, -np.inf).argmax(axis=1)  # the best-scoring lag …
    B = P[top_i]
    a_b = a[np.arange(n_rows), top_i]
    # … or its shortest divisor whose own peak is nearly as high (12, not 24 or 36)
    near = ok & (B[:, None] % P[None, :] == 0) & (a >= MULTIPLE_TOL * a_b[:, None])
    first = np.argmax(near, axis=1)
    period = np.where(near.any(axis=1), P[first], 0)
    return np.where(period >= MIN_PERIOD, period, 0).astype(np.int64)


def _moving_average(X: np.ndarray, L: np.ndarray, p: int) -> np.ndarray:
    """Centred moving average over one period (``2×p`` for even ``p``) of left-aligned rows.

    NaN where the window leaves the row's first ``L`` values.
    """
    n_rows, n = X.shape
    h = p // 2
    cols = np.arange(n)
    inside = cols[None, :] < L[:, None]
    x = np.where(inside, X, 0.0)
    C = np.zeros((n_rows, n + 1))
    np.cumsum(x, axis=1, out=C[:, 1:])
    t = np.clip(cols, h, max(n - 1 - h, h))
    if p % 2:
        s = C[:, np.minimum(t + h + 1, n)] - C[:, t - h]
    else:
        xp = np.pad(x, ((0, 0), (0, h + 1)))
        s = C[:, np.minimum(t + h, n)] - C[:, t - h + 1] + 0.5 * (x[:, t - h] + xp[:, t + h])
    ok = (cols[None, :] >= h) & (cols[None, :] + h < L[:, None])
    return np.where(ok, s / p, np.nan)


def _nan_median_last(W: np.ndarray) -> np.ndarray:
    """Median over the last axis ignoring NaN (NaN where all are NaN), without ``np.nanmedian``'s loop."""
    S = np.sort(W, axis=-1)  # NaN last
    cnt = np.isfinite(W).sum(axis=-1)
    lo = np.maximum(cnt - 1, 0) // 2
    hi = cnt // 2
    a = np.take_along_axis(S, lo[..., None], axis=-1)[..., 0]
    b = np.take_along_axis(S, np.minimum(hi, W.shape[-1] - 1)[..., None], axis=-1)[..., 0]
    return np.where(cnt > 0, 0.5 * (a + b), np.nan)


def seasonal_component(X: np.ndarray, L: np.ndarray, pos: np.ndarray, p: int) -> np.ndarray:
    """Level-robust seasonal component of left-aligned rows sharing the period ``p`` (0 beyond ``L``).

    Detrended by the centred moving average over one period; then, per phase (original column mod
    ``p``), the running median over ``PROFILE_CYCLES`` cycles, so a swing that grows or drifts is
    followed; each cycle's profile is centred to mean 0.
    """
    n_rows, n = X.shape
    detr = X - _moving_average(X, L, p)
    inside = np.arange(n)[None, :] < L[:, None]
    cyc = np.where(inside, (pos - pos[:, :1]) // p, 0)
    phase = np.where(inside, pos % p, 0)
    n_cyc = int(cyc.max()) + 1
    M = np.full((n_rows, n_cyc, p), np.nan)
    r, c = np.nonzero(inside)
    M[r, cyc[r, c], phase[r, c]] = detr[r, c]
    h = PROFILE_CYCLES // 2
    pad = np.full((n_rows, h, p), np.nan)
    W = np.lib.stride_tricks.sliding_window_view(np.concatenate([pad, M, pad], axis=1), 2 * h + 1, axis=1)
    P = _nan_median_last(W)
    glob = _nan_median_last(np.swapaxes(M, 1, 2))  # (rows, p): where a window holds no value of a phase
    P = np.where(np.isfinite(P), P, np.nan_to_num(glob)[:, None, :])
    P = P - P.mean(axis=2, keepdims=True)
    out = np.zeros((n_rows, n))
    out[r, c] = P[r, cyc[r, c], phase[r, c]]
    return out


def remove_seasonal(X: np.ndarray, L: np.ndarray, pos: np.ndarray) -> Seasonal:
    """The batch with each row's strong cycle removed (rows without one unchanged); see the module docstring."""
    n_rows, n = X.shape
    period = find_period(X, L)
    profiles: list[np.ndarray | None] = [None] * n_rows
    final = np.zeros(n_rows, dtype=np.int64)
    rows = np.flatnonzero(period > 0)
    if rows.size == 0:
        return Seasonal(X, final, profiles)
    comp = np.zeros((rows.size, n))
    for p in np.unique(period[rows]).tolist():  # one vectorised pass per distinct period
        sel = np.flatnonzero(period[rows] == p)
        for k in range(0, sel.size, _CHUNK):
            j = sel[k : k + _CHUNK]
            r = rows[j]
            comp[j] = seasonal_component(X[r], L[r], pos[r], int(p))
    adj = X[rows] - comp
    Lr = L[rows]
    before = noise_scale(X[rows], Lr).lrv
    after = noise_scale(adj, Lr).lrv
    keep = (before > 0) & (after <= GAIN_MAX * GAIN_MAX * before)
    if not keep.any():
        return Seasonal(X, final, profiles)
    out = X.copy()
    out[rows[keep]] = adj[keep]
    final[rows[keep]] = period[rows[keep]]
    for k in np.flatnonzero(keep).tolist():
        profiles[int(rows[k])] = comp[k, : int(L[rows[k]])]
    return Seasonal(out, final, profiles)
