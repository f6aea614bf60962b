"""SQLAlchemy models: tickets, their SLA alerts and classifications, triage models, and the retrieval
documents (runbooks, incident summaries) (re-exported by :mod:`store.models`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from store.models_base import (
    CUSTOMER_TIERS,
    DOCUMENT_KINDS,
    EMBEDDING_DIM,
    PRIORITIES,
    PRODUCTS,
    SLA_ALERT_TYPES,
    SLA_STATES,
    TICKET_STATUSES,
    URGENCIES,
    Base,
    _created,
    _id,
    _in,
    _org,
)

__all__ = [
    "Document",
    "SlaAlert",
    "Ticket",
    "TicketClassification",
    "TriageModelRow",
]


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
