"""SLA tools: a ticket's SLA status and the overview of open tickets (read-only, org-scoped)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolOutput
from tools.tickets import asof
from tools.tickets import sla as slalib
from tools.tickets.asof import completion_times
from tools.tickets.common import get_ticket as _get_ticket
from tools.tickets.sla import SlaClock, SlaState

OPEN_STATUSES = ("new", "open", "pending")


# ------------------------------------------------------------------ read models


class TicketSla(BaseModel):
    external_id: str
    subject: str
    customer: str | None
    customer_tier: str
    priority: str
    status: str
    product: str | None
    urgency: str | None
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    as_of: dt.datetime
    response: SlaClock
    resolution: SlaClock
    state: SlaState = Field(description="the most pressing of the two clocks' states")
    escalation_level: int = Field(description="the higher of the two clocks' escalation levels")


class SlaOverviewItem(BaseModel):
    external_id: str
    subject: str
    customer: str | None
    customer_tier: str
    priority: str
    status: str
    clock: Literal["response", "resolution"] = Field(description="the most pressing clock")
    state: SlaState
    deadline: dt.datetime
    escalation_level: int
    remaining_minutes: float | None
    overdue_minutes: float
    response_state: SlaState
    response_deadline: dt.datetime
    resolution_state: SlaState
    resolution_deadline: dt.datetime


class SlaOverview(BaseModel):
    as_of: dt.datetime
    open_tickets: int
    counts: dict[str, dict[str, int]] = Field(description="clock -> state -> number of open tickets")
    items: list[SlaOverviewItem] = Field(description="open tickets at risk or breached, earliest deadline first")


# ------------------------------------------------------------------ SLA


def clocks_for(row: Mapping[Any, Any], now: dt.datetime) -> tuple[SlaClock, SlaClock]:
    """The ticket's two clocks at ``now``: a response or resolution recorded after ``now`` had not happened yet."""
    first_response, resolved = completion_times(row, now)
    return slalib.ticket_clocks(
        priority=row["priority"], customer_tier=row["customer_tier"], created_at=row["created_at"],
        first_response_at=first_response, resolved_at=resolved, now=now,
        response_recorded=not _unrecorded(row),
    )


def _unrecorded(row: Mapping[Any, Any]) -> bool:
    """The ticket's export records no first response (``extra.first_response_not_recorded``, read by the queries
    as ``response_unrecorded``)."""
    if "response_unrecorded" in row:
        return bool(row["response_unrecorded"])
    extra = row.get("extra")
    return bool(isinstance(extra, Mapping) and extra.get("first_response_not_recorded"))


# Tickets that may have been open at :now — open now, or finished (or changed) after it; the status at :now is
# then read from each one's history and timestamps (tools.tickets.asof).
_MAYBE_OPEN_SQL = """
SELECT id, external_id, subject, product, urgency, priority, customer, customer_tier, status, created_at,
       first_response_at, resolved_at, closed_at, updated_at, status_history,
       (extra ->> 'first_response_not_recorded') IS NOT NULL AS response_unrecorded
FROM tickets
WHERE org_id = :org AND created_at <= :now
  AND (status IN ('new', 'open', 'pending') OR greatest(resolved_at, closed_at, updated_at) > :now
       OR (resolved_at IS NULL AND closed_at IS NULL AND updated_at IS NULL))
ORDER BY created_at, external_id"""


async def open_ticket_rows(session: AsyncSession, org_id: int, now: dt.datetime) -> list[RowMapping]:
    """Tickets open at ``now`` (status new/open/pending then, not resolved or closed by then, created by then) —
    ``now`` may be a past moment: each ticket's status then is read from its history (tools.tickets.asof)."""
    rows = (await session.execute(text(_MAYBE_OPEN_SQL), {"org": org_id, "now": now})).mappings().all()
    return [r for r in rows if asof.is_open_at(r, now)]


