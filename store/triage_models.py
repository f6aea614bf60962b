"""Learned ticket-triage models: the labelled set's fingerprint, its rows, and the stored model (org-scoped SQL).

The model itself is opaque bytes here (the tools layer serialises it); one row
per organisation, replaced when the labelled set's fingerprint changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_LABELLED = "org_id = :org AND (product IS NOT NULL OR urgency IS NOT NULL)"


async def labelled_fingerprint(session: AsyncSession, org_id: int) -> tuple[int, str]:
    """(number of labelled tickets, digest of their ids, labels and texts): changes whenever a label or text does."""
    row = (
        await session.execute(
            text(
                f"""SELECT count(*), coalesce(md5(string_agg(
                           external_id || chr(31) || coalesce(product, '') || chr(31) || coalesce(urgency, '')
                           || chr(31) || priority || chr(31) || customer_tier || chr(31) || md5(subject || chr(31) || content),
                           chr(30) ORDER BY external_id)), '')
                    FROM tickets WHERE {_LABELLED}"""
            ),
            {"org": org_id},
        )
    ).one()
    return int(row[0]), str(row[1])


async def labelled_tickets(session: AsyncSession, org_id: int) -> list[Mapping[str, Any]]:
    return list(
        (
            await session.execute(
                text(
                    f"""SELECT external_id, subject, content, product, urgency, priority, customer_tier
                        FROM tickets WHERE {_LABELLED} ORDER BY external_id"""
                ),
                {"org": org_id},
            )
        ).mappings().all()
    )


async def load_model(session: AsyncSession, org_id: int) -> Mapping[str, Any] | None:
    """The organisation's stored model row (fingerprint, n_labels, model bytes, meta, trained_at), if any."""
    return (
        await session.execute(
            text("SELECT fingerprint, n_labels, model, meta, trained_at FROM triage_models WHERE org_id = :org"),
            {"org": org_id},
        )
    ).mappings().first()


async def save_model(
    session: AsyncSession, org_id: int, *, fingerprint: str, n_labels: int, model: bytes, meta: dict[str, Any]
) -> None:
    """Store (or replace) the organisation's model."""
    import json

    await session.execute(
        text(
            """INSERT INTO triage_models (org_id, fingerprint, n_labels, model, meta, trained_at)
               VALUES (:org, :fp, :n, :model, CAST(:meta AS jsonb), now())
               ON CONFLICT (org_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, n_labels = EXCLUDED.n_labels,
                   model = EXCLUDED.model, meta = EXCLUDED.meta, trained_at = EXCLUDED.trained_at"""
        ),
        {"org": org_id, "fp": fingerprint, "n": n_labels, "model": model, "meta": json.dumps(meta)},
    )
