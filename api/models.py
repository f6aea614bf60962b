"""Request and response models of the HTTP API (with the examples shown in the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from store.evals import EvalRunRow, ResultRow
from store.evidence import EvidenceRecord
from store.importers import DeploymentRow, TicketRow, in_utc_range
from store.keys import ApiKeyInfo
from store.runs import EvidenceBrief
from tools.incidents import IncidentInfo
from tools.kpis import KpiInfo
from tools.tickets import Classification, TicketSla

BIGINT = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=BIGINT)]
SummaryLevel = Literal["station", "region", "company"]


def _examples(*examples: dict[str, Any]) -> dict[str, Any]:
    return {"examples": list(examples)}


def _not_blank(v: str | None) -> str | None:
    if v is not None and not v.strip():
        raise ValueError("must not be blank")
    return v


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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


class ReportOut(BaseModel):
    id: int
    kind: str
    title: str
    markdown: str
    evidence_ids: list[int]
    run_id: uuid.UUID | None
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


# ------------------------------------------------------------------ incidents


class IncidentSummary(BaseModel):
    external_id: str
    title: str
    service: str | None
    severity: str
    status: str
    started_at: dt.datetime
    detected_at: dt.datetime | None
    resolved_at: dt.datetime | None


class IncidentList(BaseModel):
    items: list[IncidentSummary]
    limit: int
    offset: int


class HypothesisFeedback(BaseModel):
    confirmed: int = 0
    rejected: int = 0
    verdict: Literal["confirmed", "rejected"] | None = Field(None, description="the latest confirm/reject")


class HypothesisOut(BaseModel):
    id: int | None = Field(None, description="row id when stored in hypotheses; None when read from a ranking")
    rank: int
    type: str
    subject: str = Field(description="the change it blames, e.g. DEP-0042 or CFG-0007")
    title: str
    confidence: float
    rationale: str
    evidence_ids: list[int] = []
    run_id: uuid.UUID | None = None
    source: Literal["hypotheses", "evidence"]
    feedback: HypothesisFeedback = HypothesisFeedback()


class FeedbackIn(Request):
    kind: Literal["confirm", "reject", "note", "rating"]
    hypothesis: str | None = Field(None, max_length=200, description="subject (DEP-…/CFG-…) or id of the hypothesis; "
                                                                    "needed for confirm and reject")
    body: str | None = Field(None, max_length=5000, description="free text; needed for a note")
    rating: int | None = Field(None, ge=1, le=5, description="1–5; needed for a rating of the incident analysis")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_examples(
        {"kind": "confirm", "hypothesis": "DEP-0042", "body": "Rolled back, errors stopped."},
        {"kind": "note", "body": "Customer impact limited to EU."},
        {"kind": "rating", "rating": 4},
    ))


class FeedbackOut(BaseModel):
    id: int
    target_type: str
    target_id: str
    kind: str
    body: str | None
    actor: str | None
    created_at: dt.datetime


class IncidentDetail(BaseModel):
    incident: IncidentInfo
    hypotheses: list[HypothesisOut]
    evidence: list[EvidenceBrief]
    report: ReportOut | None
    feedback: list[FeedbackOut]


# ------------------------------------------------------------------ webhooks


class DeploymentWebhook(DeploymentRow):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_examples({
        "external_id": "DEP-9001", "service": "checkout-api", "version": "2.14.0", "status": "succeeded",
        "started_at": "2026-11-19T14:02:00Z", "finished_at": "2026-11-19T14:09:30Z", "deployed_by": "ci",
        "commits": ["3f2a9c1d7e"], "is_rollback": False,
    }))


class DeploymentRecorded(BaseModel):
    external_id: str
    service: str
    status: str
    created: bool = Field(description="False when an existing deployment with this external_id was updated")
    commits: int = Field(description="commits linked to the deployment")


class DeploymentsRecorded(BaseModel):
    """A list of deployments (an Argo CD ``List``/``ApplicationList`` or a JSON array), recorded all or nothing."""

    deployments: list[DeploymentRecorded]
    created: int = Field(description="deployments new to opsgraph")
    updated: int = Field(description="deployments that were already recorded (a re-delivery changes nothing)")


class GitHubAuthor(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    username: str | None = Field(None, max_length=200)


class GitHubCommit(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(pattern=r"^[0-9a-f]{7,64}$", description="the commit sha")
    message: str = Field("", max_length=100_000)
    timestamp: dt.datetime
    author: GitHubAuthor | None = None
    added: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list, max_length=3000)
    removed: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list, max_length=3000)
    modified: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(default_factory=list, max_length=3000)

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        return in_utc_range(v if v.tzinfo else v.replace(tzinfo=dt.UTC))


class GitHubRepository(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=100)
    full_name: str | None = Field(None, max_length=300)
    default_branch: str | None = Field(None, max_length=300)


class GitHubPush(BaseModel):
    """The parts of GitHub's ``push`` webhook payload that opsgraph reads (everything else is ignored)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_examples({
        "ref": "refs/heads/main",
        "repository": {"name": "checkout-api", "full_name": "acme/checkout-api", "default_branch": "main"},
        "commits": [{
            "id": "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c", "message": "Raise the payment client timeout",
            "timestamp": "2026-11-19T13:40:00Z", "author": {"name": "Ana", "username": "ana"},
            "added": [], "removed": [], "modified": ["app/clients/payments.py", "config/timeouts.yaml"],
        }],
    }))

    ref: str | None = Field(None, max_length=300)
    repository: GitHubRepository | None = None
    commits: list[GitHubCommit] = Field(default_factory=list, max_length=2048)


class PushedFile(BaseModel):
    path: str
    status: Literal["added", "modified", "removed"]
    change_type: str


class PushedCommit(BaseModel):
    sha: str
    created: bool
    files: list[PushedFile]


class GitHubPushRecorded(BaseModel):
    event: str
    service: str | None = None
    ref: str | None = None
    commits: list[PushedCommit] = []
    change_types: dict[str, int] = Field({}, description="files per change type over the push")
    ignored: bool = False


# ------------------------------------------------------------------ tickets


class TicketIn(TicketRow):
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
