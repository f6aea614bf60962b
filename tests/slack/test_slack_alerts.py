"""The alert scheduler: SLA state changes and newly critical KPI signals reach the alert channel once per state
change — not again on the next check, not twice from two workers, not again after a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter

import psycopg
import pytest

from api.slack.alerts import AlertScheduler
from tests.slack.conftest import ALERT_CHANNEL, NOW, PANEL, Clock, db_rows, running_service

pytestmark = pytest.mark.timeout(240)

ITEM = re.compile(r"\|\*(TCK-[\w-]+)\*>.*?\n(response|resolution) SLA \*(at risk|breached)\* · deadline [^·]+ · "
                  r"escalation level \*(\d)\*")
SIGNAL = re.compile(r"\|\*(.+?)\* at (\w+) ")


def alert_posts(fake):
    """What reached the alert channel (Slack accepted it)."""
    return [c for c in fake.api("chat.postMessage", channel=ALERT_CHANNEL) if c.response.get("ok")]


def sla_items(posts) -> list[tuple[str, str, str, int]]:
    return [(m[0], m[1], m[2], int(m[3])) for p in posts for m in ITEM.findall(p.blocks_text())]


def signal_items(posts) -> list[tuple[str, str]]:
    return [m for p in posts if p.body["text"].startswith("New critical") for m in SIGNAL.findall(p.blocks_text())]


def execute(demo, sql: str, *params) -> None:
    with psycopg.connect(demo.target.conninfo, autocommit=True) as conn:
        conn.execute(sql, params)


def unsent(demo) -> int:
    return db_rows(demo, "SELECT count(*) FROM sla_alerts WHERE org_id = %s AND NOT notification_sent",
                   demo.org_id)[0][0]


async def test_alerts_are_posted_once_per_state_change_and_not_again_after_a_restart(slack_demo, fake):
    demo, org = slack_demo, slack_demo.org_id
    clock = Clock(NOW)
    head = demo.manifest["headline"]
    # A KPI that is fine at PHX now, to push over its limits later.
    kpi, higher = "TECH_DISPATCH_RELIABILITY", True
    (kpi_id,), = db_rows(demo, "SELECT id FROM kpi_definitions WHERE org_id = %s AND code = %s", org, kpi)
    (station_id,), = db_rows(demo, "SELECT id FROM stations WHERE org_id = %s AND code = 'PHX'", org)
    (last_day, last_value), = db_rows(demo, "SELECT day, value FROM kpi_points WHERE kpi_id = %s AND station_id = %s "
                                            "ORDER BY day DESC LIMIT 1", kpi_id, station_id)
    all_posts = []
    try:
        async with running_service(demo, fake, clock=clock, alert_items_per_message=40) as svc:
            sched = svc.runtime.scheduler
            assert sched is not None and sched.channel == ALERT_CHANNEL

            # 1. First check: every current SLA state change and critical signal, one message each.
            r = await sched.tick()
            assert not r.errors and r.sla_messages == 1 and r.signal_messages == 1
            posts = alert_posts(fake)
            assert len(posts) == 2
            assert unsent(demo) == 0
            assert db_rows(demo, "SELECT count(*) FROM sla_alerts WHERE org_id = %s AND notified_at IS NULL", org)[0][0] == 0
            items = sla_items(posts)
            assert len(items) == r.sla_posted > 0 and all(level >= 1 for *_, level in items)
            assert (head["station"]) in {s for _, s in signal_items(posts)}
            assert f"{PANEL}/#/evidence/" in posts[1].blocks_text() + posts[0].blocks_text()

            # 2. Nothing changed: nothing posted.
            r = await sched.tick()
            assert (r.sla_posted, r.signals_posted, r.errors) == (0, 0, [])
            assert len(alert_posts(fake)) == 2

            # 3. A new ticket whose response clock is at risk (10 % of a 15-minute window left).
            execute(demo, """INSERT INTO tickets (org_id, external_id, subject, content, priority, customer,
                                                  customer_tier, status, created_at)
                             VALUES (%s, 'TCK-SLACK-1', 'Proxy drops uploads', 'Uploads over 1 GB fail', 'critical',
                                     'Slack Test Co', 'standard', 'new', %s)""",
                    org, NOW - dt.timedelta(minutes=13, seconds=30))
            r = await sched.tick()
            new = sla_items(alert_posts(fake)[2:])
            assert new == [("TCK-SLACK-1", "response", "at risk", 1)] and r.sla_messages == 1

            # 4. Slack refuses the next post: nothing is marked sent, and the next check posts it.
            clock.value = NOW + dt.timedelta(minutes=3)  # the response deadline (NOW + 1.5 min) has passed
            fake.fail["chat.postMessage"] = "channel_not_found"
            r = await sched.tick()
            assert r.errors and unsent(demo) > 0
            fake.fail.clear()
            before = len(alert_posts(fake))
            r = await sched.tick()
            assert not r.errors and unsent(demo) == 0
            new = sla_items(alert_posts(fake)[before:])
            assert ("TCK-SLACK-1", "response", "breached", 2) in new

            # 5. A KPI point beyond its limits at PHX: one critical signal; two workers checking at once post it once.
            execute(demo, "UPDATE kpi_points SET value = %s WHERE kpi_id = %s AND station_id = %s AND day = %s",
                    0.0 if higher else last_value * 100, kpi_id, station_id, last_day)
            twin = AlertScheduler(sessions=svc.app.state.opsgraph.sessions, client=svc.runtime.client,
                                  channel=ALERT_CHANNEL, links=svc.runtime.links, now=clock)
            before = len(alert_posts(fake))
            results = await asyncio.gather(sched.tick(), twin.tick())
            assert sum(x.signals_posted for x in results) == 1
            assert [st for _, st in signal_items(alert_posts(fake)[before:])] == ["PHX"]

            # 6. It recovers (recorded, not posted), then breaks again: a new state change, posted again.
            execute(demo, "UPDATE kpi_points SET value = %s WHERE kpi_id = %s AND station_id = %s AND day = %s",
                    last_value, kpi_id, station_id, last_day)
            before = len(alert_posts(fake))
            r = await sched.tick()
            assert r.signals_cleared == 1 and r.signals_posted == 0 and len(alert_posts(fake)) == before
            execute(demo, "UPDATE kpi_points SET value = %s WHERE kpi_id = %s AND station_id = %s AND day = %s",
                    0.0 if higher else last_value * 100, kpi_id, station_id, last_day)
            r = await sched.tick()
            assert r.signals_posted == 1
            all_posts = list(alert_posts(fake))

        # 7. A restart, with the real scheduler loop: several checks, nothing posted again.
        async with running_service(demo, fake, clock=clock, alert_interval=0.05) as svc:
            sched = svc.runtime.scheduler
            deadline = asyncio.get_running_loop().time() + 60
            while sched.ticks < 3:
                assert asyncio.get_running_loop().time() < deadline, "the scheduler loop does not run"
                await asyncio.sleep(0.05)
        assert alert_posts(fake) == all_posts
        (sent,), = db_rows(demo, "SELECT count(*) FROM sla_alerts WHERE org_id = %s AND notification_sent "
                                 "AND notified_at IS NOT NULL", org)
    finally:
        execute(demo, "UPDATE kpi_points SET value = %s WHERE kpi_id = %s AND station_id = %s AND day = %s",
                last_value, kpi_id, station_id, last_day)
        execute(demo, "DELETE FROM tickets WHERE org_id = %s AND external_id = 'TCK-SLACK-1'", org)

    # Across everything: each SLA state change was posted once, and is recorded as sent with its time.
    counts = Counter((t, kind, state) for t, kind, state, _ in sla_items(all_posts))
    assert counts and max(counts.values()) == 1
    assert sent >= len(counts)
    kinds = db_rows(demo, "SELECT payload->>'key', payload->>'status' FROM evidence WHERE org_id = %s AND kind = 'kpi_alert' "
                          "AND run_id IS NULL ORDER BY id", org)
    phx = [status for key, status in kinds if key == f"station:PHX:{kpi}"]
    assert phx == ["critical", "cleared", "critical"]


async def test_no_linked_organisation_means_no_alerts(slack_demo, fake):
    execute(slack_demo, "UPDATE orgs SET slack_team_id = NULL WHERE id = %s", slack_demo.org_id)
    try:
        async with running_service(slack_demo, fake) as svc:
            r = await svc.runtime.scheduler.tick()
            assert (r.sla_messages, r.signal_messages, r.errors) == (0, 0, [])
        assert not alert_posts(fake)
    finally:
        from tests.slack.fake_slack import TEAM_ID
        execute(slack_demo, "UPDATE orgs SET slack_team_id = %s WHERE id = %s", TEAM_ID, slack_demo.org_id)
