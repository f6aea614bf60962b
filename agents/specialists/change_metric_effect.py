"""Did a named change hurt a service metric ("did raising <KEY> to 48 hurt <service> latency?"): that change, the
metric over the days before it against the days after it — and when the metric has no data before the change, that
said plainly (a later move is no answer about this change)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.change_impact import the_change
from tools.changes.changelog import service_links
from tools.changes.metric_window import metric_window

SIDE = dt.timedelta(days=7)  # the days compared on each side of the change
MOVED = 0.10  # a change of the mean this large (relative) is a move; smaller is "no clear change"


async def say_metric_effect(s: Any, plan: QueryPlan, service: str, metric: str, now: dt.datetime) -> bool:
    """Say the named change and the metric's mean the week before it against the week after; True when answered."""
    span = await the_change(s, plan, now)  # names the change (its record line)
    if span is None:
        return False
    at = span[2]
    ext = (plan.subjects.deployments or plan.subjects.config_changes)[0]
    own = s.deps.catalog.change_services.get(ext, (service, None))[0]
    if own != service:  # "did <ocpp change> hurt <payments service> latency?": said first, then the asked metric
        await _other_service(s, ext, own, service)
    noticed = len(s.notices)
    after = await s.tool("metric_window", metric_window, service=service, metric=metric, start=at,
                         end=min(now, at + SIDE))
    before = await s.tool("metric_window", metric_window, service=service, metric=metric, start=at - SIDE, end=at)
    del s.notices[noticed:]
    name = after[0].metric if after is not None else before[0].metric if before is not None else metric
    if before is None or not before[0].n or before[0].mean is None:
        s.say(f"I can't tell whether {ext} hurt {service} {name}: there is no {name} data for {service} in the "
              f"{SIDE.days} days before {ext} ({at:%Y-%m-%d %H:%M} UTC), so there is nothing to compare after it with."
              + ("" if after is None else f" After it: mean {after[0].mean:.4g} over {after[0].n} points "
                 f"({after[0].start:%Y-%m-%d} to {after[0].end:%Y-%m-%d})."), *(after[1][:1] if after else []))
        s.data = {"change": ext, "verdict": "unknown"}
        return True
    b, b_recs = before
    if after is None or not after[0].n or after[0].mean is None:
        s.say(f"I can't tell whether {ext} hurt {service} {name}: it has no {name} data after {ext} "
              f"({at:%Y-%m-%d %H:%M} UTC).", b_recs[0] if b_recs else None)
        s.data = {"change": ext, "verdict": "unknown"}
        return True
    a, a_recs = after
    change = a.mean - b.mean
    rel = change / abs(b.mean) if b.mean else None
    moved = rel is None or abs(rel) >= MOVED
    hib = a.higher_is_better if a.higher_is_better is not None else b.higher_is_better
    worse = None if hib is None else (change < 0) == hib
    verdict = ("No clear change" if not moved else
               f"{'Yes — worse' if worse else 'No — better'}" if worse is not None else
               f"It {'rose' if change > 0 else 'fell'}")
    pct = f" ({rel:+.1%})" if rel is not None else ""
    s.say(f"{verdict}: {service} {name} averaged {b.mean:.4g} in the {SIDE.days} days before {ext} "
          f"({b.n} points) and {a.mean:.4g} in the {(a.end - a.start).days or 1} day(s) after ({a.n} points), "
          f"{change:+.4g}{pct}.", b_recs[0] if b_recs else None, a_recs[0] if a_recs else None)
    s.data = {"change": ext, "verdict": "worse" if moved and worse else "better" if moved and worse is False
              else "unchanged" if not moved else "moved"}
    return True


async def _other_service(s: Any, ext: str, own: str, service: str) -> None:
    """The change was made on another service than the one asked about: said, with whether the asked one depends on
    it (directly or through others) — a move with no such path is only a coincidence in time."""
    got = await s.tool("service_links", service_links, service=service)
    links, recs = (got[0], got[1]) if got is not None else (None, [])
    if links is None:
        s.say(f"{ext} was made on {own}, not on {service}.")
        return
    path = ("depends on it directly" if own in links.depends_on else
            "depends on it through other services" if own in links.transitive_dependencies else
            f"does not depend on it (it depends on {', '.join(links.depends_on) or 'no recorded service'})")
    s.say(f"{ext} was made on {own}, not on {service}; {service} {path}"
          + ("" if own in links.transitive_dependencies else ", so a move there after it would be a coincidence in time")
          + f". Here is {service}'s own metric either side of {ext}:", recs[0] if recs else None)
