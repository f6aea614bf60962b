"""Alert investigations in Slack (local fake of the Web API): the result is posted to the alert channel as a
thread, and a reply in that thread continues the investigation with the thread's memory."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import httpx
import psycopg

from api.app import create_app
from api.slack import SlackOptions
from tests.alerts.conftest import alert, iso, payload, utcnow, wait_run
from tests.conftest import settings_for
from tests.slack.fake_slack import TEAM_ID, FakeSlack, event_body, sign

SECRET = "5b1f0c7e9d2a44aa8e3b1c6d7f809a1b"
CHANNEL = "C0TIDEALRT"


async def test_alert_investigation_is_posted_as_a_thread_and_replies_continue_it(alerts_org, monkeypatch):
    org = alerts_org
    fake = FakeSlack()
    await fake.start()
    # The follow-up job posts from whichever worker runs it: its Slack client comes from the environment.
    monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", fake.api_url)
    monkeypatch.setenv("OPSGRAPH_PUBLIC_URL", "http://panel.tide.test")
    with psycopg.connect(org.target.conninfo, autocommit=True) as conn:
        conn.execute("UPDATE orgs SET slack_team_id = %s WHERE id = %s", (TEAM_ID, org.org_id))
    settings = settings_for(org.target, org.home, SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-tide-test",
                            OPSGRAPH_SLACK_ALERT_CHANNEL=CHANNEL)
    app = create_app(settings, target=org.target, run_migrations=False,
                     slack=SlackOptions(public_url="http://panel.tide.test", api_url=fake.api_url,
                                        alert_interval_seconds=0))
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://opsgraph.test", timeout=60) as client:
            starts = utcnow() - dt.timedelta(days=13)
            await client.post("/api/webhooks/deployments", headers=org.h(), json={
                "external_id": "ldg-canary-12", "service": "ledger", "version": "7.2.0",
                "started_at": iso(starts - dt.timedelta(minutes=12)), "finished_at": iso(starts - dt.timedelta(minutes=8))})
            r = await client.post("/api/webhooks/alertmanager", headers=org.h(),
                                  json=payload(alert("f0f0000000000001", starts=starts, name="LedgerDown")))
            (got,) = r.json()["incidents"]
            await wait_run(client, org, got["run_id"])
            (post,) = await fake.wait_for(lambda: fake.api("chat.postMessage", channel=CHANNEL), timeout=60)
            text = post.blocks_text()
            assert got["incident_id"] in text and "ledger" in text and "ldg-canary-12" in text
            assert "confidence" in text and got["run_id"] in text
            root = post.response["ts"]
            deadline = time.monotonic() + 30
            while not (thread := org.rows("SELECT t.id FROM runs r JOIN threads t ON t.id = r.thread_id "
                                          "WHERE r.id = %s AND t.slack_channel = %s AND t.slack_thread_ts = %s",
                                          got["run_id"], CHANNEL, root)) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert thread, "the run's thread is attached to the Slack thread"

            # A reply in the thread is a follow-up of the same opsgraph thread.
            reply = {"type": "message", "channel": CHANNEL, "channel_type": "channel", "user": "U0ONCALL1",
                     "text": "what else changed before it?", "ts": fake.next_ts(), "thread_ts": root}
            body = event_body(reply)
            resp = await client.post("/slack/events", content=body.encode(),
                                     headers={"Content-Type": "application/json", **sign(SECRET, body)})
            assert resp.status_code == 200
            answers = await fake.wait_for(lambda: list(fake.api("chat.update", channel=CHANNEL))
                                          or [c for c in fake.api("chat.postMessage", channel=CHANNEL)
                                              if c.body.get("thread_ts") == root and "investigating" not in
                                              (c.body.get("text") or "")], timeout=60)
            assert answers
            deadline = time.monotonic() + 60
            while True:
                runs = org.rows("SELECT trigger, status, question FROM runs WHERE thread_id = %s ORDER BY created_at",
                                thread[0][0])
                if (len(runs) == 2 and runs[1][1] in ("completed", "failed")) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            assert [r[0] for r in runs] == ["alert", "slack"] and runs[1][1] == "completed"
            assert runs[1][2] == "what else changed before it?"
            # Another organisation's alert (not linked to this workspace) is investigated but never posted here.
            other = await client.post("/api/webhooks/alertmanager", headers=org.h("other_member"), json=payload(
                alert("f0f0000000000002", service="assay-api", starts=starts, name="AssayDown")))
            (theirs,) = other.json()["incidents"]
            await wait_run(client, org, theirs["run_id"], who="other_viewer")
            await asyncio.sleep(1.0)
            assert not [c for c in fake.calls if theirs["incident_id"] in json.dumps(c.body)]
            placeholder = [c for c in fake.api("chat.postMessage", channel=CHANNEL) if c.body.get("thread_ts") == root]
            assert placeholder, "the follow-up is answered in the alert's thread"
            (route, answer), = org.rows("SELECT route, answer FROM runs WHERE thread_id = %s AND trigger = 'slack'",
                                        thread[0][0])
            # The thread's memory: the follow-up knows which incident and service it is about.
            assert "change_correlator" in json.dumps(route), answer
            assert got["incident_id"] in answer or "ledger" in answer, answer
    finally:
        with psycopg.connect(org.target.conninfo, autocommit=True) as conn:
            conn.execute("UPDATE orgs SET slack_team_id = NULL WHERE id = %s", (org.org_id,))
        await fake.stop()
