"""The run record: every event, step, tool call and evidence item committed before it is shown.

:class:`RunRecorder` owns one attempt at a run; the SQL lives in :mod:`store.runs`. ``emit`` allocates the
next sequence number and inserts the event in one transaction, so sequence numbers are gapless and an
event exists in Postgres before any subscriber sees it. A batch holding any non-token event sends
``NOTIFY opsgraph_runs, '<run_id>:<last seq>'`` in the same transaction (≈ once per step, never per token).

**Resumed attempts** (a worker died and another picked the job up): :meth:`RunRecorder.resume` loads what
earlier attempts recorded. A node the checkpoint does not cover runs again, but its step row is reused (no
second ``agent.started``), tool calls already recorded with the same arguments are not recorded again
(their evidence is reused), and an event identical to one already in the log is not written twice — so the
log keeps ids 1..N with one terminal event. Terminal writes lock the run row: a run ends once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import runs as db
from store.evidence import EvidenceDraft, EvidenceRecord, get_evidence, insert_evidence
from store.runs import NOTIFY_CHANNEL, RunEvent, plain
from tools.base import ToolContext, ToolError, ToolOutput
from tools.embeddings import Embedder

log = logging.getLogger(__name__)


def worker_id() -> str:
    """``host:pid`` of the process executing a run, read when asked (a forked worker has its own pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"
_plain = plain
__all__ = [
    "NOTIFY_CHANNEL",
    "LimitExceeded",
    "Publisher",
    "RunEvent",
    "RunLimits",
    "RunRecorder",
    "Usage",
    "create_run",
    "public_error",
    "worker_id",
]

Publisher = Callable[[RunEvent], Awaitable[None]]


class LimitExceeded(RuntimeError):
    """A hard per-run limit (steps, time, tokens, cost) was reached."""


def public_error(exc: BaseException, what: str = "the run") -> str:
    """A short reason and an error id for users; the details (SQL, parameters, traceback) go to the log only."""
    error_id = uuid.uuid4().hex[:10]
    log.error("%s failed [error id %s]", what, error_id, exc_info=exc)
    mod = type(exc).__module__ or ""
    if mod.startswith(("psycopg", "sqlalchemy", "asyncpg")):
        reason = "a database query failed"
    elif isinstance(exc, TimeoutError | ConnectionError | OSError):
        reason = "a connection failed or timed out"
    else:
        reason = "an internal error occurred"
    return f"{reason} (error id {error_id})"


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, prompt: int, completion: int, cost: float) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.cost_usd += cost

    def tuple(self) -> tuple[int, int, float]:
        return (self.prompt_tokens, self.completion_tokens, self.cost_usd)


@dataclass
class RunLimits:
    max_steps: int = 40
    max_seconds: float = 120.0
    max_tokens: int = 200_000
    max_cost_usd: float = 1.0


