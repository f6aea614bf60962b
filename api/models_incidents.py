"""Request and response models of the HTTP API: incidents and their hypotheses, and the deploy and push
webhooks (re-exported by :mod:`api.models`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.models_base import ReportOut, Request, _examples
from store.importers import DeploymentRow, in_utc_range
from store.runs import EvidenceBrief
from tools.incidents import IncidentInfo

__all__ = [
    "DeploymentRecorded",
    "DeploymentWebhook",
    "DeploymentsRecorded",
    "FeedbackIn",
    "FeedbackOut",
    "GitHubAuthor",
    "GitHubCommit",
    "GitHubPush",
    "GitHubPushRecorded",
    "GitHubRepository",
    "HypothesisFeedback",
    "HypothesisOut",
    "IncidentDetail",
    "IncidentList",
    "IncidentSummary",
    "PushedCommit",
    "PushedFile",
]


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
