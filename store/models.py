"""SQLAlchemy 2.0 typed models for everything opsgraph reads and writes.

Five data models meet here: accounts (organisations, keys, usage), Tech Ops
KPIs and investigations, services and their changes and incidents, tickets
and SLAs, and the assistant's own record (threads, runs, steps, tool calls,
events, evidence, evaluations).

Conventions:
- every tenant-owned row carries ``org_id`` (and every query filters on it);
- enumerations are ``text`` columns with a CHECK constraint (cheap to extend
  with a migration, readable in psql);
- time is ``timestamptz``; KPI points are daily ``date`` values;
- embeddings are ``vector(384)`` with HNSW (cosine) indexes; documents and
  evidence also carry a generated ``tsvector`` for full-text search.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar, Literal, get_args

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

EMBEDDING_DIM = 384

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Enumerations (single source of truth: CHECK constraints and validators use these). Where a validator needs
# the type, the Literal is the source and the tuple its values (``Literal[SOME_TUPLE]`` is not a type to mypy).
ROLES = ("viewer", "member", "admin")
Aggregation = Literal["mean", "sum"]
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
SUMMARY_LEVELS = ("station", "region", "company")
INVESTIGATION_STATUSES = ("open", "finalized")
ChangeType = Literal[
    "db_migration",
    "dependency",
    "config",
    "timeout_retry",
    "http_client",
    "shared_util",
    "auth",
    "test",
    "docs",
    "other",
]
CHANGE_TYPES: tuple[str, ...] = get_args(ChangeType)
DeploymentStatus = Literal["succeeded", "failed", "rolled_back", "in_progress"]
DEPLOYMENT_STATUSES: tuple[str, ...] = get_args(DeploymentStatus)
IncidentSeverity = Literal["sev1", "sev2", "sev3", "sev4"]
INCIDENT_SEVERITIES: tuple[str, ...] = get_args(IncidentSeverity)
IncidentStatus = Literal["open", "mitigated", "resolved"]
INCIDENT_STATUSES: tuple[str, ...] = get_args(IncidentStatus)
HYPOTHESIS_TYPES = ("deployment", "config_change", "dependency", "capacity", "external", "unknown")
FEEDBACK_KINDS = ("confirm", "reject", "note", "rating")
Product = Literal["CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL"]
PRODUCTS: tuple[str, ...] = get_args(Product)
Urgency = Literal["critical", "high", "medium", "low"]
URGENCIES: tuple[str, ...] = get_args(Urgency)
Priority = Urgency
PRIORITIES = URGENCIES
CustomerTier = Literal["enterprise", "business", "standard", "free"]
CUSTOMER_TIERS: tuple[str, ...] = get_args(CustomerTier)
TicketStatus = Literal["new", "open", "pending", "resolved", "closed"]
TICKET_STATUSES: tuple[str, ...] = get_args(TicketStatus)
SLA_ALERT_TYPES = ("response", "resolution")
SLA_STATES = ("on_track", "at_risk", "breached", "met")
DocumentKind = Literal["runbook", "incident_summary"]
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)
MESSAGE_ROLES = ("user", "assistant", "system")
RUN_TRIGGERS = ("chat", "slack", "eval", "api", "schedule", "alert", "mcp")
ALERT_STATUSES = ("firing", "resolved")
RUN_STATUSES = ("queued", "running", "completed", "failed")
EVENT_TYPES = (
    "run.started",
    "agent.started",
    "agent.completed",
    "tool.started",
    "tool.completed",
    "evidence",
    "token",
    "chart",
    "message",
    "run.completed",
    "run.failed",
)
EVAL_STATUSES = ("running", "completed", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _now() -> Any:
    return func.now()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
        dt.datetime: DateTime(timezone=True),
        dt.date: Date,
    }


def _id() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(always=False), primary_key=True)


def _org() -> Mapped[int]:
    return mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)


def _created() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=_now())


# ---------------------------------------------------------------- accounts


class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[int] = _id()
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    slack_team_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (CheckConstraint("slug ~ '^[a-z0-9][a-z0-9_-]*$'", name="slug_format"),)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (UniqueConstraint("org_id", "email"),)


class ApiKey(Base):
    """An API key: only the SHA-256 of the secret is stored; ``prefix`` identifies it."""

    __tablename__ = "api_keys"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = _created()
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)


class LoginCode(Base):
    """A one-time login code (the panel's login link): single use, short-lived, only its SHA-256 is stored."""

    __tablename__ = "login_codes"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = _created()
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class WebSession(Base):
    """A browser session (the panel's cookie): acts as its API key, revocable, only its SHA-256 is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = _created()
    expires_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class SeenRequest(Base):
    """Signed requests already acted on (a replayed Slack command within its signature window is ignored)."""

    __tablename__ = "seen_requests"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = _created()


class UsageRecord(Base):
    __tablename__ = "usage_records"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    created_at: Mapped[dt.datetime] = _created()


# ---------------------------------------------------------------- Tech Ops


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("org_id", "code"),)


class Station(Base):
    __tablename__ = "stations"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    region: Mapped[Region] = relationship(lazy="raise")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (UniqueConstraint("org_id", "code"),)


class KpiDefinition(Base):
    __tablename__ = "kpi_definitions"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    unit: Mapped[str] = mapped_column(String(32))
    aggregation: Mapped[str] = mapped_column(String(8))
    goal: Mapped[float | None] = mapped_column(Float)
    upper_limit: Mapped[float | None] = mapped_column(Float)
    lower_limit: Mapped[float | None] = mapped_column(Float)
    decimals: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    higher_is_better: Mapped[bool] = mapped_column(Boolean)
    # Services whose changes can move this KPI (what the change correlator searches).
    related_services: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        CheckConstraint(_in("aggregation", AGGREGATIONS), name="aggregation"),
        CheckConstraint("decimals BETWEEN 0 AND 6", name="decimals"),
    )


class KpiPoint(Base):
    """One daily value of one KPI at one station (weekly values are derived)."""

    __tablename__ = "kpi_points"
    org_id: Mapped[int] = _org()
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi_definitions.id", ondelete="CASCADE"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    value: Mapped[float] = mapped_column(Float)
    __table_args__ = (
        PrimaryKeyConstraint("kpi_id", "station_id", "day"),
        Index("ix_kpi_points_org_kpi_day", "org_id", "kpi_id", "day"),
    )


class Investigation(Base):
    __tablename__ = "investigations"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    title: Mapped[str] = mapped_column(String(300))
    question: Mapped[str | None] = mapped_column(Text)
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_definitions.id", ondelete="SET NULL"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    summary_level: Mapped[str] = mapped_column(String(16), default="station", server_default="station")
    thread_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    root_cause: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = _created()
    finalized_at: Mapped[dt.datetime | None]
    __table_args__ = (
        CheckConstraint(_in("status", INVESTIGATION_STATUSES), name="status"),
        CheckConstraint(_in("summary_level", SUMMARY_LEVELS), name="summary_level"),
    )


class InvestigationStep(Base):
    """One iteration of an investigation (usually one chat run)."""

    __tablename__ = "investigation_steps"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    iteration: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32), default="question", server_default="question")
    content: Mapped[str] = mapped_column(Text)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (UniqueConstraint("investigation_id", "iteration"),)


class InvestigationAction(Base):
    __tablename__ = "investigation_actions"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_at: Mapped[dt.datetime] = _created()


class InvestigationNote(Base):
    __tablename__ = "investigation_notes"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()


# ---------------------------------------------------------------- services & changes


class Service(Base):
    __tablename__ = "services"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    name: Mapped[str] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (UniqueConstraint("org_id", "name"),)


class ServiceDependency(Base):
    """``service_id`` calls (depends on) ``depends_on_id``."""

    __tablename__ = "service_dependencies"
    org_id: Mapped[int] = _org()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    __table_args__ = (
        PrimaryKeyConstraint("service_id", "depends_on_id"),
        CheckConstraint("service_id <> depends_on_id", name="not_self"),
    )


class MetricPoint(Base):
    """A 5-minute value of one service metric (error_rate, p99_latency_ms, throughput…)."""

    __tablename__ = "metric_points"
    org_id: Mapped[int] = _org()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    ts: Mapped[dt.datetime]
    value: Mapped[float] = mapped_column(Float)
    __table_args__ = (PrimaryKeyConstraint("service_id", "metric", "ts"),)


METRIC_ROLES = ("errors", "latency", "throughput", "saturation")


class MetricRole(Base):
    """An organisation's own role for a service metric name (wins over the naming convention)."""

    __tablename__ = "metric_roles"
    org_id: Mapped[int] = _org()
    metric: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    __table_args__ = (
        PrimaryKeyConstraint("org_id", "metric"),
        CheckConstraint(_in("role", METRIC_ROLES), name="role"),
    )


class Commit(Base):
    __tablename__ = "commits"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    sha: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    committed_at: Mapped[dt.datetime]
    merged_at: Mapped[dt.datetime | None]
    pr_number: Mapped[int | None] = mapped_column(Integer)
    files: Mapped[list[CommitFile]] = relationship(lazy="raise", cascade="all, delete-orphan")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (UniqueConstraint("org_id", "sha"),)


class CommitFile(Base):
    __tablename__ = "commit_files"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    commit_id: Mapped[int] = mapped_column(ForeignKey("commits.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    change_type: Mapped[str] = mapped_column(String(16))
    additions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deletions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (
        UniqueConstraint("commit_id", "path"),
        CheckConstraint(_in("change_type", CHANGE_TYPES), name="change_type"),
    )


class Deployment(Base):
    __tablename__ = "deployments"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    external_id: Mapped[str] = mapped_column(String(100))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(32), default="production", server_default="production")
    status: Mapped[str] = mapped_column(String(16), default="succeeded", server_default="succeeded")
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    deployed_by: Mapped[str | None] = mapped_column(String(200))
    commit_from_sha: Mapped[str | None] = mapped_column(String(64))
    commit_to_sha: Mapped[str | None] = mapped_column(String(64))
    is_rollback: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    rollback_of_id: Mapped[int | None] = mapped_column(ForeignKey("deployments.id", ondelete="SET NULL"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        Index("ix_deployments_service_started", "service_id", "started_at"),
        CheckConstraint(_in("status", DEPLOYMENT_STATUSES), name="status"),
    )


class DeploymentCommit(Base):
    """The commit range a deployment shipped, one row per commit."""

    __tablename__ = "deployment_commits"
    org_id: Mapped[int] = _org()
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    commit_id: Mapped[int] = mapped_column(ForeignKey("commits.id", ondelete="CASCADE"), index=True)
    __table_args__ = (PrimaryKeyConstraint("deployment_id", "commit_id"),)


class ConfigChange(Base):
    """A config change. Secret values are never stored: ``is_secret`` rows keep only hashes."""

    __tablename__ = "config_changes"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    external_id: Mapped[str] = mapped_column(String(100))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    is_secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    changed_at: Mapped[dt.datetime]
    changed_by: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        Index("ix_config_changes_service_changed", "service_id", "changed_at"),
    )


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    severity: Mapped[str] = mapped_column(String(8), default="sev3", server_default="sev3")
    status: Mapped[str] = mapped_column(String(16), default="resolved", server_default="resolved")
    started_at: Mapped[dt.datetime]
    detected_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    # Fields of an imported record that opsgraph has no column for (kept, reported as a warning).
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        CheckConstraint(_in("severity", INCIDENT_SEVERITIES), name="severity"),
        CheckConstraint(_in("status", INCIDENT_STATUSES), name="status"),
    )


class AlertFingerprint(Base):
    """One Alertmanager alert (by fingerprint): the incident it opened or joined and the run it started."""

    __tablename__ = "alert_fingerprints"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    fingerprint: Mapped[str] = mapped_column(String(128))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    alertname: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    annotations: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime | None]
    generator_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("org_id", "fingerprint"),
        CheckConstraint(_in("status", ALERT_STATUSES), name="status"),
    )


