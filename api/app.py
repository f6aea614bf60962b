"""The FastAPI application: ``create_app()`` and its lifespan wiring.

The lifespan opens one :class:`agents.service.Assistant` (runs execute as
background tasks of this process) and one :class:`api.events.EventHub` (the
process's LISTEN connection and the fan-out to SSE streams), and closes both.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import text

from api import errors, panel
from api.deps import SESSION_COOKIE, Principal, State
from api.events import EventHub
from api.limits import ApiLimits, BodySizeLimit, KeyCounters
from api.mcp import mount_mcp
from api.models import MeOut
from api.routes import ROUTERS
from api.slack import mount_slack
from api.state import AppState, utcnow
from store import migrate
from store.db import DatabaseTarget, make_async_engine, make_sessionmaker, resolve_database
from store.keys import resolve_key
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
) -> FastAPI:
    """Build the service. Settings are read once here unless handed in.

    ``clock`` fixes "now" for the tools and runs (tests use the demo data's anchor), ``provider`` replaces the
    LLM provider, ``eval_launcher`` installs the evaluation runner behind ``POST /api/evals/runs``.
    """
    settings = settings or Settings()
    limits = limits or ApiLimits()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from agents.service import Assistant

        tgt = target or await asyncio.to_thread(resolve_database, settings)
        if run_migrations:
            await asyncio.to_thread(migrate.upgrade, tgt)
        engine = make_async_engine(tgt)
        sessions = make_sessionmaker(engine)
        state = AppState(settings=settings, target=tgt, engine=engine, sessions=sessions, limits=limits,
                         counters=KeyCounters(), clock=clock or utcnow)
        assistant = await Assistant.open(settings, tgt, engine=engine, provider=provider, clock=clock)
        hub = EventHub(tgt.conninfo, sessions, poll_interval=limits.poll_interval_seconds)
        await hub.start()
        state.assistant, state.hub = assistant, hub
        app.state.opsgraph = state
        log.info("opsgraph ready on %s", tgt.redacted())
        try:
            async with mcp_endpoint.serve(state):  # the /mcp session manager lives as long as the app
                yield
        finally:
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
        ],
    )
    app.state.eval_launcher = eval_launcher
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(panel.router)  # the chat panel's assets (/static/…)
    mount_slack(app, settings)  # POST /slack/events (503 until Slack is configured) and the alert scheduler
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
        return MeOut(org=principal.org_slug, role=principal.role, key_prefix=principal.prefix)  # type: ignore[arg-type]

    @app.get("/", include_in_schema=False, response_model=None)
    async def index(request: Request, state: State, token: str | None = None) -> HTMLResponse | RedirectResponse:
        if token is not None:
            async with state.sessions() as session, session.begin():
                principal = await resolve_key(session, token)
            if principal is None:
                raise HTTPException(401, "this login link is no longer valid; restart the service for a new one")
            resp = RedirectResponse("/", status_code=303)
            resp.set_cookie(
                SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                max_age=7 * 24 * 3600,
            )
            return resp
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    return app
