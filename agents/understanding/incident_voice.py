"""What customers raised about an incident named by its words: "any complaints related to the card payment
incident?", "did the <words> outage cause complaints?", "were there support cases about the <words> disruption?".
The incident is the subject — its tickets (linked, then by its title's words) — and a KPI the question's own
complaint word names (not the incident's words) is read over the incident's days, never answered alone."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan, Window
from agents.understanding.catalog import GENERIC, Catalog, norm_tokens, stem
from agents.understanding.cues import _I
from agents.understanding.lookups import _THE_NAMED_INCIDENT, _incident_by_words
from agents.understanding.timewords import TimeParse

# what customers send in: complaints, tickets, support cases and requests, calls, contacts, emails
_VOICE = re.compile(r"\b(?:complain\w*|tickets?|support\s+(?:cases?|requests?)|cases|calls|contacts|emails|"
                    r"feedback)\b", _I)
# "why did complaints go up during the outage", "what caused the outage": a KPI explained or the incident's cause
_WHY = re.compile(r"\bwhy\b|\broot\b|\bwhat\s+caused\b|\bexplain\w*\b", _I)


def incident_voice(q: str, plan: QueryPlan, cat: Catalog, tp: TimeParse) -> bool:
    """Whether ``q`` asks what customers raised about an incident it names by its words; fills ``plan``: that
    incident's tickets (``tickets:incident:<id>``, over the day it started and the next, as "tickets about the
    <words> outage"), and ``tickets:kpi:<code>`` for each KPI whose name has the customers' word ("Passenger
    complaints" for "complaints"), whatever KPI the incident's own words happen to name."""
    m = _THE_NAMED_INCIDENT.search(q)
    if m is None or plan.subjects.tickets or plan.subjects.incidents or _WHY.search(q):
        return False
    outside = q[: m.start()] + " " + q[m.end():]
    if not _VOICE.search(outside):
        return False
    incs = _incident_by_words(m.group(1), cat, tp, plan.subjects.services)
    ref = next((r for r in cat.incident_refs if incs and r.external_id == incs[0]), None)
    if ref is None:
        return False
    voiced = {stem(w) for v in _VOICE.finditer(outside) for w in norm_tokens(v.group(0))} - set(GENERIC)
    kpis = [c for c, names in cat.kpis.items() if voiced & {stem(w) for n in names for w in norm_tokens(n)}]
    end = ref.started + dt.timedelta(days=1)
    plan.window = Window(start=ref.started, end=min(end, tp.today) if tp.today else end,
                         label=f"{ref.started} and the day after")
    plan.notes.append(f"tickets:incident:{ref.external_id}")
    plan.notes += [f"tickets:kpi:{c}" for c in kpis]
    plan.kpis, plan.subjects.services, plan.subjects.scopes = [], [], []
    return True
