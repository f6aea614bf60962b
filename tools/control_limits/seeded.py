"""Seeded binary segmentation (Kovács, Li, Bühlmann & Munk 2020), vectorised over a batch.

Greedy binary segmentation splits the whole series first and only then its
parts, so a short temporary regime (a dip or bump of a few points inside a
long stable stretch) is often never proposed: neither of its edges is the best
single split of the segment around it.  Seeded binary segmentation instead
scans a fixed, deterministic set of intervals at geometric scales — at scale
``k`` intervals of length ``l_k = n·DECAY^(k-1)``, ``2⌈n/l_k⌉ − 1`` of them,
evenly shifted so that neighbours overlap by half — and computes the best L2
split (CUSUM maximum) inside each.  Short intervals isolate one edge of a
short regime, so both edges get proposed.

Selection is *narrowest over threshold* (Baranowski, Chen & Fryzlewicz 2019,
as used with seeded intervals in the paper): among the intervals whose best
split gains more than the penalty, the **shortest** is taken, its split becomes
a change point, every interval containing it is discarded, and so on, at most
``max_cps`` times — a short interval around one edge of a dip wins over a long
one spanning both.  Picks are at least ``min_size`` (``SHORT_STAGE`` in the
pipeline) apart, but inside an interval a split only needs ``INNER`` points on
each side, so the second edge of a short dip can still be isolated once the
intervals holding the first are gone (outliers are already clipped in the
search input).  An interval whose best split lies at the edge of the positions
it admits is not used unless that end is the series' end: the interval's
length, not the data, placed such a split.  The gains are on the same search
input (series in robust long-run noise units) and compared with the same
penalty as the binary segmentation.  (The paper's greedy selection — largest
gain first — was measured too and is worse on the dev sets, see
docs/benchmarks.md.)

In the pipeline (:mod:`.analysis`) these proposals *augment* the greedy binary
segmentation (whose picks stay exactly ruptures'): a seeded pick at least
``SHORT_STAGE`` points from every binary-segmentation pick is added, and all
of them then go through the same re-validation and Wheeler confirmation.

All series of one length are scanned together: per scale one
``(rows, intervals, positions)`` array of gains from prefix sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Ratio of successive interval lengths (the paper's ``a``, in [1/2, 1); cost ~ n·log n / log(1/a)).
DECAY = 0.5
#: Shortest temporary regime the seeded search proposes (a week of daily points).
SHORT_STAGE = 7
#: Fewest points on each side of a split inside a seeded interval.
INNER = 2
#: Gain cells computed at once (rows × positions of one scale), ~16 MB of float32.
_CELLS = 4_000_000


def seeded_intervals(n: int, min_len: int, decay: float | None = None) -> list[tuple[np.ndarray, int]]:
    """Seeded intervals of ``[0, n)``, per scale ``(starts, length)``, longest scale first (``decay``: ``DECAY``)."""
    decay = DECAY if decay is None else decay
    out: list[tuple[np.ndarray, int]] = []
    k = 0
    seen: set[int] = set()
    while True:
        length = math.ceil(n * decay**k)
        if length < min_len:
            break
        k += 1
        if length in seen:
            continue
        seen.add(length)
        count = 2 * math.ceil(n / length) - 1
        if count == 1 or length >= n:
            starts = np.array([0], dtype=np.int64)
            length = n
        else:
            starts = np.unique(np.floor(np.arange(count) * (n - length) / (count - 1)).astype(np.int64))
        out.append((starts, length))
    return out


def _argmax_last(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(argmax, max)`` over the last axis (ties: first); a loop over a short axis beats ``argmax``'s per-row overhead."""
    w = g.shape[-1]
    if w > 16:
        best = g.argmax(axis=-1)
        return best, np.take_along_axis(g, best[..., None], axis=-1)[..., 0]
    top = g[..., 0].copy()
    best = np.zeros(top.shape, dtype=np.int64)
    for k in range(1, w):
        col = g[..., k]
        up = col > top
        best[up] = k
        np.maximum(top, col, out=top)
    return best, top


