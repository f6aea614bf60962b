"""Data model and constants of the Wheeler XmR core (pure numpy, no project imports)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    #: True when ``ucl`` is the Poisson count limit of a rare-count stage (see :mod:`.counts`).
    count_limit: bool = False

    @property
    def upper_kind(self) -> str:
        """``"count limit"`` or ``"natural process limit"``: which upper limit the stage uses."""
        return "count limit" if self.count_limit else "natural process limit"

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
            "count_limit": self.count_limit,
            "upper_limit_kind": self.upper_kind,
        }


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage (phase) of a series: original indices ``start..end`` inclusive.

    ``n`` counts the non-missing values in the stage.  ``confirmed_by`` is the
    rule that confirmed the boundary at ``start`` (``None`` for stage 1) and
    ``evidence_start`` the original index where that supporting evidence begins.
    ``kind`` says what changed at ``start``: ``"level"`` (a step), ``"trend"`` (the direction or
    slope turned, :mod:`.trendbreak`) or ``"dispersion"`` (the point-to-point variation, :mod:`.dispersion`);
    ``None`` for stage 1.
    """

    phase_number: int
    start: int
    end: int
    limits: Limits
    n: int
    confirmed_by: str | None = None
    evidence_start: int | None = None
    kind: str | None = None

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

    ``candidates`` are the raw change points of the binary-segmentation search
    (original indices of the first point of each candidate new stage), before
    re-validation and Wheeler confirmation; ``short_candidates`` the ones the
    seeded search adds for short temporary regimes (dips and bumps).
    ``seasonal_period`` is the period (in points) of a cycle removed before the
    stage search (0: none; the limits are always on the raw values).
    """

    values: np.ndarray
    stages: list[Stage]
    signals: list[Signal]
    candidates: list[int]
    higher_is_better: bool | None = None
    method: str = "mean"
    penalty: float | None = None
    short_candidates: list[int] = field(default_factory=list)
    seasonal_period: int = 0

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
                    "kind": st.kind,
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
            "seasonal_period": self.seasonal_period,
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

