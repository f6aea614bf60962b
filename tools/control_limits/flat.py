"""Stretches of one repeated value (a stopped meter, an idle host, a route with no traffic) as stages.

A process whose values normally vary does not repeat one value many times by
chance.  When it does — zero passengers for nine weeks, a CPU at exactly 0 for
a day — the stretch is a regime of its own, however strongly the rest of the
series wanders: under Wheeler's semantics its moving ranges are all zero, so
it needs limits of its own.  The level search judges every shift against the
series' long-run noise and can miss such a stretch on a strongly
autocorrelated series; this module proposes its two edges directly.

A run of at least ``MIN_RUN`` identical values ``[s, e)`` is proposed when

* it is **improbable by chance**: with ``p`` the share of zero moving ranges
  outside the long runs, ``n·p^(e-s-1) < CHANCE`` (counts that often repeat,
  or a quantised sensor, make ``p`` large and runs unremarkable);
* its value lies **beyond the natural process limits** of the ``e - s``
  points on each side (where there are at least 2: their mean ± 2.66 × their
  average moving range) and differs from their mean by at least
  ``MATERIALITY`` times the series' robust spread — a sensor stuck at its
  usual level, or a rare count at zero for a while, is not a new stage.

Its edges replace any candidate within ``EDGE_SNAP`` points of them (run edges
are exact) and go through the same Wheeler confirmation as every other
boundary.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits.models import E2

#: Fewest identical values that make a stretch of its own (a week of daily points).
MIN_RUN = 7
#: Largest expected number of chance runs that long (``n·p^(len-1)``).
CHANCE = 0.01
#: Candidates this close to an edge of an accepted run are replaced by the edge.
EDGE_SNAP = 3
_IQR_TO_SD = 1.3489795003921634


def _long_runs(x: np.ndarray, min_run: int) -> list[tuple[int, int]]:
    """``[s, e)`` of every run of at least ``min_run`` identical values."""
    if x.size < min_run:
        return []
    change = np.flatnonzero(x[1:] != x[:-1]) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, x.size]
    keep = (ends - starts) >= min_run
    return list(zip(starts[keep].tolist(), ends[keep].tolist(), strict=True))


def _outside(value: float, side: np.ndarray, min_shift: float) -> bool:
    """``value`` is beyond the natural process limits of ``side`` (mean ± 2.66·mR̄) and at least ``min_shift`` away."""
    centre = float(side.mean())
    mr = float(np.abs(np.diff(side)).mean())
    return abs(value - centre) >= max(E2 * mr, min_shift) and abs(value - centre) > 0


def flat_stages(X: np.ndarray, L: np.ndarray, materiality: float) -> list[list[int]]:
    """Per row the edges (sorted start indices of new stages) of the accepted runs.

    ``X`` is the left-aligned batch (first ``L[i]`` values); the spread is the
    row's ``IQR/1.349``.
    """
    n_rows, n = X.shape
    out: list[list[int]] = [[] for _ in range(n_rows)]
    if n < MIN_RUN:
        return out
    with np.errstate(invalid="ignore"):
        eq = X[:, 1:] == X[:, :-1]  # NaN padding never equals
    # rows holding MIN_RUN - 1 successive equal pairs somewhere (one vectorised pass)
    w = MIN_RUN - 1
    cum = np.zeros((n_rows, n), dtype=np.int64)
    np.cumsum(eq, axis=1, out=cum[:, 1:])
    has = ((cum[:, w:] - cum[:, :-w]) == w).any(axis=1) & (L >= MIN_RUN + 2)
    for i in np.flatnonzero(has).tolist():
        m = int(L[i])
        e = eq[i, : m - 1]
        x = X[i, :m]
        runs = _long_runs(x, MIN_RUN)
        inside = np.zeros(m - 1, dtype=bool)
        for s, t in runs:
            inside[s : t - 1] = True
        rest = e[~inside]
        p = float(rest.mean()) if rest.size else 0.0
        q75, q25 = np.percentile(x, [75.0, 25.0])
        spread = float(q75 - q25) / _IQR_TO_SD
        edges: list[int] = []
        for s, t in runs:
            if m * p ** (t - s - 1) >= CHANCE:
                continue
            size = t - s
            sides = [x[max(0, s - size) : s], x[t : t + size]]
            sides = [v for v in sides if v.size >= 2]
            if not sides or any(not _outside(float(x[s]), v, materiality * spread) for v in sides):
                continue
            edges.extend(edge for edge in (s, t) if 0 < edge < m)
        out[i] = sorted(set(edges))
    return out


def merge_edges(kept: list[list[int]], edges: list[list[int]]) -> list[list[int]]:
    """``kept`` with the run edges added: candidates within ``EDGE_SNAP`` of an edge give way to it."""
    out = []
    for ks, es in zip(kept, edges, strict=True):
        if not es:
            out.append(ks)
            continue
        rest = [c for c in ks if all(abs(c - e) > EDGE_SNAP for e in es)]
        out.append(sorted({*rest, *es}))
    return out
