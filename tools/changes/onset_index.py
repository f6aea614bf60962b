"""Where a metric's move starts, from its XmR stages and critical points (pure numpy: no database).

The index-level core of :func:`tools.changes.onset.metric_onset`: critical episodes, the onset index of a move, a
stage boundary re-placed from the raw values, bursts measured from the level they left, exceptional points.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from tools.changes import rhythm, seasonal, spikes
from tools.changes.models import EPISODE_GAP, OnsetMethod
from tools.control_limits import SeriesAnalysis


def _bad(delta: float, hib: bool | None) -> bool:
    return delta != 0 and (hib is None or (delta < 0) == hib)


@dataclass(frozen=True)
class _Scale:
    """The time rules of onset detection in points of a series of this spacing."""

    gap: int = EPISODE_GAP  # points without a critical one that end an episode (an hour)
    close: int = 3  # two critical points at most this far apart make an episode (15 minutes)
    lone: bool = False  # one critical point is an episode (a point that is itself a 30-minute+ aggregate)
    per_day: int = 0  # points per day (0: not a whole number)
    jitter: int = 1  # points either side of "the same time of day" (30 minutes)

    @classmethod
    def of(cls, step_minutes: float) -> _Scale:
        if step_minutes <= 0:
            return cls()
        return cls(gap=max(1, round(60 / step_minutes)), close=max(1, round(CLOSE_MIN / step_minutes)),
                   lone=step_minutes >= 30, per_day=seasonal.points_per_day(step_minutes),
                   jitter=max(1, round(DAILY_JITTER_MIN / step_minutes)))


def _episodes(crit: list[int], n: int, scale: _Scale, keep: set[int] | frozenset[int] = frozenset()
              ) -> list[tuple[int, int]]:
    """(first, last) index of each episode of critical points (split by an hour without one), in time order.

    On 5-minute data a lone critical point counts only at the right edge of the series (it may be the
    start of something) or when it is in ``keep`` (it stands out from everything else, see
    :func:`tools.changes.spikes.exceptional`): elsewhere an episode needs three points, or two within 15
    minutes — two points 40 minutes apart are what noise gives a day of 5-minute points now and then. An
    hourly point is itself an aggregate: one beyond the limits is an episode.
    """
    episodes: list[list[int]] = []
    for i in crit:
        if episodes and i - episodes[-1][-1] <= scale.gap:
            episodes[-1].append(i)
        else:
            episodes.append([i])
    real = [e for e in episodes if scale.lone or len(e) >= 3 or e[-1] >= n - 2 or any(i in keep for i in e)
            or any(b - a <= scale.close for a, b in itertools.pairwise(e))]
    return [(e[0], e[-1]) for e in real]


def _latest_episode(crit: list[int], n: int, scale: _Scale, keep: set[int] | frozenset[int] = frozenset()
                    ) -> tuple[int, int] | None:
    """The latest of :func:`_episodes`."""
    real = _episodes(crit, n, scale, keep)
    return real[-1] if real else None


#: A stage counts as a move only when its centre shifted by at least this many sigmas of the stage before
#: (sigma = a third of the distance from the centre to the upper limit): a segmentation boundary between
#: 0.085 and 0.088 on a series whose noise is 0.03 is no jump anyone would ask about.
MIN_SHIFT_SIGMAS = 0.5
#: Two critical points at most this many minutes apart make an episode (see :func:`_latest_episode`).
CLOSE_MIN = 15
#: How far (in minutes) a point may sit from the same time of day on earlier days and still be "the same".
DAILY_JITTER_MIN = 30


def _meaningful(an: SeriesAnalysis, k: int) -> bool:
    prev, cur = an.stages[k - 1], an.stages[k]
    sigma = (prev.ucl - prev.cl) / 3.0
    return not (np.isfinite(sigma) and sigma > 0) or abs(cur.cl - prev.cl) >= MIN_SHIFT_SIGMAS * sigma


def _routine(an: SeriesAnalysis, points: list[int], scale: _Scale, raw: np.ndarray | None = None,
             first: int = 0) -> bool:
    """Whether the critical ``points`` are the service's daily rhythm (:func:`tools.changes.rhythm.recurs_daily`)."""
    return rhythm.recurs_daily(an, points, scale.per_day, scale.jitter, raw, first)


