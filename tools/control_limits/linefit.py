"""Least-squares lines per stage for :mod:`.trendbreak`: prefix sums, greedy cuts, residuals, AR(1) innovations.

Pure numpy over a ``(rows, points)`` batch (NaN past each row's length ``L``).
"""

from __future__ import annotations

import numpy as np


def _prefix(A: np.ndarray) -> np.ndarray:
    out = np.zeros((A.shape[0], A.shape[1] + 1))
    np.cumsum(A, axis=1, out=out[:, 1:])
    return out


class Sums:
    """Prefix sums of ``1, t, t², y, t·y, y²`` per row (NaN past ``L`` counts as nothing)."""

    def __init__(self, Y: np.ndarray, L: np.ndarray) -> None:
        n = Y.shape[1]
        inside = np.arange(n)[None, :] < L[:, None]
        t = np.broadcast_to((np.arange(n, dtype=np.float64) - n / 2.0)[None, :], Y.shape)
        w = inside.astype(np.float64)
        y = np.where(inside, Y, 0.0)
        self.P = [_prefix(a) for a in (w, t * w, t * t * w, y, t * y, y * y)]
        self._flat = np.stack(self.P).reshape(6, -1)
        self._off = (np.arange(Y.shape[0]) * (n + 1))[:, None]

    def _at(self, idx: np.ndarray) -> np.ndarray:
        """``(6, R, m)``: the six prefix sums at per-row column indices ``idx`` ``(R, m)`` (one gather)."""
        return self._flat[:, (idx + self._off).ravel()].reshape(6, *idx.shape)

    def _sums(self, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
        """The six sums over ``[a, b)`` per row (``a``, ``b``: ``(R, m)`` indices)."""
        return list(self._at(b) - self._at(a))

    @staticmethod
    def _rss(s: list[np.ndarray]) -> np.ndarray:
        n, st, stt, sy, sty, syy = s
        with np.errstate(invalid="ignore", divide="ignore"):
            nn = np.maximum(n, 1.0)
            sxx = stt - st * st / nn
            sxy = sty - st * sy / nn
            syc = syy - sy * sy / nn
            r = syc - np.where(sxx > 1e-9, sxy * sxy / np.where(sxx > 1e-9, sxx, 1.0), 0.0)
        return np.maximum(np.where(n > 0, r, 0.0), 0.0)

    def split_gain(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``(R, n+1)``: the fall in RSS when the segment ``[a, b)`` holding each column ``c`` is cut at ``c``."""
        Pa, Pb = list(self._at(a)), list(self._at(b))
        whole = self._rss([y - x for x, y in zip(Pa, Pb, strict=True)])
        left = self._rss([P - x for x, P in zip(Pa, self.P, strict=True)])
        right = self._rss([y - P for P, y in zip(self.P, Pb, strict=True)])
        return whole - left - right

    def line(self, rows: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Slope and intercept (at the centred time origin) of the line on ``[a, b)`` (``rows=None``: ``a``,
        ``b`` are ``(R, m)`` per-row indices)."""
        if rows is None:
            n, st, stt, sy, sty, _ = self._sums(a, b)
        else:
            n, st, stt, sy, sty, _ = (P[rows, b] - P[rows, a] for P in self.P)
        with np.errstate(invalid="ignore", divide="ignore"):
            nn = np.maximum(n, 1.0)
            sxx = stt - st * st / nn
            slope = np.where(sxx > 1e-9, (sty - st * sy / nn) / np.where(sxx > 1e-9, sxx, 1.0), 0.0)
            icpt = (sy - slope * st) / nn
        return slope, icpt


def _bounds(marks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column ``c`` of ``marks`` (R, n+1; 1 at boundaries): start and end of the segment holding ``c-1, c``."""
    R, m = marks.shape
    cols = np.broadcast_to(np.arange(m)[None, :], marks.shape)
    start_at = np.where(marks > 0, cols, 0)
    a = np.maximum.accumulate(start_at, axis=1)  # last boundary <= c
    a_prev = np.concatenate([np.zeros((R, 1), dtype=a.dtype), a[:, :-1]], axis=1)  # last boundary <= c-1
    end_at = np.where(marks > 0, cols, m - 1)
    b = np.minimum.accumulate(end_at[:, ::-1], axis=1)[:, ::-1]  # first boundary >= c
    return a_prev, b


def segment(
    Y: np.ndarray, L: np.ndarray, rows: np.ndarray, fixed: list[list[int]] | None, max_breaks: int, min_seg: int,
) -> tuple[np.ndarray, np.ndarray, Sums, np.ndarray]:
    """Greedy line segmentation of ``rows``: ``(cuts, gains, sums, marks)``.

    ``cuts``/``gains`` are ``(R, max_breaks)`` (-1 / 0 when no cut fits);
    ``fixed`` boundaries (per row) are segment ends from the start.  Gains are
    in the units of ``Y`` squared.
    """
    R, n = Y.shape
    S = Sums(Y, L)
    marks = np.zeros((R, n + 1), dtype=np.int8)
    marks[:, 0] = 1
    marks[np.arange(R), L] = 1
    if fixed is not None:
        for i, f in enumerate(fixed):
            for c in f:
                if 0 < c < L[i]:
                    marks[i, c] = 1
    cuts = np.full((R, max_breaks), -1, dtype=np.int64)
    gains = np.zeros((R, max_breaks))
    cols = np.arange(n + 1)[None, :]
    live = rows.copy()
    for k in range(max_breaks):
        a, b = _bounds(marks)
        ok = (cols - a >= min_seg) & (b - cols >= min_seg) & (cols < L[:, None]) & live[:, None]
        if not ok.any():
            break
        g = S.split_gain(a, b)
        g = np.where(ok, g, -np.inf)
        best = g.argmax(axis=1)
        gb = g[np.arange(R), best]
        take = np.isfinite(gb) & live
        cuts[take, k] = best[take]
        gains[take, k] = np.maximum(gb[take], 0.0)
        marks[np.flatnonzero(take), best[take]] = 1
        live = take
    return cuts, gains, S, marks


def residuals(Y: np.ndarray, L: np.ndarray, S: Sums, marks: np.ndarray) -> np.ndarray:
    """Residuals around the line fitted to each segment of ``marks`` (NaN past ``L``)."""
    R, n = Y.shape
    cols = np.broadcast_to(np.arange(n)[None, :], (R, n))
    start = np.maximum.accumulate(np.where(marks[:, :n] > 0, cols, 0), axis=1)
    end = np.minimum.accumulate(np.where(marks[:, 1:] > 0, cols + 1, n)[:, ::-1], axis=1)[:, ::-1]
    slope, icpt = S.line(None, start, end)
    return np.where(cols < L[:, None], Y - (icpt + slope * (cols - n / 2.0)), np.nan)


def mark(R: int, n: int, L: np.ndarray, bounds: list[list[int]]) -> np.ndarray:
    mk = np.zeros((R, n + 1), dtype=np.int8)
    mk[:, 0] = 1
    mk[np.arange(R), L] = 1
    for i, f in enumerate(bounds):
        for c in f:
            if 0 < c < L[i]:
                mk[i, c] = 1
    return mk


def level_residuals(Y: np.ndarray, L: np.ndarray, S: Sums, marks: np.ndarray) -> np.ndarray:
    """Residuals around each segment's mean (NaN past ``L``)."""
    R, n = Y.shape
    cols = np.broadcast_to(np.arange(n)[None, :], (R, n))
    start = np.maximum.accumulate(np.where(marks[:, :n] > 0, cols, 0), axis=1)
    end = np.minimum.accumulate(np.where(marks[:, 1:] > 0, cols + 1, n)[:, ::-1], axis=1)[:, ::-1]
    ridx = np.arange(R)[:, None]
    cnt = S.P[0][ridx, end] - S.P[0][ridx, start]
    mean = (S.P[3][ridx, end] - S.P[3][ridx, start]) / np.maximum(cnt, 1.0)
    return np.where(cols < L[:, None], Y - mean, np.nan)


def poly_residuals(Y: np.ndarray, L: np.ndarray, deg: int) -> np.ndarray:
    """Residuals around a least-squares polynomial of degree ``deg`` in time, per row (NaN past ``L``)."""
    _r, n = Y.shape
    inside = np.arange(n)[None, :] < L[:, None]
    t = (np.arange(n)[None, :] / np.maximum(L - 1, 1)[:, None]) * 2.0 - 1.0
    B = np.stack([np.where(inside, t**p, 0.0) for p in range(deg + 1)], axis=2)
    G = np.einsum("rtp,rtq->rpq", B, B) + np.eye(deg + 1)[None] * 1e-9
    coef = np.linalg.solve(G, np.einsum("rtp,rt->rp", B, np.where(inside, Y, 0.0))[:, :, None])[:, :, 0]
    return np.where(inside, Y - np.einsum("rtp,rp->rt", B, coef), np.nan)


def jump_turn(S: Sums, j: int, a: int, c: int, b: int) -> tuple[float, float]:
    """How far the lines of ``[a, c)`` and ``[c, b)`` differ at ``c`` (jump) and over the shorter one (turn)."""
    rows = np.array([j, j])
    slope, icpt = S.line(rows, np.array([a, c]), np.array([c, b]))
    tc = c - (S.P[0].shape[1] - 1) / 2.0
    jump = abs((icpt[1] + slope[1] * tc) - (icpt[0] + slope[0] * tc))
    return float(jump), float(abs(slope[1] - slope[0]) * min(c - a, b - c))


def innovation_var(res: np.ndarray, marks: np.ndarray, phi_cap: float, winsor: float) -> tuple[np.ndarray, np.ndarray]:
    """``(variance of the AR(1) innovations, number of pairs)`` of residuals, pairs inside a segment only.

    ``phi`` by least squares, clipped to ``[0, phi_cap]``; innovations beyond ``winsor`` robust sd counted at that size.
    """
    n = res.shape[1]
    same = np.isfinite(res[:, 1:]) & (marks[:, 1:n] == 0)
    x0 = np.where(same, res[:, :-1], 0.0)
    x1 = np.where(same, res[:, 1:], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.clip((x0 * x1).sum(axis=1) / np.maximum((x0 * x0).sum(axis=1), 1e-300), 0.0, phi_cap)
        m = same.sum(axis=1)
        e = np.where(same, x1 - phi[:, None] * x0, np.nan)
        if winsor:  # a spike's two innovations count as no more than ``winsor`` robust sd each
            cap = winsor * 1.4826 * np.nanmedian(np.abs(e), axis=1)
            e = np.minimum(np.abs(e), cap[:, None])
        return np.nansum(e * e, axis=1) / np.maximum(m, 1), m


def classify(y: np.ndarray, c: int, m: int, step_price: float) -> tuple[int, bool]:
    """``(where, turned)`` for a cut at ``c`` of the stretch ``y`` between its neighbouring boundaries.

    The best single **kink** (a continuous line whose slope changes at ``τ``,
    ``m`` points from either end) against the two separate lines cut at ``c``:
    the kink explains the stretch when its residual sum of squares is within
    ``step_price`` times Schwarz's price of the separate lines' extra parameter
    (``N·ln(RSS_kink / RSS_cut) ≤ step_price·ln N``; both fits take the best of
    many positions, so chance favours the freer one) — then the trend turned,
    at ``τ``; otherwise the cut is a step, where it is.
    """
    N = int(y.size)
    t = np.arange(N, dtype=np.float64) / max(N, 1)
    taus = np.arange(m, N - m + 1)
    if taus.size == 0 or N < 2 * m + 2:
        return c, False
    B = np.stack([np.ones((taus.size, N)), np.broadcast_to(t, (taus.size, N)),
                  np.maximum(t[None, :] - t[taus][:, None], 0.0)], axis=2)
    G = np.einsum("ktp,ktq->kpq", B, B) + np.eye(3)[None] * 1e-12
    coef = np.linalg.solve(G, np.einsum("ktp,t->kp", B, y)[:, :, None])[:, :, 0]
    rss_k = ((y[None, :] - np.einsum("ktp,kp->kt", B, coef)) ** 2).sum(axis=1)
    best = int(rss_k.argmin())
    rss_c = sum(float(((seg - np.polyval(np.polyfit(ts, seg, 1), ts)) ** 2).sum())
                for ts, seg in ((t[:c], y[:c]), (t[c:], y[c:])) if seg.size >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        turned = bool(N * np.log(max(float(rss_k[best]), 1e-300) / max(rss_c, 1e-300)) <= step_price * np.log(N))
    return int(taus[best]), turned
