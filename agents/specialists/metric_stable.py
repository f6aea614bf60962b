""""Is <service> stable?" / "is the webhook queue depth steady?": a verdict from the analysis of the last week, not
the value now. Each metric asked (or each of the service's metrics when none is named) is run through the onset
analysis (:func:`tools.changes.metric_onset`: stages and signals, its daily cycle taken out): no shift and no run
of signals is stable; otherwise when it moved, and the levels it held since."""

from __future__ import annotations

from typing import Any

from agents.specialists.common import StepScope
from tools.changes import metric_onset

LOOK_BACK_HOURS = 7 * 24
SLIGHT = 0.03  # a shift smaller than this share of the level is no move: a busy series drifts by that much


def _slight(r: Any) -> bool:
    return (r.before_level is not None and r.after_level is not None
            and abs(r.after_level - r.before_level) < SLIGHT * abs(r.before_level))
# Each role's metric, and the tail latency beside the first latency one (a p50 that held while the p99 rose).
_ALL = ("errors", "latency", "tail latency", "saturation", "throughput")


async def say_stable(s: StepScope, service: str, metric: str) -> bool:
    """Say whether ``metric`` ("any": each of the service's metrics) stayed stable over the last week of its
    data; False when there was nothing to analyse (the caller answers as it would have)."""
    among = _ALL if metric == "any" else ("latency", "tail latency") if metric == "latency" else (metric,)
    seen: dict[str, tuple[Any, list[Any]]] = {}
    noticed = len(s.notices)
    for m in among:
        mark = len(s.notices)
        got = await s.tool("metric_onset", metric_onset, service=service, metric=m, hours=LOOK_BACK_HOURS)
        if got is None:
            if len(among) > 1:
                del s.notices[mark:]  # a role the service has no metric for is no news
            continue
        if got[0].n_points and got[0].metric not in seen:
            seen[got[0].metric] = got
    if not seen:
        return len(s.notices) > noticed  # "p99 of <svc>" it does not have: said, with what it has
    moved = [r for r, _ in seen.values() if r.onset is not None and not _slight(r)]
    first = next(iter(seen.values()))
    if not moved:
        names = ", ".join(seen)
        s.say(f"Yes — {first[0].service} is stable: {names} show{'s' if len(seen) == 1 else ''} no shift of note and "
              f"no run of points beyond {'its' if len(seen) == 1 else 'their'} limits from {first[0].start:%Y-%m-%d %H:%M} to "
              f"{first[0].end:%Y-%m-%d %H:%M} UTC (the onset analysis, its daily cycle taken out).", *first[1][:1])
    else:
        s.say(f"No — {first[0].service} was not stable from {first[0].start:%Y-%m-%d %H:%M} to "
              f"{first[0].end:%Y-%m-%d %H:%M} UTC: " + "; ".join(
                  f"{r.metric} moved {r.direction or ''} at {r.onset:%Y-%m-%d %H:%M} UTC"
                  + (f" (from {r.before_level:.4g} to {r.after_level:.4g})"
                     if r.before_level is not None and r.after_level is not None else "") for r in moved) + ".",
              *seen[moved[0].metric][1][:1])
    for r, records in seen.values():
        if r.onset is not None and _slight(r):
            s.say(f"{r.metric}'s only shift, at {r.onset:%Y-%m-%d %H:%M} UTC, is slight: from {r.before_level:.4g} to "
                  f"{r.after_level:.4g} (under {SLIGHT:.0%} of its level).", *records[:1])
        elif len(r.stages) > 1 and r.onset is not None:  # where it went after the move: back, or still there
            last = r.stages[-1]
            s.say(f"{r.metric} since {last.start:%Y-%m-%d %H:%M} UTC: around {last.cl:.4g} (limits {last.lcl:.4g}–"
                  f"{last.ucl:.4g}), after {len(r.stages) - 1} shift(s) in the week.", *records[:1])
        elif r.onset is None and r.stages:
            st = r.stages[-1]
            s.say(f"{r.metric} holds around {st.cl:.4g} (limits {st.lcl:.4g}–{st.ucl:.4g}).", *records[:1])
    return True
