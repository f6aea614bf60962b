"""Issue 14 item 7: a signed slash command replayed within the signature window starts no new run (the same
signed bytes are acted on once, across restarts); a fresh signature of the same text is a new command."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests.slack.conftest import db_rows, running_service
from tests.slack.fake_slack import command_body

pytestmark = pytest.mark.timeout(180)


def _runs(demo, key: str) -> list[tuple]:
    return db_rows(demo, "SELECT id FROM runs WHERE org_id = %s AND question LIKE %s", demo.org_id, f"%{key}%")


async def test_a_replayed_signed_command_starts_no_new_run(service, fake, slack_demo):
    key = uuid.uuid4().hex[:12]
    body = command_body(f"which tickets are at risk of breaching SLA? ({key})", response_url=fake.response_url(key))
    stamp = int(time.time())
    first = await service.command(body, timestamp=stamp)
    assert first.status_code == 200 and "investigating" in first.json()["text"]
    replays = await asyncio.gather(*[service.command(body, timestamp=stamp) for _ in range(3)])
    assert all(r.status_code == 200 and r.json().get("duplicate") for r in replays)
    await fake.wait_for(lambda: fake.responses(key))
    await service.idle()
    assert len(_runs(slack_demo, key)) == 1
    assert len(fake.responses(key)) == 1

    # Across a restart (no in-memory state): Postgres remembers the signed request.
    async with running_service(slack_demo, fake) as again:
        late = await again.command(body, timestamp=stamp)
        assert late.status_code == 200 and late.json().get("duplicate")
        # The same text signed anew (a user typing it again) is a new command.
        fresh = await again.command(body, timestamp=stamp + 1)
        assert fresh.status_code == 200 and "investigating" in fresh.json()["text"]
        await fake.wait_for(lambda: len(fake.responses(key)) == 2)
        await again.idle()
    assert len(_runs(slack_demo, key)) == 2
