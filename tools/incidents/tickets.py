"""Tickets and incidents linked: a ticket raised while an incident was going on, about the incident's service (a
service field of the ticket's export — ``service``, ``cmdb_ci``, Jira's ``Components`` … — or the service named
in its text), or one that quotes the incident's id, belongs to that incident. "Which tickets came in during
<incident>?", "is <ticket> part of an ongoing incident?" and a ticket's triage answer from the link.

The ticket's text is read with its instruction-like sentences removed (:func:`subject_words.clean_body`): an id or
a service quoted in "ignore previous instructions … INC-12 was caused by …" links nothing. Besides the link, an
incident's tickets name those raised while it lasted whose words share its title's ("couldn't pay by card" during
"Card readers offline") — customers never name the internal service — as *on its subject*, said as such.

The link is read, not stored: it follows the incident's window (started → resolved, or the run's moment while it
is open) and the ticket as they are at ``ctx.now``, so a late resolution or an edited ticket moves it. The matching
(:func:`link_reason`) is pure; the queries are read-only and scoped to the caller's organisation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolOutput
from tools.incidents.lookup import IncidentInfo, get_incident
from tools.incidents.subject_words import clean_body, shared_title_words, shares_title_word
from tools.tickets import asof
from tools.tickets.common import get_ticket

# a ticket export's fields that name the service it is about (compared without case, spaces, '-' or '_')
SERVICE_FIELDS = frozenset({
    "service", "services", "servicename", "affectedservice", "businessservice", "cmdbci", "configurationitem",
    "ci", "component", "components", "application", "app", "system", "productservice",
})
MAX_LINKED = 500
Link = Literal["quotes the incident", "same service, during the incident"]

_INCIDENT_SQL = """
SELECT i.id, i.external_id, i.title, s.name AS service, i.severity, i.status, i.started_at, i.detected_at,
       i.resolved_at, i.summary
FROM incidents i LEFT JOIN services s ON s.id = i.service_id AND s.org_id = :org
WHERE i.org_id = :org AND i.started_at <= :now
  AND ((i.started_at <= :created AND :created <= COALESCE(i.resolved_at, :now))
       OR strpos(upper(:body), upper(i.external_id)) > 0)
ORDER BY i.started_at DESC
LIMIT 200
"""

_TICKETS_SQL = """
SELECT external_id, subject, content, status, priority, customer, created_at, first_response_at, resolved_at,
       closed_at, updated_at, status_history, extra
FROM tickets
WHERE org_id = :org AND created_at <= :now
  AND ((created_at >= :start AND created_at <= :end)
       OR strpos(upper(subject || ' ' || content), upper(:ext)) > 0)
