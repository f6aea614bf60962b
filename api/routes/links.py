"""Ticket–incident links and change freezes, read where users are (the same tools the assistant answers with):
the tickets of an incident, the incidents of a ticket, the change-freeze windows (calendar and runbook pages as one
list). Read-only, scoped to the caller's organisation: another organisation's incident or ticket answers 404."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Tools
from api.errors import responses
from api.ticket_filters import Moment, past_moment, ticket_ref
from tools.base import ToolContext
from tools.changes.freeze import FreezeList, freeze_windows
from tools.incidents.tickets import IncidentTickets, TicketIncidents, incident_tickets, ticket_incidents

router = APIRouter()

AsOf = Annotated[Moment | None, Query(
    description="read the link as it stood at this past moment (ISO 8601; a date means 12:00 UTC that day): an "
                "incident still open then, tickets raised by then; default: now", examples=["2026-11-13T18:00:00Z"])]


def _at(ctx: ToolContext, as_of: dt.datetime | dt.date | None) -> ToolContext:
    moment = past_moment(as_of, ctx.now)
    return ctx if moment is None else dataclasses.replace(ctx, now=moment)


@router.get("/api/incidents/{incident_id}/tickets", response_model=IncidentTickets, tags=["incidents"],
            responses=responses(401, 404, 422))
async def tickets_of_incident(
    incident_id: Annotated[str, Path(min_length=1, max_length=64, description="the incident's external id",
                                     examples=["INC-2041"])],
    ctx: Tools, as_of: AsOf = None,
) -> IncidentTickets:
    """The tickets linked to an incident, oldest first: raised while it was going on (its start to its
    resolution, or to now while open) about its service — a service field of the ticket's export or the service
    named in its text — or quoting its id. `link` says which, for each ticket."""
    return (await incident_tickets(_at(ctx, as_of), incident=incident_id)).result


@router.get("/api/tickets/{external_id}/incidents", response_model=TicketIncidents, tags=["tickets"],
            responses=responses(401, 404, 422))
async def incidents_of_ticket(
    external_id: Annotated[str, Path(min_length=1, max_length=64, examples=["TCK-10042"])], ctx: Tools,
    as_of: AsOf = None,
) -> TicketIncidents:
    """The incidents a ticket belongs to (ongoing first, then the latest), each with `ongoing` at `as_of` and why
    it is linked."""
    ticket_ref(external_id, "ticket id")
    return (await ticket_incidents(_at(ctx, as_of), external_id=external_id)).result


@router.get("/api/freeze-windows", response_model=FreezeList, tags=["changes"], responses=responses(401, 422))
async def freezes(
    ctx: Tools,
    since: Annotated[Moment | None, Query(
        description="from (ISO 8601: a date is from its start, a time without an offset is UTC); default a year "
                    "before now", examples=["2026-11-01"])] = None,
    until: Annotated[Moment | None, Query(
        description="to (inclusive: a date is to its end); default a year after now", examples=["2026-12-31"])] = None,
) -> FreezeList:
    """The change freezes overlapping the period, by start: the imported freeze calendar's windows
    (`source: calendar`) and the ranges the runbook pages about a freeze give (`source: runbook`, with the page's
    id and line). Where both speak of the same freeze the calendar's window is the one listed."""
    return (await freeze_windows(ctx, since=since, until=until)).result
