""""What's our average time to resolve incidents?", "MTTR this month by priority", "how long do incidents take to fix
on <service>?": the mean and median time to resolve from the ``incident_resolve_times`` tool, the period said, the
incidents still open counted and left out."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.incidents.resolve_times import DEFAULT_DAYS, incident_resolve_times


def took(minutes: float | None) -> str:
    """"45 min", "3 h 25 min", "2 d 4 h": a time to resolve as operators say it."""
    if minutes is None:
        return "n/a"
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    h, mm = divmod(m, 60)
    if h < 48:
        return f"{h} h" + (f" {mm} min" if mm else "")
    return f"{h // 24} d" + (f" {h % 24} h" if h % 24 else "")


async def resolve_times(s: StepScope, plan: QueryPlan) -> None:
    w = plan.window
    by = next((n.removeprefix("incident:by:") for n in plan.notes if n.startswith("incident:by:")), None)
    args: dict[str, Any] = {"start": w.start, "end": w.end} if w is not None and w.explicit else {}
    got = await s.tool("incident_resolve_times", incident_resolve_times, by=by,
                       service=plan.subjects.services[0] if plan.subjects.services else None,
                       severity=plan.filters.severity or None, **args)
    if got is None:
        return
    r, records = got
    ev, o = records[0], r.overall
    period = (f"in the last {DEFAULT_DAYS} days ({r.start} to {r.end}; no period was asked)" if r.default_period
              else f"between {r.start} and {r.end}")
    what = f"{'/'.join(r.severity)} incidents" if r.severity else "incidents"
    where = f" on {r.service}" if r.service else ""
    opened = f"{what}{where} that started {period}"
    left = (f"; {o.still_open} not resolved as of {r.as_of:%Y-%m-%d %H:%M} UTC, left out"
            + (f" ({', '.join(r.open_ids)}{'…' if o.still_open > len(r.open_ids) else ''})" if r.open_ids else "")
            if o.still_open else "")
    if not o.resolved:
        s.say(f"No resolved {opened}, so there is no time to resolve to give" + left + ".", ev)
        return
    s.say(f"Mean time to resolve {opened}: {took(o.mean_minutes)} (median {took(o.median_minutes)}) over "
          f"{o.resolved} resolved incident(s), from start to resolution" + left + ".", ev)
    if o.resolved > 1 and o.longest:
        s.say(f"The longest was {o.longest} ({took(o.longest_minutes)}).", ev)
    if r.groups:
        label = "priority (severity)" if by == "severity" else str(by)
        s.say(f"By {label}: " + "; ".join(
            f"{k} {took(g.mean_minutes)} (median {took(g.median_minutes)}, {g.resolved} resolved"
            + (f", {g.still_open} open" if g.still_open else "") + ")" for k, g in r.groups.items()) + ".", ev)
    s.data = {"mean_minutes": o.mean_minutes, "median_minutes": o.median_minutes, "resolved": o.resolved,
              "still_open": o.still_open, "groups": {k: g.mean_minutes for k, g in r.groups.items()}}
