"""The alert's follow-up (hypotheses → ``hypotheses``, the result → a Slack thread) is a queued job, not a task of
the API process: an API without a worker takes the alert and dies; a worker started afterwards does the follow-up.

A database of its own (no other worker of the test session may take the jobs), an organisation unlike the demo,
the API served by real uvicorn in a subprocess and the worker in another one (``tests.queue.procs``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from sqlalchemy.orm import Session

from store import migrate
from store.db import make_sync_engine
from store.keys import create_key
from tests.alerts.conftest import Org, alert, iso, payload, utcnow
from tests.api.helpers import free_port
from tests.conftest import PgServer, _create_database, _drop_database, settings_for
from tests.queue.procs import Procs
from tests.slack.fake_slack import TEAM_ID, FakeSlack

SLUG = "kestrel-gridworks"
CHANNEL = "C0KESTRELOPS"


@pytest.fixture(scope="module")
def lone_org(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    target = _create_database(pg_server, "opsgraph_alertjob")
    migrate.upgrade(target)
    engine = make_sync_engine(target)
    with Session(engine) as s, s.begin():
        created, _ = create_key(s, org_slug=SLUG, role="member", name="relay")
    engine.dispose()
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("SELECT id FROM orgs WHERE slug = %s", (SLUG,)).fetchone()[0]
    home = tmp_path_factory.mktemp("alertjob-home")
    org = Org(target=target, settings=settings_for(target, home), home=home, org_id=org_id,
              keys={"member": created.key})
    org.import_records("services", [{"name": "meter-sync", "team": "grid", "tier": 1},
                                    {"name": "tariff-engine", "team": "billing", "tier": 2}], home, slug=SLUG)
    yield org
    _drop_database(pg_server, target)


async def test_the_follow_up_survives_the_api_process_that_took_the_alert(lone_org, tmp_path, monkeypatch):
    org = lone_org
    with psycopg.connect(org.target.conninfo, autocommit=True) as conn:
        conn.execute("UPDATE orgs SET slack_team_id = %s WHERE id = %s", (TEAM_ID, org.org_id))
    procs = Procs(org, tmp_path)
    fake = FakeSlack()
    await fake.start()
    try:
        port = free_port()
        api = await asyncio.to_thread(procs.api, port)  # API only: no worker in that process
        starts = utcnow() - dt.timedelta(days=3)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            r = await client.post("/api/webhooks/deployments", headers=org.h(), json={
                "external_id": "msync-rollout-88", "service": "meter-sync", "version": "3.0.1",
                "started_at": iso(starts - dt.timedelta(minutes=9)),
                "finished_at": iso(starts - dt.timedelta(minutes=6))})
            assert r.status_code in (200, 201, 202), r.text
            r = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=payload(
                alert("9d0c7e55aa01b2c3", service="meter-sync", starts=starts, name="MeterSyncLagging")))
            assert r.status_code == 202, r.text
            (got,) = r.json()["incidents"]
        run_id = got["run_id"]
        (thread_id,) = org.rows("SELECT thread_id FROM runs WHERE id = %s", run_id)[0]
        # The follow-up is a queued job on the run's thread lock, committed with the alert's run.
        jobs = org.rows("SELECT task_name, status, lock, args FROM procrastinate_jobs WHERE lock = %s ORDER BY id",
                        f"thread:{thread_id}")
        assert [(j[0], j[1]) for j in jobs] == [("opsgraph.run", "todo"), ("opsgraph.alerts.follow_up", "todo")], jobs
        assert jobs[1][3]["run_id"] == run_id

        api.kill()  # the process that accepted the webhook dies before anything ran
        api.wait(10)
        assert org.rows("SELECT status FROM runs WHERE id = %s", run_id)[0][0] == "queued"
        assert not org.rows("SELECT 1 FROM hypotheses WHERE run_id = %s", run_id)

        # A worker started afterwards (with Slack configured) runs the investigation and then its follow-up.
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-kestrel-test")
        monkeypatch.setenv("OPSGRAPH_SLACK_ALERT_CHANNEL", CHANNEL)
        monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", fake.api_url)
        await asyncio.to_thread(procs.worker)
        (post,) = await fake.wait_for(lambda: fake.api("chat.postMessage", channel=CHANNEL), timeout=90)
        text = post.blocks_text()
        assert got["incident_id"] in text and "meter-sync" in text and "msync-rollout-88" in text
        hyps = org.rows("SELECT rank, subject, confidence FROM hypotheses WHERE run_id = %s ORDER BY rank", run_id)
        assert hyps and hyps[0][1] == "msync-rollout-88" and 0 < hyps[0][2] <= 1, hyps
        deadline = time.monotonic() + 30
        while not org.rows("SELECT 1 FROM threads WHERE id = %s AND slack_channel = %s AND slack_thread_ts = %s",
                           thread_id, CHANNEL, post.response["ts"]):
            assert time.monotonic() < deadline, "the run's thread is linked to the Slack thread (replies continue it)"
            await asyncio.sleep(0.1)
    finally:
        await asyncio.to_thread(procs.close)
        await fake.stop()
