"""SQLAlchemy model: an organisation's change-freeze calendar (re-exported by :mod:`store.models`).

A freeze window is a period in which changes should not be made (a peak season, a year-end close, a migration
weekend), for the whole organisation or for some of its services. The change correlator names a change made
inside one as evidence, never as a cause by itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from store.models_base import Base, _created, _id, _org

__all__ = ["FreezeWindow"]


class FreezeWindow(Base):
    __tablename__ = "freeze_windows"
    id: Mapped[int] = _id()
    org_id: Mapped[int] = _org()
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    services: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")  # empty: every service
    reason: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")  # fields of an import with no column
    created_at: Mapped[dt.datetime] = _created()
    __table_args__ = (
        UniqueConstraint("org_id", "name", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="window"),
        Index("ix_freeze_windows_org_starts", "org_id", "starts_at"),
    )
