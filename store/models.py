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

The tables are split by concept: accounts and Tech Ops here, the rest in :mod:`store.models_changes`,
:mod:`store.models_tickets` and :mod:`store.models_runs` (the base, enumerations and column helpers in
:mod:`store.models_base`). Every name is importable from here, and importing this module registers every table
on ``Base.metadata``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
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
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models_base import *  # noqa: F403  (the enumerations and Base, importable from here as before)
from store.models_base import (
    AGGREGATIONS,
    INVESTIGATION_STATUSES,
    ROLES,
    SUMMARY_LEVELS,
    Base,
    _created,
    _id,
    _in,
    _org,
)

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
    # None: the definition does not say; the decimals shown are then chosen from the data (tools.kpis.decimals).
    decimals: Mapped[int | None] = mapped_column(SmallInteger)
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


# the other concepts' tables: registered on Base.metadata with this module, importable from it
from store.models_changes import *  # noqa: E402,F403
from store.models_freeze import *  # noqa: E402,F403
from store.models_runs import *  # noqa: E402,F403
from store.models_tickets import *  # noqa: E402,F403
