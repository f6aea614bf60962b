"""Abrupt, persistent changes of dispersion as stage boundaries (``kind = "dispersion"``).

Under Wheeler's semantics a stage has its own natural process limits, and
those come from its average moving range: a stretch whose point-to-point
variation doubles or halves (a process that became unstable, a noisier
sensor, an idle host that gets busy, a calm market that turns volatile)
needs limits of its own even where the centre line did not move.  The level
search does not see that; this pass, run after Wheeler confirmation of the
level stages, does:

* **statistic** — inside each confirmed stage (a moving range never crosses a
  boundary), ``u = ln max(mR, FLOOR·median mR)`` of the (de-seasonalised)
  series; a change of the noise sd by a factor ``r`` shifts the mean of ``u``
  by ``ln r`` whatever the scale, and the log tames single spikes.  The
  largest two-sample t statistic of ``u`` over the splits with at least
  ``MIN_RANGES`` ranges per side, in the pooled sd around that split and
  widened by the lag-1 autocorrelation of ``u`` around it (successive ranges
  share a point);
* **threshold with the multiplicity in it** — the ``1 - ALPHA`` quantile of
  that largest statistic over shift-free nulls of the same length
  (:func:`calibrate`: Gaussian and Student-t(3) noise, AR(1) up to φ = 0.95,
  Gaussian and t(3) random walks, Poisson counts; the largest quantile of the families per
  length, interpolated in ``ln n``);
* **a person sees it** — the median moving range changes by at least
  ``MIN_RATIO`` (either way); on a row of non-negative values a change that a
  level change of the same direction explains (the spread of a count or of a
  multiplicative process follows its level) does not count: the ratio divided
  by the ratio of the medians must still reach ``MIN_RATIO``;
* **persistence** — each half of each side keeps at least ``√MIN_RATIO`` of
  the change against the other side (a burst of spikes is not a regime);
* **Wheeler confirmation on the moving-range chart** — after a rise, a moving
  range of the new stage above the upper range limit of the stage before
  (``D4·mR̄``); after a fall, ``RUN_LENGTH`` successive moving ranges below the
  average moving range of the stage before;
* binary segmentation inside each stage, at most ``MAX_BREAKS`` per row; the
  whole-row statistic is a vectorised screen (rows far below the threshold
  are not searched), so the batch cost stays one array pass.
"""

from __future__ import annotations

import itertools

import numpy as np

from tools.control_limits.models import D4, RUN_LENGTH

#: Smallest change of the median moving range (either way) that opens a stage.
MIN_RATIO = 2.5
#: On a row of positive values the ranges relative to the local level must change as much too.
RELATIVE = True
#: Also searched inside the level stages of a row that has some (False: only rows with one stage).
INSIDE_STAGES = False  # measured: inside stages one gain, two losses (docs/benchmarks.md, "Ninth pass (C)")
#: Moving ranges on each side of a dispersion break (at least).
MIN_RANGES = 16
#: False-break rate per shift-free series the threshold is calibrated to.
ALPHA = 0.002
#: At most this many dispersion breaks per row.
MAX_BREAKS = 3
#: On a row whose cycle was removed a step must also beat a line in the log ranges of the raw values (cycle included).
SEASONAL_LINE = True
#: How much better (in residual variances × ln n) a step in the log ranges must fit than a line.
LINE_MARGIN = 1.0
#: The line test on the ranges relative to the level (positive rows) instead of the raw ranges.
LINE_RELATIVE = False  # measured: loses a marked price drop of spread (docs)
#: Moving ranges are floored at this share of the row's median moving range before the log.
FLOOR = 0.05
#: Rows whose whole-row statistic is below this share of the threshold are not searched.
SCREEN = 0.7
#: Ranges are capped at this many times the busier side's median when the break is placed.
CAP = 5.0
#: Confirmation of a rise must come within this many ranges of the break (a fall: the run must start there).
EVIDENCE_WINDOW = 30
#: Rule names of the moving-range chart's confirmation (``Stage.confirmed_by``).
RULE_RANGE = "range_above_limit"
RULE_SMALL = "run_of_small_ranges"

