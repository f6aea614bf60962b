"""Tickets and incidents, from the link (:mod:`tools.incidents.tickets`): "which tickets came in during <incident>?",
"is <ticket> part of an ongoing incident?", and the line a ticket's triage adds when it belongs to one."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan, Window
from agents.specialists.common import StepScope
from agents.specialists.ticket_questions import list_tickets_in
from store.evidence import EvidenceRecord
from tools.incidents.lookup import IncidentInfo
from tools.incidents.tickets import IncidentTickets, incident_tickets, ticket_incidents

MAX_LINES = 25
ASKS_INCIDENT = re.compile(r"\b(?:incidents?|outages?|major\s+issues?|disruptions?|INC)\b", re.IGNORECASE)
_HOW = {"quotes the incident": "quotes its id", "same service, during the incident": "same service, raised during it"}
_WHY = {"quotes the incident": "the ticket quotes the incident's id",
        "same service, during the incident": "the ticket was raised while it was going on, about the same service"}


def incident_asked(plan: QueryPlan) -> str | None:
    """The incident whose tickets are asked for: "which tickets came in during <id>" (a subject) or "how many
    tickets did we get about the <words> outage" (the incident found by its words, kept as a note)."""
    if "tickets:of_incident" in plan.notes and plan.subjects.incidents:
        return plan.subjects.incidents[0]
    return next((n.removeprefix("tickets:incident:") for n in plan.notes if n.startswith("tickets:incident:")), None)


async def of_incident(s: StepScope, plan: QueryPlan, incident: str | None = None) -> IncidentInfo | None:
    """The tickets of an incident — one mechanism: the link first (raised during it about its service, or quoting
    its id), oldest first, with why each is linked; only when nothing links, the tickets opened by date (the day it
    started and the next), said as such. The incident, when found."""
    incident = incident or incident_asked(plan)
    if incident is None:
        return None
    got = await s.tool("incident_tickets", incident_tickets, incident=incident)
    if got is None:
        return None
    r, records = got
    ev, inc = records[0], r.incident
    span = (f"{inc.started_at:%Y-%m-%d %H:%M} – {inc.resolved_at:%Y-%m-%d %H:%M} UTC" if inc.resolved_at
            else f"since {inc.started_at:%Y-%m-%d %H:%M} UTC, still {inc.status}")
    where = f"on {inc.service}" if inc.service else "(no service recorded: only tickets quoting its id count)"
    subject = [t.external_id for t in r.on_subject]
    if not r.items:
        s.say(f"No ticket is linked to {inc.external_id} ({inc.title}; {where}, {span}): none was raised about "
              f"{inc.service or 'its service'} while it lasted, and none quotes its id"
              + (" — but by its subject:" if r.on_subject else "."), ev)
        _on_subject(s, r, ev)
        s.data = {"incident": inc.external_id, "tickets": subject,
                  "matched_by": "subject words" if subject else "nothing linked"}
        await _by_date(s, plan, inc, ev)
        return inc
    s.say(f"{r.total} ticket{'' if r.total == 1 else 's'} linked to {inc.external_id} ({inc.title}; {where}, "
          f"{span}) — matched by the link: raised during it about its service, or quoting its id:", ev)
    for t in r.items[:MAX_LINES]:
        s.say(f"{t.external_id} “{' '.join(t.subject.split())[:120]}” — opened {t.created_at:%Y-%m-%d %H:%M} UTC, "
              f"{t.status}, {t.priority} priority ({_HOW[t.link]}).", ev)
    if r.total > MAX_LINES:
        s.say(f"… and {r.total - MAX_LINES} more in the evidence.", ev)
    _on_subject(s, r, ev, also=True)
    s.data = {"incident": inc.external_id, "tickets": [t.external_id for t in r.items] + subject, "matched_by": "link"}
    return inc


def _on_subject(s: StepScope, r: IncidentTickets, ev: EvidenceRecord, *, also: bool = False) -> None:
    """The tickets raised while the incident lasted that use words of its title (customers never name the internal
    service): counted apart from the link, each with the words it shares."""
    n = len(r.on_subject)
    if not n:
        return
    s.say(f"{'Also ' if also else ''}{n} ticket{'' if n == 1 else 's'} raised while {r.incident.external_id} lasted "
          f"{'uses' if n == 1 else 'use'} words of its title (“{r.incident.title}”) — about its subject, by the words "
          "(read them against it):", ev)
    for t in r.on_subject[:MAX_LINES]:
        s.say(f"{t.external_id} “{' '.join(t.subject.split())[:120]}” — opened {t.created_at:%Y-%m-%d %H:%M} UTC, "
              f"{t.status}, {t.priority} priority (raised during it; uses {', '.join(t.words)}).", ev)
    if n > MAX_LINES:
        s.say(f"… and {n - MAX_LINES} more in the evidence.", ev)


async def _by_date(s: StepScope, plan: QueryPlan, inc: IncidentInfo, ev: EvidenceRecord) -> None:
    """The fallback when nothing links: the tickets opened the day the incident started and the next."""
    start = inc.started_at.date()
    end = min(start + dt.timedelta(days=1), s.deps.now.date())
    w = Window(start=start, end=max(end, start), label=f"{start} and the day after")
    s.say(f"By date instead (matched by the day, not by a link), these are the tickets opened from {w.start} to "
          f"{w.end}, the day {inc.external_id} started and the next — read them for the ones about it:", ev)
    await list_tickets_in(s, plan.model_copy(update={"window": w}))
    s.data["matched_by"] = "date window"


async def of_ticket(s: StepScope, ticket: str, *, asked: bool) -> bool:
    """Whether ``ticket`` belongs to an incident, said as evidence. ``asked`` ("is it part of an ongoing
    incident?"): the answer is said either way; otherwise (a triage) only a link is worth a line. True when the
    ticket was found."""
    got = await s.tool("ticket_incidents", ticket_incidents, external_id=ticket)
    if got is None:
        return False
    r, records = got
    ev = records[0]
    if not r.items:
        if asked:
            s.say(f"{'Not by the record' if r.same_time else 'No'} — {r.external_id} (raised "
                  f"{r.created_at:%Y-%m-%d %H:%M} UTC) is not linked to any incident: none was going on about a service "
                  "it names then, and it quotes no incident's id.", ev)
            if r.same_time:  # what the link cannot see: going on then, and a word of its title in the ticket
                s.say("Going on when it was raised, and sharing a word with it (read the ticket against them): "
                      + "; ".join(f"{i.external_id} ({i.severity}, {i.title}{f', on {i.service}' if i.service else ''}"
                                  f", since {i.started_at:%Y-%m-%d %H:%M} UTC)" for i in r.same_time) + ".", ev)
        return True
    for x in r.items[:3]:
        i = x.incident
        state = (f"ongoing (started {i.started_at:%Y-%m-%d %H:%M} UTC, {i.status})" if x.ongoing else
                 f"over (resolved {i.resolved_at:%Y-%m-%d %H:%M} UTC)" if i.resolved_at else f"{i.status}")
        lead = ("Yes — " if x.ongoing else "Linked, but not ongoing — ") if asked and x is r.items[0] else ""
        s.say(f"{lead}{r.external_id} is part of {i.external_id} ({i.severity}, {i.title}"
              f"{f', on {i.service}' if i.service else ''}), which is {state}: {_WHY[x.link]}.", ev)
    s.data["incidents"] = [x.incident.external_id for x in r.items]
    return True