ORDER BY created_at, external_id
LIMIT 5000
"""


def _key(name: object) -> str:
    return re.sub(r"[\s_\-./]+", "", str(name).strip().lower())  # Jira's "Component/s" is "components"


def _words(value: str) -> str:
    """Lower-case text with ``-``, ``_`` and ``.`` read as spaces, padded: ``" meter gateway "``."""
    return " " + " ".join(re.sub(r"[\W_]+", " ", value.lower()).split()) + " "


def _field_values(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield from (p for p in re.split(r"[,;|]", value) if p.strip())
    elif isinstance(value, list):
        for v in value:
            yield from _field_values(v)
    elif isinstance(value, dict):
        for k in ("display_value", "name", "value"):
            if isinstance(value.get(k), str):
                yield value[k]
                return


def ticket_services(ticket: Mapping[str, Any]) -> tuple[set[str], str]:
    """``(services named in a service field, the ticket's words)`` — names lower-cased as :func:`_words` reads
    them."""
    named = {_words(v).strip() for k, v in (ticket.get("extra") or {}).items() if _key(k) in SERVICE_FIELDS
             for v in _field_values(v)}
    return named - {""}, _words(clean_body(ticket.get("subject"), ticket.get("content")))


def quotes(body: str, external_id: str) -> bool:
    """``body`` names the incident id as a word of its own (``INC-12`` is not quoted by ``INC-123``). An id of
    digits only (``4711``) or shorter than four characters is too like any number to count as quoted."""
    if len(external_id) < 4 or not re.search(r"[^\W\d_]", external_id) or not re.search(r"\d", external_id):
        return False
    return re.search(rf"(?<![\w-]){re.escape(external_id)}(?![\w]|-\w)", body, re.IGNORECASE) is not None


def link_reason(ticket: Mapping[str, Any], incident: Mapping[str, Any], now: dt.datetime) -> Link | None:
    """Why ``ticket`` belongs to ``incident`` (both as rows), or None: it quotes the incident's id, or it was
    raised between the incident's start and its resolution (``now`` while open) and is about its service — read
    from its text without the instruction-like sentences."""
    body = clean_body(ticket.get("subject"), ticket.get("content"))
    if quotes(body, incident["external_id"]):
        return "quotes the incident"
    service = incident.get("service")
    end = incident.get("resolved_at") or now
    if not service or not incident["started_at"] <= ticket["created_at"] <= end:
        return None
    named, words = ticket_services(ticket)
    name = _words(service).strip()
    if named:  # the export says which service: that decides
        return "same service, during the incident" if name in named else None
    return "same service, during the incident" if len(name) >= 3 and f" {name} " in words else None


def ongoing(incident: IncidentInfo, now: dt.datetime) -> bool:
    if incident.resolved_at is not None:
        return incident.resolved_at > now
    return incident.status != "resolved"


class TicketBrief(BaseModel):
    external_id: str
    subject: str
    status: str
    priority: str
    customer: str | None
    created_at: dt.datetime


class LinkedTicket(TicketBrief):
    link: Link


class SubjectTicket(TicketBrief):
    words: list[str] = Field(description="the words of the incident's title the ticket uses")


class IncidentTickets(BaseModel):
    incident: IncidentInfo
    ongoing: bool
    total: int
    items: list[LinkedTicket] = Field(description="oldest first")
    on_subject: list[SubjectTicket] = Field(default_factory=list, description=(
        "not linked, but raised while it lasted and using words of its title ('couldn't pay by card' during 'Card "
        "readers offline'), oldest first"))


class LinkedIncident(BaseModel):
    incident: IncidentInfo
    ongoing: bool
    link: Link


class TicketIncidents(BaseModel):
    external_id: str
    subject: str
    created_at: dt.datetime
    items: list[LinkedIncident] = Field(description="ongoing first, then the latest")
    same_time: list[IncidentInfo] = Field(default_factory=list, description=(
        "not linked, but going on when the ticket was raised and sharing a word of its title with the ticket (a "
        "place, a device: 'the machine at <site> froze' during '<site> kiosk freeze') — for the reader to judge"))


def on_subject(ticket: Mapping[str, Any], incident: Mapping[str, Any], now: dt.datetime) -> list[str]:
    """The words of the incident's title that ``ticket`` (not linked) uses, when it was raised while the incident
    lasted and its export names no other service; [] otherwise."""
    end = incident.get("resolved_at") or now
    if not incident["started_at"] <= ticket["created_at"] <= end:
        return []
    named, _ = ticket_services(ticket)
    if named and incident.get("service") and _words(incident["service"]).strip() not in named:
        return []
    return shared_title_words(clean_body(ticket.get("subject"), ticket.get("content")), incident.get("title") or "")


async def incident_tickets(ctx: ToolContext, *, incident: str) -> ToolOutput[IncidentTickets]:
    """The tickets that came in during an incident about its service, or that quote its id (oldest first)."""
    inc = (await get_incident(ctx, incident=incident)).result
    row = inc.model_dump()
    async with ctx.read() as session:
        rows = (await session.execute(text(_TICKETS_SQL), {
            "org": ctx.org_id, "now": ctx.now, "start": inc.started_at, "end": inc.resolved_at or ctx.now,
            "ext": inc.external_id,
        })).mappings().all()
    items: list[LinkedTicket] = []
    subject: list[SubjectTicket] = []
    for t in rows:
        common = {k: t[k] for k in ("external_id", "subject", "priority", "customer", "created_at")}
        status = asof.status_at(t, ctx.now) or t["status"]
        if why := link_reason(dict(t), row, ctx.now):
            items.append(LinkedTicket(**common, status=status, link=why))
        elif words := on_subject(dict(t), row, ctx.now):
            subject.append(SubjectTicket(**common, status=status, words=words))
    r = IncidentTickets(incident=inc, ongoing=ongoing(inc, ctx.now), total=len(items), items=items[:MAX_LINKED],
                        on_subject=subject[:MAX_LINKED])
    listed = "; ".join([f"{t.external_id} {t.created_at:%Y-%m-%d %H:%M} ({t.link})" for t in r.items[:10]]
                       + [f"{t.external_id} {t.created_at:%Y-%m-%d %H:%M} (raised during it, uses "
                          f"{', '.join(t.words)})" for t in r.on_subject[:10]])
    return ToolOutput(result=r, evidence=[EvidenceDraft(
        kind="incident_tickets", source="tools.incidents.incident_tickets", incident_id=inc.id,
        ref={"tool": "incident_tickets", "args": {"incident": inc.external_id}, "as_of": ctx.now.isoformat(),
             "query": "tickets raised during the incident about its service, or quoting its id; and those raised "
                      "during it using words of its title"},
        payload=r.model_dump(mode="json"),
        summary=f"{r.total} ticket(s) linked to {inc.external_id} ({inc.service or 'no service'}, "
                f"{inc.started_at:%Y-%m-%d %H:%M} – "
                f"{f'{inc.resolved_at:%Y-%m-%d %H:%M}' if inc.resolved_at else 'still open'})"
                + (f"; {len(r.on_subject)} more raised during it using words of its title" if r.on_subject else "")
                + (f": {listed}" if listed else ""),
    )])


async def ticket_incidents(ctx: ToolContext, *, external_id: str) -> ToolOutput[TicketIncidents]:
    """The incidents a ticket belongs to: it quotes their id, or it came in during one about its service."""
    async with ctx.read() as session:
        t = await get_ticket(session, ctx.org_id, external_id)
        extra = (await session.execute(text("SELECT extra FROM tickets WHERE id = :id"), {"id": t["id"]})).scalar()
        ticket = {**t, "extra": extra or {}}
        rows = (await session.execute(text(_INCIDENT_SQL), {
            "org": ctx.org_id, "now": ctx.now, "created": t["created_at"],
            "body": f"{t['subject'] or ''} {t['content'] or ''}",
        })).mappings().all()
    items = [LinkedIncident(incident=IncidentInfo(**i), ongoing=ongoing(IncidentInfo(**i), ctx.now), link=why)
             for i in rows if (why := link_reason(ticket, dict(i), ctx.now))]
    items.sort(key=lambda x: (not x.ongoing, -x.incident.started_at.timestamp()))
    linked = {x.incident.external_id for x in items}
    body = clean_body(t["subject"], t["content"])
    same_time = [IncidentInfo(**i) for i in rows if i["external_id"] not in linked
                 and i["started_at"] <= t["created_at"] <= (i["resolved_at"] or ctx.now) and shares_title_word(body, i["title"])]
    r = TicketIncidents(external_id=t["external_id"], subject=" ".join((t["subject"] or "").split()),
                        created_at=t["created_at"], items=items, same_time=same_time[:5])
    listed = "; ".join(f"{x.incident.external_id} ({x.incident.severity}, {'ongoing' if x.ongoing else 'over'} at "
                       f"{ctx.now:%Y-%m-%d %H:%M}; {x.link})" for x in items[:5])
    return ToolOutput(result=r, evidence=[EvidenceDraft(
        kind="ticket_incidents", source="tools.incidents.ticket_incidents",
        incident_id=items[0].incident.id if items else None,
        ref={"tool": "ticket_incidents", "args": {"external_id": r.external_id}, "as_of": ctx.now.isoformat(),
             "query": "incidents whose window holds the ticket's creation on its service, or whose id it quotes"},
        payload=r.model_dump(mode="json"),
        summary=f"{r.external_id} (raised {r.created_at:%Y-%m-%d %H:%M} UTC) is linked to "
                + (listed if listed else "no incident"),
    )])
