"""Change-correlation scoring: pure python/numpy, no database.

Every candidate change (a deployment or a config change before the onset) is
described by a few features, each mapped to a component in [0, 1]:

``time``       temporal proximity, ``2 ** (-minutes_before_onset / half_life)``:
               1 at the onset, 0.5 one half-life earlier (:data:`SERVICE_HALF_LIFE_MIN`
               = 90 min for service incidents, :data:`KPI_HALF_LIFE_MIN` = 2 days for
               daily KPIs); 0 after the onset, except within
               :data:`ONSET_TOLERANCE_MIN` after an onset *detected* on a metric (a
               stage boundary is an estimate), where it tapers from
               :data:`AFTER_ONSET_WEIGHT` to 0.
``distance``   dependency distance from the service under investigation,
               ``HOP_DECAY ** hops`` (1 for the service itself, 0.6 one hop down…).
``risk``       what changed: the riskiest file change type a deployment ships
               (:data:`CHANGE_TYPE_RISK`), or the config key's risk
               (:func:`config_risk`, read from the key's words by :mod:`tools.changes.key_risk`).
``comovement`` whether the changed service's own metrics (error rate, p99) left
               their XmR limits in the hour after the change
               (:func:`comovement_score`).
``rollback``   a rollback / revert of the change that was followed by recovery
               (:data:`ROLLBACK_RECOVERED` = 1), a rollback without visible
               recovery (:data:`ROLLBACK_ONLY` = 0.6), none (0).

They combine as (:func:`score_candidate`)::

    reach   = distance + (1 - distance) * 0.5 * comovement       # a change whose own service visibly
                                                                 # moved wins back half the hop penalty
    base    = time * reach                                       # could it be?
    support = 1 - (1 - 0.6 risk)(1 - 0.6 comovement)(1 - 0.7 rollback)   # noisy-OR: does anything say so?
    raw     = base * (0.25 + 0.75 support) * (0.3 if reverted before the onset else 1) * outcome

A deployment of unknown contents whose own service's metrics were checked and did not move after it
(:func:`checked_flat`) loses its stand-in risk: never plausible on time and place alone.

where ``outcome`` is 1 except for a deployment whose status says it failed (:func:`outcome_factor`: it never
fully reached production — 0.45, or up to 0.8 when its own service's metrics moved right after it, since a
failed rollout can break things while partly out) or was rolled back at a time not recorded (0.7).

An incident's own record naming the change (:mod:`tools.changes.named`) keeps its time score at least
``2 ** (-minutes_before / NAMED_HALF_LIFE_MIN)`` (a day) and adds a ``W_NAMED`` term to the support; the unnamed
changes are then kept below the best named one made before the onset (:func:`named_first`). An incident's own
service searched days back keeps at least ``TAIL_WEIGHT * 2 ** (-minutes_before / TAIL_HALF_LIFE_MIN)`` of time
score: ranked by closeness, never plausible on time alone.

and the confidences of a ranking (:func:`confidences`) temper each raw score by
the strongest competitor (two equally good explanations cannot both be sure)::

    confidence_i = 0.95 * raw_i * (1 - 0.3 * max_{j != i} raw_j)

which keeps the order of ``raw``. A clear single cause (minutes before the
onset, on the service, risky, its metrics moved) lands around 0.7–0.9; a
docs-only release two hours earlier around 0.1. Below :data:`PLAUSIBLE_FLOOR`
(0.25) a candidate is not a plausible explanation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tools.changes import key_risk
from tools.control_limits import xmr_limits

# ------------------------------------------------------------------ parameters

SERVICE_HALF_LIFE_MIN = 90.0
KPI_HALF_LIFE_MIN = 2 * 24 * 60.0  # daily KPIs: a detected stage start can lag the true onset by a day
HOP_DECAY = 0.6
HOP_RECOVERY = 0.5  # share of the hop penalty that co-movement on the changed service wins back
W_RISK = 0.6
W_COMOVEMENT = 0.6
W_ROLLBACK = 0.7
SUPPORT_FLOOR = 0.25  # share of the base a change gets with no supporting evidence at all
REVERTED_BEFORE_ONSET_FACTOR = 0.3  # the change was undone before the onset: it was not live
COMPETITION = 0.3
CONFIDENCE_CAP = 0.95
PLAUSIBLE_FLOOR = 0.25
#: A detected (not given) onset is an estimate: changes up to this long after it stay candidates, at most at
#: :data:`AFTER_ONSET_WEIGHT` of the time score of one at the onset.
ONSET_TOLERANCE_MIN = 60.0
AFTER_ONSET_WEIGHT = 0.5
#: A change inside the onset point's own interval (an hourly point stamped 10:00 is 10:00–11:00) scores 1 at the
#: onset, tapering to this at the interval's end: the later in it, the less of the point it could have moved —
#: so a change at the onset minute ranks above one just after it.
GRACE_END_WEIGHT = 0.7
#: A coarse series (hourly means) takes a few points to show a change: one up to :data:`SHOW_POINTS` points before
#: the onset scores 1 tapering to :data:`SHOW_END_WEIGHT`, and decays from there (series spaced ≥ :data:`SHOW_MIN_SPACING_MIN`).
SHOW_POINTS = 3
SHOW_END_WEIGHT = 0.6
SHOW_MIN_SPACING_MIN = 30.0

#: A deployment whose status says it failed keeps this share of its score (:func:`outcome_factor`) …
FAILED_FACTOR = 0.45
#: … up to this share when its own service's metrics moved right after it (it did harm while partly out).
FAILED_MOVED_FACTOR = 0.8
#: A deployment whose status says rolled back with no record of when: it may not have been live at the onset.
ROLLED_BACK_UNTIMED_FACTOR = 0.7

#: A change the incident's own record names (:mod:`tools.changes.named`): its time score decays with this half-life
#: instead (when that is higher), and it counts as support with this weight.
NAMED_HALF_LIFE_MIN = 24 * 60.0
W_NAMED = 0.8
#: An incident's own service searched days back (models.INCIDENT_LOOKBACK): a change on it keeps at least this
#: share of a slow decay (:data:`TAIL_HALF_LIFE_MIN`) — ranked by closeness, never plausible on time alone.
TAIL_WEIGHT = 0.3
TAIL_HALF_LIFE_MIN = 24 * 60.0

ROLLBACK_RECOVERED = 1.0
ROLLBACK_ONLY = 0.6

HIGH, MEDIUM, LOW = 1.0, 0.5, 0.1
#: Risk of a commit file change type (store.models.CHANGE_TYPES).
CHANGE_TYPE_RISK: dict[str, float] = {
    "db_migration": HIGH,
    "timeout_retry": HIGH,
    "http_client": HIGH,
    "dependency": HIGH,
    "auth": HIGH,
    "config": HIGH,
    "shared_util": MEDIUM,
    "other": 0.3,
    "test": LOW,
    "docs": LOW,
}
RISKY_CHANGE_TYPES = frozenset(k for k, v in CHANGE_TYPE_RISK.items() if v >= HIGH)
#: A deployment whose contents are unknown (no commits recorded) and a rollback to a known version.
UNKNOWN_DEPLOYMENT_RISK = 0.4
ROLLBACK_DEPLOYMENT_RISK = 0.2

UNKNOWN_KEY_RISK = 0.4
SECRET_ROTATION_RISK = 0.4

#: Metrics whose rise is bad and that co-movement and recovery look at.
COMOVEMENT_METRICS: tuple[str, ...] = ("error_rate", "p99_latency_ms")
COMOVEMENT_MIN_SHARE = 0.25  # share of points above the limits that noise (and drift) alone can produce
COMOVEMENT_FULL_SHARE = 0.65  # share at which co-movement counts fully
MOVED = 0.3  # a metric with at least this co-movement "moved"
RECOVERED_MAX_SHARE = 0.2


# ------------------------------------------------------------------ components


def time_score(minutes_before: float, half_life_minutes: float, after_tolerance: float = 0.0,
               after_grace: float = 0.0, before_grace: float = 0.0) -> float:
    """Exponential decay with the time between the change and the onset.

    After the onset a change scores 0 — unless the onset is an estimate (a stage boundary on a metric can sit
    a few points early) and the change falls inside ``after_tolerance`` minutes of it: then it gets
    :data:`AFTER_ONSET_WEIGHT`, tapering linearly to 0 at the tolerance (so a change just before the onset
    always beats one just after it). Within ``after_grace`` minutes (the spacing of the metric: an hourly
    point stamped 23:00 is the mean of 23:00–24:00) a change counts as at the onset, tapering from 1 to
    :data:`GRACE_END_WEIGHT` (a change at the onset minute beats one a few minutes after it). Within
    ``before_grace`` minutes before it (a few points of a coarse series, for the change to show) a change scores 1
    tapering to :data:`SHOW_END_WEIGHT`, then decays from there with the half-life.
    """
    if half_life_minutes <= 0:
        return 0.0
    if minutes_before < 0 and -minutes_before <= min(after_grace, after_tolerance):
        # inside the onset's own point: the earlier in it, the more of the point the change could have moved
        return float(1.0 - (1.0 - GRACE_END_WEIGHT) * (-minutes_before / after_grace))
    if minutes_before < 0:
        late = -minutes_before
        if after_tolerance <= 0 or late > after_tolerance:
            return 0.0
        return float(AFTER_ONSET_WEIGHT * (1.0 - late / after_tolerance))
    if before_grace > 0:
        if minutes_before <= before_grace:
            return float(1.0 - (1.0 - SHOW_END_WEIGHT) * (minutes_before / before_grace))
        return float(SHOW_END_WEIGHT * 2.0 ** (-(minutes_before - before_grace) / half_life_minutes))
    return float(2.0 ** (-minutes_before / half_life_minutes))


def show_grace(spacing_minutes: float) -> float:
    """Minutes before an onset on a series spaced ``spacing_minutes`` apart that a change may take to show."""
    return SHOW_POINTS * spacing_minutes if spacing_minutes >= SHOW_MIN_SPACING_MIN else 0.0


def distance_score(distance: int, decay: float = HOP_DECAY) -> float:
    """``decay ** hops``: 1 for the service itself, less for each dependency hop."""
    return float(decay ** max(0, distance))


def deployment_risk(change_types: Iterable[str], *, is_rollback: bool = False) -> tuple[float, list[str]]:
    """Risk of a deployment from its files' change types; returns (risk, the riskiest types, riskiest first)."""
    if is_rollback:
        return ROLLBACK_DEPLOYMENT_RISK, []
    types = sorted(set(change_types), key=lambda t: (-CHANGE_TYPE_RISK.get(t, 0.3), t))
    if not types:
        return UNKNOWN_DEPLOYMENT_RISK, []
    risk = max(CHANGE_TYPE_RISK.get(t, 0.3) for t in types)
    return risk, [t for t in types if CHANGE_TYPE_RISK.get(t, 0.3) == risk]


