"""Fixtures of the HTTP API tests.

The API tests write (webhooks, tickets, investigations, feedback, chat runs),
so they get their own database with the demo data set loaded (same generator,
seed and anchor as the session-wide ``demo`` fixture), dropped at the end; the
shared ``demo`` database stays untouched for the other suites.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.orm import Session

from api.app import create_app
from api.limits import ApiLimits
from store.db import DatabaseTarget, make_sync_engine
from store.keys import create_key
from tests.api.helpers import NOW, SlowProvider
from tests.conftest import Demo, PgServer, demo_database


@pytest.fixture(scope="session")
def api_demo(pg_server: PgServer, demo_template: DatabaseTarget) -> Iterator[Demo]:
    with demo_database(pg_server, demo_template, "opsgraph_api") as d:
        yield d


@dataclass
class Keys:
    viewer: str
    member: str
    admin: str
    other_viewer: str
    other_member: str
    other_admin: str
    member_id: int

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, who)}"}


@pytest.fixture(scope="session")
def keys(api_demo: Demo) -> Keys:
    engine = make_sync_engine(api_demo.target)
    made = {}
    with Session(engine) as s, s.begin():
        for org, prefix in (("demo", ""), ("other-org", "other_")):
            for role in ("viewer", "member", "admin"):
                created, _ = create_key(s, org_slug=org, role=role, name=f"tests-{role}")
                made[prefix + role] = created
    engine.dispose()
    return Keys(**{k: v.key for k, v in made.items()}, member_id=made["member"].info.id)


@pytest.fixture(scope="session")
async def app(api_demo: Demo) -> AsyncIterator:
    application = create_app(api_demo.settings, target=api_demo.target, run_migrations=False, clock=lambda: NOW,
                             limits=ApiLimits(max_concurrent_runs_per_key=50, max_streams_per_key=50))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test", timeout=60) as c:
        yield c


@pytest.fixture(scope="session")
def server(api_demo: Demo) -> Iterator:
    """A real uvicorn (in a thread of this process) with a slow offline provider, short pings and low limits."""
    from tests.api.helpers import ThreadServer

    srv = ThreadServer(lambda: create_app(
        api_demo.settings, target=api_demo.target, run_migrations=False, clock=lambda: NOW,
        provider=SlowProvider(delay=0.004),
        limits=ApiLimits(max_concurrent_runs_per_key=8, max_streams_per_key=6, max_body_bytes=64 * 1024,
                         stream_ping_seconds=0.5),
    ))
    yield srv
    srv.stop()

