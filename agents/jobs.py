"""Runs as jobs on procrastinate (a Postgres task queue): deferring, executing, aborting, and upkeep.

- ``opsgraph.run`` executes one attempt at a run (:meth:`agents.service.Assistant.execute`). Its
  procrastinate ``lock`` is the run's thread, so a thread's runs execute one after another, in order
  (the ``enqueue`` double-texting policy), while runs of different threads run in parallel.
- ``opsgraph.maintenance`` is a periodic job (every 5 s, one per tick for the whole cluster: procrastinate
  records each periodic defer once, and a queueing lock keeps at most one waiting): it puts the jobs of
  workers whose heartbeat stopped back on the queue (another worker resumes them from their checkpoint)
  and fails runs whose job is gone (failed, aborted) or, for runs executed outside the queue by a process of
  this host (evaluation runs), whose process is gone (:func:`reap`).
- Other layers add their own jobs to the same app with ``make_queue(conninfo, extra=[register, …])``.

Workers listen on :data:`WORKER_QUEUES`; ``Assistant.ask`` uses a private queue drained in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import socket
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import procrastinate
import psutil
from procrastinate.job_context import AbortReason, JobContext
from procrastinate.worker import Worker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import runs as db

if TYPE_CHECKING:
    from agents.service import Assistant
    from store.settings import Settings

log = logging.getLogger(__name__)

RUN_TASK = "opsgraph.run"
MAINTENANCE_TASK = "opsgraph.maintenance"
RUNS_QUEUE = "runs"
MAINTENANCE_QUEUE = "maintenance"
WORKER_QUEUES = [RUNS_QUEUE, MAINTENANCE_QUEUE, "schedules", "alerts", "evals"]  # "evals": evaluation runs
JOB_GONE_AFTER = 30.0  # seconds: a run older than this without a live job is failed by ``reap``

Registrar = Callable[[procrastinate.App], None]


class WorkerStopping(Exception):
    """A run's job was interrupted by its worker shutting down (retried, so the run resumes elsewhere)."""


def make_queue(conninfo: str, extra: Iterable[Registrar] = ()) -> procrastinate.App:
    """The procrastinate app with the run and maintenance tasks (plus ``extra`` registrars). Not opened."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4))
    _register(app)
    for register in extra:
        register(app)
    return app


def _register(app: procrastinate.App) -> None:
    # A worker stopping (SIGTERM, past its grace period) hands its runs back: the job is retried at once and
    # another worker resumes the run from its last checkpoint. A user's cancel is not retried.
    retry = procrastinate.RetryStrategy(max_attempts=20, retry_exceptions={WorkerStopping})

    @app.task(name=RUN_TASK, queue=RUNS_QUEUE, pass_context=True, retry=retry)
    async def run(context: JobContext, run_id: str, as_of: str | None = None) -> None:
        assistant: Assistant = context.additional_context["assistant"]
        try:
            await assistant.execute(
                uuid.UUID(run_id), as_of=dt.datetime.fromisoformat(as_of) if as_of else None,
                publish=context.additional_context.get("publish"),
                user_cancelled=lambda: context.abort_reason() == AbortReason.USER_REQUEST,
            )
        except asyncio.CancelledError:
            if context.abort_reason() == AbortReason.SHUTDOWN:
                log.warning("run %s: worker stopping, handing the run back to the queue", run_id)
                raise WorkerStopping(run_id) from None
            raise

    @app.periodic(cron="* * * * * */5", periodic_id="maintenance")  # croniter: seconds last
    @app.task(name=MAINTENANCE_TASK, queue=MAINTENANCE_QUEUE, queueing_lock="maintenance", pass_context=True)
    async def maintenance(context: JobContext, timestamp: int) -> None:
        assistant: Assistant = context.additional_context["assistant"]
        await reap(context.app, assistant)


async def defer_run(
    app: procrastinate.App, run_id: uuid.UUID, thread_id: uuid.UUID, *, as_of: dt.datetime | None = None,
    queue: str = RUNS_QUEUE, session: AsyncSession | None = None,
) -> int:
    """Queue one run's job; as_of (the run's pinned "now") travels with it so a resumed attempt uses it too.

    With ``session`` the job is inserted in that session's transaction (the run and its job commit together:
    no run without a job, no job without a run, one commit fewer)."""
    return await app.configure_task(RUN_TASK, queue=queue, lock=f"thread:{thread_id}",
                                    connection=await raw_connection(session) if session else None).defer_async(
        run_id=str(run_id), as_of=as_of.isoformat() if as_of else None)


async def raw_connection(session: AsyncSession) -> Any:
    """The psycopg connection under a SQLAlchemy session (procrastinate writes its job in our transaction)."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def abort_run_jobs(app: procrastinate.App, sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> bool:
    """Withdraw the run's waiting job and ask the worker holding a running one to abort it (NOTIFY).
    Returns True when a running job was asked to abort."""
    async with sessions() as s:
        found = await db.run_jobs(s, run_id, RUN_TASK)
    running = False
    for job_id, status in found:
        await app.job_manager.cancel_job_by_id_async(job_id, abort=True)
        running = running or status == "doing"
    return running


