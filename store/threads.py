"""Threads and the runs in them, as the API lists them (org-scoped reads; rows as dicts)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

RUN_COLS = "id, thread_id, trigger, status, question, created_at, finished_at, last_seq"


async def run_status(session: AsyncSession, org_id: int, run_id: uuid.UUID) -> tuple[str, int] | None:
    row = (
        await session.execute(
            text("SELECT status, last_seq FROM runs WHERE id = :id AND org_id = :org"), {"id": run_id, "org": org_id}
        )
    ).first()
    return (row[0], row[1]) if row else None


async def list_runs(
    session: AsyncSession, org_id: int, *, thread_id: uuid.UUID | None, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            text(
                f"""SELECT {RUN_COLS} FROM runs
                    WHERE org_id = :org AND (CAST(:thread AS uuid) IS NULL OR thread_id = :thread)
                      AND (CAST(:status AS text) IS NULL OR status = :status)
                    ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset"""
            ),
            {"org": org_id, "thread": thread_id, "status": status, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [dict(r) for r in rows]


async def list_threads(session: AsyncSession, org_id: int, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            text(
                """SELECT t.id, t.title, t.created_at, t.updated_at,
                          (SELECT count(*) FROM runs r WHERE r.thread_id = t.id AND r.org_id = t.org_id) AS runs,
                          (SELECT r.status FROM runs r WHERE r.thread_id = t.id AND r.org_id = t.org_id
                           ORDER BY r.created_at DESC LIMIT 1) AS last_status
                   FROM threads t WHERE t.org_id = :org
                   ORDER BY t.updated_at DESC, t.id LIMIT :limit OFFSET :offset"""
            ),
            {"org": org_id, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [dict(r) for r in rows]


async def get_thread(
    session: AsyncSession, org_id: int, thread_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]] | None:
    """``(thread, messages, runs)`` oldest first, or None when the thread is not the organisation's."""
    p = {"org": org_id, "id": thread_id}
    row = (
        await session.execute(
            text(
                """SELECT t.id, t.title, t.created_at, t.updated_at,
                          (SELECT i.id FROM investigations i WHERE i.thread_id = t.id AND i.org_id = t.org_id
                           ORDER BY i.id LIMIT 1) AS investigation_id
                   FROM threads t WHERE t.id = :id AND t.org_id = :org"""
            ),
            p,
        )
    ).mappings().first()
    if row is None:
        return None
    messages = (
        await session.execute(
            text(
                """SELECT id, role, content, evidence_ids, run_id, created_at FROM messages
                   WHERE thread_id = :id AND org_id = :org ORDER BY created_at, id"""
            ),
            p,
        )
    ).mappings()
    runs = (
        await session.execute(
            text(f"SELECT {RUN_COLS} FROM runs WHERE thread_id = :id AND org_id = :org ORDER BY created_at, id"), p
        )
    ).mappings()
    return (dict(row), [{**m, "evidence_ids": list(m["evidence_ids"] or [])} for m in messages],
            [dict(r) for r in runs])


async def thread_exists(session: AsyncSession, org_id: int, thread_id: uuid.UUID) -> bool:
    return (
        await session.execute(text("SELECT 1 FROM threads WHERE id = :id AND org_id = :org"), {"id": thread_id, "org": org_id})
    ).first() is not None