class ServicePromql(Base):
    """Per service: a metric name and the PromQL that reads it from Prometheus (``$service`` is substituted)."""

    __tablename__ = "service_promql"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    promql: Mapped[str] = mapped_column(Text)
    step_seconds: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("org_id", "service_id", "metric"),
        CheckConstraint("step_seconds BETWEEN 1 AND 86400", name="step_seconds"),
    )


class AlertSettings(Base):
    """Per organisation: where Prometheus is and how alert labels name services."""

    __tablename__ = "alert_settings"
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    prometheus_url: Mapped[str | None] = mapped_column(Text)
    service_labels: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{service,job}")
    service_map: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    join_window_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    updated_at: Mapped[dt.datetime] = _created()
    __table_args__ = (CheckConstraint("join_window_minutes BETWEEN 0 AND 10080", name="join_window"),)


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = _created()


class Hypothesis(Base):
    __tablename__ = "hypotheses"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    investigation_id: Mapped[int | None] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), index=True)
    rank: Mapped[int] = mapped_column(SmallInteger)
    type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))  # e.g. "deployment:DEP-0042"
    title: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    rationale: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        CheckConstraint(_in("type", HYPOTHESIS_TYPES), name="type"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        CheckConstraint("rank >= 1", name="rank"),
    )


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    investigation_id: Mapped[int | None] = mapped_column(
        ForeignKey("investigations.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32), default="incident", server_default="incident")
    title: Mapped[str] = mapped_column(String(300))
    markdown: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    created_at: Mapped[dt.datetime] = _created()


class FeedbackEvent(Base):
    """Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "feedback_events"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    target_type: Mapped[str] = mapped_column(String(32))  # hypothesis|report|run|evidence|incident
    target_id: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        CheckConstraint(_in("kind", FEEDBACK_KINDS), name="kind"),
        Index("ix_feedback_events_target", "org_id", "target_type", "target_id"),
    )


# ---------------------------------------------------------------- tickets


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    external_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(16))  # the label, when known
    urgency: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="medium", server_default="medium")
    customer: Mapped[str | None] = mapped_column(String(200))
    customer_tier: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    created_at: Mapped[dt.datetime]
    first_response_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime | None]
    status_history: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    resolution: Mapped[str | None] = mapped_column(Text)
    embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        CheckConstraint(f"product IS NULL OR {_in('product', PRODUCTS)}", name="product"),
        CheckConstraint(f"urgency IS NULL OR {_in('urgency', URGENCIES)}", name="urgency"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(_in("customer_tier", CUSTOMER_TIERS), name="customer_tier"),
        CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
        Index("ix_tickets_org_created", "org_id", "created_at"),
        Index(
            "ix_tickets_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 128},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )


class SlaAlert(Base):
    """One row per (ticket, alert type, state): created once per state change."""

    __tablename__ = "sla_alerts"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    alert_type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[dt.datetime]
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    notification_sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    notified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("ticket_id", "alert_type", "state"),
        CheckConstraint(_in("alert_type", SLA_ALERT_TYPES), name="alert_type"),
        CheckConstraint(_in("state", SLA_STATES), name="state"),
    )


class TicketClassification(Base):
    __tablename__ = "ticket_classifications"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    subject: Mapped[str | None] = mapped_column(String(500))
    product: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    reasoning: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(100))
    latency_ms: Mapped[float] = mapped_column(Float)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        CheckConstraint(_in("product", PRODUCTS), name="product"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
    )


class TriageModelRow(Base):
    """An organisation's learned ticket-triage model (one per org), keyed by a fingerprint of its labelled tickets."""

    __tablename__ = "triage_models"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    n_labels: Mapped[int] = mapped_column(Integer)
    model: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    trained_at: Mapped[dt.datetime] = _created()


# ---------------------------------------------------------------- retrieval documents


class Document(Base):
    """A runbook or a past-incident summary, retrievable by vector and full text."""

    __tablename__ = "documents"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    kind: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    service: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM), nullable=True)
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', coalesce(title, '') || ' ' || coalesce(body, ''))", persisted=True),
    )
    created_at: Mapped[dt.datetime] = _created()
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    __table_args__ = (
        UniqueConstraint("org_id", "kind", "external_id"),
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
        Index("ix_documents_tsv", "tsv", postgresql_using="gin"),
        Index(
            "ix_documents_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 128},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )


# ---------------------------------------------------------------- conversations & runs


class Thread(Base):
    __tablename__ = "threads"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[int] = _org()
    title: Mapped[str | None] = mapped_column(String(300))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_thread_ts: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        Index("ix_threads_org_updated", "org_id", "updated_at"),
        UniqueConstraint("org_id", "slack_channel", "slack_thread_ts"),
    )


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (CheckConstraint(_in("role", MESSAGE_ROLES), name="role"),)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[int] = _org()
    thread_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    route: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    created_at: Mapped[dt.datetime] = _created()
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # host:pid of the process executing the run (crash recovery marks dead owners' runs failed).
    worker: Mapped[str | None] = mapped_column(String(128))
    __table_args__ = (
        CheckConstraint(_in("trigger", RUN_TRIGGERS), name="trigger"),
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        Index("ix_runs_org_created", "org_id", "created_at"),
        Index("ix_runs_unfinished", "status", postgresql_where="status IN ('queued', 'running')"),
    )


class RunStep(Base):
    """One agent execution inside a run."""

    __tablename__ = "run_steps"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    agent: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    input: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    output: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    started_at: Mapped[dt.datetime] = _created()
    finished_at: Mapped[dt.datetime | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    __table_args__ = (UniqueConstraint("run_id", "position"),)


class ToolCall(Base):
    __tablename__ = "tool_calls"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("run_steps.id", ondelete="CASCADE"), index=True)
    tool: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    result_summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    evidence_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    started_at: Mapped[dt.datetime] = _created()
    finished_at: Mapped[dt.datetime | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)


class RunEvent(Base):
    """The SSE log of a run: committed before it is published, ``seq`` 1, 2, 3… without gaps."""

    __tablename__ = "run_events"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("run_id", "seq"),
        CheckConstraint(_in("type", EVENT_TYPES), name="type"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        Index("ix_run_events_created", "created_at"),
    )


class Evidence(Base):
    """An evidence artifact: what a tool found, and how to reproduce it (``ref``)."""

    __tablename__ = "evidence"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("run_steps.id", ondelete="SET NULL"))
    tool_call_id: Mapped[int | None] = mapped_column(ForeignKey("tool_calls.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    investigation_id: Mapped[int | None] = mapped_column(
        ForeignKey("investigations.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    ref: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    summary: Mapped[str] = mapped_column(Text)
    embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM), nullable=True)
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', coalesce(kind, '') || ' ' || coalesce(summary, ''))", persisted=True),
    )
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        Index("ix_evidence_tsv", "tsv", postgresql_using="gin"),
        Index(
            "ix_evidence_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 128},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )


# ---------------------------------------------------------------- evaluations


class EvalRun(Base):
    __tablename__ = "eval_runs"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_id: Mapped[int] = _org()
    suite: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    code_version: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    n_cases: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pass_rate: Mapped[float | None] = mapped_column(Float)
    p50_latency_ms: Mapped[float | None] = mapped_column(Float)
    p95_latency_ms: Mapped[float | None] = mapped_column(Float)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    report_markdown: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = _created()
    finished_at: Mapped[dt.datetime | None]
    __table_args__ = (CheckConstraint(_in("status", EVAL_STATUSES), name="status"),)


class EvalResult(Base):
    __tablename__ = "eval_results"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    eval_run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(String(200))
    variant: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    evaluator: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("eval_run_id", "case_id", "variant", "evaluator"),
        CheckConstraint("score >= 0 AND score <= 100", name="score"),
    )


# ---------------------------------------------------------------- schedules


class Schedule(Base):
    """A question asked on a cron expression (in ``timezone``); each firing is a run with trigger ``schedule``."""

    __tablename__ = "schedules"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    name: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    cron: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    slack_channel: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    next_run_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("org_id", "name", name="uq_schedules_org_name"),
        Index("ix_schedules_due", "next_run_at", postgresql_where="enabled"),
    )
