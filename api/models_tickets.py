"""Request and response models of the HTTP API: tickets, classification and evaluations (re-exported by
:mod:`api.models`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.models_base import Request, _examples
from store.evals import EvalRunRow, ResultRow
from store.importers import TicketRow
from tools.tickets import Classification, TicketSla

__all__ = [
    "ClassificationBrief",
    "ClassifyRequest",
    "ClassifyResponse",
    "EvalResultOut",
    "EvalRunOut",
    "EvalRunRequest",
    "EvalRunStarted",
    "RespondRequest",
    "TicketDetail",
    "TicketIn",
    "TicketOut",
    "TicketUpserted",
]


# ------------------------------------------------------------------ tickets


class TicketIn(TicketRow):
    MARK_UNRECORDED = False  # a ticket posted without a first response has not had one yet
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_examples({
        "external_id": "TCK-90001", "subject": "ZTNA connector keeps disconnecting",
        "content": "Since this morning our ZTNA app connector drops every few minutes.",
        "priority": "high", "customer": "Acme", "customer_tier": "enterprise", "status": "open",
        "created_at": "2026-11-20T09:15:00Z",
    }))


class TicketOut(BaseModel):
    external_id: str
    subject: str
    content: str
    product: str | None
    urgency: str | None
    priority: str
    customer: str | None
    customer_tier: str
    status: str
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime | None
    status_history: list[Any]
    resolution: str | None


class TicketUpserted(BaseModel):
    created: bool
    ticket: TicketOut


class ClassificationBrief(BaseModel):
    id: int
    product: str
    urgency: str
    confidence: float
    reasoning: str
    model: str
    created_at: dt.datetime


class TicketDetail(BaseModel):
    ticket: TicketOut
    sla: TicketSla
    classification: ClassificationBrief | None = Field(None, description="the latest stored classification")


class ClassifyRequest(Request):
    subject: str = Field("", max_length=500)
    content: str = Field("", max_length=50_000)

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples({
        "subject": "Cannot export URL filtering report",
        "content": "How do I export the URL filtering report from the web proxy?",
    }))


class ClassifyResponse(Classification):
    classification_id: int = Field(description="the stored ticket_classifications row")


class RespondRequest(ClassifyRequest):
    k: int = Field(3, ge=1, le=10, description="similar resolved tickets and runbooks to consider")

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples({
        "subject": "SAML login fails for ZTNA portal", "content": "Users get an assertion error since the IdP change.",
        "k": 3,
    }))


# ------------------------------------------------------------------ evaluations


class EvalRunRequest(Request):
    suite: str | None = Field(None, max_length=100)
    tags: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=20)
    min_pass_rate: float | None = Field(None, ge=0, le=1)

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples({"suite": "smoke", "tags": ["kpi"]}))


class EvalRunStarted(BaseModel):
    id: uuid.UUID
    status: str = "running"
    url: str


class EvalResultOut(ResultRow):
    pass


class EvalRunOut(EvalRunRow):
    results: list[EvalResultOut] = Field(default=[])
