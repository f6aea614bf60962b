"""Run the alembic migrations programmatically (``opsgraph db upgrade``).

:func:`upgrade` to ``head`` first asks the database whether it is already there — one query comparing
``alembic_version`` with the head revision(s) read from the migration files' ``revision`` /
``down_revision`` lines — and only then loads alembic's script machinery (≈ 0.3 s per process, which every
CLI command would otherwise pay for a schema that is almost always current). Alembic itself, the advisory lock
and the migrations run exactly as before whenever there is anything to do.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

if TYPE_CHECKING:
    from alembic.config import Config

    from store.db import DatabaseTarget

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# One advisory lock id for "someone is migrating": two processes starting at once wait.
_MIGRATION_LOCK = 7_230_412_001
# A module-level ``revision = "…"`` / ``down_revision: str | None = …`` line of an alembic revision file.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]+)?=\s*(.+?)\s*$", re.MULTILINE)


def alembic_config(target: DatabaseTarget) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", target.sqlalchemy_url.replace("%", "%%"))
    return cfg


def head_revisions(versions: Path = MIGRATIONS_DIR / "versions") -> frozenset[str] | None:
    """The head revision(s) of the migration files under ``versions`` — revisions no other file names as its
    ``down_revision`` — read without importing alembic or the migrations. None when a file cannot be read that
    way (then :func:`is_current` says "not known to be current" and alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found: dict[str, Any] = {}
        for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
            try:
                found.setdefault(name, ast.literal_eval(value))
            except (ValueError, SyntaxError):
                return None
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or "down_revision" not in found:
            return None
        revisions.add(revision)
        for parent in (down,) if isinstance(down, str) or down is None else down:
            if parent is not None:
                parents.add(str(parent))
    heads = frozenset(revisions - parents)
    return heads or None


def is_current(target: DatabaseTarget) -> bool:
    """True when the database's ``alembic_version`` holds exactly the head revision(s): one query, no alembic."""
    heads = head_revisions()
    if heads is None:
        return False
    try:
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except psycopg.errors.UndefinedTable:
        return False
    return frozenset(r[0] for r in rows) == heads


def _run(target: DatabaseTarget, fn: Any, revision: str) -> None:
    from sqlalchemy import create_engine, pool, text

    cfg = alembic_config(target)
    engine = create_engine(target.sqlalchemy_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()
            try:
                cfg.attributes["connection"] = conn
                fn(cfg, revision)
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
    finally:
        engine.dispose()


def upgrade(target: DatabaseTarget, revision: str = "head") -> None:
    """Migrate to ``revision``; to ``head`` on a database already there, only the one query of
    :func:`is_current`."""
    if revision == "head" and is_current(target):
        return
    from alembic import command

    _run(target, command.upgrade, revision)


def downgrade(target: DatabaseTarget, revision: str = "base") -> None:
    from alembic import command

    _run(target, command.downgrade, revision)


def current_revision(target: DatabaseTarget) -> str | None:
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('alembic_version')").fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None
