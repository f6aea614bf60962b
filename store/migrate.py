"""Run the alembic migrations programmatically (``opsgraph db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool, text

from store.db import DatabaseTarget

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# One advisory lock id for "someone is migrating": two processes starting at once wait.
_MIGRATION_LOCK = 7_230_412_001


def alembic_config(target: DatabaseTarget) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", target.sqlalchemy_url.replace("%", "%%"))
    return cfg


def _run(target: DatabaseTarget, fn, revision: str) -> None:
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
    _run(target, command.upgrade, revision)


def downgrade(target: DatabaseTarget, revision: str = "base") -> None:
    _run(target, command.downgrade, revision)


def current_revision(target: DatabaseTarget) -> str | None:
    engine = create_engine(target.sqlalchemy_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar()
            if not exists:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