def _excursion_start(an: SeriesAnalysis, k: int) -> int | None:
    """When stage ``k`` brings the series back (to within half of the excursion) to where it was before the
    stages just ahead of it, the first of those stages; else None."""
    cl = [s.cl for s in an.stages]
    c, d = cl[k], cl[k - 1] - cl[k]
    if d == 0:
        return None
    m = k - 1
    while m - 1 >= 0 and (cl[m - 1] - c) * d > 0 and abs(cl[m - 1] - c) >= 0.5 * abs(d):
        m -= 1
    if m == 0:
        return None  # the data starts inside the excursion
    peak = max(abs(cl[i] - c) for i in range(m, k))
    return m if abs(cl[m - 1] - c) < 0.5 * peak and _meaningful(an, m) else None


def _still_climbing(an: SeriesAnalysis, k: int, start: int, episode: int) -> bool:
    """Whether stage ``k`` is a ramp that the critical episode at its end only continues: its points before
    the episode sit well on the far side of its centre from the episode (a settled stage with a new spike
    sits on its centre)."""
    st = an.stages[k]
    before = an.values[start:episode]
    before = before[np.isfinite(before)]
    sigma = (st.ucl - st.cl) / 3.0
    if before.size < 2 or not (np.isfinite(sigma) and sigma > 0):
        return False
    side = 1.0 if an.values[episode] > st.cl else -1.0
    return bool(side * (float(before.mean()) - st.cl) < -0.5 * sigma)


def _more_than_a_blip(crit: list[int], episode: tuple[int, int], scale: _Scale, keep: set[int]) -> bool:
    """Whether an episode at the right edge is evidence enough to override a stage change before it: two
    critical points, a point that stands out from the whole window, or an hourly (aggregate) point — a lone
    5-minute point just beyond the limits is what noise gives a long stage now and then."""
    points = [i for i in crit if episode[0] <= i <= episode[1]]
    return scale.lone or len(points) >= 2 or any(i in keep for i in points)


#: A later bad step is part of an earlier one still on when that one moved this many times as far (p95 150 → 380 ms,
#: then 380 → 400 ms a few hours later: the metric moved at the first; the second is its tail).
LARGER_MOVE = 3.0


def _larger_move_still_on(an: SeriesAnalysis, k: int, hib: bool | None, steps: np.ndarray | None, first: int,
                          scale: _Scale) -> int:
    """The stage of an earlier bad move, in the same direction, at least :data:`LARGER_MOVE` times the size of
    stage ``k``'s and never given back (every stage since stays at least half of it beyond where it started), when
    there is one and it is not the daily rhythm; else ``k``."""
    cl = [s.cl for s in an.stages]
    d_k = cl[k] - cl[k - 1]
    for j in range(k - 1, 0, -1):
        d = cl[j] - cl[j - 1]
        if (d * d_k > 0 and abs(d) >= LARGER_MOVE * abs(d_k) and _bad(d, hib) and _meaningful(an, j)
                and all((cl[i] - cl[j - 1]) / d >= 0.5 for i in range(j, k + 1))
                and not rhythm.steps_daily(steps, first, an.stages[j].start, d, scale.per_day, scale.jitter)):
            return j
    return k


