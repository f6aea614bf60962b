"""The shared part of opsgraph's SQLAlchemy models: the declarative ``Base`` with its naming convention, the
enumerations (single source of truth for CHECK constraints and validators) and the column helpers. The tables
are in :mod:`store.models` and its sibling modules; :mod:`store.models` re-exports all of it."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal, get_args

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    MetaData,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


__all__ = [  # every name, the helpers included: the model modules and store.models import them from here
    "AGGREGATIONS",
    "ALERT_STATUSES",
    "CHANGE_TYPES",
    "CUSTOMER_TIERS",
    "DEPLOYMENT_STATUSES",
    "DOCUMENT_KINDS",
    "EMBEDDING_DIM",
    "EVAL_STATUSES",
    "EVENT_TYPES",
    "FEEDBACK_KINDS",
    "HYPOTHESIS_TYPES",
    "INCIDENT_SEVERITIES",
    "INCIDENT_STATUSES",
    "INVESTIGATION_STATUSES",
    "MESSAGE_ROLES",
    "NAMING",
    "PRIORITIES",
    "PRODUCTS",
    "ROLES",
    "RUN_STATUSES",
    "RUN_TRIGGERS",
    "SLA_ALERT_TYPES",
    "SLA_STATES",
    "SUMMARY_LEVELS",
    "TICKET_STATUSES",
    "URGENCIES",
    "Aggregation",
    "Base",
    "ChangeType",
    "CustomerTier",
    "DeploymentStatus",
    "DocumentKind",
    "IncidentSeverity",
    "IncidentStatus",
    "Priority",
    "Product",
    "TicketStatus",
    "Urgency",
    "_created",
    "_id",
    "_in",
    "_now",
    "_org",
]
