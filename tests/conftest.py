"""Shared fixtures: a real PostgreSQL with pgvector for the whole session.

Without ``DATABASE_URL`` the embedded pgserver is started in a temporary home;
with it, the tests create (and drop) their own databases on that server, so a
developer's data is never touched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from store import migrate
from store.db import DatabaseTarget, resolve_database, stop_embedded_server
from store.settings import Settings

# A fixed "today" for the demo data set in tests: the manifest (and every
# expected value derived from it) does not move with the calendar.
DEMO_ANCHOR = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parents[1]
# What the tests write (screenshots, the evaluation report) goes to a build folder, so `make test` leaves the
# working tree clean; `make docs` points this at docs/ to refresh what the README shows.
ARTIFACTS = Path(os.environ.get("OPSGRAPH_TEST_ARTIFACTS") or REPO / "build" / "test-artifacts").resolve()


@dataclass
class PgServer:
    admin: DatabaseTarget  # a database we may CREATE DATABASE from
    home: Path  # OPSGRAPH_HOME used by the tests


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    home = Path(tempfile.mkdtemp(prefix="opsgraph-test-"))
    url = os.environ.get("DATABASE_URL")
    settings = Settings(DATABASE_URL=url or None, OPSGRAPH_HOME=str(home))
    admin = resolve_database(settings)
    if admin.embedded:
        _no_durability(admin)
    yield PgServer(admin=admin, home=home)
    if admin.embedded:
        stop_embedded_server(home)  # stop it before its data directory goes
    shutil.rmtree(home, ignore_errors=True)


def _no_durability(admin: DatabaseTarget) -> None:
    """The session's own throwaway server trades crash safety for speed: no fsync, no full-page images, commits
    not waited for (the suite was I/O-bound on them). Never applied to a server given by ``DATABASE_URL``."""
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {name} = off")
        conn.execute("SELECT pg_reload_conf()")


def _create_database(server: PgServer, prefix: str) -> DatabaseTarget:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.admin.conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.admin.with_database(name)


def _drop_database(server: PgServer, target: DatabaseTarget) -> None:
    """Drop a test's database; bounded (10 s): DROP DATABASE waits until every backend of the cluster has absorbed a
    barrier, and one blocked writing to a client that stopped reading (a leaked LISTEN) never does — the database
    is then left behind (the cluster is thrown away at the end) instead of hanging the suite."""
    with psycopg.connect(server.admin.conninfo, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '10s'")
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        except psycopg.errors.QueryCanceled:
            conn.execute("SET statement_timeout = 0")
            stuck = conn.execute(
                "SELECT pid, datname, application_name, wait_event, left(query, 60) FROM pg_stat_activity"
                " WHERE wait_event = 'ClientWrite' AND pid <> pg_backend_pid()").fetchall()
            warnings.warn(f"database {target.database} left behind: DROP DATABASE timed out; backends blocked "
                          f"writing to their client: {stuck}", stacklevel=2)


@pytest.fixture(scope="session")
def db(pg_server: PgServer) -> Iterator[DatabaseTarget]:
    """A migrated database shared by the session (tests use their own orgs or the demo org read-only)."""
    target = _create_database(pg_server, "opsgraph_test")
    migrate.upgrade(target)
    yield target
    _drop_database(pg_server, target)


@pytest.fixture
def fresh_db(pg_server: PgServer) -> Iterator[Callable[..., DatabaseTarget]]:
    """Factory for empty databases (migrated unless ``migrated=False``), dropped after the test."""
    made: list[DatabaseTarget] = []

    def make(*, migrated: bool = True) -> DatabaseTarget:
        target = _create_database(pg_server, "opsgraph_scratch")
        made.append(target)
        if migrated:
            migrate.upgrade(target)
        return target

    yield make
    for target in made:
        _drop_database(pg_server, target)


def settings_for(target: DatabaseTarget, home: Path, **extra: Any) -> Settings:
    values = {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(home), "OPSGRAPH_LLM": "offline",
              "OPSGRAPH_EMBEDDINGS": "hash"} | extra
    return Settings(**values)


@dataclass
class Demo:
    target: DatabaseTarget
    settings: Settings
    org_id: int
    manifest: dict[str, Any]


@pytest.fixture(scope="session")
def demo_template(pg_server: PgServer) -> Iterator[DatabaseTarget]:
    """The demo data set seeded once into a template database; each user gets a copy (CREATE DATABASE … TEMPLATE)."""
    from demo.seed import seed_demo
    from tools.embeddings import make_embedder

    target = _create_database(pg_server, "opsgraph_demo_tpl")
    migrate.upgrade(target)
    seed_demo(target.conninfo, embedder=make_embedder(settings_for(target, pg_server.home)), anchor=DEMO_ANCHOR)
    yield target
    _drop_database(pg_server, target)


@contextmanager
def demo_database(pg_server: PgServer, template: DatabaseTarget, prefix: str) -> Iterator[Demo]:
    """A private copy of the demo database, for tests that write (dropped afterwards)."""
    from demo import generate_demo

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server.admin.conninfo, autocommit=True) as conn:
        # FILE_COPY: the template's files copied once, not every page written to the WAL as well
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}" STRATEGY = FILE_COPY')
    target = pg_server.admin.with_database(name)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("SELECT id FROM orgs WHERE slug = 'demo'").fetchone()[0]
    manifest = generate_demo(seed=7, anchor=DEMO_ANCHOR).manifest
    try:
        yield Demo(target=target, settings=settings_for(target, pg_server.home), org_id=org_id, manifest=manifest)
    finally:
        _drop_database(pg_server, target)


@pytest.fixture(scope="session")
def demo(pg_server: PgServer, demo_template: DatabaseTarget) -> Iterator[Demo]:
    """The demo data set for read-mostly tests (shared by the session: use your own orgs or leave it as found)."""
    with demo_database(pg_server, demo_template, "opsgraph_test") as d:
        yield d


def count_rows(target: DatabaseTarget, tables: list[str], org_id: int | None = None) -> dict[str, int]:
    out = {}
    with psycopg.connect(target.conninfo) as conn:
        for t in tables:
            q = f"SELECT count(*) FROM {t}" + (" WHERE org_id = %s" if org_id is not None else "")
            out[t] = conn.execute(q, (org_id,) if org_id is not None else ()).fetchone()[0]
    return out
