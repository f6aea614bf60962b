"""Slack: slash commands, mentions, thread replies and alerts, mounted in the service's FastAPI app.

Wiring is one line in ``api.app.create_app`` (after the routers are included)::

    mount_slack(app, settings)

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


class _Slot:
    """The app's current Slack runtime (``mount_slack`` called again replaces it, e.g. a test with a fake Slack)."""

    def __init__(self, runtime: SlackRuntime) -> None:
        self.runtime = runtime


def _router(slot: _Slot) -> APIRouter:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        runtime = slot.runtime
        await runtime.start(app.state.opsgraph)
        try:
            yield
        finally:
            await runtime.stop()

    router = APIRouter(lifespan=lifespan)

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        """Slack's Events API, slash commands and interactivity (the Slack app's Request URL)."""
        runtime = slot.runtime
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
    slot = _Slot(SlackRuntime(settings, options if options is not None else SlackOptions()))
    return _router(slot), slot.runtime


def mount_slack(app: FastAPI, settings: Settings, options: SlackOptions | None = None) -> SlackRuntime:
    """Add Slack to ``app``: the route and the lifespan. Returns the runtime (also ``app.state.slack``).

    Calling it again on the same app (before it starts) replaces the runtime instead of adding a second route:
    tests do that to point an app built by ``create_app`` at a local fake of Slack.
    """
    runtime = SlackRuntime(settings, options if options is not None else SlackOptions())
    slot: _Slot | None = getattr(app.state, "slack_slot", None)
    if slot is None:
        slot = _Slot(runtime)
        app.state.slack_slot = slot
        app.include_router(_router(slot))
    else:
        slot.runtime = runtime
    app.state.slack = runtime
    return runtime
