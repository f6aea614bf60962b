"""``/mcp``: the MCP server over streamable HTTP, inside the service, authenticated with the bearer API key.

- :func:`mount_mcp` adds the route when the app is built; :meth:`McpEndpoint.serve` runs the SDK's
  streamable-HTTP session manager inside the app's lifespan (a mounted app's own lifespan is never run).
- Each request is authenticated on its own (``Authorization: Bearer og_…``; 401 with a JSON ``detail``
  otherwise) by the SDK's :class:`BearerAuthBackend` with :class:`ApiKeyVerifier`; the tools read the
  caller from the request the SDK attaches to every message. Stateless mode: any worker serves any request.
- The DNS-rebinding (Host/Origin) check is off: a browser page cannot attach the bearer key, and the
  service is reached under whatever host name it is deployed behind.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from store.keys import ApiKeyInfo

if TYPE_CHECKING:
    from fastapi import FastAPI
    from mcp.server.auth.provider import AccessToken
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from api.state import AppState

PATH = "/mcp"


class ApiKeyVerifier:
    """The SDK's ``TokenVerifier`` for opsgraph API keys: the key's organisation and role ride in the claims."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def verify_token(self, token: str) -> AccessToken | None:
        from mcp.server.auth.provider import AccessToken

        from api.mcp.runtime import key_principal

        info = await key_principal(self.sessions, token.strip())
        if info is None:
            return None
        return AccessToken(token=token, client_id=f"og_{info.prefix}", scopes=[info.role], subject=str(info.id),
                           claims={"opsgraph": info.model_dump(mode="json")})


def principal_from_request(request_context: Any) -> ApiKeyInfo:
    """The caller of an HTTP request (set by :class:`_BearerAuth`); a missing one is a wiring error."""
    from api.mcp.runtime import CallerError

    request = getattr(request_context, "request", None)
    user = request.scope.get("user") if request is not None else None
    token = getattr(user, "access_token", None)
    claims = (getattr(token, "claims", None) or {}).get("opsgraph")
    if not claims:
        raise CallerError("this request carries no API key")
    return ApiKeyInfo.model_validate(claims)


class _BearerAuth:
    """401 unless the bearer key resolves; otherwise the SDK's authenticated user on the scope."""

    def __init__(self, app: Any, verifier: ApiKeyVerifier) -> None:
        from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend

        self.app = app
        self.backend = BearerAuthBackend(verifier)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.requests import HTTPConnection

        conn = HTTPConnection(scope)
        result = await self.backend.authenticate(conn)
        if result is None:
            header = conn.headers.get("authorization", "")
            detail = ("unknown or revoked API key" if header.lower().startswith("bearer ") and header[7:].strip()
                      else "missing credentials: send 'Authorization: Bearer <api key>'")
            await _json(send, 401, {"detail": detail, "error": "invalid_token"},
                        [(b"www-authenticate", b'Bearer error="invalid_token"')])
            return
        scope["auth"], scope["user"] = result
        await self.app(scope, receive, send)


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``: 503 until :meth:`serve` has started the session manager."""

    def __init__(self) -> None:
        self._handler: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._handler is None:
            await _json(send, 503, {"detail": "the MCP endpoint is not running"})
            return
        await self._handler(scope, receive, send)

    @asynccontextmanager
    async def serve(self, state: AppState) -> AsyncIterator[None]:
        """Run the MCP server for the app's lifetime (inside its lifespan)."""
        from mcp.server.transport_security import TransportSecuritySettings

        from api.mcp.config import McpOptions
        from api.mcp.runtime import McpRuntime
        from api.mcp.server import build_server

        async def principal_of(request_context: Any) -> ApiKeyInfo:
            return principal_from_request(request_context)

        async def assistant() -> Any:
            if state.assistant is None:
                from api.mcp.runtime import CallerError

                raise CallerError("the assistant is not running")
            return state.assistant

        runtime = McpRuntime(
            settings=state.settings, sessions=state.sessions, principal_of=principal_of, assistant_factory=assistant,
            clock=state.clock, public_url=McpOptions().public_url,
            embedder_factory=(lambda: assistant_now.embedder) if (assistant_now := state.assistant) is not None else None,
        )
        if state.limits is not None:
            runtime.limits = state.limits
        server = build_server(runtime)
        server.streamable_http_app(
            streamable_http_path=PATH, stateless_http=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager
        # The manager's task group must be entered and left by one task; a lifespan may be entered and left by
        # two (test fixtures do), so the manager runs in a task of its own until the app stops.
        running, stop = asyncio.Event(), asyncio.Event()

        async def run_manager() -> None:
            async with manager.run():
                running.set()
                await stop.wait()

        task = asyncio.create_task(run_manager(), name="mcp-session-manager")
        ready = asyncio.create_task(running.wait())
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()  # it failed to start: raise why
        self._handler = _BearerAuth(manager.handle_request, ApiKeyVerifier(state.sessions))
        try:
            yield
        finally:
            self._handler = None
            stop.set()
            await task


def mount_mcp(app: FastAPI) -> McpEndpoint:
    """Add ``/mcp`` to the app; run ``endpoint.serve(state)`` in its lifespan."""
    endpoint = McpEndpoint()
    app.router.routes.append(Route(PATH, endpoint, include_in_schema=False))
    return endpoint


async def _json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": data})