def config_risk(key: str, *, is_secret: bool = False, reverts: str | None = None) -> tuple[float, str]:
    """Risk of a config change from its key; returns (risk, a short reason). A change that puts back the value the
    key had before its previous change (``reverts``: that change) returns to a known state, as a rollback deployment
    does (:data:`ROLLBACK_DEPLOYMENT_RISK`), whatever the key — it is what was running before, not something new."""
    if is_secret:
        return SECRET_ROTATION_RISK, "a secret rotation"
    if reverts:
        return ROLLBACK_DEPLOYMENT_RISK, f"reverts {reverts} (back to the value before it)"
    term = key_risk.risky_term(key)
    if term:
        return HIGH, f"a risky key ({term})"
    if key_risk.is_benign(key):
        return LOW, "a cosmetic/telemetry key"
    return UNKNOWN_KEY_RISK, "a key of unknown risk"


def _finite(x: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a[np.isfinite(a)]


def share_above(baseline: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray,
                either_way: bool = False) -> float | None:
    """Share of ``after`` points above the baseline's upper XmR limit (or, ``either_way``, the larger of the
    shares above the upper and below the lower limit); None without enough data."""
    base, post = _finite(baseline), _finite(after)
    if base.size < 6 or post.size == 0:
        return None
    lim = xmr_limits(base)
    if not math.isfinite(lim.ucl):
        return None
    up = float(np.mean(post > lim.ucl))
    return max(up, float(np.mean(post < lim.lcl))) if either_way and math.isfinite(lim.lcl) else up


def comovement_score(baseline: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray,
                     either_way: bool = False) -> float | None:
    """How clearly a (bad-when-rising) metric left its baseline limits after a change, in [0, 1].

    The share of points above the baseline UCL, minus what noise gives, scaled so
    that :data:`COMOVEMENT_FULL_SHARE` or more counts fully. None without data.
    """
    share = share_above(baseline, after, either_way)
    if share is None:
        return None
    span = COMOVEMENT_FULL_SHARE - COMOVEMENT_MIN_SHARE
    return float(min(1.0, max(0.0, (share - COMOVEMENT_MIN_SHARE) / span)))


def recovered(baseline: Sequence[float] | np.ndarray, after_fix: Sequence[float] | np.ndarray) -> bool | None:
    """Whether a metric is back inside its pre-change limits after a rollback (None without data)."""
    share = share_above(baseline, after_fix)
    return None if share is None else share <= RECOVERED_MAX_SHARE


def outcome_factor(outcome: str | None, comovement: float | None, undone_known: bool = False) -> float:
    """Share of its score a deployment keeps for what its status says (:mod:`tools.changes.outcome`): all of it
    when it succeeded; :data:`FAILED_FACTOR` when it failed, rising to :data:`FAILED_MOVED_FACTOR` with the
    co-movement of its own service's metrics after it; :data:`ROLLED_BACK_UNTIMED_FACTOR` when it was rolled
    back and no record says when (a recorded rollback is scored by its time instead)."""
    if outcome == "failed":
        return FAILED_FACTOR + (FAILED_MOVED_FACTOR - FAILED_FACTOR) * min(1.0, max(0.0, comovement or 0.0))
    if outcome == "rolled_back" and not undone_known:
        return ROLLED_BACK_UNTIMED_FACTOR
    return 1.0


def rollback_score(rolled_back: bool, recovery: bool | None) -> float:
    """1 for a rollback/revert followed by recovery, 0.6 for one without visible recovery, 0 for none."""
    if not rolled_back:
        return 0.0
    return ROLLBACK_RECOVERED if recovery else ROLLBACK_ONLY


# ------------------------------------------------------------------ combination


@dataclass(frozen=True)
class Features:
    """What scoring needs to know about one candidate change."""

    minutes_before: float
    distance: int
    risk: float
    comovement: float | None = None
    rollback: float = 0.0
    reverted_before_onset: bool = False
    after_tolerance: float = 0.0  # minutes after an estimated onset a change may still be its cause
    after_grace: float = 0.0  # minutes after it that count as at the onset (the metric's spacing)
    before_grace: float = 0.0  # minutes before it a change may take to show on a coarse series (show_grace)
    outcome: float = 1.0  # share kept by a deployment that failed or was rolled back at an unknown time
    named: bool = False  # the incident's own record names it (its key, version or id): NAMED_HALF_LIFE_MIN, W_NAMED
    tail: bool = False  # an incident searched days back: a change on its own service keeps TAIL_WEIGHT's slow decay
    #: its risk is only the stand-in for unknown contents (a deployment with no recorded commits, nothing naming it)
    unknown_contents: bool = False


@dataclass(frozen=True)
class Components:
    """The score components and the combined raw plausibility, all in [0, 1]."""

    time: float
    distance: float
    risk: float
    comovement: float
    rollback: float
    reach: float
    base: float
    support: float
    raw: float
    named: float = 0.0
    tie: float = 1.0  # tools.changes.unlinked: what ties it to a KPI with no services behind it, beyond timing


def score_candidate(f: Features, *, half_life_minutes: float = SERVICE_HALF_LIFE_MIN) -> Components:
    """Combine a candidate's features into its components and raw plausibility (see the module docstring)."""
    t = time_score(f.minutes_before, half_life_minutes, f.after_tolerance, f.after_grace, f.before_grace)
    if f.minutes_before > 0 and f.named:  # the record names it: a day back is still close (a TTL, a timeout's
        t = max(t, float(2.0 ** (-f.minutes_before / NAMED_HALF_LIFE_MIN)))  # effect shows when traffic meets it)
    elif f.minutes_before > 0 and f.tail and f.distance <= 0:
        t = max(t, float(TAIL_WEIGHT * 2.0 ** (-f.minutes_before / TAIL_HALF_LIFE_MIN)))
    d = distance_score(f.distance)
    r = 0.0 if checked_flat(f) else min(1.0, max(0.0, f.risk))
    c = min(1.0, max(0.0, f.comovement or 0.0))
    b = min(1.0, max(0.0, f.rollback))
    reach = d + (1.0 - d) * HOP_RECOVERY * c
    base = t * reach
    n = 1.0 if f.named else 0.0
    support = 1.0 - (1.0 - W_RISK * r) * (1.0 - W_COMOVEMENT * c) * (1.0 - W_ROLLBACK * b) * (1.0 - W_NAMED * n)
    raw = base * (SUPPORT_FLOOR + (1.0 - SUPPORT_FLOOR) * support)
    if f.reverted_before_onset:
        raw *= REVERTED_BEFORE_ONSET_FACTOR
    raw *= min(1.0, max(0.0, f.outcome))
    return Components(time=t, distance=d, risk=r, comovement=c, rollback=b, reach=reach, base=base, support=support,
                      raw=raw, named=n)


def checked_flat(f: Features) -> bool:
    """Unknown contents (its risk a stand-in) and its service's metrics checked and flat after it: evidence against."""
    return f.unknown_contents and f.comovement is not None and f.comovement < MOVED


def after_behind_before(minutes_before: Sequence[float], raws: Sequence[float], window: float) -> list[float]:
    """Raw scores with every change made *after* the onset kept below the best change made up to ``window``
    minutes before it, when that one is plausible on its own (raw ≥ :data:`PLAUSIBLE_FLOOR`): the symptom
    began before the later change, so the earlier one started it — however risky the later one looks. Without
    such a change (the onset estimate may be early) the later ones keep their score."""
    near = [r for m, r in zip(minutes_before, raws, strict=True) if 0 <= m <= window]
    best = max(near, default=0.0)
    if best < PLAUSIBLE_FLOOR:
        return list(raws)
    cap = AFTER_BEHIND_SHARE * best
    return [min(r, cap) if m < 0 else r for m, r in zip(minutes_before, raws, strict=True)]


#: A change after the onset scores at most this share of a plausible change made just before it.
AFTER_BEHIND_SHARE = 0.95


def named_first(minutes_before: Sequence[float], raws: Sequence[float], named: Sequence[bool],
                grace: float = 0.0) -> list[float]:
    """Raw scores with every change the incident's own record does not name kept below the best one it names that
    came before the onset (up to ``grace`` minutes after it: inside the onset's own point) — the record saying
    "after the X change" is the strongest evidence there is. A named change after the onset gets no such place:
    a change after the symptom began did not start it."""
    best = max((r for m, r, n in zip(minutes_before, raws, named, strict=True) if n and m >= -grace), default=0.0)
    if best <= 0.0:
        return list(raws)
    cap = AFTER_BEHIND_SHARE * best
    return [r if n else min(r, cap) for r, n in zip(raws, named, strict=True)]


def confidences(raws: Sequence[float]) -> list[float]:
    """Confidence per candidate: its raw score tempered by the strongest competitor, capped at 0.95."""
    out = []
    for i, raw in enumerate(raws):
        rival = max((r for j, r in enumerate(raws) if j != i), default=0.0)
        out.append(float(min(1.0, max(0.0, CONFIDENCE_CAP * raw * (1.0 - COMPETITION * rival)))))
    return out


def rank(raws: Sequence[float]) -> list[int]:
    """Indexes of the candidates, best first (ties: the earlier index first)."""
    return sorted(range(len(raws)), key=lambda i: (-raws[i], i))


def is_plausible(confidence: float) -> bool:
    return confidence >= PLAUSIBLE_FLOOR
