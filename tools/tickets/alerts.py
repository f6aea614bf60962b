"""The ticket write paths: SLA alert sync and stored classifications.

Not agent tools (tools only read): a scheduler or the API calls these with a
session in a writable transaction and commits it. Both functions only add
rows; ``sync_sla_alerts`` is idempotent. :func:`pending_sla_alerts` is the
read-only view of the same computation (``GET /api/sla/alerts`` never writes).
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import SlaAlert, TicketClassification
from tools.tickets import Classification, clocks_for, open_ticket_rows

ALERT_STATES = ("at_risk", "breached")


class SlaAlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int | None = None  # None: at risk or breached now, not recorded yet (the alert scheduler records it)
    org_id: int
    ticket_id: int
    external_id: str
    alert_type: str
    state: str
    deadline: dt.datetime
    escalation_level: int
    notification_sent: bool
    created_at: dt.datetime | None = None


async def _alert_values(session: AsyncSession, org_id: int, now: dt.datetime) -> tuple[list[dict], dict[int, str]]:
    rows = await open_ticket_rows(session, org_id, now)
    values: list[dict] = []
    external: dict[int, str] = {}
    for r in rows:
        for clock in clocks_for(r, now):
            if clock.state in ALERT_STATES:
                external[r["id"]] = r["external_id"]
                values.append(
                    {
                        "org_id": org_id,
                        "ticket_id": r["id"],
                        "alert_type": clock.kind,
                        "state": clock.state,
                        "deadline": clock.deadline,
                        "escalation_level": clock.escalation_level,
                        "notification_sent": False,
                    }
                )
    return values, external


async def pending_sla_alerts(session: AsyncSession, org_id: int, now: dt.datetime) -> list[SlaAlertOut]:
    """The alerts :func:`sync_sla_alerts` would record at ``now`` and has not yet (``id`` None) — a pure read."""
    values, external = await _alert_values(session, org_id, now)
    if not values:
        return []
    recorded = {
        (r[0], r[1], r[2]) for r in await session.execute(
            text("SELECT ticket_id, alert_type, state FROM sla_alerts WHERE org_id = :org AND ticket_id = ANY(:ids)"),
            {"org": org_id, "ids": list(external)},
        )
    }
    out = [SlaAlertOut(external_id=external[v["ticket_id"]], **v) for v in values
           if (v["ticket_id"], v["alert_type"], v["state"]) not in recorded]
    out.sort(key=lambda a: (a.deadline, a.external_id, a.alert_type))
    return out


async def sync_sla_alerts(session: AsyncSession, org_id: int, now: dt.datetime) -> list[SlaAlertOut]:
    """Record at-risk and breached SLA clocks of the open tickets at ``now``; return only the new alerts.

    One ``sla_alerts`` row per (ticket, alert type, state): a clock that moves
    from at_risk to breached gets a second row, but running the sync again in
    the same state inserts nothing (``ON CONFLICT DO NOTHING`` on the unique
    constraint), so concurrent or repeated runs cannot duplicate alerts. The
    escalation level stored is the one at the time the state was first seen.
    New rows have ``notification_sent = False``. The caller commits.
    """
    values, external = await _alert_values(session, org_id, now)
    if not values:
        return []
    stmt = (
        pg_insert(SlaAlert)
        .values(values)
        .on_conflict_do_nothing(index_elements=["ticket_id", "alert_type", "state"])
        .returning(
            SlaAlert.id, SlaAlert.org_id, SlaAlert.ticket_id, SlaAlert.alert_type, SlaAlert.state, SlaAlert.deadline,
            SlaAlert.escalation_level, SlaAlert.notification_sent, SlaAlert.created_at,
        )
    )
    inserted = (await session.execute(stmt)).mappings().all()
    out = [SlaAlertOut(external_id=external[r["ticket_id"]], **r) for r in inserted]
    out.sort(key=lambda a: (a.deadline, a.external_id, a.alert_type))
    return out


async def record_classification(
    session: AsyncSession,
    org_id: int,
    result: Classification,
    *,
    ticket_id: int | None = None,
    run_id: uuid.UUID | None = None,
) -> int:
    """Store a classification (``ticket_classifications``) and return the new row's id. The caller commits.

    Without ``ticket_id``, a result from ``classify_ticket_by_id`` is linked to its ticket by external id.
    """
    if ticket_id is None and result.external_id:
        ticket_id = (
            await session.execute(
                text("SELECT id FROM tickets WHERE org_id = :org AND external_id = :ext"),
                {"org": org_id, "ext": result.external_id},
            )
        ).scalar()
    stmt = (
        insert(TicketClassification)
        .values(
            org_id=org_id,
            ticket_id=ticket_id,
            run_id=run_id,
            subject=(result.subject or None) and result.subject[:500],
            product=result.product,
            urgency=result.urgency,
            confidence=result.confidence,
            reasoning=result.reasoning,
            model=result.model,
            latency_ms=result.latency_ms,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
        )
        .returning(TicketClassification.id)
    )
    return int((await session.execute(stmt)).scalar_one())
