"""A scheduled question fires as a run with trigger ``schedule`` and its answer is posted to the schedule's
channel (local fake Slack), once per firing."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from sqlalchemy import text

from store.schedules import create_schedule
from tests.slack.conftest import db_rows, running_service

CHANNEL = "C0SCHEDQ1"


async def test_a_schedule_posts_its_answer_to_slack_once_per_firing(slack_demo, fake, monkeypatch):
    monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", fake.api_url)  # the worker's Slack client (SlackOptions from env)
    name = f"morning-{uuid.uuid4().hex[:6]}"
    question = "Which tickets are at risk of breaching their SLA?"
    async with running_service(slack_demo, fake) as svc:
        state = svc.app.state.opsgraph
        async with state.sessions() as s, s.begin():
            made = await create_schedule(s, slack_demo.org_id, name=name, question=question, cron="* * * * * */3",
                                         timezone="Pacific/Auckland", slack_channel=CHANNEL,
                                         next_run_at=dt.datetime.now(dt.UTC))
        deadline = asyncio.get_running_loop().time() + 60
        while not [c for c in fake.api("chat.postMessage", channel=CHANNEL) if c.response.get("ok")]:
            assert asyncio.get_running_loop().time() < deadline, "nothing was posted"
            await asyncio.sleep(0.1)
        async with state.sessions() as s, s.begin():
            await s.execute(text("DELETE FROM schedules WHERE id = :id"), {"id": made.id})

        def firings():
            runs = db_rows(slack_demo, "SELECT r.id, r.status, r.trigger FROM runs r JOIN threads t ON t.id = "
                                       "r.thread_id WHERE t.title LIKE %s", f"{name} · %")
            posts = [c for c in fake.api("chat.postMessage", channel=CHANNEL) if c.response.get("ok")]
            return runs, posts

        # Firings already under way finish (under load a run can outlast any fixed pause): wait until every run
        # has ended and every completed one has been posted, then a little longer for a late duplicate.
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            runs, posts = firings()
            settled = runs and all(r[1] in ("completed", "failed") for r in runs)
            if settled and len(posts) >= len([r for r in runs if r[1] == "completed"]):
                break
            assert asyncio.get_running_loop().time() < deadline, f"firings did not end and post: {runs}, {len(posts)}"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
    runs, posts = firings()
    assert runs and all(r[2] == "schedule" for r in runs)
    assert len(posts) == len([r for r in runs if r[1] == "completed"]), "one post per completed firing"
    assert name in posts[0].body.get("text", "") and "SLA" in posts[0].blocks_text()
