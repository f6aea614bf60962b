"""A change freeze the organisation wrote down ("did anyone change anything during the peak freeze?"): its window
read from the runbook page that sets it ("From 2026-11-20 00:00 to 2027-01-04 23:59 …", "- Black Friday:
2026-11-26 00:00 to 2026-11-29 23:59 UTC"), so the change log can be read over exactly those days. The page is
found by meaning (runbook search); the range is the one whose line shares a word with the question's name for the
freeze, else the one around the run's now, else the latest one that has begun."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.retrieval import search
from tools.retrieval.documents import get_document

_DAY = r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?"
_RANGE = re.compile(rf"{_DAY}\s*(?:to|until|till|through|–|—|-)\s*{_DAY}", re.I)
_QUIET = frozenset({"the", "a", "an", "our", "this", "that", "change", "changes", "code", "freeze", "during", "in"})


def _at(day: str, clock: str | None, end: bool) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    if clock:
        h, m = (int(x) for x in clock.split(":"))
        return dt.datetime.combine(d, dt.time(h, m, 59 if end else 0), dt.UTC)
    return dt.datetime.combine(d, dt.time.max if end else dt.time.min, dt.UTC)


def pick_range(body: str, words: set[str], now: dt.datetime) -> tuple[dt.datetime, dt.datetime, str] | None:
    """The freeze range a page's text gives: ``(start, end, the line it is on)``."""
    found: list[tuple[dt.datetime, dt.datetime, str]] = []
    for line in body.splitlines():
        for m in _RANGE.finditer(line):
            start, end = _at(m.group(1), m.group(2), False), _at(m.group(3), m.group(4), True)
            if start <= end:
                found.append((start, end, " ".join(line.strip(" -*").split())))
    if not found:
        return None
    named = [f for f in found if words & set(re.findall(r"[a-z]+", f[2].lower()))]
    if len(named) == 1:
        return named[0]
    around = [f for f in found if f[0] <= now <= f[1]]
    begun = sorted((f for f in found if f[0] <= now), key=lambda f: f[0])
    return (around or begun[-1:] or found)[0]


async def freeze_window(s: StepScope, plan: QueryPlan) -> tuple[dt.datetime, dt.datetime] | None:
    """The freeze's window from the organisation's runbooks, said with where it comes from; None when no page sets
    one (the caller then reads the asked window, and says so)."""
    said = next((n.removeprefix("freeze:") for n in plan.notes if n.startswith("freeze:")), None)
    if said is None:
        return None
    words = {w for w in re.findall(r"[a-z]+", said.lower()) if w not in _QUIET}
    got = await s.tool("search", search, query=f"change freeze {said}".strip(), k=5, kinds=("runbook",))
    if got is None:
        return None
    hits: list[Any] = [h for h in got[0].hits if h.external_id and "freeze" in f"{h.title} {h.snippet}".lower()]
    for hit in hits[:3]:
        doc = await s.tool("get_document", get_document, external_id=hit.external_id)
        if doc is None:
            continue
        picked = pick_range(doc[0].body, words, s.deps.now)
        if picked is not None:
            start, end, line = picked
            local = bool(re.search(r"\b(?:local|[A-Z]{2,4}\s+time|BST|CET|CEST|EST|EDT|PST|PDT)\b", line)) and not re.search(
                r"\b(?:UTC|GMT|Z)\b", line)
            s.say(f"The runbook page {hit.external_id} (“{doc[0].title}”) sets the freeze: “{line[:200]}” — "
                  f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
                  + (" (the page's local times read as UTC)" if local else "") + ".", *doc[1][:1])
            return start, min(end, s.deps.now)
    s.say("No runbook page gives the freeze's dates, so here are the changes of the period asked.")
    return None
