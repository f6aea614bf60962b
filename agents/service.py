"""The assistant as a service: start runs, execute the graph, record everything.

Used by ``opsgraph ask``, the HTTP API and Slack alike. One :class:`Assistant`
per process holds the engine, the checkpointer's connection pool and the
compiled graph; nothing is created at import time.
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
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agents.deps import RunDeps
from agents.understanding.catalog import Catalog
from agents.graph import build_graph
from agents.providers import Provider, make_provider
from agents.runtime import LimitExceeded, Publisher, RunLimits, RunRecorder, create_run, fail_orphaned_runs
from store.db import DatabaseTarget, make_async_engine, make_sessionmaker
from store.runs import RunRecord, get_run
from store.settings import Settings
from tools.base import ToolContext
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


@dataclass
class StartedRun:
    run_id: uuid.UUID
    thread_id: uuid.UUID
    task: asyncio.Task[None]


@dataclass
class Assistant:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pool: AsyncConnectionPool
    checkpointer: AsyncPostgresSaver
    graph: Any
    provider: Provider
    embedder: Embedder
    clock: Clock = _utcnow
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

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
    ) -> Assistant:
        engine = engine or make_async_engine(target)
        sessions = make_sessionmaker(engine)
        # The checkpointer needs autocommit and dict rows; never its pipeline mode (langgraph #7259).
        # check: a connection is tested before it is handed out (stale after a Postgres restart → replaced).
        pool = AsyncConnectionPool(
            target.conninfo, min_size=1, max_size=4, open=False, check=AsyncConnectionPool.check_connection,
            kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": None},
        )
        await pool.open(wait=True)
        checkpointer = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        # Workers starting together would race in setup()'s own migrations: take turns.
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(7230412003)")
            try:
                await checkpointer.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(7230412003)")
        assistant = cls(
            settings=settings, engine=engine, sessions=sessions, pool=pool, checkpointer=checkpointer,
            graph=build_graph(checkpointer), provider=provider or make_provider(settings),
            embedder=await asyncio.to_thread(make_embedder, settings), clock=clock or _utcnow,
        )
        if recover:
            n = await fail_orphaned_runs(sessions)
            if n:
                log.warning("marked %d interrupted run(s) as failed", n)
        return assistant

    async def close(self) -> None:
        for task in list(self.tasks):
            if not task.done():
                await asyncio.wait({task}, timeout=10)
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
        as_of: dt.datetime | None = None,
    ) -> StartedRun:
        """Create the run and execute it in the background (it keeps going if the caller goes away).

        ``as_of`` pins the run's "now" (relative dates, SLA states) for reproducible investigations."""
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        run_id, thread_id = await create_run(
            self.sessions, org_id=org_id, question=question, trigger=trigger, provider=self.provider.name,
            model=self.provider.model, thread_id=thread_id, api_key_id=api_key_id,
        )
        now = pin_now(as_of)
        task = asyncio.create_task(self._execute(org_id, run_id, thread_id, question, publish, now),
                                   name=f"run-{run_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return StartedRun(run_id=run_id, thread_id=thread_id, task=task)

    async def ask(self, **kwargs: Any) -> RunRecord:
        """Start a run and wait for its record."""
        started = await self.start(**kwargs)
        await started.task
        record = await self.record(kwargs["org_id"], started.run_id)
        assert record is not None
        return record

    async def record(self, org_id: int, run_id: uuid.UUID) -> RunRecord | None:
        """The run with its steps, tool calls and evidence (None for another organisation's run)."""
        async with self.sessions() as s:
            return await get_run(s, org_id, run_id)

    async def _execute(
        self, org_id: int, run_id: uuid.UUID, thread_id: uuid.UUID, question: str, publish: Publisher | None,
        now: dt.datetime | None = None,
    ) -> None:
        limits = self.limits()
        recorder = RunRecorder(sessions=self.sessions, org_id=org_id, run_id=run_id, embedder=self.embedder,
                               publish=publish, limits=limits)
        try:
            await recorder.start(thread_id)
            async with self.sessions() as s:
                catalog = await Catalog.load(s, org_id)
            tools = ToolContext(sessions=self.sessions, org_id=org_id, embedder=self.embedder, now=now or self.clock(),
                                prometheus_url=self.settings.prometheus_url)
            deps = RunDeps(recorder=recorder, tools=tools, catalog=catalog, provider=self.provider)
            config = {"configurable": {"thread_id": str(thread_id), "deps": deps}, "recursion_limit": limits.max_steps}
            # Checkpoint once, when the turn ends: thread memory needs the final state only, and an
            # interrupted run is marked failed rather than resumed.
            final = await asyncio.wait_for(
                self.graph.ainvoke({"question": question}, config, durability="exit"), timeout=limits.max_seconds
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
            await asyncio.shield(recorder.fail("the run was cancelled"))
            raise
        except Exception as exc:  # noqa: BLE001 - record any failure on the run, then re-raise nothing
            log.exception("run %s failed", run_id)
            await recorder.fail(f"internal error ({type(exc).__name__}): {exc}")
        return None
