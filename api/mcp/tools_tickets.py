"""The ticket tools for MCP: list by filters, search by topic or likeness, counts, SLA met rates and breached /
at-risk lists — each with the filters the assistant uses (status, customer tier, priority, product, creation
window) and an ``as_of`` moment: statuses are each ticket's status then (its status history), and work recorded
later does not count (:mod:`tools.tickets.asof`).

Filter values are checked before anything is read: an unknown status, tier, priority or product is a tool error
naming the known ones (helpdesk words are understood: ``P1``/``urgent`` → critical, ``In Progress`` → open,
``Solved`` → resolved; :mod:`api.ticket_filters`, shared with ``GET /api/tickets``). Each handler is one entry
in :data:`TOOLS_TICKETS` (registered by the server).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from api.mcp.results import analytics
from api.mcp.tools import McpTool
from api.ticket_filters import LAST_DAY, Moment, products, statuses, ticket_ref

StatusArg = Annotated[list[str] | None, Field(max_length=10, description=(
    "each ticket's status at as_of: new, open, pending, resolved, closed; 'open' (or 'unresolved') means not yet "
    "resolved or closed (new, open or pending); other helpdesks' words are understood (In Progress, Solved)"))]
TierArg = Annotated[list[str] | None, Field(max_length=10, description="customer tiers: enterprise, business, "
                                                                       "standard, free")]
PriorityArg = Annotated[list[str] | None, Field(max_length=10, description="priorities: critical, high, medium, low "
                                                                           "(P1–P4, urgent, blocker … understood)")]
ProductArg = Annotated[list[str] | None, Field(max_length=10, description="products the tickets are labelled with")]
SinceArg = Annotated[dt.date | None, Field(le=LAST_DAY, description="created on or after this day (YYYY-MM-DD)")]
UntilArg = Annotated[dt.date | None, Field(le=LAST_DAY, description="created on or before this day (YYYY-MM-DD), inclusive")]
StartArg = Annotated[dt.date | None, Field(le=LAST_DAY, description="first day of the window (YYYY-MM-DD)")]
EndArg = Annotated[dt.date | None, Field(le=LAST_DAY, description="last day of the window (YYYY-MM-DD), inclusive")]
AsOfArg = Annotated[Moment | None, Field(description=(
    "read the tickets as they stood at this past moment (ISO 8601; a date means 12:00 UTC that day, no offset "
    "means UTC): statuses from each ticket's history, SLA clocks without work recorded later; default: now"))]


# ------------------------------------------------------------------ finding tickets


async def list_tickets(
    ctx: Context, status: StatusArg = None, customer_tier: TierArg = None, priority: PriorityArg = None,
    product: ProductArg = None, since: SinceArg = None, until: UntilArg = None,
    k: Annotated[int, Field(ge=1, le=50, description="tickets to return (newest first)")] = 25,
    as_of: AsOfArg = None,
) -> CallToolResult:
    """Tickets matching filters only, no topic ("P1 tickets", "open tickets of enterprise customers", "urgent tickets
    created this week"), newest first, with the total that match. Statuses are as of `as_of` (default now)."""
    from tools.tickets.listing import list_tickets as tool

    return await analytics(ctx, "list_tickets", lambda t: tool(
        t, status=statuses(status), customer_tier=customer_tier, priority=priority, product=products(product),
        since=since, until=until, k=k), as_of=as_of, headline=lambda r: f"{r.total} ticket(s) ({r.label()})")


async def search_tickets(
    ctx: Context,
    query: Annotated[str | None, Field(max_length=500, description="what the tickets are about, in plain words")] = None,
    like: Annotated[str | None, Field(max_length=64, description="or: a ticket's id, to find tickets like it")] = None,
    status: StatusArg = None, customer_tier: TierArg = None, priority: PriorityArg = None,
    since: SinceArg = None, until: UntilArg = None,
    k: Annotated[int, Field(ge=1, le=50, description="tickets to return (best first)")] = 10,
    as_of: AsOfArg = None,
) -> CallToolResult:
    """Tickets about a topic ("login problems", "refunds") or like a given ticket, best first (full-text + semantic
    search fused by rank), narrowed by status, customer tier, priority and creation window; only tickets created by
    `as_of` (default now) are searched."""
    from tools.tickets.search import search_tickets as tool

    return await analytics(ctx, "search_tickets", lambda t: tool(
        t, query=query, like=ticket_ref(like), k=k, status=statuses(status), customer_tier=customer_tier, priority=priority,
        since=since, until=until), as_of=as_of, headline=lambda r: f"{r.total} ticket(s) matched")


# ------------------------------------------------------------------ statistics


async def ticket_counts(
    ctx: Context,
    by: Annotated[Literal["status", "product", "customer_tier", "priority", "urgency"],
                  Field(description="count tickets per value of this field")] = "status",
    status: StatusArg = None, product: ProductArg = None, customer_tier: TierArg = None,
    priority: PriorityArg = None, start: StartArg = None, end: EndArg = None,
    finished_in_window: Annotated[bool, Field(description=(
        "the window is on when tickets were resolved or closed ('resolved last week'), not on creation; the status "
        "filter does not apply then"))] = False,
    as_of: AsOfArg = None,
) -> CallToolResult:
    """How many tickets per status, product, customer tier, priority or urgency, with filters and a window of
    creation (or resolution) dates; statuses are each ticket's status at `as_of` ("open on 3 May": the end of that
    day), not its status today."""
    from tools.tickets.stats import ticket_counts as tool

    return await analytics(ctx, "ticket_counts", lambda t: tool(
        t, by=by, status=statuses(status), product=products(product), customer_tier=customer_tier,
        priority=priority, start=start, end=end, finished_in_window=finished_in_window), as_of=as_of,
        headline=lambda r: f"{r.total} ticket(s)")


async def sla_rate(
    ctx: Context,
    clock: Annotated[Literal["response", "resolution"], Field(description="which SLA clock")] = "response",
    start: StartArg = None, end: EndArg = None, product: ProductArg = None, customer_tier: TierArg = None,
    priority: PriorityArg = None, as_of: AsOfArg = None,
) -> CallToolResult:
    """The share of tickets created in a window that met their response or resolution SLA (met / (met + breached)),
    overall and per customer tier, as the clocks stood at `as_of` (default now)."""
    from tools.tickets.stats import sla_rate as tool

    return await analytics(ctx, "sla_rate", lambda t: tool(
        t, clock=clock, start=start, end=end, product=products(product), customer_tier=customer_tier,
        priority=priority), as_of=as_of)


async def sla_list(
    ctx: Context,
    state: Annotated[Literal["breached", "at_risk"], Field(description="breached or at-risk clocks")] = "breached",
    clock: Annotated[Literal["response", "resolution"] | None, Field(description="one clock only")] = None,
    product: ProductArg = None, customer_tier: TierArg = None, priority: PriorityArg = None,
    start: Annotated[dt.date | None, Field(le=LAST_DAY, description="only clocks whose deadline is on or after this day")] = None,
    end: Annotated[dt.date | None, Field(le=LAST_DAY, description="only clocks whose deadline is on or before this day")] = None,
    include_finished: Annotated[bool, Field(description=(
        "with a window and state breached: also tickets resolved or closed since ('which tickets breached SLA last "
        "week'), every ticket whose deadline in the window passed without the work done"))] = False,
    limit: Annotated[int, Field(ge=1, le=200, description="page size")] = 50,
    offset: Annotated[int, Field(ge=0, le=100_000, description="page start")] = 0,
    as_of: AsOfArg = None,
) -> CallToolResult:
    """Tickets open at `as_of` (default now) whose SLA is breached or at risk then, earliest deadline first, filtered
    by tier, priority and product (paged, with the total)."""
    from tools.tickets.stats import sla_list as tool

    return await analytics(ctx, "sla_list", lambda t: tool(
        t, state=state, clock=clock, product=products(product), customer_tier=customer_tier, priority=priority,
        start=start, end=end, limit=limit, offset=offset, include_finished=include_finished), as_of=as_of,
        headline=lambda r: f"{r.total} ticket(s) {r.state.replace('_', ' ')}")


TOOLS_TICKETS: list[McpTool] = [
    McpTool(list_tickets, "List tickets by status, tier, priority, product"),
    McpTool(search_tickets, "Search tickets by topic or likeness"),
    McpTool(ticket_counts, "Ticket counts"),
    McpTool(sla_rate, "SLA met rate"),
    McpTool(sla_list, "Breached or at-risk tickets"),
]
