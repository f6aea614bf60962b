"""One ticket as it reads: subject, what it says, who raised it, its priority, product and status as of the run's
moment ("what's <ticket> about?"). Read-only and org-scoped."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from tools.base import EvidenceDraft, ToolContext, ToolOutput
from tools.tickets import asof
from tools.tickets.common import get_ticket

EXCERPT = 400


class TicketDetails(BaseModel):
    external_id: str
    subject: str
    excerpt: str
    customer: str | None
    customer_tier: str
    priority: str
    product: str | None
    status: str
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    as_of: dt.datetime


async def ticket_details(ctx: ToolContext, *, external_id: str) -> ToolOutput[TicketDetails]:
    """The ticket's subject, the start of its text, its customer, tier, priority, product, and its status, first
    response and resolution as known at ``ctx.now``."""
    async with ctx.read() as session:
        t = await get_ticket(session, ctx.org_id, external_id)
    first, done = asof.completion_times(t, ctx.now)
    text = " ".join((t["content"] or "").split())
    r = TicketDetails(external_id=t["external_id"], subject=" ".join((t["subject"] or "").split()),
                      excerpt=text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""), customer=t["customer"],
                      customer_tier=t["customer_tier"], priority=t["priority"], product=t["product"],
                      status=asof.status_at(t, ctx.now) or t["status"], created_at=t["created_at"],
                      first_response_at=first, resolved_at=done, as_of=ctx.now)
    return ToolOutput(result=r, evidence=[EvidenceDraft(
        kind="ticket", source="tools.tickets.ticket_details",
        ref={"tool": "ticket_details", "args": {"external_id": r.external_id}, "as_of": ctx.now.isoformat(),
             "query": "tickets by external_id (status from its status history at as_of)"},
        payload=r.model_dump(mode="json"),
        summary=f"{r.external_id} “{r.subject}” ({r.status}, {r.priority}, {r.customer_tier}, {r.product or 'no product'})",
    )])
