"""The FastAPI application: ``create_app()`` and its lifespan wiring.

The lifespan opens one :class:`agents.service.Assistant` (runs are jobs on the
procrastinate queue, see :mod:`agents.jobs`), one :class:`api.events.EventHub`
(the process's LISTEN connection and the fan-out to SSE streams) and, unless
``worker=False`` (``opsgraph serve --no-worker``), an in-process worker that
executes queued jobs; it closes all three.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import text

from api import errors, login, panel
from api.deps import Principal, State
from api.events import EventHub
from api.limits import ApiLimits, BodySizeLimit, KeyCounters
from api.mcp import mount_mcp
from api.models import MeOut
from api.routes import ROUTERS
from api.slack import SlackOptions, mount_slack
from api.state import AppState, utcnow
from store import migrate
from store.db import (
    DatabaseTarget,
    make_async_engine,
    make_sessionmaker,
    resolve_database,
)
from store.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")

# An evaluation launcher (installed by the evals package through this hook, never imported here):
#   launcher(request: EvalRunRequest, *, org_id: int, api_key: ApiKeyInfo, state: AppState)
#       -> eval run id | {"id": …, "status": …} | an awaitable of either
EvalLauncher = Callable[..., Any]

DESCRIPTION = """
Ask operations questions in a chat and get answers that cite their evidence; browse the KPIs, incidents,
changes and tickets the agents work from.

