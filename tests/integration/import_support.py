"""What the import tests share: a database of its own with the organisations a test names, and the ``opsgraph``
command line run against it as a user would (offline provider, hash embeddings, nothing from the caller's
environment)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg


def org_database(fresh_db: Callable[..., Any], *orgs: tuple[str, str]) -> Any:
    """A fresh database holding the organisations ``(slug, name)``, in that order."""
    target = fresh_db()
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        for slug, name in orgs:
            conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, %s)", (slug, name))
    return target


def cli(target: Any, home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``opsgraph ARGS`` against ``target`` with ``home`` as OPSGRAPH_HOME."""
    env = {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(home), "PATH": "/usr/bin:/bin",
           "OPSGRAPH_EMBEDDINGS": "hash", "OPSGRAPH_LLM": "offline"}
    return subprocess.run([sys.executable, "-m", "opsgraph", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def write_file(path: Path, content: str | list[Any] | dict[str, Any]) -> Path:
    """An export file as a user saves it: text as written (UTF-8), records as JSON."""
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path
