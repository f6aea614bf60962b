"""Runs in Postgres, the read model: a run's record (steps, tool calls, evidence, usage) and its event log, scoped
to the caller's organisation. ``RunEvent`` is the one run-event model; the executor's writes are in
:mod:`store.runs` (which re-exports everything here)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class StepOut(BaseModel):
    id: int
    position: int
    agent: str
    status: str
    input: dict[str, Any]
    output: dict[str, Any]
    started_at: dt.datetime
    finished_at: dt.datetime | None
    latency_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class ToolCallOut(BaseModel):
    id: int
    step_id: int | None
    tool: str
    arguments: dict[str, Any]
    status: str
    result_summary: str | None
    error: str | None
    evidence_ids: list[int]
    latency_ms: float | None


class EvidenceBrief(BaseModel):
    id: int
    kind: str
    source: str
    summary: str
    step_id: int | None
    tool_call_id: int | None


class RunRecord(BaseModel):
    id: uuid.UUID
    thread_id: uuid.UUID | None
    trigger: str
    status: str
    question: str
    answer: str | None
    error: str | None
    provider: str
    model: str | None
    route: list[Any]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    last_seq: int
    steps: list[StepOut] = []
    tool_calls: list[ToolCallOut] = []
    evidence: list[EvidenceBrief] = []


class RunEvent(BaseModel):
    """One event of a run's log (``seq`` 1, 2, 3 … without gaps)."""

    run_id: uuid.UUID | None = None
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: dt.datetime | None = None


EventOut = RunEvent  # the name the read routes used


async def get_run(session: AsyncSession, org_id: int, run_id: uuid.UUID) -> RunRecord | None:
    p = {"org": org_id, "id": run_id}
    row = (
        await session.execute(
            text(
                """SELECT id, thread_id, trigger, status, question, answer, error, provider, model, route, created_at,
                          started_at, finished_at, prompt_tokens, completion_tokens, cost_usd, last_seq
                   FROM runs WHERE id = :id AND org_id = :org"""
            ),
            p,
        )
    ).mappings().first()
    if row is None:
        return None
    steps = (await session.execute(text(
        """SELECT id, position, agent, status, input, output, started_at, finished_at, latency_ms, prompt_tokens,
                  completion_tokens, cost_usd FROM run_steps WHERE run_id = :id AND org_id = :org ORDER BY position"""), p)).mappings()
    calls = (await session.execute(text(
        """SELECT id, step_id, tool, arguments, status, result_summary, error, evidence_ids, latency_ms
           FROM tool_calls WHERE run_id = :id AND org_id = :org ORDER BY id"""), p)).mappings()
    evidence = (await session.execute(text(
        """SELECT id, kind, source, summary, step_id, tool_call_id FROM evidence
           WHERE run_id = :id AND org_id = :org ORDER BY id"""), p)).mappings()
    return RunRecord(
        **row, steps=[StepOut(**s) for s in steps], tool_calls=[ToolCallOut(**c) for c in calls],
        evidence=[EvidenceBrief(**e) for e in evidence],
    )


async def run_events(session: AsyncSession, org_id: int, run_id: uuid.UUID, after: int = 0) -> list[EventOut]:
    rows = (
        await session.execute(
            text(
                """SELECT seq, type, payload, created_at FROM run_events
                   WHERE run_id = :id AND org_id = :org AND seq > :after ORDER BY seq"""
            ),
            {"id": run_id, "org": org_id, "after": after},
        )
    ).mappings()
    return [EventOut(**r) for r in rows]
