"""Investigations: create (with their thread), lock, record an iteration, finalise. Org-scoped; the caller opens
the transaction. Unknown or finalised investigations and unknown evidence raise :mod:`store.errors`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class ActionIn:
    description: str
    owner: str | None = None
    due_date: dt.date | None = None


async def create_investigation(
    session: AsyncSession, org_id: int, *, title: str, question: str | None, kpi_id: int | None,
    station_id: int | None, region_id: int | None, summary_level: str, created_by: str | None, api_key_id: int,
) -> int:
    thread_id = uuid.uuid4()
    await session.execute(
        text("INSERT INTO threads (id, org_id, title, api_key_id, context) VALUES (:id, :org, :title, :key, CAST(:ctx AS jsonb))"),
        {"id": thread_id, "org": org_id, "title": title[:300], "key": api_key_id,
         "ctx": '{"kind": "investigation"}'},
    )
    return (
        await session.execute(
            text(
                """INSERT INTO investigations (org_id, title, question, kpi_id, station_id, region_id, summary_level,
                       thread_id, status, created_by)
                   VALUES (:org, :title, :q, :kpi, :station, :region, :level, :thread, 'open', :by) RETURNING id"""
            ),
            {"org": org_id, "title": title[:300], "q": question, "kpi": kpi_id, "station": station_id,
             "region": region_id, "level": summary_level, "thread": thread_id, "by": created_by},
        )
    ).scalar_one()


async def lock_open_investigation(session: AsyncSession, org_id: int, inv_id: int) -> dict[str, Any]:
    """The investigation row, locked; NotFound when absent (or another org's), Conflict when already finalised."""
    row = (
        await session.execute(
            text("SELECT id, status, thread_id FROM investigations WHERE id = :id AND org_id = :org FOR UPDATE"),
            {"id": inv_id, "org": org_id},
        )
    ).mappings().first()
    if row is None:
        raise NotFound(f"investigation {inv_id} not found")
    if row["status"] != "open":
        raise Conflict(f"investigation {inv_id} is already finalised")
    return dict(row)


async def record_step(session: AsyncSession, org_id: int, inv_id: int, content: str, run_id: uuid.UUID) -> int:
    """Append the run as the investigation's next iteration (the caller holds the row lock)."""
    return (
        await session.execute(
            text(
                """INSERT INTO investigation_steps (org_id, investigation_id, iteration, kind, content, run_id)
                   SELECT :org, :inv, coalesce(max(iteration), 0) + 1, 'question', :content, :run
                   FROM investigation_steps WHERE investigation_id = :inv
                   RETURNING iteration"""
            ),
            {"org": org_id, "inv": inv_id, "content": content, "run": run_id},
        )
    ).scalar_one()


async def finalize_investigation(
    session: AsyncSession, org_id: int, inv_id: int, *, root_cause: str | None, evidence_ids: Sequence[int],
    actions: Sequence[ActionIn], notes: str | None, author: str | None,
) -> None:
    await lock_open_investigation(session, org_id, inv_id)
    ids = list(dict.fromkeys(evidence_ids))
    if ids:
        found = {
            r[0] for r in await session.execute(
                text("SELECT id FROM evidence WHERE org_id = :org AND id = ANY(:ids)"), {"org": org_id, "ids": ids}
            )
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise Invalid(f"unknown evidence id(s): {', '.join(map(str, missing[:20]))}", missing=missing)
        await session.execute(
            text("UPDATE evidence SET investigation_id = :inv WHERE org_id = :org AND id = ANY(:ids)"),
            {"inv": inv_id, "org": org_id, "ids": ids},
        )
    for a in actions:
        await session.execute(
            text(
                """INSERT INTO investigation_actions (org_id, investigation_id, description, owner, due_date)
                   VALUES (:org, :inv, :d, :o, :due)"""
            ),
            {"org": org_id, "inv": inv_id, "d": a.description, "o": a.owner, "due": a.due_date},
        )
    if notes:
        await session.execute(
            text("INSERT INTO investigation_notes (org_id, investigation_id, author, body) VALUES (:org, :inv, :a, :b)"),
            {"org": org_id, "inv": inv_id, "a": author, "b": notes},
        )
    await session.execute(
        text(
            """UPDATE investigations SET status = 'finalized', root_cause = :rc, finalized_at = now()
               WHERE id = :inv AND org_id = :org"""
        ),
        {"rc": root_cause, "inv": inv_id, "org": org_id},
    )


# ------------------------------------------------------------------ reads (rows as dicts)

_INVESTIGATION_SQL = """
    SELECT i.id, i.title, i.question, i.status, k.code AS kpi, k.name AS kpi_name, s.code AS station,
           coalesce(r.code, sr.code) AS region, i.summary_level, i.thread_id, i.root_cause, i.created_by,
           i.created_at, i.finalized_at
    FROM investigations i
    LEFT JOIN kpi_definitions k ON k.id = i.kpi_id
    LEFT JOIN stations s ON s.id = i.station_id
    LEFT JOIN regions r ON r.id = i.region_id
    LEFT JOIN regions sr ON sr.id = s.region_id
    WHERE i.org_id = :org"""

#: Evidence and reports of an investigation (fixed clauses for :mod:`store.evidence`).
EVIDENCE_WHERE = "investigation_id = :id"
REPORTS_WHERE = ("investigation_id = :id OR run_id IN (SELECT run_id FROM investigation_steps "
                 "WHERE investigation_id = :id AND org_id = :org)")


async def list_investigations(
    session: AsyncSession, org_id: int, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            text(_INVESTIGATION_SQL + " AND (CAST(:status AS text) IS NULL OR i.status = :status)"
                 " ORDER BY i.created_at DESC, i.id DESC LIMIT :limit OFFSET :offset"),
            {"org": org_id, "status": status, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [dict(r) for r in rows]


async def investigation_row(session: AsyncSession, org_id: int, inv_id: int) -> dict[str, Any] | None:
    row = (await session.execute(text(_INVESTIGATION_SQL + " AND i.id = :id"), {"org": org_id, "id": inv_id})).mappings().first()
    return dict(row) if row else None


async def investigation_parts(
    session: AsyncSession, org_id: int, inv_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """``(steps, actions, notes)`` of an investigation, in order."""
    p = {"org": org_id, "id": inv_id}
    steps = (
        await session.execute(
            text(
                """SELECT st.iteration, st.kind, st.content, st.run_id, r.status AS run_status, st.created_at
                   FROM investigation_steps st LEFT JOIN runs r ON r.id = st.run_id AND r.org_id = st.org_id
                   WHERE st.investigation_id = :id AND st.org_id = :org ORDER BY st.iteration"""
            ),
            p,
        )
    ).mappings()
    actions = (
        await session.execute(
            text(
                """SELECT id, description, owner, due_date, status, created_at FROM investigation_actions
                   WHERE investigation_id = :id AND org_id = :org ORDER BY id"""
            ),
            p,
        )
    ).mappings()
    notes = (
        await session.execute(
            text("SELECT id, author, body, created_at FROM investigation_notes WHERE investigation_id = :id AND org_id = :org ORDER BY id"),
            p,
        )
    ).mappings()
    return [dict(s) for s in steps], [dict(a) for a in actions], [dict(n) for n in notes]