def worker(
    app: procrastinate.App, settings: Settings, *, assistant: Assistant, publish: Any = None, concurrency: int = 4,
    queues: Iterable[str] | None = None, wait: bool = True, name: str | None = None,
) -> Worker:
    """A procrastinate worker with opsgraph's heartbeat settings; ``await w.run()``, stop with ``w.stop()``."""
    return Worker(
        app=app, queues=list(queues or WORKER_QUEUES), name=name or "opsgraph", concurrency=concurrency, wait=wait,
        install_signal_handlers=False, listen_notify=True, delete_jobs="successful",
        additional_context={"assistant": assistant, "publish": publish},
        update_heartbeat_interval=settings.worker_heartbeat_seconds,
        stalled_worker_timeout=settings.worker_stalled_seconds,
        shutdown_graceful_timeout=settings.worker_shutdown_seconds,
        fetch_job_polling_interval=0.5, abort_job_polling_interval=1.0,  # a job freed by a lock is not NOTIFYed
    )


class SupervisedWorker:
    """A worker that is replaced when it dies (Postgres restarted under it, a lost connection): ``run()`` keeps
    one procrastinate worker going, with a growing pause between restarts, until ``stop()``."""

    def __init__(self, factory: Callable[[], Worker], *, max_backoff: float = 15.0) -> None:
        self._factory = factory
        self._max_backoff = max_backoff
        self._current: Worker | None = None
        self._stopping = asyncio.Event()
        self.restarts = 0

    async def run(self) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            self._current = self._factory()
            try:
                await self._current.run()
                if self._stopping.is_set():
                    return
                log.warning("the job worker stopped on its own; starting a new one in %.1f s", delay)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure of the worker loop is survived by restarting it
                if self._stopping.is_set():
                    return
                log.warning("the job worker failed (%s: %s); starting a new one in %.1f s", type(exc).__name__, exc,
                            delay)
            self.restarts += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, self._max_backoff)

    def stop(self) -> None:
        self._stopping.set()
        if self._current is not None:
            self._current.stop()


async def drain(app: procrastinate.App, queue: str, *, assistant: Assistant, publish: Any, settings: Settings) -> None:
    """Execute what is waiting on ``queue`` in this process, then return (``opsgraph ask``)."""
    w = worker(app, settings, assistant=assistant, publish=publish, concurrency=1, queues=[queue], wait=False,
               name=queue)
    w.listen_notify = False
    await w.run()


async def reap(app: procrastinate.App, assistant: Assistant) -> dict[str, int]:
    """Upkeep, once per tick for the cluster: jobs of dead workers back on the queue (they resume from their
    checkpoint), dead workers pruned, runs whose job is gone failed with a reason."""
    settings = assistant.settings
    stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=settings.worker_stalled_seconds)
    now = dt.datetime.now(dt.UTC)
    retried = 0
    for job in stalled:
        assert job.id is not None
        queue = RUNS_QUEUE if job.queue.startswith("inline-") else None  # nobody else drains a private queue
        await app.job_manager.retry_job_by_id_async(job.id, retry_at=now, queue=queue)
        log.warning("job %s (%s) of a worker that stopped is back on the queue", job.id, job.task_name)
        retried += 1
    await app.job_manager.prune_stalled_workers(settings.worker_stalled_seconds)
    async with assistant.sessions() as s:
        orphans = await db.orphaned_runs(s, RUN_TASK, JOB_GONE_AFTER)
        # Runs executed outside the queue by a process of this host (evaluation runs) whose process is gone.
        for run_id, org_id, worker in await db.unqueued_runs_on_host(s, RUN_TASK, socket.gethostname()):
            pid = worker.rsplit(":", 1)[1]
            if pid.isdigit() and not psutil.pid_exists(int(pid)):
                orphans.append((run_id, org_id))
    failed = 0
    for run_id, org_id in orphans:
        from agents.runtime import RunRecorder

        rec = RunRecorder(sessions=assistant.sessions, org_id=org_id, run_id=run_id, embedder=assistant.embedder,
                          publish=assistant.publish)
        if await rec.fail("the worker running this run stopped and the run could not be resumed; "
                          "its recorded steps are kept"):
            failed += 1
    if retried or failed:
        log.warning("maintenance: %d job(s) retried, %d orphaned run(s) failed", retried, failed)
    return {"retried": retried, "failed": failed}