async def create_run(
    sessions: async_sessionmaker[AsyncSession], *, org_id: int, question: str, trigger: str, provider: str,
    model: str | None, thread_id: uuid.UUID | None = None, api_key_id: int | None = None,
    thread_title: str | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """Create (or continue) the thread, the user's message, a queued run and its ``run.started`` event."""
    async with sessions() as s, s.begin():
        run_id, thread_id, _ = await db.create_run(
            s, org_id=org_id, question=question, trigger=trigger, provider=provider, model=model,
            thread_id=thread_id, api_key_id=api_key_id, thread_title=thread_title)
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
    # resumed attempts: what earlier attempts recorded
    _prior: db.PriorAttempt | None = None
    _since: Any = None  # time of the checkpoint resumed from
    _claimed: set[int] = field(default_factory=set)
    _done_steps: set[int] = field(default_factory=set)
    _claimed_calls: set[int] = field(default_factory=set)
    _seen: Counter[tuple[str, str]] = field(default_factory=Counter)

    def record_usage(self, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        """Count a model call's tokens and cost on the run and the current step, then enforce the limits."""
        self.usage.add(prompt_tokens, completion_tokens, cost_usd)
        if self.current_step is not None:
            self._step_usage.setdefault(self.current_step, Usage()).add(prompt_tokens, completion_tokens, cost_usd)
        self.check_limits()

    async def resume(self, checkpoint_at: Any = None) -> bool:
        """Load what earlier attempts recorded; True when there was anything (this is a resumed attempt)."""
        async with self.sessions() as s:
            prior = await db.prior_attempt(s, self.org_id, self.run_id)
            if prior.empty:
                return False
            self.evidence = await get_evidence(s, self.org_id, prior.evidence_ids)
        self._prior, self._since = prior, checkpoint_at
        self._position = max(st["position"] for st in prior.steps)
        self._seen = Counter(prior.events)
        return True

    # -- events -------------------------------------------------------------

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[_Batch]:
        """One transaction for several writes and events; the events are published after it commits."""
        async with self._lock, self.sessions() as s, s.begin():
            b = _Batch(self, s)
            yield b
            notify = [e for e in b.events if e.type != "token"]
            if notify:  # once per batch (≈ per step), never per token: NOTIFY serialises commits
                await db.notify(s, self.run_id, notify[-1].seq)
        if self.publish is not None:
            for event in b.events:
                await self.publish(event)

    def _repeat(self, type_: str, payload: dict[str, Any]) -> bool:
        """In a resumed attempt: is this event already in the log (written by the attempt that died)?"""
        if not self._seen:
            return False
        import json

        key = (type_, json.dumps(payload, sort_keys=True, default=plain))
        if self._seen[key] > 0:
            self._seen[key] -= 1
            return True
        return False

    async def emit(self, type_: str, payload: dict[str, Any]) -> RunEvent | None:
        """Commit the event (next seq), then publish it."""
        async with self.batch() as b:
            return await b.event(type_, payload)

    async def emit_many(self, type_: str, payloads: list[dict[str, Any]]) -> None:
        """Several events of one kind in one commit (e.g. the token stream of an answer known in full)."""
        async with self.batch() as b:
            for p in payloads:
                await b.event(type_, p)

    # -- run lifecycle ---------------------------------------------------------

    async def start(self, thread_id: uuid.UUID | None = None, worker: str | None = None) -> bool:
        """Mark the run running on this worker (``run.started`` was written with the run); False if it ended."""
        async with self.sessions() as s, s.begin():
            return await db.mark_running(s, self.run_id, worker or worker_id())

    async def complete(self, thread_id: uuid.UUID, answer: str, evidence_ids: Sequence[int], route: list[str]) -> bool:
        """The final ``message`` event, the assistant message and ``run.completed``, in one commit."""
        ids = list(evidence_ids)
        async with self.batch() as b:
            if not await db.lock_unfinished(b.s, self.run_id):
                return False
            self._seen.clear()
            await b.event("message", {"role": "assistant", "content": answer, "evidence_ids": ids})
            await db.mark_completed(b.s, self.org_id, self.run_id, thread_id, answer, ids, route, self.usage.tuple())
            await b.event(
                "run.completed",
                {"run_id": str(self.run_id), "evidence_ids": ids, "route": route,
                 "prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens,
                 "cost_usd": round(self.usage.cost_usd, 6), "elapsed_ms": self.elapsed_ms()},
            )
        return True

    async def fail(self, error: str) -> bool:
        """End the run as failed with a user-facing reason (no-op when it has already ended)."""
        async with self.batch() as b:
            if not await db.mark_failed(b.s, self.run_id, error, self.usage.tuple()):
                return False
            self._seen.clear()
            await b.event("run.failed", {"run_id": str(self.run_id), "error": error})
        return True

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

    def _claim_step(self, agent: str) -> dict[str, Any] | None:
        """A step of an earlier attempt that this node re-run continues: unfinished, or finished after the
        checkpoint we resumed from (the attempt died between the step's commit and the checkpoint)."""
        if self._prior is None:
            return None
        for st in self._prior.steps:
            if st["id"] in self._claimed or st["agent"] != agent:
                continue
            after = self._since is None or (st["finished_at"] is not None and st["finished_at"] > self._since)
            if st["status"] == "running" or after:
                self._claimed.add(st["id"])
                return st
        return None

    async def start_step(self, agent: str, payload: dict[str, Any]) -> int:
        self.check_limits()
        claimed = self._claim_step(agent)
        if claimed is not None:
            self.current_step = claimed["id"]
            if claimed["status"] != "running":
                self._done_steps.add(claimed["id"])
            return int(claimed["id"])
        async with self.batch() as b:
            self._position += 1
            step_id = await db.insert_step(b.s, self.org_id, self.run_id, self._position, agent, payload)
            self.current_step = step_id
            await b.event("agent.started", {"agent": agent, "step_id": step_id, "input": payload})
        return step_id

    async def finish_step(
        self, step_id: int, agent: str, output: dict[str, Any], started: float, *, status: str = "completed",
    ) -> None:
        if step_id in self._done_steps:  # finished by the attempt that died
            return
        latency = round((time.monotonic() - started) * 1000, 2)
        used = self._step_usage.get(step_id, Usage())
        async with self.batch() as b:
            await db.finish_step(b.s, step_id, status, output, latency, used.tuple())
            await b.event("agent.completed", {"agent": agent, "step_id": step_id, "latency_ms": latency,
                                              "status": status, "summary": output.get("summary"),
                                              **({"query": output["query"]} if output.get("query") else {}),
                                              "prompt_tokens": used.prompt_tokens,
                                              "completion_tokens": used.completion_tokens,
                                              "cost_usd": round(used.cost_usd, 6)})

    def _claim_call(self, step_id: int, name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if self._prior is None or step_id not in self._claimed:
            return None
        import json

        want = json.dumps(args, sort_keys=True, default=plain)
        for c in self._prior.tool_calls:
            if (c["id"] not in self._claimed_calls and c["step_id"] == step_id and c["tool"] == name
                    and json.dumps(c["arguments"], sort_keys=True, default=plain) == want):
                self._claimed_calls.add(c["id"])
                return c
        return None

    async def call_tool(
        self,
        step_id: int,
        name: str,
        fn: Callable[..., Awaitable[ToolOutput[Any]]],
        ctx: ToolContext,
        **kwargs: Any,
    ) -> tuple[Any, list[EvidenceRecord]]:
        """Run a tool: record the call, store its evidence (embedded), emit the events. ToolError propagates.

        Any other failure is recorded with a short reason and an error id; the details go to the log only."""
        self.check_limits()
        args = {k: plain(v) for k, v in kwargs.items()}
        prior = self._claim_call(step_id, name, args)
        if prior is not None and prior["status"] == "completed":
            # Recorded by the attempt that died: recompute the (read-only) result, reuse the record and evidence.
            out = await fn(ctx, **kwargs)
            ids = set(prior["evidence_ids"] or [])
            return out.result, [r for r in self.evidence if r.id in ids]
        if prior is not None:
            call_id = int(prior["id"])
        else:
            async with self.batch() as b:
                call_id = await db.insert_tool_call(b.s, self.org_id, self.run_id, step_id, name, args)
                await b.event("tool.started", {"tool": name, "tool_call_id": call_id, "step_id": step_id,
                                               "arguments": args})
        t0 = time.monotonic()
        try:
            out = await fn(ctx, **kwargs)
        except Exception as exc:
            summary = str(exc) if isinstance(exc, ToolError) else public_error(exc, f"tool {name}")
            async with self.batch() as b:
                await self._finish_call(b, call_id, name, step_id, t0, status="error", summary=summary, evidence=[])
            if isinstance(exc, ToolError):
                raise
            raise ToolError(f"{name} failed: {summary}") from exc
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
        await db.finish_tool_call(b.s, call_id, status, summary, summary if status == "error" else None, ids, latency)
        await b.event("tool.completed", {"tool": name, "tool_call_id": call_id, "step_id": step_id, "status": status,
                                         "latency_ms": latency, "summary": summary[:500], "evidence_ids": ids})


@dataclass
class _Batch:
    """Writes inside one run transaction; ``event`` allocates the next seq and queues it for publishing."""

    recorder: RunRecorder
    s: AsyncSession
    events: list[RunEvent] = field(default_factory=list)

    async def event(self, type_: str, payload: dict[str, Any]) -> RunEvent | None:
        rec = self.recorder
        if rec._repeat(type_, payload):
            return None
        e = await db.insert_event(self.s, rec.org_id, rec.run_id, type_, payload)
        if e is not None:
            self.events.append(e)
        return e
