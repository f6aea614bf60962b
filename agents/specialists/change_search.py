"""The change log searched by what a change was about ("did anyone change the retry settings?", "any changes to the
TLS config last week?"): the matching deployments and config changes with their evidence, or — when none is about
it — that none is, and the nearest changes."""

from __future__ import annotations

import datetime as dt

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.changes.search import search_changes

MAX_LINES = 15


def topic_of(plan: QueryPlan) -> str | None:
    return next((n.split(":", 1)[1] for n in plan.notes if n.startswith("about:")), None)


async def topic_search(s: StepScope, plan: QueryPlan, topic: str) -> None:
    w = plan.window
    since: dt.date | None = w.start if w is not None else None
    until: dt.date | None = w.end if w is not None else None
    service = plan.subjects.services[0] if plan.subjects.services else None  # "did anyone touch the <svc> ttl?"
    got = await s.tool("search_changes", search_changes, topic=topic, since=since, until=until, service=service)
    if got is None:
        return
    r, records = got
    head, items = records[0], records[1:]
    label = w.label if w is not None else "in the last 30 days"
    period = f"{label} ({r.since:%Y-%m-%d} to {r.until:%Y-%m-%d})"
    yes = "yesno" in plan.notes
    if r.matches:
        people = sorted({m.by for m in r.matches if m.by})
        s.say(f"{'Yes — ' if yes else ''}{len(r.matches)} change(s) about {topic} {period}"
              + (f", by {', '.join(people)}" if people else "") + ":", head)
        for m, rec in list(zip(r.matches, items, strict=False))[:MAX_LINES]:
            s.say(f"{m.external_id} on {m.service} at {m.at:%Y-%m-%d %H:%M} UTC: {m.what}"
                  + (f" by {m.by}" if m.by else "") + ".", rec)
        if len(r.matches) > MAX_LINES:
            s.say(f"… and {len(r.matches) - MAX_LINES} more in the evidence.", head)
        s.data = {"services": sorted({m.service for m in r.matches})}
        return
    s.say(f"{'No — no' if yes else 'No'} deployment or config change {period} is about {topic} "
          f"({r.searched} change(s) searched by key, description, version and commit message).", head)
    if r.nearest:
        s.say("The nearest: " + "; ".join(f"{m.external_id} on {m.service} ({m.what}, {m.at:%Y-%m-%d})"
                                          for m in r.nearest) + ".", items[0] if items else head)
    else:
        s.say("Nothing in that period comes close; name the service or widen the period to look further.", head)
