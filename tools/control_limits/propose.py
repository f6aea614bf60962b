"""Candidate proposal of the stage search (binary + seeded), and the sixth pass's lower-``phi`` alternative.

Split out of :mod:`.analysis`; see its docstring (step 2) and :mod:`.ar1seg`.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits import ar1seg
from tools.control_limits.noise import NoiseScale, refit_phi, with_phi
from tools.control_limits.seeded import SeededScan, merge_short, seeded_select
from tools.control_limits.segmentation import _binseg_batch


def _propose(
    Z: np.ndarray,
    L: np.ndarray,
    pens: np.ndarray,
    min_size: int,
    max_cps: int | None,
    search: np.ndarray,
    scan: SeededScan,
    scale: np.ndarray,
    ends: np.ndarray | None = None,
) -> tuple[list[list[int]], list[list[int]]]:
    """Candidates: greedy binary segmentation, plus seeded picks for short regimes (sorted per row).

    ``scan`` is the seeded scan of the search input; ``Z`` may be that input
    rescaled per row by ``scale`` (the seeded gains are quadratic, so the scan
    is reused with the penalty divided by ``scale²``).  Rows with ``ends >= 0``
    (a removed cycle, extrapolated at the ends) get no seeded pick near an end.
    """
    raw = [sorted(c) for c in _binseg_batch(Z, L, pens, min_size, max_cps, search=search)]
    seeded = seeded_select(scan, Z.shape[0], pens / (scale * scale), max_cps, rows_mask=search)
    return raw, [sorted(c) for c in merge_short(raw, seeded, scan.min_size, ends)]


def _alternative(
    Z: np.ndarray,
    Xc: np.ndarray,
    L: np.ndarray,
    pens: np.ndarray,
    min_size: int,
    max_cps: int | None,
    scan: SeededScan,
    noise0: NoiseScale,
    raw: list[list[int]],
    rows: np.ndarray,
) -> tuple[list[list[int]], list[list[int]], NoiseScale]:
    """A self-consistent lower-``phi`` solution of ``rows`` (:mod:`.ar1seg`): ``(raw, short, noise)``.

    ``Z`` is the search input at ``noise0`` (the estimate from differences).
    From ``PHI_START``: propose, refit ``phi`` around the proposals, propose
    again at that ``phi``, until the proposals repeat.  Every distinct
    proposal set is reduced by backward elimination on the penalised AR(1)
    likelihood; the cheapest subset is returned with ``phi`` refitted around it.
    """
    nz = with_phi(noise0, np.full(L.shape[0], ar1seg.PHI_START))
    alt_raw: list[list[int]] = [[] for _ in raw]
    alt_short: list[list[int]] = [[] for _ in raw]
    tried: dict[int, list[tuple[list[int], list[int]]]] = {int(r): [] for r in np.flatnonzero(rows)}
    todo = rows.copy()
    for _ in range(ar1seg.ITERATIONS):
        if not todo.any():
            break
        ratio = np.sqrt(np.where(nz.lrv > 0, noise0.lrv / np.where(nz.lrv > 0, nz.lrv, 1.0), 1.0))
        r_, s_ = _propose(Z * ratio[:, None], L, pens, min_size, max_cps, todo, scan, ratio)
        changed = np.zeros_like(todo)
        for row in np.flatnonzero(todo).tolist():
            if r_[row] != alt_raw[row] or s_[row] != alt_short[row]:
                changed[row] = True
                tried[row].append((r_[row], s_[row]))
            alt_raw[row], alt_short[row] = r_[row], s_[row]
        refit = refit_phi(Xc, L, [r + s for r, s in zip(alt_raw, alt_short, strict=True)], noise0)
        nz = NoiseScale(noise0.sigma_d, np.where(todo, refit.phi, nz.phi), np.where(todo, refit.lrv, nz.lrv))
        todo = todo & changed
    chosen: list[list[int]] = [[] for _ in raw]
    for row, sets in tried.items():
        x = Xc[row, : int(L[row])]
        best_c = np.inf
        for r_l, s_l in sets:
            sub, c = ar1seg.best_subset(x, r_l + s_l)
            if sub and c < best_c:
                best_c = c
                alt_raw[row] = [t for t in r_l if t in sub]
                alt_short[row] = [t for t in s_l if t in sub]
                chosen[row] = sub
    refit = refit_phi(Xc, L, chosen, noise0)
    return alt_raw, alt_short, refit
