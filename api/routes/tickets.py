"""Tickets: upsert, detail with SLA state, triage (classify, suggest a response), SLA alerts."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api import queries as repo
from api.deps import Member, State, Tools
from api.errors import responses
from api.models import (
    ClassifyRequest,
    ClassifyResponse,
    RespondRequest,
    TicketDetail,
    TicketIn,
    TicketUpserted,
)
from api.services import upsert_ticket
from tools.tickets import (
    ResponseSuggestion,
    classify_ticket,
    suggest_response,
    ticket_sla,
)
from tools.tickets.alerts import SlaAlertOut, pending_sla_alerts, record_classification

router = APIRouter(tags=["tickets"])


class SlaAlerts(BaseModel):
    as_of: dt.datetime
    new: int = Field(description="alerts at risk or breached now that are not recorded yet (listed first, id null)")
    alerts: list[SlaAlertOut]


@router.post("/api/tickets", status_code=201, response_model=TicketUpserted,
             responses={200: {"model": TicketUpserted, "description": "An existing ticket was updated"},
                        **responses(401, 403, 413, 422)})
async def put_ticket(body: TicketIn, state: State, principal: Member, ctx: Tools, response: Response) -> TicketUpserted:
    """Creates or updates a ticket by `external_id` (and embeds it for similarity search)."""
    vec = (await asyncio.to_thread(ctx.embedder.embed, [f"{body.subject}\n{body.content}"]))[0]
    async with state.sessions() as s, s.begin():
        created = await upsert_ticket(s, principal.org_id, body, vec)
    async with state.sessions() as s:
        found = await repo.get_ticket(s, principal.org_id, body.external_id)
    assert found is not None
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/tickets/{quote(body.external_id, safe='')}"
    return TicketUpserted(created=created, ticket=found[1])


@router.get("/api/tickets/{external_id}", response_model=TicketDetail, responses=responses(401, 404, 422))
async def get_ticket(
    external_id: Annotated[str, Path(min_length=1, max_length=64, examples=["TCK-10042"])], state: State, ctx: Tools,
) -> TicketDetail:
    """The ticket with its response and resolution SLA clocks (deadline, state, escalation) now, and its latest
    stored classification."""
    sla = (await ticket_sla(ctx, external_id=external_id)).result
    async with state.sessions() as s:
        found = await repo.get_ticket(s, ctx.org_id, sla.external_id)
        assert found is not None
        classification = await repo.latest_classification(s, ctx.org_id, found[0])
    return TicketDetail(ticket=found[1], sla=sla, classification=classification)


@router.post("/api/triage/classify", response_model=ClassifyResponse, responses=responses(401, 403, 413, 422))
async def classify(body: ClassifyRequest, state: State, principal: Member, ctx: Tools) -> ClassifyResponse:
    """Product (CASB/SWG/ZTNA/DLP/SSPM/CFW/GENERAL) and urgency of a ticket text, with calibrated confidence and
    reasoning: zero-shot from what each product is and the impact described, plus the organisation's own model when
    it has labelled tickets. Below the confidence threshold the answer is GENERAL with `needs_human`. The
    classification is stored."""
    result = (await classify_ticket(ctx, subject=body.subject, content=body.content)).result
    async with state.sessions() as s, s.begin():
        cid = await record_classification(s, principal.org_id, result)
    return ClassifyResponse(**result.model_dump(), classification_id=cid)


@router.post("/api/triage/respond", response_model=ResponseSuggestion, responses=responses(401, 403, 413, 422))
async def respond(body: RespondRequest, principal: Member, ctx: Tools) -> ResponseSuggestion:
    """Similar resolved tickets (with what fixed them), matching runbooks and a draft reply."""
    return (await suggest_response(ctx, subject=body.subject, content=body.content, k=body.k)).result


@router.get("/api/sla/alerts", response_model=SlaAlerts, responses=responses(401, 422))
async def sla_alerts(
    state: State, ctx: Tools,
    state_: Annotated[Literal["at_risk", "breached"] | None, Query(alias="state")] = None,
    alert_type: Literal["response", "resolution"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> SlaAlerts:
    """The SLA clocks of open tickets that are at risk or breached now and not recorded yet (``id`` null), then the
    organisation's recorded alerts, newest first. A read: nothing is written (the alert scheduler records and
    posts alerts)."""
    async with state.sessions() as s:
        pending = [a for a in await pending_sla_alerts(s, ctx.org_id, ctx.now)
                   if (state_ is None or a.state == state_) and (alert_type is None or a.alert_type == alert_type)]
        rows = await repo.list_sla_alerts(s, ctx.org_id, state=state_, alert_type=alert_type, limit=limit)
    alerts = (pending + [SlaAlertOut(**r) for r in rows])[:limit]
    return SlaAlerts(as_of=ctx.now, new=len(pending), alerts=alerts)