#: The calibrated quantile is raised by this factor: 1.0 put a chance calm stretch as a stage on 2 of 2,000
#: shift-free AR(1) series; 1.1 none; 1.25 (chosen) also halves the stages on stochastic-volatility series
#: and is the largest that keeps every chart-judged gain (docs/benchmarks.md, "Ninth pass (C)").
MARGIN = 1.25
#: Lengths (in moving ranges) the threshold is calibrated on (geometric), interpolated in ``ln n``.
_CAL_LENGTHS = (24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
#: Regenerate with ``calibrate(ALPHA)`` when the statistic changes.
THRESHOLDS = np.array(
    [4.526, 4.604, 4.604, 4.54, 4.471, 4.458, 4.434, 4.458, 4.379, 4.381, 4.381, 4.381, 4.374, 4.374]
)


def threshold(n: np.ndarray | int) -> np.ndarray:
    """Threshold on the largest statistic of ``n`` moving ranges (interpolated in ``ln n``)."""
    grid = np.log(np.asarray(_CAL_LENGTHS, dtype=np.float64))
    return MARGIN * np.interp(np.log(np.maximum(np.asarray(n, dtype=np.float64), 2.0)), grid, THRESHOLDS)


def log_ranges(R: np.ndarray, Lr: np.ndarray) -> np.ndarray:
    """``ln`` of the moving ranges (left-aligned, NaN after ``Lr``), floored at ``FLOOR`` × the row's median."""
    inside = np.arange(R.shape[1])[None, :] < Lr[:, None]
    med = np.zeros(R.shape[0])
    if R.shape[1]:  # the median of each row's first Lr values (one sort; NaN beyond sorts last as inf)
        srt = np.sort(np.where(inside, R, np.inf), axis=1)
        lo, hi = np.maximum(Lr - 1, 0) // 2, np.maximum(Lr, 1) // 2
        rows = np.arange(R.shape[0])
        med = np.where(Lr > 0, 0.5 * (srt[rows, np.minimum(lo, R.shape[1] - 1)] + srt[rows, np.minimum(hi, R.shape[1] - 1)]), np.nan)
    pos = np.where(inside & (R > 0), R, np.inf).min(axis=1) if R.shape[1] else np.ones(R.shape[0])
    base = np.where(np.isfinite(med) & (med > 0), med, np.where(np.isfinite(pos), pos, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        U = np.log(np.maximum(np.where(inside, R, 1.0), FLOOR * base[:, None]))
    return np.where(inside, U, np.nan)


def scan(
    U: np.ndarray, Lu: np.ndarray, m: int = MIN_RANGES, floor: np.ndarray | float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per row ``(stat, t)``: the largest widened two-sample t statistic of ``U`` and its split.

    ``t`` is the number of values on the left (the first value of the new
    regime is ``U[:, t]``); rows shorter than ``2m`` get ``(0, -1)``.  Rows
    whose unwidened statistic is at most ``floor`` get it unwidened (the
    widening only lowers it; a screen need not pay for it).
    """
    n_rows, n = U.shape
    out_s, out_t = np.zeros(n_rows), np.full(n_rows, -1, dtype=np.int64)
    if n < 2 * m or n_rows == 0:
        return out_s, out_t
    cols = np.arange(n)
    inside = cols[None, :] < Lu[:, None]
    x = np.where(inside, U, 0.0)
    cs = np.cumsum(x, axis=1)
    cs2 = np.cumsum(x * x, axis=1)
    nn = np.maximum(Lu, 1).astype(np.float64)[:, None]
    S, S2 = cs[np.arange(n_rows), np.maximum(Lu - 1, 0)][:, None], cs2[np.arange(n_rows), np.maximum(Lu - 1, 0)][:, None]
    t = (cols + 1).astype(np.float64)[None, :]  # values on the left
    with np.errstate(divide="ignore", invalid="ignore"):
        m1 = cs / t
        m2 = (S - cs) / (nn - t)
        within = (S2 - t * m1 * m1 - (nn - t) * m2 * m2) / np.maximum(nn - 2.0, 1.0)
        T = np.sqrt(t * (nn - t) / nn) * np.abs(m1 - m2) / np.sqrt(np.maximum(within, 1e-12))
    ok = (t >= m) & (t <= nn - m) & (Lu[:, None] >= 2 * m)
    T = np.where(ok & np.isfinite(T), T, -1.0)
    best = T.argmax(axis=1)
    stat = T[np.arange(n_rows), best]
    tl = best + 1
    # lag-1 autocorrelation of U around that split (pairs across it left out), on the rows above the floor
    w = np.flatnonzero(stat > floor)
    rho = np.zeros(n_rows)
    if w.size:
        left = cols[None, :] < tl[w, None]
        mu = np.where(left, m1[w, best[w]][:, None], m2[w, best[w]][:, None])
        r = np.where(inside[w], x[w] - mu, 0.0)
        pair = inside[w, 1:] & (left[:, 1:] == left[:, :-1])
        den = (r * r).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            rw = np.where(pair, r[:, 1:] * r[:, :-1], 0.0).sum(axis=1) / den
        rho[w] = np.clip(np.where(np.isfinite(rw), rw, 0.0), 0.0, 0.8)
    stat = np.where(stat > 0, stat / np.sqrt((1.0 + rho) / (1.0 - rho)), 0.0)
    return np.where(stat > 0, stat, out_s), np.where(stat > 0, tl, out_t)


def _ranges(X: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moving ranges of the left-aligned rows (``R[:, j] = |x[j+1] - x[j]|``) and their count."""
    n = X.shape[1]
    if n < 2:
        return np.zeros((X.shape[0], 0)), np.zeros(X.shape[0], dtype=np.int64)
    with np.errstate(invalid="ignore"):
        R = np.abs(np.diff(X, axis=1))
    Lr = np.maximum(L - 1, 0).astype(np.int64)
    return np.where(np.arange(n - 1)[None, :] < Lr[:, None], R, np.nan), Lr


def _spread(r: np.ndarray) -> float:
    """Median moving range, or the mean where most ranges are 0 (rare counts, quantised values)."""
    med = float(np.median(r))
    return med if med > 0 else float(np.mean(r))


def _accept(r: np.ndarray, x: np.ndarray, t: int, nonneg: bool, raw_x: np.ndarray | None = None) -> float:
    """The sd ratio of a split of ranges ``r`` at ``t`` if it is material and persistent, else 0.

    ``raw_x`` (rows whose cycle was removed: the values with it) must show the
    step in its own log ranges too (what is left of a steadily growing cycle
    after its removal grows with it).
    """
    a, b = r[:t], r[t:]
    ma, mb = _spread(a), _spread(b)
    if ma <= 0 or mb <= 0:  # a stretch of one repeated value is :mod:`.flat`'s
        return 0.0
    ratio = mb / ma
    up = ratio > 1.0
    if abs(np.log(ratio)) < np.log(MIN_RATIO):
        return 0.0
    if nonneg and RELATIVE:  # the spread following the level is not a change of dispersion
        if float(np.min(x)) > 0:  # ranges relative to the local level
            rel = r / (0.5 * (x[1:] + x[:-1]))
            rr = _spread(rel[t:]) / max(_spread(rel[:t]), 1e-300)
        else:  # counts with zeros: against the ratio of the means
            la, lb = float(np.mean(x[: t + 1])), float(np.mean(x[t + 1 :]))
            if la <= 0 or lb <= 0:
                return 0.0
            rr = ratio / (lb / la) if (lb > la) == up else ratio
        if (rr > 1.0) != up or abs(np.log(rr)) < np.log(MIN_RATIO):
            return 0.0
    if raw_x is not None and not _step_beats_line(np.abs(np.diff(raw_x)), raw_x, t):
        return 0.0
    if not _step_beats_line(r, x, t):
        return 0.0
    half = np.sqrt(MIN_RATIO)
    calm, busy = (a, b) if up else (b, a)
    m_calm, m_busy = min(ma, mb), max(ma, mb)
    for part in (busy[: len(busy) // 2], busy[len(busy) // 2 :]):
        if _spread(part) < m_calm * half:
            return 0.0
    for part in (calm[: len(calm) // 2], calm[len(calm) // 2 :]):
        if _spread(part) * half > m_busy:
            return 0.0
    return ratio


def _step_beats_line(r: np.ndarray, x: np.ndarray, t: int) -> bool:
    """A step in the log ranges (relative to the level on a positive row) explains them better than a line.

    By ``LINE_MARGIN`` × their residual variance × ``ln n``: a spread that grows
    steadily (a multiplicative season on a growing level) is no stage.
    """
    rr = r / (0.5 * (x[1:] + x[:-1])) if LINE_RELATIVE and float(np.min(x)) > 0 else r
    u = log_ranges(rr[None, :], np.array([len(rr)]))[0]
    n = len(u)
    step = np.where(np.arange(n) < t, u[:t].mean(), u[t:].mean())
    sse_step = float(((u - step) ** 2).sum())
    k = np.arange(n, dtype=np.float64)
    coef = np.polyfit(k, u, 1)
    sse_line = float(((u - np.polyval(coef, k)) ** 2).sum())
    return sse_line - sse_step > LINE_MARGIN * sse_step / max(n - 2, 1) * np.log(n)


def _locate(r: np.ndarray, t: int) -> int:
    """The split near ``t`` (within ``MIN_RANGES // 2``) of the best Gaussian variance-change likelihood.

    The log ranges find a change robustly; their squares place it more
    precisely.  Ranges are capped at ``CAP`` × the larger side's median so a
    spike does not place it.
    """
    n = len(r)
    cap = CAP * max(float(np.median(r[:t])), float(np.median(r[t:])), 1e-300)
    q = np.minimum(r, cap) ** 2
    cs = np.cumsum(q)
    lo, hi = max(MIN_RANGES, t - MIN_RANGES // 2), min(n - MIN_RANGES, t + MIN_RANGES // 2)
    k = np.arange(lo, hi + 1)
    with np.errstate(divide="ignore"):
        ll = -(k * np.log(np.maximum(cs[k - 1] / k, 1e-300)) + (n - k) * np.log(np.maximum((cs[-1] - cs[k - 1]) / (n - k), 1e-300)))
    return int(k[int(np.argmax(ll))]) if k.size else t


def _confirm(r: np.ndarray, t: int, up: bool) -> tuple[str, int] | None:
    """Moving-range chart evidence in ``r[t:]`` against the stage ``r[:t]``: ``(rule, offset)`` or None."""
    mr_bar = float(np.mean(r[:t]))
    after = r[t : t + EVIDENCE_WINDOW]
    if up:
        hit = np.flatnonzero(after > D4 * mr_bar)
        return (RULE_RANGE, int(hit[0])) if hit.size else None
    below = (r[t:] < mr_bar).astype(np.int64)
    if below.size < RUN_LENGTH:
        return None
    runs = np.convolve(below, np.ones(RUN_LENGTH, dtype=np.int64), mode="valid")
    hit = np.flatnonzero(runs[:EVIDENCE_WINDOW] == RUN_LENGTH)
    return (RULE_SMALL, int(hit[0])) if hit.size else None


def _search_stage(
    r: np.ndarray, x: np.ndarray, nonneg: bool, budget: int, raw_x: np.ndarray | None = None
) -> list[tuple[int, str, int]]:
    """Binary segmentation of one stage's ranges ``r`` (values ``x``): ``(t, rule, evidence offset)`` in ``r``'s index."""
    found: list[tuple[int, str, int]] = []
    todo = [(0, len(r))]
    while todo and len(found) < budget:
        s, e = todo.pop()
        if e - s < 2 * MIN_RANGES:
            continue
        seg = r[s:e]
        U = log_ranges(seg[None, :], np.array([e - s]))
        stat, t = scan(U, np.array([e - s]))
        if t[0] < 0 or stat[0] <= float(threshold(e - s)):
            continue
        tt = _locate(seg, int(t[0]))
        ratio = _accept(seg, x[s : e + 1], tt, nonneg, None if raw_x is None else raw_x[s : e + 1])
        if ratio <= 0:
            continue
        conf = _confirm(seg, tt, ratio > 1.0)
        if conf is None:
            continue
        found.append((s + tt, conf[0], s + tt + conf[1]))
        todo += [(s, s + tt), (s + tt, e)]
    return found


def add_breaks(
    X: np.ndarray,
    L: np.ndarray,
    confirmed: list[list[tuple[int, str, int]]],
    searchable: np.ndarray,
    raw: np.ndarray | None = None,
    period: np.ndarray | None = None,
) -> tuple[list[list[tuple[int, str, int]]], list[set[int]]]:
    """Confirmed boundaries with the dispersion breaks added, and the set of those per row.

    ``X`` is the left-aligned (compressed) batch the confirmation used (a
    removed cycle's rows: ``raw`` minus the profile, ``period`` > 0);
    ``confirmed[i]`` its ``(boundary, rule, evidence index)`` triples.  A
    dispersion break is ``(c, RULE_RANGE | RULE_SMALL, evidence)`` with ``c``
    the first point of the new stage.
    """
    n_rows = X.shape[0]
    disp: list[set[int]] = [set() for _ in range(n_rows)]
    R, _Lr = _ranges(X, L)
    if R.shape[1] < 2 * MIN_RANGES:
        return confirmed, disp
    # screen: the whole row's statistic (ranges across level boundaries left out), on the rows searched
    staged = np.array([bool(c) for c in confirmed], dtype=bool)
    rows = np.flatnonzero(searchable & (np.ones(n_rows, dtype=bool) if INSIDE_STAGES else ~staged))
    if rows.size == 0:
        return confirmed, disp
    Rc, Lc = R[rows], _Lr[rows]
    if INSIDE_STAGES and staged[rows].any():
        Rs = Rc.copy()
        for k, i in enumerate(rows.tolist()):
            for c, _, _ in confirmed[i]:
                if 0 < c <= Rs.shape[1]:
                    Rs[k, c - 1] = np.nan
        keep = np.isfinite(Rs)
        Rc = np.take_along_axis(Rs, np.argsort(~keep, axis=1, kind="stable"), axis=1)
        Lc = keep.sum(axis=1)
    floor = SCREEN * threshold(Lc)
    stat, _ = scan(log_ranges(Rc, Lc), Lc, floor=floor)
    todo = rows[stat > floor]
    out = [list(c) for c in confirmed]
    for i in todo.tolist():
        n_i = int(L[i])
        x = X[i, :n_i]
        nonneg = bool(np.all(x >= 0))
        bounds = [0, *(c for c, _, _ in confirmed[i]), n_i]
        seasonal = raw is not None and period is not None and int(period[i]) > 0 and SEASONAL_LINE
        extra: list[tuple[int, str, int]] = []
        for a, b in itertools.pairwise(bounds):
            r = R[i, a : b - 1]  # ranges inside the stage [a, b): r[j] = |x[a+j+1] - x[a+j]|
            rx = raw[i, a:b] if seasonal and raw is not None else None
            for t, rule, ev in _search_stage(r, x[a:b], nonneg, MAX_BREAKS - len(extra), rx):
                extra.append((a + t + 1, rule, a + ev + 1))  # first point of the first new range
        if extra:
            out[i] = sorted(out[i] + extra)
            disp[i] = {c for c, _, _ in extra}
    return out, disp


def calibrate(alpha: float, reps: int = 4000, seed: int = 20261201) -> np.ndarray:
    """``1 - alpha`` quantile of the largest statistic per length of ``_CAL_LENGTHS`` (seeded simulation).

    Shift-free nulls (the largest quantile of the families per length):
    Gaussian and Student-t(3) white noise, AR(1) with φ 0.5 / 0.8 / 0.95,
    Gaussian and t(3) random walks, Poisson counts (mean 5 and 0.5);
    ``THRESHOLDS`` holds ``calibrate(ALPHA)`` (~3 min).
    """
    rng = np.random.default_rng(seed)
    out = []
    for n in _CAL_LENGTHS:
        npts = n + 1
        fams = []
        e = rng.standard_normal((reps, npts))
        fams.append(e)
        fams.append(rng.standard_t(3, (reps, npts)))
        for phi in (0.5, 0.8, 0.95):
            z = rng.standard_normal((reps, npts))
            y = np.empty_like(z)
            y[:, 0] = z[:, 0] / np.sqrt(1 - phi * phi)
            for k in range(1, npts):
                y[:, k] = phi * y[:, k - 1] + z[:, k]
            fams.append(y)
        fams.append(np.cumsum(rng.standard_normal((reps, npts)), axis=1))
        fams.append(np.cumsum(rng.standard_t(3, (reps, npts)), axis=1))
        fams.append(rng.poisson(5.0, (reps, npts)).astype(np.float64))
        fams.append(rng.poisson(0.5, (reps, npts)).astype(np.float64))
        qs = []
        for Y in fams:
            R, Lr = _ranges(Y, np.full(reps, npts))
            st, _ = scan(log_ranges(R, Lr), Lr)
            qs.append(float(np.quantile(st, 1.0 - alpha)))
        out.append(max(qs))
    q = np.asarray(out)
    pad = np.r_[q[0], q, q[-1]]  # a running median of 3 on the grid: the maximum of noisy quantiles is rough
    return np.median(np.stack([pad[:-2], pad[1:-1], pad[2:]]), axis=0)
