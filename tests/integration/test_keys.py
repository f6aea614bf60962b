"""API keys: printed once, stored hashed, resolve to organisation and role."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import psycopg
import pytest
from sqlalchemy.orm import Session

from store.db import make_async_engine, make_sessionmaker, make_sync_engine
from store.keys import create_key, resolve_key, revoke_keys


async def _resolve(target, key):
    engine = make_async_engine(target, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await resolve_key(session, key)
    finally:
        await engine.dispose()


async def test_key_is_hashed_and_resolves(db):
    engine = make_sync_engine(db)
    with Session(engine) as session, session.begin():
        created, new_org = create_key(session, org_slug="keys-org", role="member", name="ci")
    engine.dispose()
    assert new_org
    key = created.key
    with psycopg.connect(db.conninfo) as conn:
        stored = conn.execute("SELECT key_hash, prefix FROM api_keys WHERE id = %s", (created.info.id,)).fetchone()
        dump = str(conn.execute("SELECT * FROM api_keys").fetchall())
    assert stored[0] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in dump
    assert key.startswith(f"og_{stored[1]}_")

    info = await _resolve(db, key)
    assert info is not None and info.org_slug == "keys-org" and info.role == "member"
    assert info.last_used_at is not None
    assert await _resolve(db, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert await _resolve(db, "not-a-key") is None

    with Session(make_sync_engine(db)) as session, session.begin():
        assert revoke_keys(session, org_slug="keys-org", prefix=created.info.prefix) == 1
    assert await _resolve(db, key) is None


def test_bad_role_is_refused(db):
    engine = make_sync_engine(db)
    with Session(engine) as session, pytest.raises(ValueError, match="role must be one of"):
        create_key(session, org_slug="keys-org2", role="root")
    engine.dispose()


def test_cli_keys_create_prints_key_once(db, pg_server, tmp_path):
    env = {"DATABASE_URL": db.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "opsgraph", "keys", "create", "--org", "cli-org", "--role", "viewer"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    key = out.stdout.strip()
    assert key.startswith("og_") and len(key.splitlines()) == 1
    assert "shown once" in out.stderr
    with psycopg.connect(db.conninfo) as conn:
        role = conn.execute(
            "SELECT k.role FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE o.slug = 'cli-org' AND key_hash = %s",
            (hashlib.sha256(key.encode()).hexdigest(),),
        ).fetchone()
    assert role == ("viewer",)

    bad = subprocess.run(
        [sys.executable, "-m", "opsgraph", "keys", "create", "--org", "cli-org", "--role", "owner"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 2 and "--role must be one of" in bad.stderr
