"""The FastAPI application: ``create_app()`` and its lifespan wiring."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import text

from api.deps import SESSION_COOKIE, Principal, State
from api.state import AppState
from store import migrate
from store.db import DatabaseTarget, make_async_engine, make_sessionmaker, resolve_database
from store.keys import resolve_key
from store.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")


def create_app(settings: Settings | None = None, *, target: DatabaseTarget | None = None, run_migrations: bool = True) -> FastAPI:
    """Build the service. Settings are read once here unless handed in."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tgt = target or await asyncio.to_thread(resolve_database, settings)
        if run_migrations:
            await asyncio.to_thread(migrate.upgrade, tgt)
        engine = make_async_engine(tgt)
        app.state.opsgraph = AppState(settings=settings, target=tgt, engine=engine, sessions=make_sessionmaker(engine))
        log.info("opsgraph ready on %s", tgt.redacted())
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="opsgraph",
        version="0.1.0",
        summary="Operations-investigation assistant: KPIs, changes, tickets, reports — every claim with evidence.",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

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

    @app.get("/api/me", tags=["auth"])
    async def me(principal: Principal) -> dict:
        """Who the key or session cookie belongs to."""
        return {"org": principal.org_slug, "role": principal.role, "key_prefix": principal.prefix}

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