def _onset_index(an: SeriesAnalysis, hib: bool | None, scale: _Scale = _Scale(), raw: np.ndarray | None = None,
                 first: int = 0, shape: spikes.Shape | None = None, steps: np.ndarray | None = None
                 ) -> tuple[int | None, OnsetMethod | None, int | None, int]:
    """(onset index, method, index of the new stage, critical count) from an XmR analysis.

    The latest stage whose centre moved the bad way gives the onset (at the first point of the
    evidence that confirmed it: at the right edge the boundary can sit up to ``min_size`` points
    early). A later episode of critical signals wins when it began after that stage ended, or
    when it is still going on at the right edge (a move too recent to be a stage yet). A lone point that
    stands out from the whole window is an episode too (:func:`tools.changes.spikes.exceptional`). Asked
    about a ``shape="spike"``, such a point is the onset even inside a stage that began earlier. A stage whose
    step happened the same way at the same time on the days before (``steps``: the analysed series with ``first``
    points of history) is the daily rhythm, not a move (:func:`tools.changes.rhythm.steps_daily`).
    """
    n = len(an.values)
    stage_k = None
    for k in range(len(an.stages) - 1, 0, -1):
        if not (_bad(an.stages[k].cl - an.stages[k - 1].cl, hib) and _meaningful(an, k)):
            continue
        if hib is None and k >= 2:
            # either way counts, but a move back to where it was is the end of an excursion, not its onset
            k = _excursion_start(an, k) or k
        if not rhythm.steps_daily(steps, first, an.stages[k].start, an.stages[k].cl - an.stages[k - 1].cl,
                                  scale.per_day, scale.jitter):
            stage_k = k
            break
    tail_k = stage_k  # the latest bad stage: a critical episode after it is news (not one inside its small step)
    if stage_k is not None:
        stage_k = _larger_move_still_on(an, stage_k, hib, steps, first, scale)
    crit = sorted({s.index for s in an.signals if s.state == "critical" and s.direction == "bad"})
    # asked about a spike: a burst the stage search cut out as a stage of its own is beyond the level it left (not
    # on every question — a series of routine bursts would then hide its one exceptional point, measured on NAB)
    burst = bursts(an, hib, scale) if shape == "spike" else {}
    crit = sorted(set(crit) | {i for k, ref in burst.items() for i in _beyond(an, k, ref, hib)})
    z = spikes.point_z(an, hib, burst)
    keep = spikes.exceptional(z, crit, scale.gap, an)
    if shape == "spike" and keep:  # "the spike": one that stands out from the whole window, wherever the stages are
        spike = spikes.most_prominent([e for e in _episodes(crit, n, scale, keep)
                                       if any(e[0] <= i <= e[1] for i in keep)], z)  # from its first point
        if spike is not None and not _routine(an, [i for i in crit if spike[0] <= i <= spike[1]], scale, raw, first):
            return spike[0], "critical_signal", None, len(crit)
    episode = _latest_episode(crit, n, scale, keep)
    while episode is not None and _routine(an, [i for i in crit if episode[0] <= i <= episode[1]], scale, raw, first):
        crit = [i for i in crit if i < episode[0]]  # the same time every day: look at the episode before
        episode = _latest_episode(crit, n, scale, keep)
    stage_start = None
    if stage_k is not None:
        st = an.stages[stage_k]
        stage_start = st.evidence_start if st.evidence_start is not None and st.evidence_start >= st.start else st.start
    if episode is not None and (
        stage_k is None or tail_k is None or episode[0] > an.stages[tail_k].end
        or (episode[1] >= n - 2 and stage_start is not None and episode[0] > stage_start
            and _more_than_a_blip(crit, episode, scale, keep) and not _still_climbing(an, stage_k, stage_start, episode[0]))
    ):
        return episode[0], "critical_signal", None, len(crit)
    if stage_k is not None:
        return stage_start, "stage_change", stage_k, len(crit)
    return None, None, None, len(crit)


#: How far (points) :func:`refine_boundary` may move a stage boundary, and how many points either side it compares.
REFINE_SHIFT, REFINE_SPAN = 4, 12
#: … and by how much (in squared point-to-point noise sigmas) the moved split must fit better: a 3-sigma point's worth.
REFINE_GAIN = 9.0


