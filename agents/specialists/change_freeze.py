"""A change freeze the organisation wrote down ("did anyone change anything during the peak freeze?"): its window
from the same freeze evidence the change correlator uses (:func:`tools.changes.freeze.freeze_windows`) — the
imported freeze calendar and the runbook pages that set one ("From 2026-11-20 00:00 to 2027-01-04 23:59 …",
"- Black Friday: 2026-11-26 00:00 to 2026-11-29 23:59 UTC"), the calendar winning where both speak — so the change
log can be read over exactly those days. The freeze is the one whose name or line shares a word with the
question's name for it, else the one around the run's now, else the latest one that has begun; the answer says
where it came from."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.changes.freeze import FreezeInfo, freeze_windows, page_freezes

_QUIET = frozenset({"the", "a", "an", "our", "this", "that", "change", "changes", "code", "freeze", "during", "in"})


def pick(windows: Sequence[FreezeInfo], words: set[str], now: dt.datetime) -> FreezeInfo | None:
    """The freeze asked about: the only one whose name (or page line) shares a word with the question's name for
    it, else the one around ``now``, else the latest begun, else the first."""
    if not windows:
        return None
    named = [w for w in windows if words & set(re.findall(r"[a-z]+", f"{w.name} {w.line or ''}".lower()))]
    if len(named) == 1:
        return named[0]
    pool = named or list(windows)
    around = [w for w in pool if w.starts_at <= now <= w.ends_at]
    begun = sorted((w for w in pool if w.starts_at <= now), key=lambda w: w.starts_at)
    return (around or begun[-1:] or list(pool))[0]


def pick_range(body: str, words: set[str], now: dt.datetime) -> tuple[dt.datetime, dt.datetime, str] | None:
    """The freeze range one page's text gives: ``(start, end, the line it is on)`` (a page read on its own)."""
    found = page_freezes("page", "", body)
    named = [w for w in found if words & set(re.findall(r"[a-z]+", (w.line or "").lower()))]
    w = named[0] if len(named) == 1 else pick(found, set(), now)
    return None if w is None else (w.starts_at, w.ends_at, w.line or "")


async def freeze_window(s: StepScope, plan: QueryPlan) -> tuple[dt.datetime, dt.datetime] | None:
    """The freeze's window from the freeze calendar or a runbook page, said with where it comes from; None when
    neither sets one (the caller then reads the asked window, and says so)."""
    said = next((n.removeprefix("freeze:") for n in plan.notes if n.startswith("freeze:")), None)
    if said is None:
        return None
    words = {w for w in re.findall(r"[a-z]+", said.lower()) if w not in _QUIET}
    got = await s.tool("freeze_windows", freeze_windows, since=s.deps.now - dt.timedelta(days=730),
                       until=s.deps.now + dt.timedelta(days=366))
    if got is None:
        return None
    r, records = got
    w = pick(r.items, words, s.deps.now)
    if w is None:
        s.say("Neither the freeze calendar nor a runbook page gives the freeze's dates, so here are the changes of "
              "the period asked.", *records[:1])
        return None
    days = f"{w.starts_at:%Y-%m-%d %H:%M} to {w.ends_at:%Y-%m-%d %H:%M} UTC"
    scope = f", for {', '.join(w.services)}" if w.services else ""
    if w.source == "runbook":
        s.say(f"The runbook page {w.document} sets the freeze: “{(w.line or '')[:200]}” — {days}"
              + (" (the page's local times read as UTC)" if w.local_times else "") + f"{scope}.", *records[:1])
    else:
        why = f": {w.reason}" if w.reason else ""
        s.say(f"The freeze calendar sets the {w.name} freeze: {days}{scope}{why}.", *records[:1])
    return w.starts_at, min(w.ends_at, s.deps.now)
