"""Issue 14 item 7: ``GET /api/sla/alerts`` writes nothing; after Postgres restarts, pooled connections are
checked before use (the first requests after the outage succeed)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from sqlalchemy.orm import Session

from api.app import create_app
from store import migrate
from store.db import DatabaseTarget, _to_sqlalchemy, make_sync_engine
from store.keys import create_key
from tests.api.helpers import NOW
from tests.conftest import settings_for


async def test_sla_alerts_get_is_a_read(sec, sec_client):
    tickets = [
        {"external_id": f"HB-SLA-{i}", "subject": f"Reefer plug {i} tripped", "content": "Reefer containers warming",
         "priority": "critical", "customer_tier": "enterprise", "status": "open", "created_at": "2026-11-19T08:00:00Z"}
        for i in range(3)
    ]
    for t in tickets:
        assert (await sec_client.post("/api/tickets", json=t, headers=sec.h("member"))).status_code in (200, 201)
    before = sec.sql("SELECT count(*) FROM sla_alerts")[0][0]
    for _ in range(2):
        r = await sec_client.get("/api/sla/alerts", headers=sec.h("viewer"))
        assert r.status_code == 200, r.text
        body = r.json()
        mine = [a for a in body["alerts"] if a["external_id"].startswith("HB-SLA-")]
        assert {a["external_id"] for a in mine} == {t["external_id"] for t in tickets}
        assert all(a["id"] is None and a["state"] in ("at_risk", "breached") for a in mine)
        assert body["new"] >= len(mine)
    assert sec.sql("SELECT count(*) FROM sla_alerts")[0][0] == before, "a GET writes no rows"
    # The demo organisation sees its own pending alerts, none of harbour's.
    demo = (await sec_client.get("/api/sla/alerts", headers=sec.h("demo_viewer"))).json()
    assert demo["alerts"] and not [a for a in demo["alerts"] if a["external_id"].startswith("HB-")]


def _start(datadir: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        return pgserver.get_server(datadir, cleanup_mode="stop")


async def test_pooled_connections_survive_a_postgres_restart(tmp_path):
    datadir = Path(tempfile.mkdtemp(prefix="og-restart-")) / "pg"
    server = _start(datadir)
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE restartme")
        uri = urlsplit(server.get_uri())._replace(path="/restartme").geturl()
        target = DatabaseTarget(sqlalchemy_url=_to_sqlalchemy(uri), conninfo=uri, embedded=False)
        migrate.upgrade(target)
        engine = make_sync_engine(target)
        with Session(engine) as s, s.begin():
            key = create_key(s, org_slug="tugboats", role="viewer")[0].key
            member = create_key(s, org_slug="tugboats", role="member")[0].key
        engine.dispose()
        app = create_app(settings_for(target, tmp_path), target=target, run_migrations=False, clock=lambda: NOW)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://api.test", timeout=60) as client:
            h = {"Authorization": f"Bearer {key}"}
            for _ in range(3):  # fill the pool with a few connections
                assert (await client.get("/api/me", headers=h)).status_code == 200
            server.cleanup()  # Postgres goes away (every pooled connection dies) …
            server = _start(datadir)  # … and comes back
            for _ in range(5):  # the very first requests already succeed: stale connections are replaced
                r = await client.get("/api/me", headers=h)
                assert r.status_code == 200 and r.json()["org"] == "tugboats", r.text
            assert (await client.get("/health")).json()["db"] == "ok"
            # A chat run (its checkpointer has a psycopg pool of its own) works too.
            mh = {"Authorization": f"Bearer {member}"}
            r = await client.post("/api/chat", json={"message": "Which services do we have?"}, headers=mh)
            assert r.status_code == 200 and "event: run.completed" in r.text, r.text[-2000:]
    finally:
        server.cleanup()
