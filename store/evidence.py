"""Evidence: what a tool found and how to reproduce it.

Tools produce :class:`EvidenceDraft` objects (no id yet); the runtime stores
them with :func:`insert_evidence`, which links each to its run, step and tool
call and returns :class:`EvidenceRecord` read models whose ``id`` is what
answers and reports cite as ``[E:<id>]``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Evidence
from store.runs import EvidenceBrief


class EvidenceDraft(BaseModel):
    """A tool's finding before it is stored."""

    kind: str = Field(description="what it is: kpi_series, control_chart, signal, change, hypothesis, ticket, runbook…")
    source: str = Field(description="the tool that produced it, e.g. tools.kpis.kpi_series")
    ref: dict[str, Any] = Field(description="how to reproduce it: the query or call and its parameters")
    payload: dict[str, Any] = Field(default_factory=dict, description="the data itself (JSON)")
    summary: str = Field(description="one line a person can read")
    incident_id: int | None = None
    investigation_id: int | None = None


class EvidenceRecord(EvidenceDraft):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    run_id: uuid.UUID | None = None
    step_id: int | None = None
    tool_call_id: int | None = None
    created_at: dt.datetime | None = None


async def insert_evidence(
    session: AsyncSession,
    org_id: int,
    drafts: Sequence[EvidenceDraft],
    embeddings: np.ndarray | None = None,
    *,
    run_id: uuid.UUID | None = None,
    step_id: int | None = None,
    tool_call_id: int | None = None,
) -> list[EvidenceRecord]:
    """Store drafts (with their embeddings) and return them with ids, in order."""
    if not drafts:
        return []
    rows = []
    for i, d in enumerate(drafts):
        row = d.model_dump()
        row.update(org_id=org_id, run_id=run_id, step_id=step_id, tool_call_id=tool_call_id)
        row["embedding"] = None if embeddings is None else embeddings[i]
        rows.append(row)
    result = await session.execute(insert(Evidence).returning(Evidence), rows)
    stored = result.scalars().all()
    return [EvidenceRecord.model_validate(e) for e in stored]


async def get_evidence(session: AsyncSession, org_id: int, ids: Sequence[int]) -> list[EvidenceRecord]:
    """Evidence by id, scoped to the organisation (other orgs' ids are simply absent)."""
    if not ids:
        return []
    rows = (
        await session.execute(select(Evidence).where(Evidence.org_id == org_id, Evidence.id.in_(list(ids))))
    ).scalars()
    by_id = {e.id: EvidenceRecord.model_validate(e) for e in rows}
    return [by_id[i] for i in ids if i in by_id]


# ------------------------------------------------------------------ briefs and reports (API listings)


async def evidence_briefs(session: AsyncSession, org_id: int, where: str, params: dict[str, Any],
                          limit: int = 200) -> list[EvidenceBrief]:
    """``where`` is one of the fixed clauses of the store (never user text)."""
    rows = (
        await session.execute(
            text(
                f"""SELECT id, kind, source, summary, step_id, tool_call_id FROM evidence
                    WHERE org_id = :org AND ({where}) ORDER BY id LIMIT :limit"""
            ),
            {"org": org_id, "limit": limit, **params},
        )
    ).mappings()
    return [EvidenceBrief(**r) for r in rows]


async def report_rows(session: AsyncSession, org_id: int, where: str, params: dict[str, Any],
                      limit: int = 20) -> list[dict[str, Any]]:
    """Reports matching a fixed ``where`` clause of the store, newest first."""
    rows = (
        await session.execute(
            text(
                f"""SELECT id, kind, title, markdown, evidence_ids, run_id, created_at FROM reports
                    WHERE org_id = :org AND ({where}) ORDER BY created_at DESC, id DESC LIMIT :limit"""
            ),
            {"org": org_id, "limit": limit, **params},
        )
    ).mappings()
    return [{**r, "evidence_ids": list(r["evidence_ids"] or [])} for r in rows]


async def run_hypotheses(s: AsyncSession, org_id: int, run_id: uuid.UUID
                         ) -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    """The ranked hypotheses of a run (from its ``hypotheses`` evidence) and, per subject, its evidence ids."""
    rows = (await s.execute(
        text("""SELECT id, kind, ref, payload FROM evidence WHERE org_id = :org AND run_id = :run
                AND kind IN ('hypotheses', 'change') ORDER BY id"""), {"org": org_id, "run": run_id})).mappings().all()
    hyps: list[dict[str, Any]] = []
    ranking_ids: list[int] = []
    ids: dict[str, list[int]] = {}
    for r in rows:
        if r["kind"] == "hypotheses":
            hyps = list((r["payload"] or {}).get("hypotheses") or [])
            ranking_ids.append(r["id"])
        else:
            subject = ((r["ref"] or {}).get("subject") or {}).get("external_id")
            if subject:
                ids.setdefault(subject, []).append(r["id"])
    for h in hyps:
        ids[h["subject"]] = ids.get(h["subject"], []) + ranking_ids[-1:]
    return hyps, ids
