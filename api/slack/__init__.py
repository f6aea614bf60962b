"""Slack: slash commands, mentions, thread replies and alerts, mounted in the service's FastAPI app.

Wiring is one line in ``api.app.create_app`` (after the routers are included)::

    mount_slack(app, settings, slack)  # slack: the SlackOptions handed to create_app (None: from the environment)

It adds ``POST /slack/events`` (slack-bolt's ``AsyncApp`` behind its FastAPI adapter) and a router lifespan
that, nested inside the app's own lifespan, picks up the running :class:`api.state.AppState` (its assistant,
sessions and clock) and starts the alert scheduler. Without ``SLACK_SIGNING_SECRET`` and ``SLACK_BOT_TOKEN``
the route answers 503 and nothing else starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from api.slack.config import SlackOptions
from api.slack.runtime import SlackRuntime
from store.settings import Settings

__all__ = ["SlackOptions", "SlackRuntime", "mount_slack", "slack_router"]

NOT_CONFIGURED = ("Slack is not configured on this service: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
                  "(see docs/slack.md)")


def _router(runtime: SlackRuntime) -> APIRouter:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        await runtime.start(app.state.opsgraph)
        try:
            yield
        finally:
            await runtime.stop()

    router = APIRouter(lifespan=lifespan)

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        """Slack's Events API, slash commands and interactivity (the Slack app's Request URL)."""
        if not runtime.enabled:
            return JSONResponse({"detail": NOT_CONFIGURED}, status_code=503)
        if runtime.state is None or runtime.state.assistant is None:
            return JSONResponse({"detail": "opsgraph is starting; try again shortly"}, status_code=503,
                                headers={"Retry-After": "5"})
        body = await request.body()  # Starlette keeps it: the bolt adapter reads it again
        if not runtime.verify(body, request.headers):
            return JSONResponse({"detail": "invalid or expired Slack signature"}, status_code=401)
        return await runtime.handle(request)

    return router


def slack_router(settings: Settings, options: SlackOptions | None = None) -> tuple[APIRouter, SlackRuntime]:
    """The ``/slack/events`` route and the lifespan that runs Slack beside the app, to include in an app."""
    runtime = SlackRuntime(settings, options if options is not None else SlackOptions())
    return _router(runtime), runtime


def mount_slack(app: FastAPI, settings: Settings, options: SlackOptions | None = None) -> SlackRuntime:
    """Add Slack to ``app``: the route and the lifespan. Returns the runtime (also ``app.state.slack``).

    ``api.app.create_app(slack=SlackOptions(...))`` calls it once with the options it was given (tests point
    ``api_url`` at a local fake of Slack that way); mounting twice on one app is an error.
    """
    if getattr(app.state, "slack", None) is not None:
        raise RuntimeError("Slack is already mounted on this app: pass SlackOptions to create_app(slack=...)")
    router, runtime = slack_router(settings, options)
    app.include_router(router)
    app.state.slack = runtime
    return runtime
