"""Full pipeline: stages, per-stage XmR limits and signals for one or many series.

Every step is a whole-batch array operation over a ``(series, points)`` matrix
(NaN = gap; gaps are compressed out first and every reported index refers to
the original position):

1. **Search input** (:mod:`.noise`): a strong repeated cycle taken out first
   (:mod:`.seasonal`; used through step 4, limits stay on the raw values),
   isolated outliers pulled in around a running median, the series centred and
   divided by the square root of its robust long-run noise variance (AR(1)
   from differences, or on long rows whose noise correlation dies fast an
   ARMA(1,1) fit to the robust variogram: :mod:`.lrv`).
2. **Candidates** (:mod:`.segmentation`): greedy binary segmentation with the
   L2 cost, penalty ``PENALTY_FACTOR·ln n`` (3·ln n), stages of at least
   ``min_size`` points, at most ``max_cps`` picks — exactly what ruptures'
   ``Binseg(model="l2", jump=1)`` returns on the same input — plus the picks
   of a seeded binary segmentation (:mod:`.seeded`, narrowest interval over
   the same penalty first) at least ``SHORT_STAGE`` points from those, so both
   edges of a short dip or bump get proposed.  The noise
   autocorrelation is then re-estimated on the residuals around those
   candidates (:func:`.noise.refit_phi` — level shifts no longer pose as
   autocorrelation, and the estimate is more precise than the one from
   differences); where that moves the noise scale, the search is run again.
   Rows whose noise is strongly autocorrelated also get a self-consistent
   lower-``phi`` solution (:mod:`.ar1seg`), validated like the others (step
   3) and taken where its stages explain the autocorrelation and have the
   lower penalised AR(1) likelihood.
3. **Local re-validation** (:mod:`.refine`): each candidate must show a shift
   large against the noise of the two stages it separates, fit better as a
   step than as a line, and be material at the scale of the whole series
   (``|shift| ≥ MATERIALITY · IQR/1.349``); the weakest failing one is
   dropped, repeatedly.
   On rows whose noise looks like a random walk, persistent abrupt level
   breaks found by a local level model's auxiliary residuals are added
   (:mod:`.levelbreak`).  On short rows (24–120 points) abrupt changes of
   trend are added, or replace the level boundaries where straight-line
   stages explain the row better (:mod:`.trendbreak`; such a stage has
   ``kind="trend"``).  Then the edges of every stretch of one repeated value that is improbable
   by chance and lies beyond its neighbours' natural process limits (a
   strike, an idle host, a stopped meter: :mod:`.flat`) are added — such a
   stretch is a regime of its own however much the rest of the series wanders.
4. **Wheeler confirmation** (:mod:`.rules`): a surviving boundary is kept only
   when the points after it give Wheeler evidence against the limits of the
   stage before it (beyond the limits, 3 of 4 beyond a quartile line, run of 8).
   On short rows (24–400 points) left with one stage, one lasting step is tested against AR(1) noise or a
   random walk by a likelihood ratio calibrated on shift-free rows of the same length, and confirmed the same way
   (:mod:`.shortstep`, ``SHORT_ROW_TEST``).
   With ``LEARNED_ACCEPT`` (off by default) a model fitted offline on chart-judged series re-decides the
   boundaries from a wider candidate pool before this confirmation (:mod:`.learned`).
   On rows left with one stage, abrupt and persistent changes of the
   point-to-point variation then open stages of ``kind`` "dispersion"
   (:mod:`.dispersion`), confirmed on the moving-range chart.
5. **Limits and signals** (:mod:`.xmr`, :mod:`.rules`): per-stage XmR limits
   (moving ranges never cross a boundary) on the raw values, and the three
   rules inside each stage, direction-aware through ``higher_is_better``.
   Stages of rare non-negative integer counts (mean <= ~6.6) use the larger of
   the XmR and the Poisson upper limit (:mod:`.counts`) — in step 4 as well,
   so a chance day of a rare count neither signals nor confirms a stage.

``SeriesAnalysis.candidates`` holds the binary-segmentation picks of step 2,
``SeriesAnalysis.short_candidates`` the seeded ones added.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.control_limits import ar1seg, dispersion, episode, learned, levelbreak, shortlevel, shortstep, trendbreak
from tools.control_limits.flat import flat_stages, merge_edges
from tools.control_limits.models import Limits, SeriesAnalysis, Stage, _check_method
from tools.control_limits.noise import refit_phi, search_input
from tools.control_limits.propose import _alternative, _propose
from tools.control_limits.refine import MATERIALITY, prune_candidates
from tools.control_limits.rules import (
    _confirm_batch,
    _emit_signals,
    _hib_codes,
    _rule_masks,
)
from tools.control_limits.seasonal import remove_seasonal
from tools.control_limits.seeded import SHORT_STAGE, seeded_scan
from tools.control_limits.segmentation import PENALTY_FACTOR, _compress, _row_mean_std
from tools.control_limits.xmr import _Prefix

#: Stretches of one repeated value open a stage of their own (:mod:`.flat`).
FLAT_STAGES = True
#: Strongly autocorrelated rows also get a self-consistent lower-``phi`` solution (:mod:`.ar1seg`).
AR1_ALTERNATIVE = False  # measured, not adopted by default: see docs/benchmarks.md, "Sixth pass"
#: A strong repeated cycle is removed before the search and confirmation (:mod:`.seasonal`).
SEASONAL = True
#: Random-walk-like rows also get persistent abrupt level breaks (:mod:`.levelbreak`).
LEVEL_BREAKS = True
#: Straight-line stages: abrupt changes of trend are boundaries too (:mod:`.trendbreak`).
TREND_BREAKS = True
#: Rows where no boundary survives re-judge their candidates as a step on a local line (:mod:`.shortlevel`).
SHORT_LEVELS = True
#: Abrupt, persistent changes of dispersion open a stage of ``kind`` "dispersion" (:mod:`.dispersion`).
DISPERSION_BREAKS = False  # measured, not adopted by default: see docs/benchmarks.md, "Ninth pass (C)"
#: The passes that class rows by their noise (:mod:`.levelbreak`, :mod:`.shortlevel`) read phi from differences
#: (what they were calibrated on) rather than the ARMA(1,1) equivalent (``noise.ARMA_LRV``).
CLASS_BY_DIFF_PHI = True
#: Boundaries re-decided by a model fitted offline on chart-judged series (:mod:`.learned`).
LEARNED_ACCEPT = False  # measured on batch 7, not yet adopted: see docs/benchmarks.md, "Tenth pass (B)" and "Batch 7"
#: Short rows left with one stage: one lasting step against AR(1) / a random walk (:mod:`.shortstep`).
SHORT_ROW_TEST = True
#: Short rows still silent: two steps — an episode that rises and falls back, or a staircase (:mod:`.episode`).
SHORT_EPISODES = False

# --------------------------------------------------------------------------- #
# Full pipeline
# --------------------------------------------------------------------------- #


def _analyze_batch(
    M: np.ndarray,
    *,
    higher_is_better: Any,
    method: str,
    penalty: float | None,
    min_size: int,
    max_cps: int | None,
    with_signals: bool = True,
    trend_breaks: bool | None = None,
) -> list[SeriesAnalysis]:
    _check_method(method)
    if min_size < 1:
        raise ValueError("min_size must be >= 1")
    if max_cps is not None and max_cps < 0:
        raise ValueError("max_cps must be >= 0 or None")
    n_rows, n = M.shape
    hib, hib_vals = _hib_codes(higher_is_better, n_rows)
    if n_rows == 0:
        return []
    X, pos, L = _compress(M)
    mu, _sd = _row_mean_std(X, L)
    # a strong cycle out first (rows without one: Xs is X); the limits stay on X
    seas = remove_seasonal(X, L, pos) if SEASONAL else None
    Xs = X if seas is None else seas.X
    # search on the outlier-clipped series in units of its robust long-run noise
    Z, Xc, noise = search_input(Xs, L)
    noise0 = noise
    phi_cls = noise0.phi if noise0.phi_diff is None or not CLASS_BY_DIFF_PHI else noise0.phi_diff
    searchable = (L >= 2) & np.isfinite(noise.lrv) & (noise.lrv > 0)
    pens = (
        np.full(n_rows, float(penalty))
        if penalty is not None
        else PENALTY_FACTOR * np.log(np.maximum(L, 2).astype(np.float64))
    )
    scan = seeded_scan(Z, L, min(SHORT_STAGE, min_size), searchable)
    ends = None if seas is None else np.where(seas.period > 0, L, -1)
    raw, short = _propose(Z, L, pens, min_size, max_cps, searchable, scan, np.ones(n_rows), ends)
    # the noise autocorrelation again, on the residuals around those candidates
    # (more precise than from differences); search again where it moved the scale
    noise2 = refit_phi(Xc, L, [r + s for r, s in zip(raw, short, strict=True)], noise)
    ratio = np.sqrt(np.where(noise2.lrv > 0, noise.lrv / np.where(noise2.lrv > 0, noise2.lrv, 1.0), 1.0))
    again = searchable & (np.abs(ratio - 1.0) > 1e-3)
    if again.any():
        Z2 = Z * ratio[:, None]
        redo, redo_short = _propose(Z2, L, pens, min_size, max_cps, again, scan, ratio, ends)
        for row in np.flatnonzero(again).tolist():
            raw[row], short[row] = redo[row], redo_short[row]
    noise = noise2
    floor = None if seas is None else seas.min_shift
    kept = prune_candidates(Xc, L, [sorted(r + s) for r, s in zip(raw, short, strict=True)], noise, pens, floor)
    if AR1_ALTERNATIVE:
        rows = searchable & (noise.phi >= ar1seg.PHI_ALT_MIN)
        if rows.any():
            a_raw, a_short, a_noise = _alternative(Z, Xc, L, pens, min_size, max_cps, scan, noise0, raw, rows)
            a_kept = prune_candidates(Xc, L, [sorted(r + s) for r, s in zip(a_raw, a_short, strict=True)], a_noise, pens)
            win = rows & (a_noise.phi <= ar1seg.PHI_ALT_MAX) & ar1seg.cheaper(Xc, L, a_kept, kept)
            for row in np.flatnonzero(win).tolist():
                raw[row], short[row], kept[row] = a_raw[row], a_short[row], a_kept[row]
    if LEVEL_BREAKS:
        kept = levelbreak.add_breaks(Xs, L, phi_cls, searchable, kept, min_size, floor)
    trend: list[set[int]] = [set() for _ in range(n_rows)]
    if TREND_BREAKS if trend_breaks is None else trend_breaks:
        plain = searchable if seas is None else searchable & (seas.period == 0)  # a cycle is no line
        kept, trend = trendbreak.add_breaks(Xc, L, plain, kept, min_size, raw=X)
    if SHORT_LEVELS:
        plain = searchable if seas is None else searchable & (seas.period <= 0)
        kept = shortlevel.add_levels(Xc, L, kept, [sorted(r + s) for r, s in zip(raw, short, strict=True)], plain, phi_cls)
    if FLAT_STAGES:
        kept = merge_edges(kept, flat_stages(X, L, MATERIALITY))
    prefix = _Prefix(X, L, mu)
    prefix_s = prefix if Xs is X else _Prefix(Xs, L, mu)
    confirmed = _confirm_batch(prefix_s, L, kept, method)
    if SHORT_ROW_TEST:
        plain = searchable if seas is None else searchable & (seas.period <= 0)
        confirmed, _ = shortstep.add_steps(Xc, L, confirmed, plain, lambda cs: _confirm_batch(prefix_s, L, cs, method))
    if SHORT_EPISODES:
        plain = searchable if seas is None else searchable & (seas.period <= 0)
        confirmed, _ = episode.add_episodes(Xc, L, confirmed, plain, lambda cs: _confirm_batch(prefix_s, L, cs, method))
    if LEARNED_ACCEPT:
        sources = [raw, short, kept, [[c for c, _, _ in cf] for cf in confirmed]]
        plain = searchable if seas is None else searchable & (seas.period <= 0)  # a cycle's rows: as before
        confirmed = learned.accept(
            X, Xc, L, plain, noise0.sigma_d, noise.lrv, noise0.phi, sources, trend,
            lambda cs: _confirm_batch(prefix_s, L, cs, method), confirmed,
        )
    disp: list[set[int]] = [set() for _ in range(n_rows)]
    if DISPERSION_BREAKS:
        confirmed, disp = dispersion.add_breaks(Xs, L, confirmed, searchable, X, None if seas is None else seas.period)

    # ---- final stages: limits of every (row, stage) in one vectorised pass
    st_rows: list[int] = []
    st_a: list[int] = []
    st_b: list[int] = []
    for i in range(n_rows):
        bounds = [0, *(c for c, _, _ in confirmed[i]), int(L[i])]
        for a, b in itertools.pairwise(bounds):
            st_rows.append(i)
            st_a.append(a)
            st_b.append(b)
    rows_arr = np.asarray(st_rows, dtype=np.int64)
    a_arr = np.asarray(st_a, dtype=np.int64)
    b_arr = np.asarray(st_b, dtype=np.int64)
    lim = prefix.limits(rows_arr, a_arr, b_arr, method)
    lim_lists = {k: np.asarray(v).tolist() for k, v in lim.items()}

    n_st = np.bincount(rows_arr, minlength=n_rows)
    first = np.concatenate([[0], np.cumsum(n_st)[:-1]])
    max_st = int(n_st.max()) if n_rows else 1

    results: list[SeriesAnalysis] = []
    stage_lists: list[list[Stage]] = []
    for i in range(n_rows):
        stages: list[Stage] = []
        conf = confirmed[i]
        f = int(first[i])
        for j in range(int(n_st[i])):
            k = f + j
            lims = Limits(
                lim_lists["cl"][k], lim_lists["ucl"][k], lim_lists["lcl"][k],
                lim_lists["url"][k], lim_lists["mr_bar"][k], lim_lists["sigma"][k],
                lim_lists["q_upper"][k], lim_lists["q_lower"][k], method,
                bool(lim_lists["count_limit"][k]),
            )
            start = 0 if j == 0 else int(pos[i, conf[j - 1][0]])
            end = n - 1 if j == n_st[i] - 1 else int(pos[i, conf[j][0]]) - 1
            stages.append(
                Stage(
                    phase_number=j + 1,
                    start=start,
                    end=end,
                    limits=lims,
                    n=st_b[k] - st_a[k],
                    confirmed_by=None if j == 0 else conf[j - 1][1],
                    evidence_start=None if j == 0 else int(pos[i, conf[j - 1][2]]),
                    kind=None if j == 0 else (
                        "dispersion" if conf[j - 1][0] in disp[i] else "trend" if conf[j - 1][0] in trend[i] else "level"
                    ),
                )
            )
        stage_lists.append(stages)

    if with_signals:
        # per-point stage id and limits on the compressed grid
        marks = np.zeros((n_rows, n + 1), dtype=np.int64)
        for i in range(n_rows):
            for c, _, _ in confirmed[i]:
                marks[i, c] = 1
        cols = np.arange(n)
        grp = np.cumsum(marks[:, :n], axis=1)
        grp[cols[None, :] >= L[:, None]] = -1
        table_idx = first[:, None] + np.clip(grp, 0, max_st - 1)
        table_idx = np.minimum(table_idx, rows_arr.size - 1)
        pl = {k: lim[k][table_idx] for k in ("cl", "ucl", "lcl", "q_upper", "q_lower")}
        mk = _rule_masks(X, grp, pl["cl"], pl["ucl"], pl["lcl"], pl["q_upper"], pl["q_lower"])
        signals = _emit_signals(X, pos, grp, mk, hib)
    else:
        signals = [[] for _ in range(n_rows)]

    for i in range(n_rows):
        results.append(
            SeriesAnalysis(
                values=M[i],
                stages=stage_lists[i],
                signals=signals[i],
                candidates=[int(pos[i, c]) for c in raw[i]],
                short_candidates=[int(pos[i, c]) for c in short[i]],
                higher_is_better=hib_vals[i],
                method=method,
                penalty=float(pens[i]),
                seasonal_period=0 if seas is None else int(seas.period[i]),
            )
        )
    return results


def _as_matrix(matrix: Any) -> np.ndarray:
    M = np.array(matrix, dtype=np.float64)  # private copy: results keep row views of it
    if M.ndim == 1:
        M = M[None, :]
    if M.ndim != 2:
        raise ValueError("values must be a 1-D series or a 2-D (n_series, n_points) array")
    return M


def analyze_many(
    matrix: np.ndarray | Sequence[Sequence[float]],
    *,
    higher_is_better: bool | Sequence[bool | None] | None = None,
    method: str = "mean",
    penalty: float | None = None,
    min_size: int = 8,
    max_cps: int | None = 5,
    trend_breaks: bool | None = None,
) -> list[SeriesAnalysis]:
    """Analyse every row of ``matrix`` (n_series, n_points; NaN = gap) at once.

    Stage detection, XmR limits and signals are computed with whole-batch
    array operations.  ``higher_is_better`` is a scalar or one value per row;
    ``penalty=None`` uses ``3·ln(n)`` with ``n`` the row's non-missing count
    (on the series measured in its robust long-run noise, see :mod:`.noise`).
    Row ``i`` of the result equals ``analyze_series(matrix[i], ...)``.
    ``trend_breaks`` overrides :data:`TREND_BREAKS` for this call (``False``: stages are levels only — an onset
    search wants the jump, not the turn before it).
    """
    M = _as_matrix(matrix)
    return _analyze_batch(
        M,
        higher_is_better=higher_is_better,
        method=method,
        penalty=penalty,
        min_size=min_size,
        max_cps=max_cps,
        trend_breaks=trend_breaks,
    )


def analyze_series(
    values: Sequence[float] | np.ndarray,
    *,
    higher_is_better: bool | None = None,
    method: str = "mean",
    penalty: float | None = None,
    min_size: int = 8,
    max_cps: int | None = 5,
    trend_breaks: bool | None = None,
) -> SeriesAnalysis:
    """Stages, per-stage XmR limits and signals of one series (NaN = gap); ``trend_breaks`` as in :func:`analyze_many`."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("values must be 1-D")
    return analyze_many(
        x[None, :],
        higher_is_better=higher_is_better,
        method=method,
        penalty=penalty,
        min_size=min_size,
        max_cps=max_cps,
        trend_breaks=trend_breaks,
    )[0]


def detect_stages(
    values: Sequence[float] | np.ndarray,
    *,
    penalty: float | None = None,
    min_size: int = 8,
    max_cps: int | None = 5,
    method: str = "mean",
) -> tuple[list[Stage], list[int]]:
    """Detect stages of one series.

    Returns ``(stages, candidates)``: the confirmed stages with their limits,
    and the raw change points of the search (original indices) before
    Wheeler confirmation.  ``penalty=None`` means ``3·ln(n)`` (``n`` =
    non-missing values).
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("values must be 1-D")
    res = _analyze_batch(
        x[None, :],
        higher_is_better=None,
        method=method,
        penalty=penalty,
        min_size=min_size,
        max_cps=max_cps,
        with_signals=False,
    )[0]
    return res.stages, res.candidates

