"""Wheeler XmR (individuals and moving range) control limits, stage detection and
signal rules — the pure numeric core.

Everything here is plain numpy: no database, no pandas, no project imports.

Overview
--------
1. **XmR limits** (:func:`xmr_limits`).  For a stage with values ``x``:
   centre ``CL = mean(x)``; moving ranges ``mR_i = |x_i - x_{i-1}|`` between
   *successive non-missing* values of the same stage (never across a stage
   boundary); natural process limits ``CL ± 2.66·mR̄``; upper range limit
   ``URL = 3.268·mR̄``; ``sigma = mR̄/1.128``.  The median variant uses
   ``CL ± 3.145·median(mR)``, ``URL = 3.865·median(mR)`` and
   ``sigma = median(mR)/0.954``.  The quartile lines sit halfway between the
   centre line and each limit (the "1.5 sigma" lines of Wheeler's rule 3).

2. **Stage (phase) detection** (:func:`detect_stages`).  Candidate boundaries
   come from binary segmentation with an L2 cost on the z-scored series
   (:func:`binseg_l2`), which returns exactly what
   ``ruptures.Binseg(model="l2", min_size=m, jump=1).fit(z).predict(pen=p)``
   returns (minus the trailing ``n``), but runs in O(n) per split using
   cumulative sums and is vectorised over many series.  Each candidate is then
   *confirmed* with Wheeler's evidence against the limits of the stage before
   it (a point beyond its limits, 3 of 4 successive points beyond the same
   quartile line, or 8 successive points on one side of its centre line) inside
   the candidate's new stage.  Unconfirmed candidates are merged into the
   previous stage.

3. **Signals** (:func:`detect_signals`) inside each stage: ``beyond_limits``
   (critical), ``three_of_four`` (warning) and ``run_of_eight`` (warning),
   direction-aware through ``higher_is_better``.

Missing values (NaN, ±inf) are *gaps*: they are skipped for moving ranges,
limits, runs and change-point search ("successive" means successive
non-missing points), but every index reported refers to the original position.

Exactness of the change-point search
------------------------------------
The vectorised search computes split gains from cumulative sums, which differ
from ruptures' ``var()``-based costs in the last bits.  Whenever a decision is
numerically ambiguous (another split's gain, or the penalty, within a
conservative rounding tolerance of the best gain) the decision is re-taken with
the very same floating-point expressions ruptures uses, so the greedy order,
tie-breaking (largest index inside a segment, leftmost segment across
segments) and stopping rule (``gain > pen``) match ruptures exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "D2",
    "D2_MEDIAN",
    "D4",
    "D6",
    "E2",
    "E5",
    "RULE_BEYOND",
    "RULE_RUN",
    "RULE_THREE",
    "Limits",
    "SeriesAnalysis",
    "Signal",
    "Stage",
    "analyze_many",
    "analyze_series",
    "binseg_l2",
    "binseg_l2_many",
    "default_penalty",
    "detect_signals",
    "detect_stages",
    "xmr_limits",
    "zscore",
]

# --------------------------------------------------------------------------- #
# Constants
# --------------------------------------------------------------------------- #

#: Scaling factor for natural process limits from the average moving range (3/d2).
E2 = 2.66
#: Upper range limit factor for the average moving range.
D4 = 3.268
#: Bias correction d2 for moving ranges of two points (sigma = mR̄ / d2).
D2 = 1.128
#: Scaling factor for natural process limits from the median moving range.
E5 = 3.145
#: Upper range limit factor for the median moving range.
D6 = 3.865
#: Bias correction for the median moving range (sigma = median(mR) / 0.954).
D2_MEDIAN = 0.954

RULE_BEYOND = "beyond_limits"
RULE_THREE = "three_of_four"
RULE_RUN = "run_of_eight"
#: Rules in decreasing strength (Wheeler's detection rules 1, 3 and 4).
RULES: tuple[str, str, str] = (RULE_BEYOND, RULE_THREE, RULE_RUN)
_RULE_PRIORITY = {rule: i for i, rule in enumerate(RULES)}

#: Length of the run required by the ``run_of_eight`` rule.
RUN_LENGTH = 8
_METHODS = ("mean", "median")
_EPS = float(np.finfo(np.float64).eps)


# --------------------------------------------------------------------------- #
# Public data model
# --------------------------------------------------------------------------- #


@dataclass(frozen=True, slots=True)
class Limits:
    """XmR limits of one stage.

    ``mr_bar`` is the moving-range statistic the limits were built from: the
    *average* moving range for ``method="mean"`` and the *median* moving range
    for ``method="median"``.  Values are NaN when they cannot be computed
    (fewer than one value for ``cl``, fewer than two for everything else).
    """

    cl: float
    ucl: float
    lcl: float
    url: float
    mr_bar: float
    sigma: float
    q_upper: float
    q_lower: float
    method: str = "mean"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (NaN becomes ``None``)."""
        return {
            "cl": _num(self.cl),
            "ucl": _num(self.ucl),
            "lcl": _num(self.lcl),
            "url": _num(self.url),
            "mr_bar": _num(self.mr_bar),
            "sigma": _num(self.sigma),
            "q_upper": _num(self.q_upper),
            "q_lower": _num(self.q_lower),
            "method": self.method,
        }


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage (phase) of a series: original indices ``start..end`` inclusive.

    ``n`` counts the non-missing values in the stage.  ``confirmed_by`` is the
    rule that confirmed the boundary at ``start`` (``None`` for stage 1) and
    ``evidence_start`` the original index where that supporting evidence begins.
    """

    phase_number: int
    start: int
    end: int
    limits: Limits
    n: int
    confirmed_by: str | None = None
    evidence_start: int | None = None

    @property
    def cl(self) -> float:
        return self.limits.cl

    @property
    def ucl(self) -> float:
        return self.limits.ucl

    @property
    def lcl(self) -> float:
        return self.limits.lcl


@dataclass(frozen=True, slots=True)
class Signal:
    """One point signal.

    ``state`` is ``"critical"`` (beyond the limits) or ``"warning"`` (3 of 4,
    run of 8) for the bad direction, and ``"info"`` for a signal in the good
    direction (``direction == "good"``) when ``higher_is_better`` is set.
    """

    index: int
    rule: str
    state: str
    side: str
    value: float
    phase_number: int
    direction: str = "bad"

    def to_dict(self, date: str | None = None) -> dict[str, Any]:
        return {
            "index": self.index,
            "rule": self.rule,
            "state": self.state,
            "side": self.side,
            "direction": self.direction,
            "value": _num(self.value),
            "phase_number": self.phase_number,
            "date": date,
        }


@dataclass(eq=False)
class SeriesAnalysis:
    """Result of analysing one series.

    ``candidates`` are the raw change points of the search step (original
    indices of the first point of each candidate new stage), before Wheeler
    confirmation.
    """

    values: np.ndarray
    stages: list[Stage]
    signals: list[Signal]
    candidates: list[int]
    higher_is_better: bool | None = None
    method: str = "mean"
    penalty: float | None = None

    def point_limits(self) -> dict[str, np.ndarray]:
        """Per-point arrays (length ``len(values)``) of the stage limits.

        Keys: ``cl``, ``ucl``, ``lcl``, ``q_upper``, ``q_lower``, ``url`` (float
        arrays) and ``phase_number`` (int array, 1-based).
        """
        n = len(self.values)
        keys = ("cl", "ucl", "lcl", "q_upper", "q_lower", "url")
        out: dict[str, np.ndarray] = {k: np.full(n, np.nan) for k in keys}
        phase = np.zeros(n, dtype=np.int64)
        for st in self.stages:
            sl = slice(st.start, st.end + 1)
            for k in keys:
                out[k][sl] = getattr(st.limits, k)
            phase[sl] = st.phase_number
        out["phase_number"] = phase
        return out

    def last_index(self) -> int | None:
        """Original index of the last non-missing value (``None`` if all missing)."""
        finite = np.flatnonzero(np.isfinite(self.values))
        return int(finite[-1]) if finite.size else None

    def latest_state(self) -> tuple[str, str | None]:
        """State of the last non-missing point: ``('ok'|'warning'|'critical', rule)``.

        Only bad-direction signals count; the strongest rule wins.
        """
        last = self.last_index()
        if last is None:
            return "ok", None
        best: Signal | None = None
        for sig in self.signals:
            if sig.index != last or sig.direction != "bad":
                continue
            if best is None or _RULE_PRIORITY[sig.rule] < _RULE_PRIORITY[best.rule]:
                best = sig
        if best is None:
            return "ok", None
        return best.state, best.rule

    def to_json(self, dates: Sequence[Any] | None = None) -> dict[str, Any]:
        """JSON-serialisable dict: ``{"stages": [...], "signals": [...], ...}``.

        ``dates`` (same length as ``values``) adds ISO date strings; NaN numbers
        become ``None``.
        """
        n = len(self.values)
        if dates is not None and len(dates) != n:
            raise ValueError(f"dates has length {len(dates)} but the series has {n} values")
        iso = [_iso(d) for d in dates] if dates is not None else None

        def date_at(i: int | None) -> str | None:
            return None if iso is None or i is None else iso[i]

        stages = []
        for st in self.stages:
            entry: dict[str, Any] = {
                "phase_number": st.phase_number,
                "start": st.start,
                "end": st.end,
                "n": st.n,
            }
            entry.update(st.limits.to_dict())
            entry.update(
                {
                    "start_date": date_at(st.start),
                    "end_date": date_at(st.end),
                    "confirmed_by": st.confirmed_by,
                    "evidence_start": st.evidence_start,
                    "evidence_start_date": date_at(st.evidence_start),
                }
            )
            stages.append(entry)
        signals = [s.to_dict(date_at(s.index)) for s in self.signals]
        state, rule = self.latest_state()
        last = self.last_index()
        return {
            "n_points": n,
            "method": self.method,
            "higher_is_better": self.higher_is_better,
            "penalty": _num(self.penalty) if self.penalty is not None else None,
            "stages": stages,
            "signals": signals,
            "candidates": list(self.candidates),
            "latest": {"index": last, "date": date_at(last), "state": state, "rule": rule},
        }


# --------------------------------------------------------------------------- #
# Small helpers
# --------------------------------------------------------------------------- #


def _num(x: float | None) -> float | None:
    """Float for JSON: NaN/inf → None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _iso(d: Any) -> str | None:
    """ISO-8601 string for a date-like value (datetime, date, numpy datetime64, str)."""
    if d is None:
        return None
    if isinstance(d, np.datetime64):
        if np.isnat(d):
            return None
        return str(np.datetime_as_string(d))
    if isinstance(d, float) and math.isnan(d):
        return None
    iso = getattr(d, "isoformat", None)
    if callable(iso):
        try:
            return str(iso())
        except ValueError:  # e.g. pandas NaT
            return None
    return str(d)


