"""Tickets: the one upsert shared by the file importer and ``POST /api/tickets``.

With an embedding it is stored; without one (imports embed later, in bulk) a row whose subject and content did
not change keeps its embedding and any other loses it, so a later backfill re-embeds exactly what changed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import Invalid

UPSERT_TICKET = """
    INSERT INTO tickets (org_id, external_id, subject, content, product, urgency, priority, customer,
        customer_tier, status, created_at, first_response_at, resolved_at, closed_at, updated_at,
        status_history, resolution, embedding, extra)
    VALUES (%(org)s, %(ext)s, %(subject)s, %(content)s, %(product)s, %(urgency)s, %(priority)s, %(customer)s,
        %(tier)s, %(status)s, %(created)s, %(fr)s, %(res)s, %(closed)s, %(updated)s, CAST(%(history)s AS jsonb),
        %(resolution)s, CAST(%(emb)s AS vector), CAST(%(extra)s AS jsonb))
    ON CONFLICT (org_id, external_id) DO UPDATE SET subject = EXCLUDED.subject,
        content = EXCLUDED.content, product = EXCLUDED.product, urgency = EXCLUDED.urgency,
        priority = EXCLUDED.priority, customer = EXCLUDED.customer,
        customer_tier = EXCLUDED.customer_tier, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at, first_response_at = EXCLUDED.first_response_at,
        resolved_at = EXCLUDED.resolved_at, closed_at = EXCLUDED.closed_at,
        updated_at = EXCLUDED.updated_at, status_history = EXCLUDED.status_history,
        resolution = EXCLUDED.resolution,
        extra = (tickets.extra - 'first_response_not_recorded') || EXCLUDED.extra,
        embedding = coalesce(EXCLUDED.embedding,
                             CASE WHEN tickets.subject = EXCLUDED.subject AND tickets.content = EXCLUDED.content
                                  THEN tickets.embedding END)
    RETURNING (xmax = 0) AS created"""

_TIMES = ("first_response_at", "resolved_at", "closed_at")


def time_order_errors(t: Any) -> list[str]:
    """``first_response_at``/``resolved_at``/``closed_at`` before ``created_at``, as messages."""
    out = []
    for name in _TIMES:
        v: dt.datetime | None = getattr(t, name)
        if v is not None and v < t.created_at:
            out.append(f"{name} is before created_at")
    return out


def _vector(vec: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.8g}" for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


def ticket_params(org_id: int, t: Any, embedding: np.ndarray | None = None) -> dict[str, Any]:
    """Parameters of :data:`UPSERT_TICKET` from anything with a ticket's fields."""
    return {"org": org_id, "ext": t.external_id, "subject": t.subject, "content": t.content, "product": t.product,
            "urgency": t.urgency, "priority": t.priority, "customer": t.customer, "tier": t.customer_tier,
            "status": t.status, "created": t.created_at, "fr": t.first_response_at, "res": t.resolved_at,
            "closed": t.closed_at, "updated": t.updated_at, "history": json.dumps(t.status_history, default=str),
            "resolution": t.resolution, "emb": None if embedding is None else _vector(embedding),
            "extra": json.dumps({} if getattr(t, "first_response_recorded", True)
                                else {"first_response_not_recorded": True})}


async def upsert_ticket(session: AsyncSession, org_id: int, t: Any, embedding: np.ndarray) -> bool:
    """Insert or update by ``external_id`` (``t`` has a ticket's fields); returns whether it was created."""
    errors = time_order_errors(t)
    if errors:
        raise Invalid(errors[0])
    conn = await session.connection()
    return bool((await conn.exec_driver_sql(UPSERT_TICKET, ticket_params(org_id, t, embedding))).scalar_one())


# ------------------------------------------------------------------ reads (rows as dicts)

_TICKET_COLS = """external_id, subject, content, product, urgency, priority, customer, customer_tier, status, created_at,
                  first_response_at, resolved_at, closed_at, updated_at, status_history, resolution"""


async def get_ticket(session: AsyncSession, org_id: int, external_id: str) -> tuple[int, dict[str, Any]] | None:
    """``(id, row)`` by external id (exact case first, else case-insensitive)."""
    row = (
        await session.execute(
            text(f"SELECT id, {_TICKET_COLS} FROM tickets WHERE org_id = :org AND upper(external_id) = upper(:ext) "
                 "ORDER BY (external_id = :ext) DESC LIMIT 1"),
            {"org": org_id, "ext": external_id},
        )
    ).mappings().first()
    if row is None:
        return None
    d = dict(row)
    tid = d.pop("id")
    d["status_history"] = list(d["status_history"] or [])
    return tid, d


async def latest_classification(session: AsyncSession, org_id: int, ticket_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(
            text(
                """SELECT id, product, urgency, confidence, reasoning, model, created_at FROM ticket_classifications
                   WHERE org_id = :org AND ticket_id = :t ORDER BY created_at DESC, id DESC LIMIT 1"""
            ),
            {"org": org_id, "t": ticket_id},
        )
    ).mappings().first()
    return dict(row) if row else None


async def list_sla_alerts(
    session: AsyncSession, org_id: int, *, state: str | None, alert_type: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            text(
                """SELECT a.id, a.org_id, a.ticket_id, t.external_id, a.alert_type, a.state, a.deadline,
                          a.escalation_level, a.notification_sent, a.created_at
                   FROM sla_alerts a JOIN tickets t ON t.id = a.ticket_id AND t.org_id = a.org_id
                   WHERE a.org_id = :org AND (CAST(:state AS text) IS NULL OR a.state = :state)
                     AND (CAST(:type AS text) IS NULL OR a.alert_type = :type)
                   ORDER BY a.created_at DESC, a.deadline, a.id DESC LIMIT :limit"""
            ),
            {"org": org_id, "state": state, "type": alert_type, "limit": limit},
        )
    ).mappings()
    return [dict(r) for r in rows]
