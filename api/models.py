"""Request and response models of the HTTP API (with the examples shown in the OpenAPI document). Incidents and
webhooks are in :mod:`api.models_incidents`, tickets and evaluations in :mod:`api.models_tickets`; every model is
importable from here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.models_base import Id, ReportOut, Request, SummaryLevel, _examples, _not_blank
from store.evidence import EvidenceRecord
from store.keys import ApiKeyInfo
from store.runs import EvidenceBrief
from tools.kpis import KpiInfo

# ------------------------------------------------------------------ auth


class MeOut(BaseModel):
    org: str
    role: Literal["viewer", "member", "admin"]
    key_prefix: str

    model_config = ConfigDict(json_schema_extra=_examples({"org": "demo", "role": "member", "key_prefix": "Ab3dE5gH"}))


class KeyCreate(Request):
    role: Literal["viewer", "member", "admin"] = "member"
    name: str | None = Field(None, max_length=200, description="a label to recognise the key by")

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples({"role": "viewer", "name": "grafana"}))


class KeyCreated(BaseModel):
    key: str = Field(description="the key itself: shown once, only its SHA-256 is stored")
    info: ApiKeyInfo


class KeysRevoked(BaseModel):
    revoked: int


# ------------------------------------------------------------------ chat, runs, threads


class ChatRequest(Request):
    message: str = Field(min_length=1, max_length=8000, description="the question")
    thread_id: uuid.UUID | None = Field(None, description="continue this thread (memory of earlier turns)")
    investigation_id: Id | None = Field(
        None, description="record the run as the next step of this (open) investigation, in its thread"
    )
    as_of: dt.datetime | dt.date | None = Field(
        None, description="pin the run's \"now\" (a date, or a date-time; naive means UTC): relative dates and SLA "
        "states then mean what they meant at that instant"
    )
    multitask: Literal["reject", "enqueue", "interrupt"] = Field(
        "enqueue", description="when the thread already has a run in progress: `reject` answers 409, `enqueue` "
        "runs this one after it, `interrupt` cancels it and runs this one",
    )

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True,
        json_schema_extra=_examples(
            {"message": "Why did OTP MX rate at DAL drop last week?"},
            {"message": "and PHX?", "thread_id": "7f9c1e52-3f7c-4a51-9d0e-2b8a7c1d4e60"},
            {"message": "What changed before the drop?", "investigation_id": 12},
        ),
    )

    _blank = field_validator("message")(_not_blank)


SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: `id:` = the run's sequence number (1, 2, 3 … no gaps), `event:` = the "
        "event type, `data:` = the payload as JSON. Comments (`: ping`) keep the connection alive every 15 s. "
        "Reconnect with `Last-Event-ID` (or `?after=`) to resume.",
        "content": {
            "text/event-stream": {
                "schema": {"type": "string"},
                "example": (
                    'id: 1\nevent: run.started\ndata: {"run_id": "5d0c…", "thread_id": "7f9c…"}\n\n'
                    'id: 2\nevent: agent.started\ndata: {"agent": "coordinator", "step_id": 41, "input": {…}}\n\n'
                ),
            }
        },
    }
}


class RunSummary(BaseModel):
    id: uuid.UUID
    thread_id: uuid.UUID | None
    trigger: str
    status: str
    question: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    last_seq: int


class ThreadSummary(BaseModel):
    id: uuid.UUID
    title: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    runs: int = Field(description="number of runs (turns) in the thread")
    last_status: str | None = Field(None, description="status of the latest run")


class ThreadList(BaseModel):
    items: list[ThreadSummary]
    limit: int
    offset: int


class MessageOut(BaseModel):
    id: int
    role: str
    content: str
    evidence_ids: list[int]
    run_id: uuid.UUID | None
    created_at: dt.datetime


class ThreadDetail(BaseModel):
    id: uuid.UUID
    title: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    investigation_id: int | None = None
    messages: list[MessageOut]
    runs: list[RunSummary]


class EvidenceOut(EvidenceRecord):
    model_config = ConfigDict(json_schema_extra=_examples({
        "id": 812, "org_id": 1, "kind": "stage_change", "source": "tools.kpis.kpi_series",
        "ref": {"tool": "kpi_series", "args": {"kpi": "OTP_MX_RATE", "summary_level": "station", "code": "DAL"}},
        "payload": {"onset": "2026-11-10", "before_cl": 91.8, "after_cl": 86.1},
        "summary": "OTP MX rate at DAL shifted down from 91.8% to 86.1% starting 2026-11-10",
        "run_id": "5d0c2b1e-7d7a-4a3f-9d63-0c8e4e3b2a10", "step_id": 41, "tool_call_id": 17,
    }))


# ------------------------------------------------------------------ Tech Ops


class StationOut(BaseModel):
    code: str
    name: str
    region: str


class RegionOut(BaseModel):
    code: str
    name: str
    stations: list[str]


class KpiCatalog(BaseModel):
    kpis: list[KpiInfo]
    stations: list[StationOut]
    regions: list[RegionOut]
    summary_levels: list[str] = ["station", "region", "company"]
    grains: list[str] = ["daily", "weekly"]


class InvestigationCreate(Request):
    title: str | None = Field(None, max_length=300)
    question: str | None = Field(None, max_length=8000, description="what is being investigated")
    kpi: str | None = Field(None, max_length=200, description="KPI code, name or alias")
    station: str | None = Field(None, max_length=64, description="station code (or region code at region level)")
    summary_level: SummaryLevel | None = Field(None, description="default: station when a station is given, else company")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_examples({
        "title": "OTP MX rate drop at DAL", "question": "Why did OTP MX rate at DAL drop last week?",
        "kpi": "OTP_MX_RATE", "station": "DAL", "summary_level": "station",
    }))


class ActionIn(Request):
    description: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(None, max_length=200)
    due_date: dt.date | None = None

    _blank = field_validator("description")(_not_blank)


class FinalizeRequest(Request):
    root_cause: str = Field(min_length=1, max_length=20000)
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)
    notes: str | None = Field(None, max_length=20000)
    evidence_ids: list[Id] = Field(default_factory=list, max_length=500, description="evidence that supports the root cause")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_examples({
        "root_cause": "DEP-0412 (mx-planner 4.2.0) changed the work-order retry timeout",
        "actions": [{"description": "Roll back the retry timeout change", "owner": "mx-platform", "due_date": "2026-11-24"}],
        "notes": "Confirmed with the station manager.", "evidence_ids": [812, 815],
    }))

    _blank = field_validator("root_cause")(_not_blank)

    @field_validator("actions", mode="before")
    @classmethod
    def _strings_are_descriptions(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"description": x} if isinstance(x, str) else x for x in v]
        return v


class InvestigationStepOut(BaseModel):
    iteration: int
    kind: str
    content: str
    run_id: uuid.UUID | None
    run_status: str | None
    created_at: dt.datetime


class ActionOut(BaseModel):
    id: int
    description: str
    owner: str | None
    due_date: dt.date | None
    status: str
    created_at: dt.datetime


class NoteOut(BaseModel):
    id: int
    author: str | None
    body: str
    created_at: dt.datetime


class InvestigationSummary(BaseModel):
    id: int
    title: str
    status: Literal["open", "finalized"]
    kpi: str | None
    station: str | None
    region: str | None
    summary_level: str
    thread_id: uuid.UUID | None
    created_at: dt.datetime
    finalized_at: dt.datetime | None


class InvestigationOut(InvestigationSummary):
    question: str | None
    kpi_name: str | None = None
    root_cause: str | None
    created_by: str | None
    steps: list[InvestigationStepOut] = []
    actions: list[ActionOut] = []
    notes: list[NoteOut] = []
    evidence: list[EvidenceBrief] = Field([], description="evidence linked when the investigation was finalised")
    reports: list[ReportOut] = []


# the other concepts' models, importable from here as before (``from api.models import TicketOut``)
from api.models_base import BIGINT as BIGINT  # noqa: E402
from api.models_incidents import *  # noqa: E402,F403
from api.models_tickets import *  # noqa: E402,F403