def _check_method(method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")


def _limit_factors(method: str) -> tuple[float, float, float]:
    """(limit factor, upper-range-limit factor, sigma divisor) for ``method``."""
    return (E2, D4, D2) if method == "mean" else (E5, D6, D2_MEDIAN)


def _make_limits(cl: float, mr: float, method: str) -> Limits:
    k, kr, d = _limit_factors(method)
    ucl = cl + k * mr
    lcl = cl - k * mr
    return Limits(
        cl=float(cl),
        ucl=float(ucl),
        lcl=float(lcl),
        url=float(kr * mr),
        mr_bar=float(mr),
        sigma=float(mr / d),
        q_upper=float(cl + (ucl - cl) / 2.0),
        q_lower=float(cl - (cl - lcl) / 2.0),
        method=method,
    )


def default_penalty(n: int) -> float:
    """Default change-point penalty ``3·ln(n)`` for ``n`` non-missing points."""
    return 3.0 * math.log(max(int(n), 2))


def zscore(values: np.ndarray) -> np.ndarray:
    """Z-score a 1-D series with population std (``ddof=0``), NaN kept in place.

    Constant (or single-valued) series give zeros.  This is the exact transform
    :func:`detect_stages` applies before the change-point search (on the
    non-missing values).
    """
    x = np.asarray(values, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    v = x[ok]
    if v.size == 0:
        return out
    mu = v.mean()
    sd = v.std()
    out[ok] = (v - mu) / sd if sd > 0 and math.isfinite(sd) else 0.0
    return out


# --------------------------------------------------------------------------- #
# XmR limits
# --------------------------------------------------------------------------- #


def xmr_limits(values: Sequence[float] | np.ndarray, method: str = "mean") -> Limits:
    """Wheeler XmR limits of one homogeneous stage.

    Missing values are skipped; moving ranges are taken between successive
    non-missing values.  ``method`` is ``"mean"`` (average moving range,
    ``CL ± 2.66·mR̄``, ``URL = 3.268·mR̄``) or ``"median"`` (median moving
    range, ``CL ± 3.145·mR̃``, ``URL = 3.865·mR̃``).
    """
    _check_method(method)
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return _make_limits(math.nan, math.nan, method)
    cl = float(x.mean())
    if x.size < 2:
        return _make_limits(cl, math.nan, method)
    mr = np.abs(np.diff(x))
    stat = float(mr.mean()) if method == "mean" else float(np.median(mr))
    return _make_limits(cl, stat, method)


# --------------------------------------------------------------------------- #
# Compression of gaps
# --------------------------------------------------------------------------- #


def _compress(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move the non-missing values of each row to the front (order kept).

    Returns ``(X, pos, L)``: ``X`` (rows, n) with NaN padding after ``L[i]``
    values, ``pos`` the original column of each compressed value (``-1`` for
    padding) and ``L`` the number of non-missing values per row.
    """
    valid = np.isfinite(matrix)
    n_rows, n = matrix.shape
    L = valid.sum(axis=1).astype(np.int64)
    cols = np.arange(n, dtype=np.int64)
    if bool(valid.all()):
        return matrix.astype(np.float64, copy=True), np.broadcast_to(cols, (n_rows, n)).copy(), L
    order = np.argsort(~valid, axis=1, kind="stable").astype(np.int64)
    X = np.take_along_axis(matrix, order, axis=1).astype(np.float64, copy=False)
    pad = cols[None, :] >= L[:, None]
    X[pad] = np.nan
    pos = np.where(pad, -1, order)
    return X, pos, L


def _row_mean_std(X: np.ndarray, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population std of the first ``L[i]`` values of each row.

    Uses the same reductions as ``x.mean()`` / ``x.std()`` on the 1-D row so the
    z-scores are bit-identical to :func:`zscore`.
    """
    n_rows, n = X.shape
    mu = np.full(n_rows, np.nan)
    sd = np.full(n_rows, np.nan)
    # Rows of equal length are reduced together: a row-wise reduction over a
    # C-contiguous row gives the same bits as the 1-D reduction.
    for length in np.unique(L):
        if length == 0:
            continue
        rows = np.flatnonzero(L == length)
        sub = X[rows, :length] if length < n else X[rows]
        mu[rows] = sub.mean(axis=1)
        sd[rows] = sub.std(axis=1)
    return mu, sd


# --------------------------------------------------------------------------- #
# Binary segmentation (L2) — ruptures-exact, vectorised
# --------------------------------------------------------------------------- #


def _resolve_exact(
    z: np.ndarray,
    bounds: list[int],
    cands: np.ndarray,
    pen: float,
    min_size: int,
) -> tuple[int | None, bool]:
    """Re-take one greedy Binseg decision with ruptures' own float expressions.

    ``cands`` are the (few) positions whose fast gain is within rounding
    tolerance of the best; every other split is provably worse.  Mirrors
    ``ruptures.Binseg._seg`` / ``single_bkp``: per segment ``max((gain, bkp))``
    (ties → largest bkp), across segments ``max(key=gain)`` (ties → leftmost
    segment), segments with no admissible split contribute ``(None, 0)``.
    """
    sig = np.ascontiguousarray(z).reshape(-1, 1)

    def cost(a: int, b: int) -> float:  # == ruptures.costs.CostL2.error
        return sig[a:b].var(axis=0).sum() * (b - a)

    cand_list = sorted(int(c) for c in cands)
    new_bkps: list[tuple[int | None, float]] = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b - a < 2 * min_size:
            new_bkps.append((None, 0))
            continue
        members = [t for t in cand_list if a + min_size <= t <= b - min_size]
        if not members:
            continue  # admissible, but its best split is provably below the winner
        seg_cost = cost(a, b)
        gain, bkp = max((seg_cost - cost(a, t) - cost(t, b), t) for t in members)
        new_bkps.append((bkp, gain))
    if not new_bkps:
        return None, False
    bkp, gain = max(new_bkps, key=lambda x: x[1])
    if bkp is None:
        return None, False
    return int(bkp), bool(gain > pen)


def _binseg_batch(
    Z: np.ndarray,
    L: np.ndarray,
    pen: np.ndarray,
    min_size: int,
    max_cps: int | None,
    search: np.ndarray | None = None,
) -> list[list[int]]:
    """Greedy binary segmentation with L2 cost for many series at once.

    ``Z`` (rows, n): series left-aligned, the first ``L[i]`` values of row ``i``
    are used.  ``pen`` per row.  ``search`` (bool per row) restricts the rows
    searched.  Returns per row the change points in greedy (selection) order.

    The gain of splitting segment ``[s, e)`` at ``t`` is computed from prefix
    sums ``P`` as ``A²/(t-s) + B²/(e-t) - (A+B)²/(e-s)`` with ``A = P_t - P_s``
    and ``B = P_e - P_t`` (the squared terms of the L2 costs cancel exactly).
    All admissible splits of all segments of all active rows are evaluated in
    one array pass per greedy step.
    """
    n_rows, n = Z.shape
    m = max(int(min_size), 1)
    cps: list[list[int]] = [[] for _ in range(n_rows)]
    if n_rows == 0 or n < 2:
        return cps
    cols1 = np.arange(n + 1, dtype=np.int64)
    inside = cols1[None, :n] < L[:, None]
    Zf = np.where(inside, Z, 0.0)
    P = np.zeros((n_rows, n + 1))
    np.cumsum(Zf, axis=1, out=P[:, 1:])
    abs_sum = np.abs(Zf).sum(axis=1)
    # Conservative bound on the rounding error of a fast gain (prefix sums
    # accumulate at most n·eps·Σ|z|; the gain is quadratic in them).
    tol = 16.0 * _EPS * (n + 1) * (abs_sum + 1.0) ** 2 / m + 1e-12

    # Segment boundaries: 0, every accepted change point, and all positions >= L
    # (so positions past the series end are never admissible).
    bnd = cols1[None, :] >= L[:, None]
    bnd[:, 0] = True

    active = np.flatnonzero(L >= 2 * m)
    if search is not None:
        active = active[search[active]]
    max_iter = max_cps if max_cps is not None else n // m + 1
    tt = cols1[1:n]  # candidate split positions
    PL = P[np.arange(n_rows), L]
    tt_f = tt.astype(np.float64)
    for it in range(max_iter):
        if active.size == 0:
            break
        if it == 0:
            # one segment [0, L) per row: no boundary look-ups needed
            La = L[active]
            A = P[active, 1:n]
            Bv = PL[active, None] - A
            le = La[:, None] - tt
            adm = (tt >= m) & (le >= m)
            le_f = np.maximum(le, 1).astype(np.float64)
            gain = A * A
            gain /= tt_f
            tmp = Bv * Bv
            tmp /= le_f
            gain += tmp
            gain -= (PL[active] ** 2 / np.maximum(La, 1))[:, None]
        else:
            B = bnd[active]
            prev = np.maximum.accumulate(np.where(B, cols1, 0), axis=1)[:, 1:n]
            nxt = np.minimum.accumulate(np.where(B, cols1, n)[:, ::-1], axis=1)[:, ::-1][:, 1:n]
            ls = tt - prev
            le = nxt - tt
            adm = (ls >= m) & (le >= m)
            Pa = P[active]
            Pt = Pa[:, 1:n]
            Ps = np.take_along_axis(Pa, prev, axis=1)
            Pe = np.take_along_axis(Pa, nxt, axis=1)
            A = Pt - Ps
            Bv = Pe - Pt
            ls_f = np.maximum(ls, 1).astype(np.float64)
            le_f = np.maximum(le, 1).astype(np.float64)
            gain = A * A
            gain /= ls_f
            tmp = Bv * Bv
            tmp /= le_f
            gain += tmp
            Pe -= Ps
            Pe *= Pe
            ls_f += le_f
            Pe /= ls_f
            gain -= Pe
        np.putmask(gain, ~adm, -np.inf)
        G = gain

        best = G.argmax(axis=1)
        mx = G[np.arange(active.size), best]
        has = np.isfinite(mx)
        tol_a = tol[active]
        pen_a = pen[active]
        with np.errstate(invalid="ignore"):
            near = (G >= (mx - tol_a)[:, None]).sum(axis=1)
            amb = has & (
                (near > 1)
                | (np.abs(mx - pen_a) <= tol_a)
                | ((mx <= tol_a) & (pen_a < mx + tol_a))
            )
        accept = has & ~amb & (mx > pen_a)
        chosen = np.where(accept, best + 1, -1)  # column of G -> position t
        for j in np.flatnonzero(amb):
            row = int(active[j])
            bounds = [0, *sorted(cps[row]), int(L[row])]
            cands = np.flatnonzero(G[j] >= mx[j] - tol_a[j]) + 1
            t, ok = _resolve_exact(Z[row, : L[row]], bounds, cands, float(pen[row]), m)
            if ok and t is not None:
                chosen[j] = t
                accept[j] = True
        rows = active[accept]
        picks = chosen[accept]
        bnd[rows, picks] = True
        still = np.ones(rows.size, dtype=bool)
        for k, (row, t) in enumerate(zip(rows.tolist(), picks.tolist(), strict=True)):
            cps[row].append(int(t))
            if max_cps is not None and len(cps[row]) >= max_cps:
                still[k] = False
        active = rows[still]
    return cps


def binseg_l2_many(
    Z: np.ndarray,
    penalty: float | Sequence[float] | np.ndarray,
    min_size: int = 8,
    max_cps: int | None = 5,
    lengths: Sequence[int] | np.ndarray | None = None,
) -> list[list[int]]:
    """:func:`binseg_l2` for many series: rows of ``Z`` (first ``lengths[i]`` values used).

    ``penalty`` is a scalar or one value per row.  Returns sorted change points per row.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2:
        raise ValueError("Z must be a 2-D array (n_series, n_points)")
    n_rows, n = Z.shape
    L = np.full(n_rows, n, dtype=np.int64) if lengths is None else np.asarray(lengths, dtype=np.int64)
    if L.shape != (n_rows,) or (L < 0).any() or (L > n).any():
        raise ValueError("lengths must give one length in [0, n_points] per row")
    inside = np.arange(n)[None, :] < L[:, None]
    if not np.isfinite(Z[inside]).all():
        raise ValueError("Z must be finite within each row's length (remove NaN gaps first)")
    pen = np.broadcast_to(np.asarray(penalty, dtype=np.float64), (n_rows,)).copy()
    return [sorted(c) for c in _binseg_batch(Z, L, pen, min_size, max_cps)]


def binseg_l2(
    z: np.ndarray, penalty: float, min_size: int = 8, max_cps: int | None = 5
) -> list[int]:
    """Binary segmentation (L2 cost, ``jump=1``) of a finite 1-D series.

    Returns the sorted change points, i.e. the start indices of the new
    segments — exactly ``ruptures.Binseg(model="l2", min_size=min_size,
    jump=1).fit(z).predict(pen=penalty)[:-1]`` whenever the ``max_cps`` cap
    is not binding (``max_cps=None`` for no cap).  With a binding cap the
    first ``max_cps`` greedy picks are returned (what ruptures'
    ``predict(n_bkps=max_cps)`` returns).  Series shorter than ``min_size``
    give ``[]`` (ruptures raises ``BadSegmentationParameters``).
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError("z must be 1-D")
    if not np.isfinite(z).all():
        raise ValueError("z must be finite (remove NaN gaps first)")
    return binseg_l2_many(z[None, :], penalty, min_size=min_size, max_cps=max_cps)[0]


# --------------------------------------------------------------------------- #
# Rule masks (shared by stage confirmation and signals)
# --------------------------------------------------------------------------- #


@dataclass(slots=True)
class _Masks:
    hi: np.ndarray  # beyond upper limit
    lo: np.ndarray  # beyond lower limit
    q_hi: np.ndarray  # beyond upper quartile line
    q_lo: np.ndarray  # beyond lower quartile line
    three_hi: np.ndarray  # 3 of (last <= 4) beyond upper quartile, this point included
    three_lo: np.ndarray
    run_hi: np.ndarray  # >= RUN_LENGTH successive above the centre line up to here
    run_lo: np.ndarray


def _rule_masks(
    X: np.ndarray,
    grp: np.ndarray,
    cl: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    qu: np.ndarray,
    ql: np.ndarray,
) -> _Masks:
    """Evaluate Wheeler's rules on left-aligned (gap-free) rows.

    ``grp`` gives a group id per point (a stage, or a region under test);
    ``-1`` excludes the point.  Windows and runs never span two groups.  The
    limit arrays broadcast against ``X``.  A point is flagged for
    ``three_of_four`` when it is itself beyond a quartile line and at least 3 of
    the up to 4 most recent points of its group (itself included) are beyond
    that same line; for ``run_of_eight`` when it ends a run of at least 8
    successive points strictly on one side of the centre line.
    """
    inc = grp >= 0
    with np.errstate(invalid="ignore"):
        hi = inc & (X > ucl)
        lo = inc & (X < lcl)
        q_hi = inc & (X > qu)
        q_lo = inc & (X < ql)
        above = inc & (X > cl)
        below = inc & (X < cl)
    cnt_hi = q_hi.astype(np.int8)
    cnt_lo = q_lo.astype(np.int8)
    for j in (1, 2, 3):
        if X.shape[1] <= j:
            break
        same = grp[:, j:] == grp[:, :-j]
        cnt_hi[:, j:] += q_hi[:, :-j] & same
        cnt_lo[:, j:] += q_lo[:, :-j] & same
    three_hi = q_hi & (cnt_hi >= 3)
    three_lo = q_lo & (cnt_lo >= 3)

    side = above.astype(np.int8) - below.astype(np.int8)
    n = X.shape[1]
    cols = np.arange(n, dtype=np.int64)
    change = np.ones(X.shape, dtype=bool)
    if n > 1:
        change[:, 1:] = (side[:, 1:] != side[:, :-1]) | (grp[:, 1:] != grp[:, :-1])
    run_start = np.maximum.accumulate(np.where(change, cols, 0), axis=1)
    long_run = (cols - run_start) >= (RUN_LENGTH - 1)
    return _Masks(hi, lo, q_hi, q_lo, three_hi, three_lo, long_run & above, long_run & below)


# --------------------------------------------------------------------------- #
# Stage limits from prefix sums
# --------------------------------------------------------------------------- #


class _Prefix:
    """Prefix sums of a left-aligned batch for O(1) stage limits."""

    def __init__(self, X: np.ndarray, L: np.ndarray, mu: np.ndarray) -> None:
        n_rows, n = X.shape
        inside = np.arange(n)[None, :] < L[:, None]
        self.X = X
        self.mu = np.where(np.isfinite(mu), mu, 0.0)
        centred = np.where(inside, X - self.mu[:, None], 0.0)  # centring keeps sums accurate
        self.S = np.zeros((n_rows, n + 1))
        np.cumsum(centred, axis=1, out=self.S[:, 1:])
        d = np.zeros((n_rows, n))
        if n > 1:
            with np.errstate(invalid="ignore"):
                d[:, 1:] = np.abs(np.diff(X, axis=1))
            d[~inside] = 0.0
        self.d = d
        self.D = np.zeros((n_rows, n + 1))
        np.cumsum(d, axis=1, out=self.D[:, 1:])

    def limits(
        self, rows: np.ndarray, a: np.ndarray, b: np.ndarray, method: str
    ) -> dict[str, np.ndarray]:
        """Limits of compressed ranges ``[a, b)`` of ``rows`` (arrays, same length)."""
        cnt = (b - a).astype(np.float64)
        nmr = cnt - 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            cl = self.mu[rows] + (self.S[rows, b] - self.S[rows, a]) / cnt
            if method == "mean":
                a1 = np.minimum(a + 1, b)
                mr = np.where(nmr > 0, (self.D[rows, b] - self.D[rows, a1]) / nmr, np.nan)
            else:
                mr = np.full(rows.size, np.nan)
                for k in np.flatnonzero(nmr > 0):
                    mr[k] = np.median(self.d[rows[k], a[k] + 1 : b[k]])
        k_lim, k_url, d2 = _limit_factors(method)
        ucl = cl + k_lim * mr
        lcl = cl - k_lim * mr
        return {
            "cl": cl,
            "ucl": ucl,
            "lcl": lcl,
            "url": k_url * mr,
            "mr_bar": mr,
            "sigma": mr / d2,
            "q_upper": cl + (ucl - cl) / 2.0,
            "q_lower": cl - (cl - lcl) / 2.0,
        }


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Column of the first True per row, or ``n`` (=len) when none."""
    idx = mask.argmax(axis=1)
    return np.where(mask.any(axis=1), idx, mask.shape[1])


def _confirm_batch(
    prefix: _Prefix,
    L: np.ndarray,
    cands: list[list[int]],
    method: str,
) -> list[list[tuple[int, str, int]]]:
    """Wheeler confirmation of the candidate boundaries (compressed indices).

    Candidates are processed left to right.  For candidate ``c`` with the
    current stage starting at ``a`` and the next candidate (or the series end)
    at ``c2``, the limits of ``[a, c)`` are compared with the points of
    ``[c, c2)``.  The evidence that completes first wins (ties: beyond limits,
    then 3 of 4, then run of 8).  Returns per row ``(c, rule, evidence_start)``.
    """
    n_rows = len(cands)
    out: list[list[tuple[int, str, int]]] = [[] for _ in range(n_rows)]
    counts = np.array([len(c) for c in cands], dtype=np.int64)
    K = int(counts.max()) if n_rows else 0
    if K == 0:
        return out
    X = prefix.X
    n = X.shape[1]
    cand_arr = np.repeat(L[:, None], K + 1, axis=1)
    for i in np.flatnonzero(counts):
        cand_arr[i, : counts[i]] = sorted(cands[i])
    start = np.zeros(n_rows, dtype=np.int64)
    cols = np.arange(n, dtype=np.int64)
    for k in range(K):
        rows = np.flatnonzero(counts > k)
        c = cand_arr[rows, k]
        c2 = cand_arr[rows, k + 1]
        a = start[rows]
        lim = prefix.limits(rows, a, c, method)
        Xr = X[rows]
        region = (cols[None, :] >= c[:, None]) & (cols[None, :] < c2[:, None])
        grp = np.where(region, 0, -1).astype(np.int64)
        per_row = {key: v[:, None] for key, v in lim.items()}  # broadcast per-row limits
        mk = _rule_masks(
            Xr, grp, per_row["cl"], per_row["ucl"], per_row["lcl"],
            per_row["q_upper"], per_row["q_lower"],
        )
        done = np.stack(
            [
                _first_true(mk.hi | mk.lo),
                _first_true(mk.three_hi | mk.three_lo),
                _first_true(mk.run_hi | mk.run_lo),
            ],
            axis=1,
        )
        rule_idx = done.argmin(axis=1)  # first minimum → rule priority on ties
        when = done[np.arange(rows.size), rule_idx]
        ok = when < n
        for j in np.flatnonzero(ok):
            row = int(rows[j])
            rule = RULES[int(rule_idx[j])]
            t = int(when[j])
            if rule == RULE_BEYOND:
                ev = t
            elif rule == RULE_RUN:
                ev = t - (RUN_LENGTH - 1)
            else:
                q = mk.q_hi[j] if mk.three_hi[j, t] else mk.q_lo[j]
                ev = next(i for i in range(max(t - 3, int(c[j])), t + 1) if q[i])
            out[row].append((int(c[j]), rule, ev))
        start[rows[ok]] = c[ok]
    return out


# --------------------------------------------------------------------------- #
# Signals
# --------------------------------------------------------------------------- #


def _hib_codes(higher_is_better: Any, n_rows: int) -> tuple[np.ndarray, list[bool | None]]:
    """Encode ``higher_is_better`` (scalar or per-row) as +1 / -1 / 0 codes."""
    if higher_is_better is None or isinstance(higher_is_better, (bool, np.bool_)):
        vals: list[bool | None] = [
            None if higher_is_better is None else bool(higher_is_better)
        ] * n_rows
    else:
        vals = [None if v is None else bool(v) for v in higher_is_better]
        if len(vals) != n_rows:
            raise ValueError(
                f"higher_is_better has {len(vals)} entries but there are {n_rows} series"
            )
    codes = np.array([0 if v is None else (1 if v else -1) for v in vals], dtype=np.int8)
    return codes, vals


def _emit_signals(
    X: np.ndarray,
    pos: np.ndarray,
    grp: np.ndarray,
    mk: _Masks,
    hib: np.ndarray,
) -> list[list[Signal]]:
    """Turn rule masks into sorted :class:`Signal` lists per row."""
    n_rows = X.shape[0]
    parts = []
    specs = (
        (mk.hi, 0, 1),
        (mk.lo, 0, -1),
        (mk.three_hi, 1, 1),
        (mk.three_lo, 1, -1),
        (mk.run_hi, 2, 1),
        (mk.run_lo, 2, -1),
    )
    for mask, rule, side in specs:
        r, c = np.nonzero(mask)
        parts.append((r, c, np.full(r.size, rule, np.int8), np.full(r.size, side, np.int8)))
    r = np.concatenate([p[0] for p in parts])
    c = np.concatenate([p[1] for p in parts])
    rule = np.concatenate([p[2] for p in parts])
    side = np.concatenate([p[3] for p in parts])
    out: list[list[Signal]] = [[] for _ in range(n_rows)]
    if r.size == 0:
        return out
    order = np.lexsort((side, rule, c, r))
    r, c, rule, side = r[order], c[order], rule[order], side[order]
    # bad when the side is not the good one for this row
    good = hib[r] == side
    values = X[r, c].tolist()
    index = pos[r, c].tolist()
    phase = (grp[r, c] + 1).tolist()
    rules = [RULES[i] for i in rule.tolist()]
    sides = ["above" if s > 0 else "below" for s in side.tolist()]
    bad_state = ("critical", "warning", "warning")
    states = ["info" if g else bad_state[k] for g, k in zip(good.tolist(), rule.tolist(), strict=True)]
    dirs = ["good" if g else "bad" for g in good.tolist()]
    for i, row in enumerate(r.tolist()):
        out[row].append(
            Signal(index[i], rules[i], states[i], sides[i], values[i], phase[i], dirs[i])
        )
    return out


def _point_arrays_from_stages(
    n: int, stages: Sequence[Stage]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    phase = np.zeros(n, dtype=np.int64)
    keys = ("cl", "ucl", "lcl", "q_upper", "q_lower")
    arrs = {k: np.full(n, np.nan) for k in keys}
    for st in stages:
        sl = slice(st.start, st.end + 1)
        phase[sl] = st.phase_number
        for k in keys:
            arrs[k][sl] = getattr(st.limits, k)
    return phase, arrs


def detect_signals(
    values: Sequence[float] | np.ndarray,
    stages: Sequence[Stage],
    *,
    higher_is_better: bool | None = None,
) -> list[Signal]:
    """Wheeler signals of one series inside the given stages.

    Rules (evaluated on successive non-missing points of the same stage):
    ``beyond_limits`` (point outside ``[lcl, ucl]``, critical),
    ``three_of_four`` (point beyond a quartile line with at least 3 of the last
    up-to-4 points beyond the same line, warning), ``run_of_eight`` (point
    ending a run of at least 8 points strictly on one side of the centre line,
    warning).  With ``higher_is_better=True`` only low-side signals are bad;
    high-side ones are reported with ``state="info"`` and
    ``direction="good"`` (and vice versa for ``False``).  Sorted by index, then
    rule strength.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    phase, arrs = _point_arrays_from_stages(n, stages)
    X, pos, L = _compress(x[None, :])
    keep = pos[0] >= 0
    sel = np.where(keep, pos[0], 0)
    grp = np.where(keep & (phase[sel] > 0), phase[sel] - 1, -1)[None, :]
    lim = {k: np.where(keep, v[sel], np.nan)[None, :] for k, v in arrs.items()}
    mk = _rule_masks(X, grp, lim["cl"], lim["ucl"], lim["lcl"], lim["q_upper"], lim["q_lower"])
    hib, _ = _hib_codes(higher_is_better, 1)
    return _emit_signals(X, pos, grp, mk, hib)[0]


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
    mu, sd = _row_mean_std(X, L)
    searchable = (L >= 2) & np.isfinite(sd) & (sd > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        Z = (X - mu[:, None]) / np.where(searchable, sd, 1.0)[:, None]
    pens = (
        np.full(n_rows, float(penalty))
        if penalty is not None
        else 3.0 * np.log(np.maximum(L, 2).astype(np.float64))
    )
    raw = _binseg_batch(Z, L, pens, min_size, max_cps, search=searchable)
    raw = [sorted(c) for c in raw]
    prefix = _Prefix(X, L, mu)
    confirmed = _confirm_batch(prefix, L, raw, method)

    # ---- final stages: limits of every (row, stage) in one vectorised pass
    st_rows: list[int] = []
    st_a: list[int] = []
    st_b: list[int] = []
    for i in range(n_rows):
        bounds = [0, *(c for c, _, _ in confirmed[i]), int(L[i])]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            st_rows.append(i)
            st_a.append(a)
            st_b.append(b)
    rows_arr = np.asarray(st_rows, dtype=np.int64)
    a_arr = np.asarray(st_a, dtype=np.int64)
    b_arr = np.asarray(st_b, dtype=np.int64)
    lim = prefix.limits(rows_arr, a_arr, b_arr, method)
    lim_lists = {k: v.tolist() for k, v in lim.items()}

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
                higher_is_better=hib_vals[i],
                method=method,
                penalty=float(pens[i]),
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
    higher_is_better: bool | None | Sequence[bool | None] = None,
    method: str = "mean",
    penalty: float | None = None,
    min_size: int = 8,
    max_cps: int | None = 5,
) -> list[SeriesAnalysis]:
    """Analyse every row of ``matrix`` (n_series, n_points; NaN = gap) at once.

    Stage detection, XmR limits and signals are computed with whole-batch
    array operations.  ``higher_is_better`` is a scalar or one value per row;
    ``penalty=None`` uses ``3·ln(n)`` with ``n`` the row's non-missing count.
    Row ``i`` of the result equals ``analyze_series(matrix[i], ...)``.
    """
    M = _as_matrix(matrix)
    return _analyze_batch(
        M,
        higher_is_better=higher_is_better,
        method=method,
        penalty=penalty,
        min_size=min_size,
        max_cps=max_cps,
    )


def analyze_series(
    values: Sequence[float] | np.ndarray,
    *,
    higher_is_better: bool | None = None,
    method: str = "mean",
    penalty: float | None = None,
    min_size: int = 8,
    max_cps: int | None = 5,
) -> SeriesAnalysis:
    """Stages, per-stage XmR limits and signals of one series (NaN = gap)."""
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
