"""Scheduled questions (``schedules``): CRUD scoped to an organisation, and the due rows of a firing tick."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

_COLS = "id, name, question, cron, timezone, slack_channel, enabled, next_run_at, last_run_at, last_run_id, created_at"


class ScheduleOut(BaseModel):
    id: int
    name: str
    question: str
    cron: str
    timezone: str
    slack_channel: str | None
    enabled: bool
    next_run_at: dt.datetime
    last_run_at: dt.datetime | None
    last_run_id: uuid.UUID | None
    created_at: dt.datetime


class DuplicateSchedule(ValueError):
    pass


async def create_schedule(
    s: AsyncSession, org_id: int, *, name: str, question: str, cron: str, timezone: str, slack_channel: str | None,
    next_run_at: dt.datetime,
) -> ScheduleOut:
    try:
        async with s.begin_nested():
            row = (await s.execute(
                text(f"""INSERT INTO schedules (org_id, name, question, cron, timezone, slack_channel, next_run_at)
                         VALUES (:org, :name, :q, :cron, :tz, :ch, :next) RETURNING {_COLS}"""),
                {"org": org_id, "name": name, "q": question, "cron": cron, "tz": timezone, "ch": slack_channel,
                 "next": next_run_at})).mappings().one()
    except IntegrityError:
        raise DuplicateSchedule(f"a schedule named {name!r} already exists") from None
    return ScheduleOut(**row)


async def list_schedules(s: AsyncSession, org_id: int) -> list[ScheduleOut]:
    rows = await s.execute(text(f"SELECT {_COLS} FROM schedules WHERE org_id = :org ORDER BY name"), {"org": org_id})
    return [ScheduleOut(**r) for r in rows.mappings()]


async def get_schedule(s: AsyncSession, org_id: int, ref: str) -> ScheduleOut | None:
    """By id or by name."""
    where = "id = :id" if ref.isdigit() else "name = :name"
    row = (await s.execute(text(f"SELECT {_COLS} FROM schedules WHERE org_id = :org AND {where}"),
                           {"org": org_id, "id": int(ref) if ref.isdigit() else None, "name": ref})).mappings().first()
    return ScheduleOut(**row) if row else None


async def delete_schedule(s: AsyncSession, org_id: int, schedule_id: int) -> bool:
    row = (await s.execute(text("DELETE FROM schedules WHERE org_id = :org AND id = :id RETURNING id"),
                           {"org": org_id, "id": schedule_id})).first()
    return row is not None


async def take_due(s: AsyncSession, now: dt.datetime, limit: int = 50) -> list[dict[str, Any]]:
    """Due schedules, locked for this transaction (``SKIP LOCKED``: a concurrent tick takes other rows)."""
    rows = await s.execute(
        text("""SELECT id, org_id, name, question, cron, timezone, slack_channel, next_run_at FROM schedules
                WHERE enabled AND next_run_at <= :now ORDER BY next_run_at LIMIT :lim FOR UPDATE SKIP LOCKED"""),
        {"now": now, "lim": limit})
    return [dict(r) for r in rows.mappings()]


async def mark_fired(s: AsyncSession, schedule_id: int, fired_at: dt.datetime, next_run_at: dt.datetime,
                     run_id: uuid.UUID | None) -> None:
    await s.execute(
        text("""UPDATE schedules SET last_run_at = :fired, next_run_at = :next, last_run_id = :run WHERE id = :id"""),
        {"id": schedule_id, "fired": fired_at, "next": next_run_at, "run": run_id})
