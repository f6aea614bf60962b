"""The assistant as a service: start runs, execute the graph, record everything.

Used by ``opsgraph ask``, the HTTP API, Slack and the workers alike. One
:class:`Assistant` per process holds the engine, the checkpointer's connection
pool, the compiled graph and the job queue (:mod:`agents.jobs`); nothing is
created at import time.

``start`` commits the run (with its ``run.started`` event) and defers a job;
whichever worker takes the job calls :meth:`Assistant.execute`, which resumes
from the run's last checkpoint when an earlier attempt died. ``wait`` follows
the run in the database, so it works whichever process executes it. ``ask``
runs the job in this process (a private queue and a short-lived worker).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.errors import GraphRecursionError
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents import jobs
from agents.deps import RunDeps
from agents.graph import build_graph
from agents.providers import Provider, make_provider
from agents.runtime import (
    LimitExceeded,
    Publisher,
    RunLimits,
    RunRecorder,
    public_error,
    worker_id,
)
from agents.understanding.catalog import Catalog
from store import runs as db
from store.db import DatabaseTarget, make_async_engine, make_sessionmaker
from store.runs import RunRecord, get_run
from store.settings import Settings
from tools.base import ToolContext, TtlCache
from tools.embeddings import Embedder, make_embedder

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def pin_now(as_of: dt.datetime | dt.date | None) -> dt.datetime | None:
    """``as_of`` as the run's "now": a date means the end of that day's business (12:00 UTC); naive is UTC."""
    if as_of is None:
        return None
    if not isinstance(as_of, dt.datetime):
        return dt.datetime.combine(as_of, dt.time(12, 0), dt.UTC)
    return as_of if as_of.tzinfo else as_of.replace(tzinfo=dt.UTC)


class RunCancelled(Exception):
    """Raised inside a run's job when a user cancelled it (vs. a worker shutting down)."""


@dataclass
class StartedRun:
    run_id: uuid.UUID
    thread_id: uuid.UUID
    assistant: Assistant
    org_id: int
    started_event: db.RunEvent | None = None
    _task: asyncio.Task[RunRecord] | None = None

    @property
    def task(self) -> asyncio.Task[RunRecord]:
        """Awaitable end of the run (the record), whichever process executes it."""
        if self._task is None:
            self._task = asyncio.ensure_future(self.assistant.wait(self.org_id, self.run_id))
        return self._task


