"""SQLAlchemy models: services, their metrics and dependencies, commits, deployments, config changes,
incidents, alerts and the decisions, hypotheses, reports and feedback about them (re-exported by :mod:`store.models`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models_base import (
    ALERT_STATUSES,
    CHANGE_TYPES,
    DEPLOYMENT_STATUSES,
    FEEDBACK_KINDS,
    HYPOTHESIS_TYPES,
    INCIDENT_SEVERITIES,
    INCIDENT_STATUSES,
    Base,
    _created,
    _id,
    _in,
    _org,
)

__all__ = [
    "METRIC_ROLES",
    "AlertFingerprint",
    "AlertSettings",
    "Commit",
    "CommitFile",
    "ConfigChange",
    "Decision",
    "Deployment",
    "DeploymentCommit",
    "FeedbackEvent",
    "Hypothesis",
    "Incident",
    "MetricPoint",
    "MetricRole",
    "Report",
    "Service",
    "ServiceDependency",
    "ServicePromql",
]


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
