"""Tickets: the one upsert shared by the file importer and ``POST /api/tickets``.

With an embedding it is stored; without one (imports embed later, in bulk) a row whose subject and content did
not change keeps its embedding and any other loses it, so a later backfill re-embeds exactly what changed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import Invalid

UPSERT_TICKET = """
    INSERT INTO tickets (org_id, external_id, subject, content, product, urgency, priority, customer,
        customer_tier, status, created_at, first_response_at, resolved_at, closed_at, updated_at,
        status_history, resolution, embedding)
    VALUES (%(org)s, %(ext)s, %(subject)s, %(content)s, %(product)s, %(urgency)s, %(priority)s, %(customer)s,
        %(tier)s, %(status)s, %(created)s, %(fr)s, %(res)s, %(closed)s, %(updated)s, CAST(%(history)s AS jsonb),
        %(resolution)s, CAST(%(emb)s AS vector))
    ON CONFLICT (org_id, external_id) DO UPDATE SET subject = EXCLUDED.subject,
        content = EXCLUDED.content, product = EXCLUDED.product, urgency = EXCLUDED.urgency,
        priority = EXCLUDED.priority, customer = EXCLUDED.customer,
        customer_tier = EXCLUDED.customer_tier, status = EXCLUDED.status,
        created_at = EXCLUDED.created_at, first_response_at = EXCLUDED.first_response_at,
        resolved_at = EXCLUDED.resolved_at, closed_at = EXCLUDED.closed_at,
        updated_at = EXCLUDED.updated_at, status_history = EXCLUDED.status_history,
        resolution = EXCLUDED.resolution,
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
            "resolution": t.resolution, "emb": None if embedding is None else _vector(embedding)}


async def upsert_ticket(session: AsyncSession, org_id: int, t: Any, embedding: np.ndarray) -> bool:
    """Insert or update by ``external_id`` (``t`` has a ticket's fields); returns whether it was created."""
    errors = time_order_errors(t)
    if errors:
        raise Invalid(errors[0])
    conn = await session.connection()
    return bool((await conn.exec_driver_sql(UPSERT_TICKET, ticket_params(org_id, t, embedding))).scalar_one())