async def ticket_sla(ctx: ToolContext, *, external_id: str) -> ToolOutput[TicketSla]:
    """A ticket's response and resolution SLA at ``ctx.now``: deadlines, states, escalation."""
    async with ctx.read() as session:
        t = await _get_ticket(session, ctx.org_id, external_id)
    response, resolution = clocks_for(t, ctx.now)
    top = slalib.worst(response, resolution)
    result = TicketSla(
        external_id=t["external_id"], subject=t["subject"], customer=t["customer"], customer_tier=t["customer_tier"],
        priority=t["priority"], status=asof.status_at(t, ctx.now) or t["status"], product=t["product"],
        urgency=t["urgency"], created_at=t["created_at"], first_response_at=completion_times(t, ctx.now)[0],
        resolved_at=completion_times(t, ctx.now)[1],
        as_of=ctx.now, response=response, resolution=resolution,
        state=top.state, escalation_level=max(response.escalation_level, resolution.escalation_level),
    )

    def line(c: SlaClock) -> str:
        return f"{c.kind} {c.state} (deadline {c.deadline:%Y-%m-%d %H:%M} UTC, window {c.window_minutes:g} min)"

    evidence = [
        EvidenceDraft(
            kind="sla", source="tools.tickets.ticket_sla",
            ref={"tool": "ticket_sla", "args": {"external_id": result.external_id}, "as_of": ctx.now.isoformat(),
                 "query": "tickets by external_id; SLA targets by priority x customer-tier multiplier (tools.tickets.sla)"},
            payload=result.model_dump(mode="json"),
            summary=(
                f"{result.external_id} ({result.priority}, {result.customer_tier}, {result.status}): "
                f"{line(response)}; {line(resolution)}; escalation level {result.escalation_level}"
            ),
        )
    ]
    return ToolOutput(result=result, evidence=evidence)


async def sla_overview(ctx: ToolContext) -> ToolOutput[SlaOverview]:
    """Open tickets whose response or resolution SLA is at risk or breached at ``ctx.now``, earliest deadline first."""
    async with ctx.read() as session:
        rows = await open_ticket_rows(session, ctx.org_id, ctx.now)
    counts: dict[str, dict[str, int]] = {
        kind: dict.fromkeys(("on_track", "at_risk", "breached", "met", "not_recorded"), 0) for kind in ("response", "resolution")
    }
    items: list[SlaOverviewItem] = []
    for r in rows:
        response, resolution = clocks_for(r, ctx.now)
        counts["response"][response.state] += 1
        counts["resolution"][resolution.state] += 1
        pressing = [c for c in (response, resolution) if c.state in ("at_risk", "breached")]
        if not pressing:
            continue
        top = slalib.worst(*pressing)
        items.append(
            SlaOverviewItem(
                external_id=r["external_id"], subject=r["subject"], customer=r["customer"],
                customer_tier=r["customer_tier"], priority=r["priority"], status=asof.status_at(r, ctx.now) or r["status"],
                clock=top.kind,
                state=top.state, deadline=top.deadline,
                escalation_level=max(response.escalation_level, resolution.escalation_level),
                remaining_minutes=top.remaining_minutes, overdue_minutes=top.overdue_minutes,
                response_state=response.state, response_deadline=response.deadline,
                resolution_state=resolution.state, resolution_deadline=resolution.deadline,
            )
        )
    items.sort(key=lambda i: (i.deadline, i.external_id))
    result = SlaOverview(as_of=ctx.now, open_tickets=len(rows), counts=counts, items=items)
    n_breached = sum(1 for i in items if i.state == "breached")
    evidence = [
        EvidenceDraft(
            kind="sla_overview", source="tools.tickets.sla_overview",
            ref={"tool": "sla_overview", "args": {}, "as_of": ctx.now.isoformat(),
                 "query": "tickets open at as_of (status then new/open/pending from their status history, not "
                          "resolved by then) with SLA clocks at as_of"},
            payload=result.model_dump(mode="json"),
            summary=(
                f"{len(rows)} open tickets: {n_breached} breached, {len(items) - n_breached} at risk"
                + (
                    "; next: " + ", ".join(f"{i.external_id} {i.clock} {i.state} (L{i.escalation_level})"
                                           for i in items[:3])
                    if items else ""
                )
            ),
        )
    ]
    return ToolOutput(result=result, evidence=evidence)
