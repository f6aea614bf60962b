""""What's our average time to resolve incidents?", "MTTR this month by priority", "how long do incidents take to fix
on <service>?": the mean and median time to resolve from the ``incident_resolve_times`` tool, the period said, the
incidents still open counted and left out."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.incidents.resolve_times import DEFAULT_DAYS, DEFAULT_MONTHS, IncidentResolveTimes, incident_resolve_times


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
    span = f"{DEFAULT_MONTHS} months" if by == "month" else f"{DEFAULT_DAYS} days"
    period = (f"in the last {span} ({r.start} to {r.end}; no period was asked)" if r.default_period
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
    if r.groups and by == "month":
        empty = [m for m, g in r.groups.items() if not g.resolved and not g.still_open]
        s.say("By month they started in: " + "; ".join(
            f"{m} {took(g.mean_minutes)} (median {took(g.median_minutes)}, {g.resolved} resolved"
            + (f", {g.still_open} open" if g.still_open else "") + ")" if g.resolved else f"{m} none resolved "
            f"({g.still_open} open)" for m, g in r.groups.items() if m not in empty)
            + (f"; no incidents started in {', '.join(empty)}" if empty else "") + ".", ev)
        if "incident:trend" in plan.notes:
            s.say(_trend(r), ev)
    elif r.groups:
        label = "priority (severity)" if by == "severity" else str(by)
        s.say(f"By {label}: " + "; ".join(
            f"{k} {took(g.mean_minutes)} (median {took(g.median_minutes)}, {g.resolved} resolved"
            + (f", {g.still_open} open" if g.still_open else "") + ")" for k, g in r.groups.items()) + ".", ev)
    s.data = {"mean_minutes": o.mean_minutes, "median_minutes": o.median_minutes, "resolved": o.resolved,
              "still_open": o.still_open, "groups": {k: g.mean_minutes for k, g in r.groups.items()}}


def _trend(r: IncidentResolveTimes) -> str:
    """"Is our MTTR getting worse?": the latest month with resolved incidents against all the months before it (a
    mean weighted by their incidents), with how many incidents each side rests on."""
    months = [(m, g) for m, g in r.groups.items() if g.resolved and g.mean_minutes is not None]
    if len(months) < 2:
        return ("Too few months with resolved incidents in this period to tell a trend "
                f"({len(months)} month(s) with any).")
    (last, g), before = months[-1], months[:-1]
    names = list(r.groups)
    span = f"{names[0]} to {names[names.index(last) - 1]}" if names.index(last) > 1 else names[0]
    n = sum(x.resolved for _, x in before)
    mean = sum((x.mean_minutes or 0) * x.resolved for _, x in before) / n
    ratio = (g.mean_minutes or 0) / mean if mean else 1.0
    verdict = ("slower — worse" if ratio > 1.2 else "faster — better" if ratio < 1 / 1.2
               else "about the same (within 20%)")
    so_far = " (so far)" if last == f"{r.as_of:%Y-%m}" else ""
    few = (" Few incidents on either side: one long one moves a mean, so read this as a hint, not a trend."
           if min(g.resolved, n) < 5 else "")
    return (f"Trend: {last}{so_far} took {took(g.mean_minutes)} on average over {g.resolved} resolved incident(s), "
            f"against {took(mean)} over {n} in the months before it ({span}): {verdict}.{few}")
