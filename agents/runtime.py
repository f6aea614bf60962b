"""The run record: every event, step, tool call and evidence item committed before it is shown.

:class:`RunRecorder` owns one run. ``emit`` allocates the next sequence number
and inserts the event in one transaction (``UPDATE runs SET last_seq =
last_seq + 1 … RETURNING`` then ``INSERT run_events``), so sequence numbers are
gapless and an event exists in Postgres before any subscriber sees it. A batch
holding any non-token event sends ``NOTIFY opsgraph_runs, '<run_id>:<last seq>'`` in the
same transaction, once per batch of writes (≈ once per step, never per token:
NOTIFY serialises commits); followers catch up on every event up to that seq.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import psutil
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.evidence import EvidenceDraft, EvidenceRecord, insert_evidence
from tools.base import ToolContext, ToolError, ToolOutput
from tools.embeddings import Embedder

NOTIFY_CHANNEL = "opsgraph_runs"
WORKER = f"{socket.gethostname()}:{os.getpid()}"


class RunEventOut(BaseModel):
    run_id: uuid.UUID
    seq: int
    type: str
    payload: dict[str, Any]
    created_at: dt.datetime | None = None


Publisher = Callable[[RunEventOut], Awaitable[None]]


class LimitExceeded(RuntimeError):
    """A hard per-run limit (steps, time, tokens, cost) was reached."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, prompt: int, completion: int, cost: float) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.cost_usd += cost


@dataclass
class RunLimits:
    max_steps: int = 40
    max_seconds: float = 120.0
    max_tokens: int = 200_000
    max_cost_usd: float = 1.0


