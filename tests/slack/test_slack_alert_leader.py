"""The alert scheduler runs once per cluster: of two service processes on one database only the holder of the
alert lock checks and posts; when it stops, the other takes over."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from tests.slack.conftest import running_service
from tests.slack.fake_slack import TEAM_ID
from tests.slack.test_slack_alerts import execute


async def _wait(cond, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_alert_leader_across_two_processes_and_failover(slack_demo, fake):
    # Checks only (no linked workspace: nothing to post), so the other alert tests find their states unposted.
    execute(slack_demo, "UPDATE orgs SET slack_team_id = NULL WHERE id = %s", slack_demo.org_id)
    try:
        await _leader_and_failover(slack_demo, fake)
    finally:
        execute(slack_demo, "UPDATE orgs SET slack_team_id = %s WHERE id = %s", TEAM_ID, slack_demo.org_id)


async def _leader_and_failover(slack_demo, fake) -> None:
    async with AsyncExitStack() as stack_b:
        stack_a = AsyncExitStack()
        a = await stack_a.enter_async_context(running_service(slack_demo, fake, alert_interval=0.05))
        await _wait(lambda: a.runtime.alert_leader and a.runtime.scheduler.ticks >= 2)
        b = await stack_b.enter_async_context(running_service(slack_demo, fake, alert_interval=0.05))
        ticks_a = a.runtime.scheduler.ticks
        await asyncio.sleep(1.0)
        assert a.runtime.scheduler.ticks > ticks_a, "the leader keeps checking"
        assert not b.runtime.alert_leader and b.runtime.scheduler.ticks == 0, "the other process stays idle"
        await stack_a.aclose()  # the leader stops: its lock goes with its connection
        await _wait(lambda: b.runtime.alert_leader and b.runtime.scheduler.ticks >= 2)
