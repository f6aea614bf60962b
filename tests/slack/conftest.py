"""Fixtures of the Slack tests: a database with the demo data (own, dropped at the end), a fake Slack on
127.0.0.1, and the service with Slack configured (``create_app(slack=SlackOptions(...))``), driven through ASGI."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from agents.providers.offline import OfflineProvider
from api.app import create_app
from api.slack import SlackOptions
from store.db import DatabaseTarget
from tests.conftest import DEMO_ANCHOR, Demo, PgServer, demo_database, settings_for
from tests.slack.fake_slack import TEAM_ID, FakeSlack, sign

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-0000-test-token"
ALERT_CHANNEL = "C0ALERTS01"
PANEL = "http://panel.test:8000"
NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)


class GatedProvider(OfflineProvider):
    """The offline provider, whose answer waits for ``gate``: a test can hold a run open after the ack."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.gate.set()

    async def compose(self, state: dict[str, Any], deps: Any) -> str:
        await self.gate.wait()
        return await super().compose(state, deps)


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.value = now

    def __call__(self) -> dt.datetime:
        return self.value


@pytest.fixture(scope="session")
def slack_demo(pg_server: PgServer, demo_template: DatabaseTarget) -> Iterator[Demo]:
    """The demo data set in a database of its own (the Slack tests write runs, links and alert records)."""
    with demo_database(pg_server, demo_template, "opsgraph_slack") as d:
        with psycopg.connect(d.target.conninfo, autocommit=True) as conn:
            conn.execute("UPDATE orgs SET slack_team_id = %s WHERE id = %s", (TEAM_ID, d.org_id))
        yield d


def slack_settings(demo: Demo, **extra: Any):
    values = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
              "OPSGRAPH_SLACK_ALERT_CHANNEL": ALERT_CHANNEL} | extra
    return settings_for(demo.target, demo.settings.home, **values)


@pytest.fixture(scope="session")
async def fake() -> AsyncIterator[FakeSlack]:
    f = FakeSlack()
    await f.start()
    yield f
    await f.stop()


@dataclass
class Service:
    app: Any
    client: httpx.AsyncClient
    runtime: Any
    provider: GatedProvider
    clock: Clock

    async def post(self, body: str, *, content_type: str, secret: str = SECRET, timestamp: int | None = None,
                   headers: dict[str, str] | None = None, signed: bool = True) -> httpx.Response:
        h = {"Content-Type": content_type, **(sign(secret, body, timestamp) if signed else {}), **(headers or {})}
        return await self.client.post("/slack/events", content=body.encode(), headers=h)

    async def command(self, body: str, **kw: Any) -> httpx.Response:
        return await self.post(body, content_type="application/x-www-form-urlencoded", **kw)

    async def event(self, body: str, **kw: Any) -> httpx.Response:
        return await self.post(body, content_type="application/json", **kw)

    async def idle(self, timeout: float = 60) -> None:
        """Wait until every Slack task (runs and their posts) has finished."""
        tasks = [t for t in self.runtime.tasks if not t.done()]
        if tasks:
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout)


@asynccontextmanager
async def running_service(demo: Demo, fake: FakeSlack, *, settings: Any = None, clock: Clock | None = None,
                          alert_interval: float = 0.0, **options: Any) -> AsyncIterator[Service]:
    settings = settings or slack_settings(demo)
    clock = clock or Clock()
    provider = GatedProvider()
    app = create_app(settings, target=demo.target, run_migrations=False, clock=clock, provider=provider,
                     slack=SlackOptions(public_url=PANEL, api_url=fake.api_url, alert_interval_seconds=alert_interval,
                                        **options))
    runtime = app.state.slack
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://opsgraph.test",
                                     timeout=60) as client:
            yield Service(app=app, client=client, runtime=runtime, provider=provider, clock=clock)


@pytest.fixture(scope="session")
async def service(slack_demo: Demo, fake: FakeSlack) -> AsyncIterator[Service]:
    async with running_service(slack_demo, fake) as svc:
        yield svc


@pytest.fixture(autouse=True)
def _clean_fake(request: pytest.FixtureRequest) -> None:
    if "fake" in request.fixturenames:
        request.getfixturevalue("fake").reset()


def db_rows(demo: Demo, sql: str, *params: Any) -> list[tuple]:
    with psycopg.connect(demo.target.conninfo) as conn:
        return conn.execute(sql, params).fetchall()
