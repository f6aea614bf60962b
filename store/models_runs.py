"""SQLAlchemy models: the assistant's own record (threads, messages, runs, steps, tool calls, events,
evidence), evaluations and schedules (re-exported by :mod:`store.models`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from store.models_base import (
    EMBEDDING_DIM,
    EVAL_STATUSES,
    EVENT_TYPES,
    MESSAGE_ROLES,
    RUN_STATUSES,
    RUN_TRIGGERS,
    Base,
    _created,
    _id,
    _in,
    _org,
)

__all__ = [
    "EvalResult",
    "EvalRun",
    "Evidence",
    "Message",
    "Run",
    "RunEvent",
    "RunStep",
    "Schedule",
    "Thread",
    "ToolCall",
]


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