def _scan_group(Z: np.ndarray, n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Best split of every seeded interval for rows of one length ``n``.

    Returns ``(gain, where, start, end)``: ``gain``/``where`` (rows, I), ``start``/``end`` (I,).
    """
    rows = Z.shape[0]
    # float32 halves the memory traffic; the gains only rank splits and meet a penalty of ~10-20
    P = np.zeros((rows, n + 1), dtype=np.float32)
    np.cumsum(Z[:, :n], axis=1, out=P[:, 1:], dtype=np.float32)
    gains, wheres, s_all, e_all = [], [], [], []
    for starts, length in seeded_intervals(n, 2 * m):
        w = length - 2 * m + 1
        s = starts
        e = starts + length
        left = (m + np.arange(w)).astype(np.float32)  # points left of each split
        frac = left / length
        coef = length / (left * (length - left))
        # CUSUM form of the L2 split gain: (sum_left - frac·sum_all)² · l / (left·right)
        Ps = P[:, s][:, :, None]
        S = P[:, e][:, :, None] - Ps
        g = P[:, s[:, None] + m + np.arange(w)[None, :]]
        g -= Ps
        g -= frac * S
        g *= g
        g *= coef
        best, top = _argmax_last(g)
        # a best split at the edge of the admissible range only says "the change
        # is somewhere out there": the interval's length, not the data, placed it
        edge = ((best == 0) & (s > 0)[None, :]) | ((best == w - 1) & (e < n)[None, :])
        gains.append(np.where(edge, -np.inf, top))
        wheres.append(s[None, :] + m + best)
        s_all.append(s)
        e_all.append(e)
    if not gains:
        z = np.zeros((rows, 0))
        return z, z.astype(np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (
        np.concatenate(gains, axis=1),
        np.concatenate(wheres, axis=1),
        np.concatenate(s_all),
        np.concatenate(e_all),
    )


def merge_short(
    raw: list[list[int]], short: list[list[int]], gap: int, lengths: np.ndarray | None = None
) -> list[list[int]]:
    """Per row, the seeded picks at least ``gap`` points from every pick in ``raw`` (and each other).

    With ``lengths``, also at least ``gap`` points from both ends of each row whose length is given
    (``>= 0``; ``-1``: no condition).
    """
    out: list[list[int]] = []
    for i, (base, extra) in enumerate(zip(raw, short, strict=True)):
        kept: list[int] = []
        ends = () if lengths is None or lengths[i] < 0 else (0, int(lengths[i]))
        for c in extra:
            if all(abs(c - x) >= gap for x in (*base, *kept, *ends)):
                kept.append(c)
        out.append(kept)
    return out


@dataclass(frozen=True, slots=True)
class SeededScan:
    """The best split of every seeded interval, per group of equal-length rows.

    Gains are quadratic in the series, so a rescaled series needs no new scan:
    select with the penalty divided by the square of the scale factor.
    """

    groups: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]  # rows, gain, where, s, e
    min_size: int


def seeded_scan(Z: np.ndarray, L: np.ndarray, min_size: int, search: np.ndarray | None = None) -> SeededScan:
    """Scan the seeded intervals of every row (rows of ``L < 2·min_size`` or not in ``search`` are skipped)."""
    m = max(int(min_size), 1)
    ok = L >= 2 * m
    if search is not None:
        ok &= search
    groups = []
    for n in np.unique(L[ok]).tolist():
        same = np.flatnonzero(ok & (L == n))
        # a scale's gains take ~2n cells per row: bound the working set on long series
        step = max(1, _CELLS // (2 * int(n) + 1))
        for lo in range(0, same.size, step):
            rows = same[lo : lo + step]
            gain, where, s, e = _scan_group(Z[rows], int(n), min(INNER, m))
            if gain.shape[1] == 0:
                continue
            # intervals narrowest first (left to right within a scale): the first
            # live interval of a row is then the narrowest over the penalty
            order = np.lexsort((s, e - s))
            groups.append((rows, gain[:, order], where[:, order], s[order], e[order]))
    return SeededScan(groups, m)


def seeded_select(
    scan: SeededScan, n_rows: int, pen: np.ndarray, max_cps: int | None, rows_mask: np.ndarray | None = None
) -> list[list[int]]:
    """Narrowest-over-threshold selection on a scan: change points per row, in selection order.

    ``pen`` per row; ``rows_mask`` restricts the rows selected for.  No two
    picks are closer than the scan's ``min_size``.
    """
    m = scan.min_size
    cps: list[list[int]] = [[] for _ in range(n_rows)]
    cap = max_cps if max_cps is not None else max((g[1].shape[1] for g in scan.groups), default=0)
    for rows, gain, where, s, e in scan.groups:
        live = gain > pen[rows, None]
        if rows_mask is not None:
            live &= rows_mask[rows, None]
        act = np.flatnonzero(live.any(axis=1))
        for _ in range(cap):
            if act.size == 0:
                break
            lv = live[act]
            j = lv.argmax(axis=1)
            t = where[act, j]
            for r, c in zip(rows[act].tolist(), t.tolist(), strict=True):
                cps[r].append(int(c))
            # discard every interval holding the new change point (and any split too close to it)
            lv &= ~((s[None, :] < t[:, None]) & (t[:, None] < e[None, :]))
            lv &= np.abs(where[act] - t[:, None]) >= m
            live[act] = lv
            act = act[lv.any(axis=1)]
    return cps


def seeded_batch(
    Z: np.ndarray,
    L: np.ndarray,
    pen: np.ndarray,
    min_size: int,
    max_cps: int | None,
    search: np.ndarray | None = None,
) -> list[list[int]]:
    """Seeded binary segmentation (narrowest over threshold) for many left-aligned series.

    Same arguments and result as :func:`.segmentation._binseg_batch` (change
    points in selection order; no two closer than ``min_size``).
    """
    return seeded_select(seeded_scan(Z, L, min_size, search), Z.shape[0], pen, max_cps)