**Auth**: `Authorization: Bearer <api key>` (or the panel's session cookie). Roles: *viewer* reads, *member*
also chats, opens and finalises investigations, sends webhooks and feedback, *admin* also manages keys and
starts evaluation runs. Everything is scoped to the key's organisation: another organisation's id answers 404.

**Streams**: `POST /api/chat` and `GET /api/runs/{run_id}/events` answer `text/event-stream`. Each event has
`id:` = the run's sequence number (1, 2, 3 … without gaps), `event:` = its type and `data:` = JSON. Resume with
`Last-Event-ID` (or `?after=`) on any worker.

**Errors** are JSON: `{"detail": "what is wrong", "suggestions": [...]}`.
"""


def create_app(
    settings: Settings | None = None,
    *,
    target: DatabaseTarget | None = None,
    run_migrations: bool = True,
    clock: Callable[[], dt.datetime] | None = None,
    provider: Any = None,
    limits: ApiLimits | None = None,
    eval_launcher: EvalLauncher | None = None,
    slack: SlackOptions | None = None,
    worker: bool = True,
    job_registrars: Iterable[Any] = (),
) -> FastAPI:
    """Build the service. Settings are read once here unless handed in.

    ``clock`` fixes "now" for the tools and runs (tests use the demo data's anchor), ``provider`` replaces the
    LLM provider, ``eval_launcher`` installs the evaluation runner behind ``POST /api/evals/runs`` (when it has an
    async ``shutdown()``, the lifespan awaits it on the way out), ``slack`` configures Slack (where its Web API is,
    the alert scheduler's interval; tests point it at a local fake). The console script (:mod:`opsgraph.cli`) is
    the composition root that hands these in. ``job_registrars`` add jobs to the service's job app
    (``agents.jobs.make_queue(extra=…)``; the composition root's evaluation-run job).
    """
    settings = settings or Settings()
    limits = limits or ApiLimits()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from agents import jobs
        from agents.service import Assistant
        from api.jobs import make_app as make_job_app

        tgt = target if target is not None else await asyncio.to_thread(resolve_database, settings)
        if run_migrations:
            await asyncio.to_thread(migrate.upgrade, tgt)
        engine = make_async_engine(tgt)
        sessions = make_sessionmaker(engine)
        state = AppState(settings=settings, target=tgt, engine=engine, sessions=sessions, limits=limits,
                         counters=KeyCounters(), clock=clock or utcnow)
        assistant = await Assistant.open(settings, tgt, engine=engine, provider=provider, clock=clock,
                                         queue=make_job_app(tgt.conninfo, extra=job_registrars))
        hub = EventHub(tgt.conninfo, sessions, poll_interval=limits.poll_interval_seconds)
        await hub.start()
        assistant.publish = hub.publish  # events of runs executed in this process reach its streams at once
        state.assistant, state.hub = assistant, hub
        app.state.opsgraph = state
        in_process = None
        if worker:
            in_process = jobs.SupervisedWorker(lambda: jobs.worker(
                assistant.queue, settings, assistant=assistant, publish=hub.publish,
                concurrency=settings.worker_concurrency, name="opsgraph-serve"))
            worker_task = asyncio.create_task(in_process.run(), name="opsgraph-worker")
        from tools.tickets.base import base_model

        async def warm_triage() -> None:  # the shipped triage model trains once per process (1–3 s): in a thread
            await asyncio.sleep(1.0)  # after the server has bound its socket, not in the first request
            await asyncio.to_thread(base_model)

        warm = asyncio.create_task(warm_triage(), name="opsgraph-warm-triage")
        log.info("opsgraph ready on %s (%s)", tgt.redacted(), "with a worker" if worker else "API only")
        try:
            async with mcp_endpoint.serve(state):  # the /mcp session manager lives as long as the app
                yield
        finally:
            if callable(getattr(eval_launcher, "shutdown", None)):
                try:
                    await eval_launcher.shutdown()  # type: ignore[union-attr]
                except Exception:
                    log.exception("the evaluation launcher did not stop cleanly")
            if in_process is not None:
                in_process.stop()
                try:
                    await asyncio.wait_for(worker_task, settings.worker_shutdown_seconds + 5)
                except Exception:
                    log.exception("the in-process worker did not stop cleanly")
            warm.cancel()  # not needed any more (a training already started finishes in its thread)
            with suppress(asyncio.CancelledError, Exception):
                await warm
            await assistant.close()
            await hub.close()
            await engine.dispose()

    app = FastAPI(
        title="opsgraph",
        version="0.1.0",
        summary="Operations-investigation assistant: KPIs, changes, tickets, reports — every claim with evidence.",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "chat", "description": "Ask questions; runs, their resumable event streams, threads"},
            {"name": "evidence", "description": "What the tools found, and search over it"},
            {"name": "techops", "description": "Tech Ops KPIs: dashboard, signals, investigations"},
            {"name": "incidents", "description": "Incidents, their hypotheses, evidence, reports and feedback"},
            {"name": "changes", "description": "Deployments, commits and config changes"},
            {"name": "tickets", "description": "Support tickets: SLA, triage"},
            {"name": "evals", "description": "Evaluation runs"},
            {"name": "keys", "description": "API keys (admin)"},
            {"name": "schedules", "description": "Cron-scheduled questions (admin)"},
        ],
    )
    app.state.eval_launcher = eval_launcher
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(panel.router)  # the chat panel's assets (/static/…)
    app.include_router(login.router)  # POST /login, /logout, /api/logout (sessions; see api.login)
    login.install_log_filter()  # no login code in the access log
    mount_slack(app, settings, slack)  # POST /slack/events (503 until Slack is configured) and the alert scheduler
    mcp_endpoint = mount_mcp(app)  # /mcp: the MCP server over streamable HTTP (bearer key)

    @app.get("/health", tags=["health"])
    async def health(state: State) -> JSONResponse:
        """Liveness and what the service runs on (no auth)."""
        db = "ok"
        try:
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - report, don't crash the probe
            db = f"error: {type(exc).__name__}"
        s = state.settings
        body = {
            "status": "ok" if db == "ok" else "degraded",
            "db": db,
            "database": "embedded" if state.target.embedded else "external",
            "llm": s.llm_provider if s.llm_provider == "offline" else f"openai:{s.model}",
            "embeddings": s.embeddings_provider,
        }
        return JSONResponse(body, status_code=200 if db == "ok" else 503)

    @app.get("/api/me", tags=["keys"], response_model=MeOut, responses=errors.responses(401))
    async def me(principal: Principal) -> MeOut:
        """Who the key or session cookie belongs to."""
        return MeOut(org=principal.org_slug, role=principal.role, key_prefix=principal.prefix)

    @app.get("/", include_in_schema=False, response_model=None)
    async def index(request: Request, state: State, token: str | None = None) -> HTMLResponse | RedirectResponse:
        if token is not None:  # a login link: its one-time code becomes a session cookie (see api.login)
            return await login.login_with(request, state, token, from_url=True)
        return HTMLResponse(panel.index_page((STATIC / "index.html").read_text(encoding="utf-8")))

    return app
