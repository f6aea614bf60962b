"""The file importers and the HTTP write paths run the same upserts from ``store/`` (issue #18), so a row written
one way and re-sent the other keeps what only the first one knew; persistence raises ``store.errors``.

A second organisation (a brewery's brewing services) is created in the test; nothing here is demo data.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import psycopg
import pytest
from sqlalchemy.orm import Session

from store import changes, tickets
from store.db import make_async_engine, make_sessionmaker, make_sync_engine
from store.errors import Conflict, Invalid, NotFound
from store.importers import run_import
from store.investigations import (
    ActionIn,
    create_investigation,
    finalize_investigation,
    lock_open_investigation,
)
from store.keys import create_key
from tests.integration.import_support import write_file

SLUG = "hopfield-brewing"
T0 = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)



@pytest.fixture
def brewery(fresh_db, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Hopfield Brewing') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        run_import(conn, SLUG, "services", write_file(tmp_path / "s.json", [
            {"name": "mash-scheduler", "team": "brewhouse", "tier": 1, "description": "Mash tun plans", "depends_on": []},
            {"name": "keg-tracker", "team": "cellar", "tier": 2, "description": "Keg fleet", "depends_on": []},
        ]))
        run_import(conn, SLUG, "commits", write_file(tmp_path / "c.json", [
            {"sha": "abc1234def", "service": "mash-scheduler", "message": "Lower sparge temperature", "author": "ilse",
             "committed_at": "2026-03-01T10:00:00Z", "merged_at": "2026-03-01T12:00:00Z", "pr_number": 77,
             "files": [{"path": "config/sparge.yaml", "additions": 9, "deletions": 4}]},
        ]))
    return SimpleNamespace(target=target, org_id=org_id, tmp=tmp_path)


async def test_push_after_import_keeps_what_only_the_import_knew(brewery) -> None:
    engine = make_async_engine(brewery.target, pool_size=2)
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as s, s.begin():
            known = await changes.services(s, brewery.org_id)
            created = await changes.upsert_pushed_commit(s, brewery.org_id, known["mash-scheduler"], changes.CommitIn(
                sha="abc1234def", message="Lower sparge temperature (squashed)", author="ilse",
                committed_at=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), merged_at=T0,
                files=[("config/sparge.yaml", "config")],
            ))
        assert created is False
        with psycopg.connect(brewery.target.conninfo) as conn:
            msg, merged, pr = conn.execute("SELECT message, merged_at, pr_number FROM commits WHERE sha = 'abc1234def'"
                                           ).fetchone()
            adds, dels = conn.execute("SELECT additions, deletions FROM commit_files WHERE path = 'config/sparge.yaml'"
                                      ).fetchone()
        assert msg.endswith("(squashed)")  # the push's text wins …
        assert merged == dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC) and pr == 77  # … but not over the merge facts
        assert (adds, dels) == (9, 4)

        # A deployment sent by webhook, then re-imported from a file: one row, the file's version.
        dep = changes.DeploymentIn(
            external_id="BREW-REL-9", service="mash-scheduler", version="9.0.1", environment="production",
            status="succeeded", started_at=T0, finished_at=T0 + dt.timedelta(minutes=6), deployed_by="ilse",
            commit_from_sha=None, commit_to_sha="abc1234def", is_rollback=False, rollback_of=None,
            commits=["abc1234def", "abc1234def"],
        )
        async with sessions() as s, s.begin():
            _, first = await changes.upsert_deployment(s, brewery.org_id, dep)
        with psycopg.connect(brewery.target.conninfo) as conn:
            run_import(conn, SLUG, "deployments", write_file(brewery.tmp / "d.json", [
                {"external_id": "BREW-REL-9", "service": "mash-scheduler", "version": "9.0.2",
                 "started_at": "2026-03-02T08:30:00Z", "commits": ["abc1234def"]},
            ]))
            rows = conn.execute("SELECT version FROM deployments WHERE org_id = %s", (brewery.org_id,)).fetchall()
            links = conn.execute("SELECT count(*) FROM deployment_commits").fetchone()[0]
        assert first is True and rows == [("9.0.2",)] and links == 1

        # Bad references raise store errors (mapped to 422 by the API), and write nothing.
        async with sessions() as s, s.begin():
            with pytest.raises(Invalid) as bad:
                await changes.upsert_deployment(s, brewery.org_id, dep.__class__(**{**dep.__dict__, "service": "keg-trackr"}))
        assert "keg-tracker" in bad.value.suggestions
        async with sessions() as s, s.begin():
            with pytest.raises(Invalid) as missing:
                await changes.upsert_deployment(s, brewery.org_id,
                                                dep.__class__(**{**dep.__dict__, "commits": ["fff0000aaa"]}))
        assert missing.value.extra["missing"] == ["fff0000aaa"]
    finally:
        await engine.dispose()


async def test_ticket_upsert_shared_and_investigation_errors(brewery) -> None:
    with psycopg.connect(brewery.target.conninfo) as conn:
        run_import(conn, SLUG, "tickets", write_file(brewery.tmp / "t.json", [
            {"external_id": "HOP-1", "subject": "Keg return overdue", "content": "Twelve kegs not back",
             "created_at": "2026-03-01T09:00:00Z"},
        ]))
    engine = make_async_engine(brewery.target, pool_size=2)
    try:
        sessions = make_sessionmaker(engine)
        body = SimpleNamespace(external_id="HOP-1", subject="Keg return overdue", content="Twelve kegs not back",
                               product=None, urgency=None, priority="high", customer="Taproom Nord",
                               customer_tier="standard", status="open", created_at=T0 - dt.timedelta(days=1),
                               first_response_at=None, resolved_at=None, closed_at=None, updated_at=None,
                               status_history=[], resolution=None)
        vec = np.ones(384, dtype=np.float32)
        async with sessions() as s, s.begin():
            assert await tickets.upsert_ticket(s, brewery.org_id, body, vec) is False  # the imported row
        with psycopg.connect(brewery.target.conninfo) as conn:
            prio, has_vec = conn.execute("SELECT priority, embedding IS NOT NULL FROM tickets").fetchone()
        assert (prio, has_vec) == ("high", True)
        async with sessions() as s, s.begin():
            with pytest.raises(Invalid, match="resolved_at is before created_at"):
                await tickets.upsert_ticket(s, brewery.org_id, SimpleNamespace(
                    **{**body.__dict__, "resolved_at": T0 - dt.timedelta(days=3)}), vec)

        with Session(make_sync_engine(brewery.target)) as sync, sync.begin():
            key_id = create_key(sync, org_slug=SLUG, role="member", name="brewer")[0].info.id
        async with sessions() as s, s.begin():
            inv = await create_investigation(s, brewery.org_id, title="Kegs missing", question=None, kpi_id=None,
                                             station_id=None, region_id=None, summary_level="company", created_by="ilse",
                                             api_key_id=key_id)
        async with sessions() as s, s.begin():
            with pytest.raises(Invalid) as unknown:
                await finalize_investigation(s, brewery.org_id, inv, root_cause="washer down", evidence_ids=[999999],
                                             actions=[], notes=None, author="ilse")
        assert unknown.value.extra["missing"] == [999999]
        async with sessions() as s, s.begin():
            await finalize_investigation(s, brewery.org_id, inv, root_cause="washer down", evidence_ids=[],
                                         actions=[ActionIn("Fix the keg washer", "cellar")], notes="ok", author="ilse")
        async with sessions() as s, s.begin():
            with pytest.raises(Conflict):
                await lock_open_investigation(s, brewery.org_id, inv)
            with pytest.raises(NotFound):
                await lock_open_investigation(s, brewery.org_id + 1000, inv)  # another organisation's id
    finally:
        await engine.dispose()
