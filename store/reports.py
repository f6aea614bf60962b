"""Reports: the one write path for drafted incident/investigation reports (SQL lives in store/)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_report(
    session: AsyncSession, *, org_id: int, incident_id: int | None, run_id: uuid.UUID | str | None, kind: str,
    title: str, markdown: str, evidence_ids: Sequence[int], investigation_id: int | None = None,
) -> int:
    """Store a drafted report for the organisation; returns its id (the caller owns the transaction)."""
    return (
        await session.execute(
            text(
                """INSERT INTO reports (org_id, incident_id, investigation_id, run_id, kind, title, markdown, evidence_ids)
                   VALUES (:org, :inc, :inv, :run, :kind, :title, :md, :ev) RETURNING id"""
            ),
            {"org": org_id, "inc": incident_id, "inv": investigation_id, "run": run_id, "kind": kind, "title": title,
             "md": markdown, "ev": list(evidence_ids)},
        )
    ).scalar_one()
