"""The ticket–incident link and the change freezes for MCP (read-only): the tickets of an incident, the incidents
of a ticket, the change-freeze windows — the same tools the assistant answers with and the HTTP API serves
(``GET /api/incidents/{id}/tickets``, ``GET /api/tickets/{id}/incidents``, ``GET /api/freeze-windows``), each
with an ``as_of`` moment where it matters. Each handler is one entry in :data:`TOOLS_LINKS` (registered by the
server)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from api.mcp.results import analytics
from api.mcp.tools import McpTool
from api.mcp.tools_tickets import AsOfArg
from api.ticket_filters import Moment, ticket_ref


async def incident_tickets(
    ctx: Context, incident: Annotated[str, Field(min_length=1, max_length=64, description="the incident's id")],
    as_of: AsOfArg = None,
) -> CallToolResult:
    """The tickets linked to an incident, oldest first: raised while it was going on about its service (a service
    field of the ticket's export, or the service named in its text), or quoting its id; `link` says which."""
    from tools.incidents.tickets import incident_tickets as tool

    return await analytics(ctx, "incident_tickets", lambda t: tool(t, incident=incident), as_of=as_of,
                           headline=lambda r: f"{r.total} ticket(s) linked to {r.incident.external_id}")


async def ticket_incidents(
    ctx: Context, ticket: Annotated[str, Field(min_length=1, max_length=64, description="the ticket's id")],
    as_of: AsOfArg = None,
) -> CallToolResult:
    """The incidents a ticket belongs to (ongoing first, then the latest): is it part of an ongoing incident?"""
    from tools.incidents.tickets import ticket_incidents as tool

    return await analytics(ctx, "ticket_incidents", lambda t: tool(t, external_id=ticket_ref(ticket, "ticket") or ""),
                           as_of=as_of, headline=lambda r: f"{r.external_id}: {len(r.items)} incident(s)")


async def freeze_windows(
    ctx: Context,
    since: Annotated[Moment | None, Field(description="from (ISO 8601; a date is from its start); default a year ago")] = None,
    until: Annotated[Moment | None, Field(description="to, inclusive (a date is to its end); default a year ahead")] = None,
) -> CallToolResult:
    """The change freezes overlapping a period, by start: the imported freeze calendar's windows and the ranges
    the runbook pages about a freeze give, as one list (the calendar wins where both speak of the same freeze);
    each says its `source` (calendar or runbook, with the page's id)."""
    from tools.changes.freeze import freeze_windows as tool

    return await analytics(ctx, "freeze_windows", lambda t: tool(t, since=since, until=until),
                           headline=lambda r: f"{len(r.items)} change freeze(s)")


TOOLS_LINKS: list[McpTool] = [
    McpTool(incident_tickets, "Tickets linked to an incident"),
    McpTool(ticket_incidents, "Incidents a ticket belongs to"),
    McpTool(freeze_windows, "Change-freeze windows"),
]
