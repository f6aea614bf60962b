"""Benchmarks' database: DATABASE_URL, or a throw-away embedded server."""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from store import migrate
from store.db import DatabaseTarget, resolve_database
from store.settings import Settings


@contextmanager
def scratch_database() -> Iterator[DatabaseTarget]:
    home = Path(tempfile.mkdtemp(prefix="opsgraph-bench-"))
    admin = resolve_database(Settings(DATABASE_URL=os.environ.get("DATABASE_URL") or None, OPSGRAPH_HOME=str(home)))
    name = f"opsgraph_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin.conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    target = admin.with_database(name)
    migrate.upgrade(target)
    try:
        yield target
    finally:
        with psycopg.connect(admin.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