def refine_boundary(values: np.ndarray, b0: int, lo: int, hi: int) -> int:
    """The split of the raw values near a stage boundary ``b0`` (within :data:`REFINE_SHIFT` points, inside the
    two stages ``[lo, hi]``) that best separates the levels either side (least squares over
    :data:`REFINE_SPAN` points each way), when it fits better by more than noise would (:data:`REFINE_GAIN`). A boundary the stage search placed under a constraint — a minimum stage
    length at the window's edge, a short last stage — moves to where the values changed; a clean one stays."""
    left, right = max(lo, b0 - REFINE_SPAN), min(hi + 1, b0 + REFINE_SPAN)
    x = np.asarray(values[left:right], dtype=np.float64)
    ok = np.isfinite(x)
    if ok.sum() < 4:
        return b0
    xv = np.where(ok, x, 0.0)
    c1, c2, cn = (np.concatenate([[0.0], np.cumsum(a)]) for a in (xv, xv * xv, ok.astype(np.float64)))

    def sse(a: int, b: int) -> float:
        n = cn[b] - cn[a]
        return 0.0 if n == 0 else float((c2[b] - c2[a]) - (c1[b] - c1[a]) ** 2 / n)

    fin = x[ok]
    sigma = float(np.median(np.abs(np.diff(fin)))) / 0.954 if fin.size > 2 else 0.0
    best, best_cost = b0, sse(0, b0 - left) + sse(b0 - left, right - left)
    floor = best_cost - REFINE_GAIN * sigma * sigma  # a move must explain more than noise shuffling a few points
    for b in range(max(left + 1, b0 - REFINE_SHIFT), min(right - 1, b0 + REFINE_SHIFT) + 1):
        if cn[b - left] < 1 or cn[right - left] - cn[b - left] < 1:
            continue
        cost = sse(0, b - left) + sse(b - left, right - left)
        if cost < best_cost - 1e-12 * max(1.0, best_cost):
            best, best_cost = b, cost
    return best if best_cost < floor else b0


def bursts(an: SeriesAnalysis, hib: bool | None, scale: _Scale) -> dict[int, int]:
    """Stages that are bursts, each with the stage before it: at most an hour long (``scale.gap`` points), away
    from both neighbours on the same (bad) side, and followed by a return to within half of the excursion. Whether
    a burst is cut out as a stage of its own or left inside a wide stage depends on one boundary decision of the
    stage search; either way its points are measured from the level it left (so a spike stays a spike)."""
    out: dict[int, int] = {}
    st = an.stages
    for k in range(1, len(st) - 1):
        up, down = st[k].cl - st[k - 1].cl, st[k].cl - st[k + 1].cl
        if (st[k].end - st[k].start + 1 <= scale.gap and up * down > 0 and (hib is None or _bad(up, hib))
                and abs(st[k + 1].cl - st[k - 1].cl) <= 0.5 * abs(up)):
            out[k] = k - 1
    return out


def _beyond(an: SeriesAnalysis, k: int, ref: int, hib: bool | None) -> list[int]:
    """Indexes of stage ``k``'s points beyond stage ``ref``'s limits on the bad side."""
    s, r = an.stages[k], an.stages[ref]
    x = np.asarray(an.values[s.start:s.end + 1], dtype=np.float64)
    hi, lo = x > r.ucl, x < r.lcl
    bad = hi | lo if hib is None else (lo if hib else hi)
    return [s.start + int(i) for i in np.flatnonzero(bad)]


def _exceptional_index(an: SeriesAnalysis, scale: _Scale, raw: np.ndarray | None = None, first: int = 0
                       ) -> tuple[int | None, OnsetMethod | None, None, int]:
    """(index, method, None, critical count): the latest episode holding a point that stands out from the whole
    window (:func:`tools.changes.spikes.exceptional`, either side) and is not the daily rhythm; None without one."""
    crit = sorted({s.index for s in an.signals if s.state == "critical" and s.direction == "bad"})
    keep = spikes.exceptional(spikes.point_z(an, None), crit, scale.gap, an)
    for e in reversed(_episodes(crit, len(an.values), scale, keep)):
        if any(e[0] <= i <= e[1] for i in keep) and not _routine(
                an, [i for i in crit if e[0] <= i <= e[1]], scale, raw, first):
            return e[0], "critical_signal", None, len(crit)
    return None, None, None, len(crit)
