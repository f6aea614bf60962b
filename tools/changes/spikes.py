"""Spikes in service telemetry (pure numpy, no database).

Real service metrics fail in short spikes as often as in level shifts: one 5-minute point far above anything
else in days (a latency spike, a CPU burst). Onset detection (:mod:`tools.changes.onset`) needs two critical
points within 15 minutes, or three in an hour, before it calls 5-minute data an episode — a lone point beyond
3-sigma limits is what noise gives now and then. Two exceptions:

* :func:`exceptional` — a lone point that stands out from *every* other point of the window (at least
  :data:`EXCEPTIONAL_RATIO` times as far from its stage centre as any point more than an hour away, in units
  of the series' point-to-point noise) is no noise, whatever the spacing;
* :func:`most_prominent` — when the user says "spike" the episode meant is the most prominent one (the
  largest distance from its stage centre; among episodes nearly as large, the latest), not the latest stage
  boundary: the onset of a spike is its first point beyond the limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np

from tools.control_limits import SeriesAnalysis

#: A lone point is exceptional when it lies at least this many times as far from its stage centre (in sigmas)
#: as any other point of the window more than an hour away.
EXCEPTIONAL_RATIO = 1.5
#: Episodes whose peak is at least this share of the largest count as "as large" (the latest of them is meant).
SIMILAR_SHARE = 0.9

Shape = Literal["spike", "drift"]

_SPIKE_WORDS = re.compile(r"\b(spik\w*|blips?|bursts?|surg\w*|flare[sd]?|peak(?:ed|s)?)\b", re.I)
#: Words for a slow move: a leak, a queue backing up, latency creeping up (see :mod:`tools.changes.drift`).
_DRIFT_WORDS = re.compile(
    r"\b(climb\w*|creep\w*|crept|drift\w*|ramp(?:s|ed|ing)?\s+up|leak\w*|gradual\w*|slowly|steadily|"
    r"little\s+by\s+little|(?:start|began|begin)\w*\s+(?:to\s+)?(?:go(?:ing)?|ris\w*|grow\w*|creep\w*|climb\w*)"
    r"(?:\s+(?:up|down))?|keeps?\s+(?:rising|growing|going\s+up|increasing)|(?:growing|rising)\s+(?:steadily|slowly))\b",
    re.I)


def shape_of(question: str) -> Shape | None:
    """The kind of move a question names: "spike" for a spike, burst, blip, surge or peak; "drift" for a slow
    climb ("started going up", "creeping", "leaking", "keeps growing"); else None."""
    if _SPIKE_WORDS.search(question or ""):
        return "spike"
    return "drift" if _DRIFT_WORDS.search(question or "") else None


def point_z(an: SeriesAnalysis, hib: bool | None, against: dict[int, int] | None = None) -> np.ndarray:
    """Per point: its distance from its stage centre on the bad side (both sides when either way is bad; 0 on
    the good side), in units of the series' point-to-point noise (the median moving range / 0.954 over the
    whole window: one scale for every stage, so a noisy stage does not hide its spike). NaN where missing.
    ``against``: stage index → the stage whose centre its points are measured from (a burst staged on its own is
    measured from the level it left, see :func:`tools.changes.onset_index.bursts`)."""
    x = np.asarray(an.values, dtype=np.float64)
    z = np.full(x.size, np.nan)
    fin = x[np.isfinite(x)]
    mr = np.abs(np.diff(fin))
    sigma = float(np.median(mr)) / 0.954 if mr.size else float("nan")
    if not (np.isfinite(sigma) and sigma > 0):
        return z
    for k, st in enumerate(an.stages):
        ref = an.stages[(against or {}).get(k, k)]
        d = (x[st.start:st.end + 1] - ref.cl) / sigma
        z[st.start:st.end + 1] = np.abs(d) if hib is None else np.maximum(0.0, -d if hib else d)
    return z


def exceptional(z: np.ndarray, crit: Sequence[int], gap: int, an: SeriesAnalysis | None = None) -> set[int]:
    """The critical points that stand out from every point more than ``gap`` points away (see module doc) and,
    given the analysis ``an``, are the peak of their own hour either side (the first point of a new stage just
    after a burst lies far from the new centre, but below the burst it ends)."""
    out: set[int] = set()
    finite = np.where(np.isfinite(z), z, 0.0)
    before = np.maximum.accumulate(finite)  # running maxima: the largest point more than ``gap`` away, in O(n)
    after = np.maximum.accumulate(finite[::-1])[::-1]
    x = np.asarray(an.values, dtype=np.float64) if an is not None else None
    for i in crit:
        if not np.isfinite(z[i]):
            continue
        left = before[i - gap - 1] if i - gap - 1 >= 0 else None
        right = after[i + gap + 1] if i + gap + 1 < finite.size else None
        rest = [float(v) for v in (left, right) if v is not None]
        if not (rest and z[i] >= EXCEPTIONAL_RATIO * max(rest)):
            continue
        if x is not None:
            st = next((s for s in an.stages if s.start <= i <= s.end), None)  # type: ignore[union-attr]
            side = 1.0 if st is None or x[i] >= st.cl else -1.0
            near = side * x[max(0, i - gap):i + gap + 1]
            if np.nanmax(near) > side * x[i]:
                continue
        out.add(i)
    return out


def most_prominent(episodes: Sequence[tuple[int, int]], z: np.ndarray) -> tuple[int, int] | None:
    """The episode with the largest peak (among those at least :data:`SIMILAR_SHARE` as large: the latest)."""
    if not episodes:
        return None
    peaks = [float(np.nanmax(z[a:b + 1])) if np.isfinite(z[a:b + 1]).any() else 0.0 for a, b in episodes]
    top = max(peaks)
    return [e for e, p in zip(episodes, peaks, strict=True) if p >= SIMILAR_SHARE * top][-1]