@dataclass
class Assistant:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pool: AsyncConnectionPool[AsyncConnection[DictRow]]
    checkpointer: AsyncPostgresSaver
    graph: Any
    provider: Provider
    embedder: Embedder
    queue: Any  # procrastinate.App
    conninfo: str = ""
    clock: Clock = _utcnow
    publish: Publisher | None = None  # set by the API: events of runs executed here go to its hub
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    tool_cache: TtlCache = field(default_factory=TtlCache)  # shared by this assistant's tool contexts

    @classmethod
    async def open(
        cls,
        settings: Settings,
        target: DatabaseTarget,
        *,
        engine: AsyncEngine | None = None,
        provider: Provider | None = None,
        clock: Clock | None = None,
        recover: bool = True,
        queue: Any = None,
    ) -> Assistant:
        """Open the engine, checkpointer and job queue (``queue``: a procrastinate app from
        :func:`agents.jobs.make_queue`, with the caller's extra jobs; the runs-only one by default).
        ``recover`` is kept for callers; recovering interrupted runs is the maintenance job's work now."""
        engine = engine or make_async_engine(target)
        sessions = make_sessionmaker(engine)
        # The checkpointer needs autocommit and dict rows; never its pipeline mode (langgraph #7259).
        # check: a connection is tested before it is handed out (stale after a Postgres restart → replaced).
        # connection_class only types the pool's connections as dict-row ones (what the checkpointer expects).
        pool = AsyncConnectionPool(
            target.conninfo, connection_class=AsyncConnection[DictRow], min_size=1, max_size=4, open=False,
            check=AsyncConnectionPool.check_connection,
            kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": None},
        )
        await pool.open(wait=True)
        checkpointer = AsyncPostgresSaver(pool)
        # Workers starting together would race in setup()'s own migrations: take turns.
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(7230412003)")
            try:
                await checkpointer.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(7230412003)")
        queue = queue or jobs.make_queue(target.conninfo)
        await queue.open_async()
        return cls(
            settings=settings, engine=engine, sessions=sessions, pool=pool, checkpointer=checkpointer,
            graph=build_graph(checkpointer), provider=provider or make_provider(settings),
            embedder=await asyncio.to_thread(make_embedder, settings), queue=queue, conninfo=target.conninfo,
            clock=clock or _utcnow,
        )

    async def close(self) -> None:
        for task in list(self.tasks):
            if not task.done():
                await asyncio.wait({task}, timeout=10)
        await self.queue.close_async()
        await self.pool.close()

    def limits(self) -> RunLimits:
        s = self.settings
        return RunLimits(max_steps=s.run_max_steps, max_seconds=s.run_max_seconds, max_tokens=s.run_max_tokens,
                         max_cost_usd=s.run_max_cost_usd)

    async def start(
        self,
        *,
        org_id: int,
        question: str,
        thread_id: uuid.UUID | None = None,
        trigger: str = "chat",
        api_key_id: int | None = None,
        publish: Publisher | None = None,
        as_of: dt.datetime | dt.date | None = None,
        max_active_for_key: int | None = None,
        queue: str = jobs.RUNS_QUEUE,
    ) -> StartedRun:
        """Commit the run and its ``run.started`` event, then defer its job (it keeps going if the caller goes
        away). Raises ValueError (empty question), LookupError (thread) or ``store.runs.RunLimitReached``.

        ``as_of`` pins the run's "now" (relative dates, SLA states); it travels with the job, so a resumed
        attempt uses the same "now"."""
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        async with self.sessions() as s, s.begin():
            run_id, thread_id, started = await db.create_run(
                s, org_id=org_id, question=question, trigger=trigger, provider=self.provider.name,
                model=self.provider.model, thread_id=thread_id, api_key_id=api_key_id,
                max_active_for_key=max_active_for_key,
            )
        if publish is not None:
            await publish(started)
        try:
            await jobs.defer_run(self.queue, run_id, thread_id, as_of=pin_now(as_of), queue=queue)
        except Exception as exc:
            rec = RunRecorder(sessions=self.sessions, org_id=org_id, run_id=run_id, embedder=self.embedder)
            await rec.fail(f"the run could not be queued: {public_error(exc, f'queueing run {run_id}')}")
            raise
        return StartedRun(run_id=run_id, thread_id=thread_id, assistant=self, org_id=org_id, started_event=started)

    async def ask(self, *, publish: Publisher | None = None, timeout: float | None = None, **kwargs: Any) -> RunRecord:
        """Start a run and execute its job in this process (a private queue drained by a short-lived worker)."""
        private = f"inline-{uuid.uuid4().hex[:12]}"
        started = await self.start(publish=publish, queue=private, **kwargs)
        await jobs.drain(self.queue, private, assistant=self, publish=publish, settings=self.settings)
        return await self.wait(kwargs["org_id"], started.run_id, timeout=timeout or 30.0)

    async def wait(self, org_id: int, run_id: uuid.UUID, timeout: float | None = None) -> RunRecord:
        """The run's record once it has ended (completed or failed), read from the database."""
        limit = timeout if timeout is not None else self.settings.run_max_seconds + 120.0
        deadline = asyncio.get_running_loop().time() + limit
        delay = 0.05
        while True:
            record = await self.record(org_id, run_id)
            if record is None:
                raise LookupError(f"run {run_id} not found")
            if record.status in db.TERMINAL:
                return record
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"run {run_id} did not end within {limit:g} s")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    async def record(self, org_id: int, run_id: uuid.UUID) -> RunRecord | None:
        """The run with its steps, tool calls and evidence (None for another organisation's run)."""
        async with self.sessions() as s:
            return await get_run(s, org_id, run_id)

    async def cancel(self, org_id: int, run_id: uuid.UUID, reason: str = "cancelled") -> bool:
        """Cancel a run wherever it executes: ``run.failed`` (with the reason) is committed here at once, then
        its waiting job is withdrawn and a running one aborted (the worker holding it hears it by NOTIFY and
        stops; nothing it writes afterwards reaches the log). False when the run had already ended."""
        async with self.sessions() as s:
            header = await db.run_header(s, run_id)
        if header is None or header["org_id"] != org_id:
            raise LookupError(f"run {run_id} not found")
        rec = RunRecorder(sessions=self.sessions, org_id=org_id, run_id=run_id, embedder=self.embedder,
                          publish=self.publish)
        ended = await rec.fail(f"the run was {reason}")
        await jobs.abort_run_jobs(self.queue, self.sessions, run_id)
        return ended

    async def execute(
        self, run_id: uuid.UUID, *, as_of: dt.datetime | None = None, publish: Publisher | None = None,
        user_cancelled: Callable[[], bool] = lambda: True,
    ) -> None:
        """One attempt at a run (the body of its job): resume from the last checkpoint if an earlier attempt
        died, else start the turn. Records every outcome on the run; re-raises only a shutdown's cancellation
        (the job is then retried and resumes)."""
        async with self.sessions() as s:
            header = await db.run_header(s, run_id)
        if header is None or header["status"] in db.TERMINAL:
            return
        org_id, thread_id, question = header["org_id"], header["thread_id"], header["question"]
        limits = self.limits()
        recorder = RunRecorder(sessions=self.sessions, org_id=org_id, run_id=run_id, embedder=self.embedder,
                               publish=publish or self.publish, limits=limits)
        try:
            if not await recorder.start(thread_id, worker_id()):
                return
            async with self.sessions() as s:
                catalog = await (await Catalog.load(s, org_id)).load_for(s, org_id, question)
            tools = ToolContext(sessions=self.sessions, org_id=org_id, embedder=self.embedder,
                                now=pin_now(as_of) or self.clock(), prometheus_url=self.settings.prometheus_url,
                                cache=self.tool_cache)
            deps = RunDeps(recorder=recorder, tools=tools, catalog=catalog, provider=self.provider)
            config: dict[str, Any] = {"configurable": {"thread_id": str(thread_id), "deps": deps},
                                      "recursion_limit": limits.max_steps, "metadata": {"run_id": str(run_id)}}
            snapshot = await self.graph.aget_state({"configurable": {"thread_id": str(thread_id)}})
            mine = bool(snapshot.next) and (snapshot.metadata or {}).get("run_id") == str(run_id)
            since = dt.datetime.fromisoformat(snapshot.created_at) if mine and snapshot.created_at else None
            resumed = await recorder.resume(since)
            payload = None if mine else {"question": question}
            if resumed:
                log.info("run %s: resuming (%s)", run_id, "from its checkpoint" if mine else "from the start")
            # A checkpoint after every node: a worker that dies mid-run leaves a point to resume from.
            final = await asyncio.wait_for(
                self.graph.ainvoke(payload, config, durability="sync"), timeout=limits.max_seconds
            )
            answer = final.get("answer", "")
            ids = list(dict.fromkeys(final.get("evidence_ids", [])))
            await recorder.complete(thread_id, answer, ids, final.get("route", []))
        except GraphRecursionError:
            await recorder.fail(f"the run hit its step limit ({limits.max_steps} steps) and was stopped")
        except TimeoutError:
            await recorder.fail(f"the run hit its time limit of {limits.max_seconds:g} s and was stopped")
        except LimitExceeded as exc:
            await recorder.fail(str(exc))
        except asyncio.CancelledError:
            if user_cancelled():
                await asyncio.shield(recorder.fail("the run was cancelled"))
            raise
        except Exception as exc:  # noqa: BLE001 - record any failure on the run, then re-raise nothing
            await recorder.fail(f"the run failed: {public_error(exc, f'run {run_id}')}")
        return