async def create_run(
    sessions: async_sessionmaker[AsyncSession],
    *,
    org_id: int,
    question: str,
    trigger: str,
    provider: str,
    model: str | None,
    thread_id: uuid.UUID | None = None,
    api_key_id: int | None = None,
    thread_title: str | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """Create (or continue) the thread, store the user's message and a queued run. Returns (run_id, thread_id)."""
    run_id = uuid.uuid4()
    async with sessions() as s, s.begin():
        if thread_id is None:
            thread_id = uuid.uuid4()
            await s.execute(
                text("INSERT INTO threads (id, org_id, title, api_key_id) VALUES (:id, :org, :title, :key)"),
                {"id": thread_id, "org": org_id, "title": (thread_title or question)[:300], "key": api_key_id},
            )
        else:
            found = (
                await s.execute(
                    text("UPDATE threads SET updated_at = now() WHERE id = :id AND org_id = :org RETURNING id"),
                    {"id": thread_id, "org": org_id},
                )
            ).scalar()
            if found is None:
                raise LookupError(f"thread {thread_id} not found")
        await s.execute(
            text(
                """INSERT INTO runs (id, org_id, thread_id, api_key_id, trigger, status, question, provider, model, worker)
                   VALUES (:id, :org, :thread, :key, :trigger, 'queued', :q, :provider, :model, :worker)"""
            ),
            {"id": run_id, "org": org_id, "thread": thread_id, "key": api_key_id, "trigger": trigger, "q": question,
             "provider": provider, "model": model, "worker": WORKER},
        )
        await s.execute(
            text("INSERT INTO messages (org_id, thread_id, run_id, role, content) VALUES (:org, :t, :r, 'user', :c)"),
            {"org": org_id, "t": thread_id, "r": run_id, "c": question},
        )
    return run_id, thread_id


@dataclass
class RunRecorder:
    sessions: async_sessionmaker[AsyncSession]
    org_id: int
    run_id: uuid.UUID
    embedder: Embedder
    publish: Publisher | None = None
    limits: RunLimits = field(default_factory=RunLimits)
    usage: Usage = field(default_factory=Usage)
    evidence: list[EvidenceRecord] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _position: int = 0
    _step_usage: dict[int, Usage] = field(default_factory=dict)
    current_step: int | None = None

    def record_usage(self, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        """Count a model call's tokens and cost on the run and the current step, then enforce the limits."""
        self.usage.add(prompt_tokens, completion_tokens, cost_usd)
        if self.current_step is not None:
            self._step_usage.setdefault(self.current_step, Usage()).add(prompt_tokens, completion_tokens, cost_usd)
        self.check_limits()

    # -- events -------------------------------------------------------------

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[_Batch]:
        """One transaction for several writes and events; the events are published after it commits."""
        async with self._lock:
            async with self.sessions() as s, s.begin():
                b = _Batch(self, s)
                yield b
                notify = [e for e in b.events if e.type != "token"]
                if notify:  # once per batch (≈ per step), never per token: NOTIFY serialises commits
                    await s.execute(text("SELECT pg_notify(:ch, :msg)"),
                                    {"ch": NOTIFY_CHANNEL, "msg": f"{self.run_id}:{notify[-1].seq}"})
        if self.publish is not None:
            for event in b.events:
                await self.publish(event)

    async def emit(self, type_: str, payload: dict[str, Any]) -> RunEventOut:
        """Commit the event (next seq), then publish it."""
        async with self.batch() as b:
            return await b.event(type_, payload)

    async def emit_many(self, type_: str, payloads: list[dict[str, Any]]) -> None:
        """Several events of one kind in one commit (e.g. the token stream of an answer known in full)."""
        async with self.batch() as b:
            for p in payloads:
                await b.event(type_, p)

    async def _insert_event(self, s: AsyncSession, type_: str, payload: dict[str, Any]) -> RunEventOut:
        # One round trip: allocate the next seq and insert the event.
        seq, created = (
            await s.execute(
                text(
                    """WITH next AS (
                           UPDATE runs SET last_seq = last_seq + 1 WHERE id = :run AND org_id = :org RETURNING last_seq
                       )
                       INSERT INTO run_events (org_id, run_id, seq, type, payload)
                       SELECT :org, :run, last_seq, :type, CAST(:payload AS jsonb) FROM next
                       RETURNING seq, created_at"""
                ),
                {"org": self.org_id, "run": self.run_id, "type": type_, "payload": _json(payload)},
            )
        ).one()
        return RunEventOut(run_id=self.run_id, seq=seq, type=type_, payload=payload, created_at=created)

    # -- run lifecycle ---------------------------------------------------------

    async def start(self, thread_id: uuid.UUID) -> None:
        async with self.batch() as b:
            await b.s.execute(
                text("UPDATE runs SET status = 'running', started_at = now(), worker = :w WHERE id = :id"),
                {"id": self.run_id, "w": WORKER},
            )
            await b.event("run.started", {"run_id": str(self.run_id), "thread_id": str(thread_id)})

    async def complete(self, thread_id: uuid.UUID, answer: str, evidence_ids: Sequence[int], route: list[str]) -> None:
        """The final ``message`` event, the assistant message and ``run.completed``, in one commit."""
        async with self.batch() as b:
            s = b.s
            await b.event("message", {"role": "assistant", "content": answer, "evidence_ids": list(evidence_ids)})
            await s.execute(
                text(
                    """UPDATE runs SET status = 'completed', finished_at = now(), answer = :a, route = CAST(:route AS jsonb),
                           prompt_tokens = :pt, completion_tokens = :ct, cost_usd = :cost WHERE id = :id"""
                ),
                {"id": self.run_id, "a": answer, "route": _json(route), "pt": self.usage.prompt_tokens,
                 "ct": self.usage.completion_tokens, "cost": self.usage.cost_usd},
            )
            await s.execute(
                text(
                    """INSERT INTO messages (org_id, thread_id, run_id, role, content, evidence_ids)
                       VALUES (:org, :t, :r, 'assistant', :c, :ev)"""
                ),
                {"org": self.org_id, "t": thread_id, "r": self.run_id, "c": answer, "ev": list(evidence_ids)},
            )
            await self._usage_row(s)
            await b.event(
                "run.completed",
                {"run_id": str(self.run_id), "evidence_ids": list(evidence_ids), "route": route,
                 "prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens,
                 "cost_usd": round(self.usage.cost_usd, 6), "elapsed_ms": self.elapsed_ms()},
            )

    async def fail(self, error: str) -> None:
        async with self.batch() as b:
            s = b.s
            await s.execute(
                text(
                    """UPDATE runs SET status = 'failed', finished_at = now(), error = :e,
                           prompt_tokens = :pt, completion_tokens = :ct, cost_usd = :cost WHERE id = :id"""
                ),
                {"id": self.run_id, "e": error, "pt": self.usage.prompt_tokens, "ct": self.usage.completion_tokens,
                 "cost": self.usage.cost_usd},
            )
            await self._usage_row(s)
            await b.event("run.failed", {"run_id": str(self.run_id), "error": error})

    async def _usage_row(self, s: AsyncSession) -> None:
        if self.usage.prompt_tokens or self.usage.completion_tokens:
            await s.execute(
                text(
                    """INSERT INTO usage_records (org_id, run_id, provider, model, prompt_tokens, completion_tokens, cost_usd)
                       SELECT org_id, id, provider, model, :pt, :ct, :cost FROM runs WHERE id = :id"""
                ),
                {"id": self.run_id, "pt": self.usage.prompt_tokens, "ct": self.usage.completion_tokens,
                 "cost": self.usage.cost_usd},
            )

    def elapsed_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)

    def check_limits(self) -> None:
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise LimitExceeded(f"the run hit its time limit of {self.limits.max_seconds:g} s")
        if self.usage.prompt_tokens + self.usage.completion_tokens > self.limits.max_tokens:
            raise LimitExceeded(f"the run hit its token limit of {self.limits.max_tokens:,}")
        if self.usage.cost_usd > self.limits.max_cost_usd:
            raise LimitExceeded(f"the run hit its cost limit of ${self.limits.max_cost_usd:.2f}")

    # -- steps and tools -----------------------------------------------------

    async def start_step(self, agent: str, payload: dict[str, Any]) -> int:
        self.check_limits()
        async with self.batch() as b:
            self._position += 1
            step_id = (
                await b.s.execute(
                    text(
                        """INSERT INTO run_steps (org_id, run_id, position, agent, status, input)
                           VALUES (:org, :run, :pos, :agent, 'running', CAST(:input AS jsonb)) RETURNING id"""
                    ),
                    {"org": self.org_id, "run": self.run_id, "pos": self._position, "agent": agent,
                     "input": _json(payload)},
                )
            ).scalar_one()
            self.current_step = step_id
            await b.event("agent.started", {"agent": agent, "step_id": step_id, "input": payload})
        return step_id

    async def finish_step(
        self, step_id: int, agent: str, output: dict[str, Any], started: float, *, status: str = "completed",
    ) -> None:
        latency = round((time.monotonic() - started) * 1000, 2)
        used = self._step_usage.get(step_id, Usage())
        usage = (used.prompt_tokens, used.completion_tokens, used.cost_usd)
        async with self.batch() as b:
            await b.s.execute(
                text(
                    """UPDATE run_steps SET status = :st, output = CAST(:out AS jsonb), finished_at = now(), latency_ms = :lat,
                           prompt_tokens = :pt, completion_tokens = :ct, cost_usd = :cost WHERE id = :id"""
                ),
                {"id": step_id, "st": status, "out": _json(output), "lat": latency, "pt": usage[0], "ct": usage[1],
                 "cost": usage[2]},
            )
            await b.event("agent.completed", {"agent": agent, "step_id": step_id, "latency_ms": latency,
                                              "status": status, "summary": output.get("summary"),
                                              "prompt_tokens": usage[0], "completion_tokens": usage[1],
                                              "cost_usd": round(usage[2], 6)})

    async def call_tool(
        self,
        step_id: int,
        name: str,
        fn: Callable[..., Awaitable[ToolOutput[Any]]],
        ctx: ToolContext,
        **kwargs: Any,
    ) -> tuple[Any, list[EvidenceRecord]]:
        """Run a tool: record the call, store its evidence (embedded), emit the events. ToolError propagates."""
        self.check_limits()
        args = {k: _plain(v) for k, v in kwargs.items()}
        async with self.batch() as b:
            call_id = (
                await b.s.execute(
                    text(
                        """INSERT INTO tool_calls (org_id, run_id, step_id, tool, arguments, status)
                           VALUES (:org, :run, :step, :tool, CAST(:args AS jsonb), 'running') RETURNING id"""
                    ),
                    {"org": self.org_id, "run": self.run_id, "step": step_id, "tool": name, "args": _json(args)},
                )
            ).scalar_one()
            await b.event("tool.started", {"tool": name, "tool_call_id": call_id, "step_id": step_id, "arguments": args})
        t0 = time.monotonic()
        try:
            out = await fn(ctx, **kwargs)
        except Exception as exc:
            summary = str(exc) if isinstance(exc, ToolError) else f"{type(exc).__name__}: {exc}"
            async with self.batch() as b:
                await self._finish_call(b, call_id, name, step_id, t0, status="error", summary=summary, evidence=[])
            raise
        vectors = await self._embed(out.evidence)
        async with self.batch() as b:
            records = await self._store(b, out.evidence, vectors, step_id=step_id, tool_call_id=call_id)
            summary = records[0].summary if records else "no evidence"
            await self._finish_call(b, call_id, name, step_id, t0, status="completed", summary=summary, evidence=records)
        return out.result, records

    async def store_evidence(
        self, drafts: Sequence[EvidenceDraft], *, step_id: int | None, tool_call_id: int | None = None
    ) -> list[EvidenceRecord]:
        vectors = await self._embed(drafts)
        async with self.batch() as b:
            return await self._store(b, drafts, vectors, step_id=step_id, tool_call_id=tool_call_id)

    async def _embed(self, drafts: Sequence[EvidenceDraft]) -> Any:
        if not drafts:
            return None
        return await asyncio.to_thread(self.embedder.embed, [f"{d.kind}: {d.summary}" for d in drafts])

    async def _store(
        self, b: _Batch, drafts: Sequence[EvidenceDraft], vectors: Any, *, step_id: int | None, tool_call_id: int | None
    ) -> list[EvidenceRecord]:
        if not drafts:
            return []
        records = await insert_evidence(
            b.s, self.org_id, drafts, vectors, run_id=self.run_id, step_id=step_id, tool_call_id=tool_call_id
        )
        self.evidence.extend(records)
        for r in records:
            await b.event("evidence", {"id": r.id, "kind": r.kind, "source": r.source, "summary": r.summary,
                                       "step_id": step_id, "tool_call_id": tool_call_id})
        return records

    async def _finish_call(
        self, b: _Batch, call_id: int, name: str, step_id: int, t0: float, *, status: str, summary: str,
        evidence: list[EvidenceRecord],
    ) -> None:
        latency = round((time.monotonic() - t0) * 1000, 2)
        ids = [r.id for r in evidence]
        await b.s.execute(
            text(
                """UPDATE tool_calls SET status = :st, result_summary = :sum, error = :err, evidence_ids = :ev,
                       finished_at = now(), latency_ms = :lat WHERE id = :id"""
            ),
            {"id": call_id, "st": status, "sum": summary[:2000], "err": summary if status == "error" else None,
             "ev": ids, "lat": latency},
        )
        await b.event("tool.completed", {"tool": name, "tool_call_id": call_id, "step_id": step_id, "status": status,
                                         "latency_ms": latency, "summary": summary[:500], "evidence_ids": ids})


@dataclass
class _Batch:
    """Writes inside one run transaction; ``event`` allocates the next seq and queues it for publishing."""

    recorder: RunRecorder
    s: AsyncSession
    events: list[RunEventOut] = field(default_factory=list)

    async def event(self, type_: str, payload: dict[str, Any]) -> RunEventOut:
        e = await self.recorder._insert_event(self.s, type_, payload)
        self.events.append(e)
        return e


async def fail_orphaned_runs(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Mark runs whose worker process on this host is gone as failed (after a crash), keeping their events."""
    host = socket.gethostname()
    async with sessions() as s:
        rows = (
            await s.execute(
                text("SELECT id, org_id, worker FROM runs WHERE status IN ('queued', 'running') AND worker LIKE :h"),
                {"h": f"{host}:%"},
            )
        ).all()
    failed = 0
    for run_id, org_id, worker in rows:
        pid = int(worker.rsplit(":", 1)[1])
        if pid != os.getpid() and psutil.pid_exists(pid):
            continue
        if pid == os.getpid():
            continue
        rec = RunRecorder(sessions=sessions, org_id=org_id, run_id=run_id, embedder=None)  # type: ignore[arg-type]
        await rec.fail("the process running this run stopped before it finished; its recorded steps are kept")
        failed += 1
    return failed


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, BaseModel):
        return v.model_dump(mode="json")
    return v


def _json(v: Any) -> str:
    import json

    return json.dumps(v, default=_plain)
