"""Runs in Postgres: every write of the executor (the read model — run record, events — is in
:mod:`store.run_reads`, re-exported here).

This module owns the run's writes: creating a run (thread, user message, queued run and its ``run.started``
event in one commit, with the per-key concurrency limit counted under an advisory lock), events (the next
``seq`` allocated and the event inserted in one statement), steps, tool calls, usage, terminal states, and
what a resumed attempt needs to know about the previous one. ``RunEvent`` is the one run-event model.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.run_reads import (
    EventOut,
    EvidenceBrief,
    RunEvent,
    RunRecord,
    StepOut,
    ToolCallOut,
    get_run,
    run_events,
)

__all__ = ["EventOut", "EvidenceBrief", "RunEvent", "RunRecord", "StepOut", "ToolCallOut", "get_run", "run_events"]


# ------------------------------------------------------------------ writes (the executor's SQL)

NOTIFY_CHANNEL = "opsgraph_runs"
TERMINAL = ("completed", "failed")
TERMINAL_EVENTS = ("run.completed", "run.failed")
_KEY_LOCK_NAMESPACE = 0x52554E  # pg_advisory_xact_lock(namespace, key id): one run start per key at a time


class RunLimitReached(Exception):
    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"too many runs in progress for this API key ({active} of {limit}); wait for one to finish")
        self.active, self.limit = active, limit


def plain(v: Any) -> Any:
    """JSON-able form of tool arguments and payloads (dates as ISO strings, models as dicts)."""
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, BaseModel):
        return v.model_dump(mode="json")
    return v


def to_json(v: Any) -> str:
    return json.dumps(v, default=plain)


async def create_run(
    s: AsyncSession, *, org_id: int, question: str, trigger: str, provider: str, model: str | None,
    thread_id: uuid.UUID | None = None, api_key_id: int | None = None, thread_title: str | None = None,
    max_active_for_key: int | None = None, worker: str | None = None,
) -> tuple[uuid.UUID, uuid.UUID, RunEvent]:
    """Thread (new or continued), user message, queued run and its ``run.started`` event, in the caller's
    transaction. With ``max_active_for_key`` the key's queued/running runs are counted under a transaction
    lock per key, so the limit holds across any number of API processes. Raises LookupError (thread) or
    RunLimitReached."""
    if api_key_id is not None and max_active_for_key is not None:
        await s.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _KEY_LOCK_NAMESPACE, "key": api_key_id})
        active = await active_runs_of_key(s, org_id, api_key_id)
        if active >= max_active_for_key:
            raise RunLimitReached(active, max_active_for_key)
    run_id = uuid.uuid4()
    if thread_id is None:
        thread_id = uuid.uuid4()
        await s.execute(
            text("INSERT INTO threads (id, org_id, title, api_key_id) VALUES (:id, :org, :title, :key)"),
            {"id": thread_id, "org": org_id, "title": (thread_title or question)[:300], "key": api_key_id},
        )
    else:
        found = (await s.execute(
            text("UPDATE threads SET updated_at = now() WHERE id = :id AND org_id = :org RETURNING id"),
            {"id": thread_id, "org": org_id})).scalar()
        if found is None:
            raise LookupError(f"thread {thread_id} not found")
    await s.execute(
        text("""INSERT INTO runs (id, org_id, thread_id, api_key_id, trigger, status, question, provider, model, worker)
                VALUES (:id, :org, :thread, :key, :trigger, 'queued', :q, :provider, :model, :worker)"""),
        {"id": run_id, "org": org_id, "thread": thread_id, "key": api_key_id, "trigger": trigger, "q": question,
         "provider": provider, "model": model, "worker": worker},
    )
    await s.execute(
        text("INSERT INTO messages (org_id, thread_id, run_id, role, content) VALUES (:org, :t, :r, 'user', :c)"),
        {"org": org_id, "t": thread_id, "r": run_id, "c": question},
    )
    started = await insert_event(s, org_id, run_id, "run.started", {"run_id": str(run_id), "thread_id": str(thread_id)})
    assert started is not None
    await notify(s, run_id, started.seq)
    return run_id, thread_id, started


async def active_runs_of_key(s: AsyncSession, org_id: int, key_id: int) -> int:
    return (await s.execute(
        text("SELECT count(*) FROM runs WHERE org_id = :org AND api_key_id = :key AND status IN ('queued', 'running')"),
        {"org": org_id, "key": key_id})).scalar_one()


async def active_runs_of_thread(s: AsyncSession, org_id: int, thread_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await s.execute(
        text("""SELECT id FROM runs WHERE org_id = :org AND thread_id = :t AND status IN ('queued', 'running')
                ORDER BY created_at"""), {"org": org_id, "t": thread_id})
    return [r[0] for r in rows]


async def insert_event(s: AsyncSession, org_id: int, run_id: uuid.UUID, type_: str, payload: dict[str, Any]) -> RunEvent | None:
    """Allocate the run's next seq and insert the event, in one statement (the row lock orders commits).

    Nothing is written after a run has ended (None): the terminal event stays the last one, even when a
    cancelled attempt is still winding down on its worker."""
    row = (await s.execute(
        text("""WITH next AS (
                    UPDATE runs SET last_seq = last_seq + 1
                    WHERE id = :run AND org_id = :org AND (status IN ('queued', 'running') OR :terminal)
                    RETURNING last_seq
                )
                INSERT INTO run_events (org_id, run_id, seq, type, payload)
                SELECT :org, :run, last_seq, :type, CAST(:payload AS jsonb) FROM next
                RETURNING seq, created_at"""),
        {"org": org_id, "run": run_id, "type": type_, "payload": to_json(payload),
         "terminal": type_ in TERMINAL_EVENTS})).first()
    if row is None:
        return None
    return RunEvent(run_id=run_id, seq=row[0], type=type_, payload=payload, created_at=row[1])


async def notify(s: AsyncSession, run_id: uuid.UUID, seq: int) -> None:
    await s.execute(text("SELECT pg_notify(:ch, :msg)"), {"ch": NOTIFY_CHANNEL, "msg": f"{run_id}:{seq}"})


async def run_header(s: AsyncSession, run_id: uuid.UUID) -> dict[str, Any] | None:
    """Status, org, thread, question and trigger of a run (for the executor: no org scope, the job knows its run)."""
    row = (await s.execute(
        text("SELECT id, org_id, thread_id, status, question, trigger, api_key_id FROM runs WHERE id = :id"),
        {"id": run_id})).mappings().first()
    return dict(row) if row else None


async def mark_running(s: AsyncSession, run_id: uuid.UUID, worker: str) -> bool:
    """queued/running → running on this worker; False when the run has already ended."""
    row = (await s.execute(
        text("""UPDATE runs SET status = 'running', started_at = coalesce(started_at, now()), worker = :w
                WHERE id = :id AND status IN ('queued', 'running') RETURNING id"""),
        {"id": run_id, "w": worker})).first()
    return row is not None


async def mark_completed(
    s: AsyncSession, org_id: int, run_id: uuid.UUID, thread_id: uuid.UUID, answer: str, evidence_ids: list[int],
    route: list[str], usage: tuple[int, int, float],
) -> None:
    await s.execute(
        text("""UPDATE runs SET status = 'completed', finished_at = now(), answer = :a, route = CAST(:route AS jsonb),
                    prompt_tokens = :pt, completion_tokens = :ct, cost_usd = :cost WHERE id = :id"""),
        {"id": run_id, "a": answer, "route": to_json(route), "pt": usage[0], "ct": usage[1], "cost": usage[2]})
    await s.execute(
        text("""INSERT INTO messages (org_id, thread_id, run_id, role, content, evidence_ids)
                VALUES (:org, :t, :r, 'assistant', :c, :ev)"""),
        {"org": org_id, "t": thread_id, "r": run_id, "c": answer, "ev": evidence_ids})
    await _usage_row(s, run_id, usage)


async def mark_failed(s: AsyncSession, run_id: uuid.UUID, error: str, usage: tuple[int, int, float]) -> bool:
    """→ failed, unless the run already ended (then False: no second terminal event)."""
    row = (await s.execute(
        text("""UPDATE runs SET status = 'failed', finished_at = now(), error = :e,
                    prompt_tokens = :pt, completion_tokens = :ct, cost_usd = :cost
                WHERE id = :id AND status IN ('queued', 'running') RETURNING id"""),
        {"id": run_id, "e": error, "pt": usage[0], "ct": usage[1], "cost": usage[2]})).first()
    if row is None:
        return False
    await _usage_row(s, run_id, usage)
    return True


async def lock_unfinished(s: AsyncSession, run_id: uuid.UUID) -> bool:
    """Lock the run row for a terminal write; False when it has already ended."""
    row = (await s.execute(text("SELECT status FROM runs WHERE id = :id FOR UPDATE"), {"id": run_id})).first()
    return row is not None and row[0] not in TERMINAL


async def _usage_row(s: AsyncSession, run_id: uuid.UUID, usage: tuple[int, int, float]) -> None:
    if usage[0] or usage[1]:
        await s.execute(
            text("""INSERT INTO usage_records (org_id, run_id, provider, model, prompt_tokens, completion_tokens, cost_usd)
                    SELECT org_id, id, provider, model, :pt, :ct, :cost FROM runs WHERE id = :id"""),
            {"id": run_id, "pt": usage[0], "ct": usage[1], "cost": usage[2]})


async def insert_step(s: AsyncSession, org_id: int, run_id: uuid.UUID, position: int, agent: str,
                      payload: dict[str, Any]) -> int:
    return (await s.execute(
        text("""INSERT INTO run_steps (org_id, run_id, position, agent, status, input)
                VALUES (:org, :run, :pos, :agent, 'running', CAST(:input AS jsonb)) RETURNING id"""),
        {"org": org_id, "run": run_id, "pos": position, "agent": agent, "input": to_json(payload)})).scalar_one()


async def finish_step(s: AsyncSession, step_id: int, status: str, output: dict[str, Any], latency_ms: float,
                      usage: tuple[int, int, float]) -> None:
    await s.execute(
        text("""UPDATE run_steps SET status = :st, output = CAST(:out AS jsonb), finished_at = now(), latency_ms = :lat,
                    prompt_tokens = :pt, completion_tokens = :ct, cost_usd = :cost WHERE id = :id"""),
        {"id": step_id, "st": status, "out": to_json(output), "lat": latency_ms, "pt": usage[0], "ct": usage[1],
         "cost": usage[2]})


async def insert_tool_call(s: AsyncSession, org_id: int, run_id: uuid.UUID, step_id: int, tool: str,
                           arguments: dict[str, Any]) -> int:
    return (await s.execute(
        text("""INSERT INTO tool_calls (org_id, run_id, step_id, tool, arguments, status)
                VALUES (:org, :run, :step, :tool, CAST(:args AS jsonb), 'running') RETURNING id"""),
        {"org": org_id, "run": run_id, "step": step_id, "tool": tool, "args": to_json(arguments)})).scalar_one()


async def finish_tool_call(s: AsyncSession, call_id: int, status: str, summary: str, error: str | None,
                           evidence_ids: list[int], latency_ms: float) -> None:
    await s.execute(
        text("""UPDATE tool_calls SET status = :st, result_summary = :sum, error = :err, evidence_ids = :ev,
                    finished_at = now(), latency_ms = :lat WHERE id = :id"""),
        {"id": call_id, "st": status, "sum": summary[:2000], "err": error, "ev": evidence_ids, "lat": latency_ms})


@dataclass
class PriorAttempt:
    """What earlier attempts of a run recorded (a resumed attempt reuses it instead of repeating it)."""

    steps: list[dict[str, Any]] = field(default_factory=list)  # id, position, agent, status, finished_at
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # id, step_id, tool, arguments, status, …
    events: list[tuple[str, str]] = field(default_factory=list)  # (type, canonical payload) of non-token events
    evidence_ids: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.steps


async def prior_attempt(s: AsyncSession, org_id: int, run_id: uuid.UUID) -> PriorAttempt:
    p = {"org": org_id, "id": run_id}
    steps = (await s.execute(text(
        """SELECT id, position, agent, status, finished_at FROM run_steps WHERE run_id = :id AND org_id = :org
           ORDER BY position"""), p)).mappings().all()
    calls = (await s.execute(text(
        """SELECT id, step_id, tool, arguments, status, result_summary, evidence_ids FROM tool_calls
           WHERE run_id = :id AND org_id = :org ORDER BY id"""), p)).mappings().all()
    events = (await s.execute(text(
        """SELECT type, payload FROM run_events WHERE run_id = :id AND org_id = :org AND type <> 'run.started'
           ORDER BY seq"""), p)).all()
    ev = (await s.execute(text("SELECT id FROM evidence WHERE run_id = :id AND org_id = :org ORDER BY id"), p)).all()
    return PriorAttempt(
        steps=[dict(r) for r in steps], tool_calls=[dict(r) for r in calls],
        events=[(t, json.dumps(pl, sort_keys=True, default=plain)) for t, pl in events], evidence_ids=[r[0] for r in ev],
    )


async def run_jobs(s: AsyncSession, run_id: uuid.UUID, task_name: str) -> list[tuple[int, str]]:
    """The run's waiting or running queue jobs (procrastinate's table): (job id, status)."""
    rows = await s.execute(
        text("""SELECT id, status::text FROM procrastinate_jobs WHERE task_name = :task AND args->>'run_id' = :run
                AND status IN ('todo', 'doing')"""), {"task": task_name, "run": str(run_id)})
    return [(r[0], r[1]) for r in rows]


async def orphaned_runs(s: AsyncSession, task_name: str, older_than_seconds: float) -> list[tuple[uuid.UUID, int]]:
    """Queued/running runs older than ``older_than_seconds`` whose queue job exists but is neither waiting nor
    running (it failed, was aborted or cancelled): (id, org_id). Runs that never had a job are executed by
    their own process (e.g. an evaluation run) and are not counted here."""
    rows = await s.execute(
        text("""SELECT r.id, r.org_id FROM runs r
                WHERE r.status IN ('queued', 'running') AND r.created_at < now() - make_interval(secs => :age)
                  AND EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task
                              AND j.args->>'run_id' = r.id::text)
                  AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task
                                  AND j.args->>'run_id' = r.id::text AND j.status IN ('todo', 'doing'))"""),
        {"task": task_name, "age": older_than_seconds})
    return [(r[0], r[1]) for r in rows]


async def unqueued_runs_on_host(s: AsyncSession, task_name: str, host: str) -> list[tuple[uuid.UUID, int, str]]:
    """Unfinished runs without any queue job, executed by a process of ``host`` (worker ``host:pid``)."""
    rows = await s.execute(
        text("""SELECT r.id, r.org_id, r.worker FROM runs r
                WHERE r.status IN ('queued', 'running') AND r.worker LIKE :host
                  AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task
                                  AND j.args->>'run_id' = r.id::text)"""),
        {"task": task_name, "host": f"{host}:%"})
    return [(r[0], r[1], r[2]) for r in rows]
