"""``opsgraph mcp``: the MCP server over stdio, acting as the API key in ``OPSGRAPH_API_KEY``.

stdout carries the protocol only (newline-delimited JSON-RPC, the SDK's stdio transport): every message for a
person goes to stderr. A missing, unknown or revoked key, or an unreachable database, stops the server before it
serves anything, with a one-line reason and exit status 2. The agent graph (and the models behind it) is only
loaded when the first ``ask`` arrives, so the server answers ``initialize`` promptly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.mcp.config import McpOptions
from store.settings import Settings


class StartupError(Exception):
    """Why the server cannot start (shown as one line on stderr)."""


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr for a while (child processes started meanwhile inherit that)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _fail(message: str) -> int:
    sys.stderr.write(f"opsgraph mcp: error: {message}\n")
    sys.stderr.flush()
    return 2


async def serve(settings: Settings, options: McpOptions, *, migrate_schema: bool = True) -> None:
    import asyncio

    from api.mcp.runtime import McpRuntime, key_principal
    from api.mcp.server import build_server
    from store import migrate
    from store.db import make_async_engine, make_sessionmaker, resolve_database
    from store.keys import ApiKeyInfo

    if options.api_key is None or not options.api_key.get_secret_value().strip():
        raise StartupError("OPSGRAPH_API_KEY is not set: create a key with `opsgraph keys create --org ORG "
                           "--role member` and put it in the MCP client's env")
    key = options.api_key.get_secret_value().strip()
    try:
        with _stdout_to_stderr():  # a started database server or a migration log never reaches the wire
            target = await asyncio.to_thread(resolve_database, settings)
            if migrate_schema:
                await asyncio.to_thread(migrate.upgrade, target)
    except Exception as exc:  # noqa: BLE001 - any start-up failure is one line for the user
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StartupError(f"cannot reach the database: {reason[0] if reason else type(exc).__name__}") from None
    engine = make_async_engine(target, pool_size=4)
    sessions = make_sessionmaker(engine)
    assistant: Any = None
    try:
        principal = await key_principal(sessions, key)
        if principal is None:
            raise StartupError("the API key in OPSGRAPH_API_KEY is unknown or revoked "
                               "(see `opsgraph keys list --org ORG`)")

        async def principal_of(_: Any) -> ApiKeyInfo:
            current = await key_principal(sessions, key)  # revoking the key takes effect at the next call
            if current is None:
                from api.mcp.runtime import CallerError

                raise CallerError("the API key in OPSGRAPH_API_KEY is no longer valid (revoked)")
            return current

        async def assistant_factory() -> Any:
            nonlocal assistant
            if assistant is None:
                from agents.service import Assistant

                assistant = await Assistant.open(settings, target, engine=engine, recover=False)
            return assistant

        runtime = McpRuntime(settings=settings, sessions=sessions, principal_of=principal_of,
                             assistant_factory=assistant_factory, public_url=options.public_url, inline=True)
        sys.stderr.write(f"opsgraph mcp: serving organisation {principal.org_slug!r} as a {principal.role} key "
                         f"(og_{principal.prefix}_…) over stdio\n")
        sys.stderr.flush()
        await build_server(runtime).run_stdio_async()
    finally:
        if assistant is not None:
            await assistant.close()
        await engine.dispose()


def main(settings: Settings) -> int:
    """Run until the client closes stdin; the exit status."""
    import anyio

    try:
        options = McpOptions()
    except Exception as exc:  # noqa: BLE001 - a bad environment is a one-line error
        return _fail(f"bad configuration: {exc}")
    try:
        anyio.run(serve, settings, options)
    except StartupError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return 0
