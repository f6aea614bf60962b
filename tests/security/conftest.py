"""Fixtures of the security tests: a private copy of the demo database plus a second organisation ("harbour",
a port operator: its own services, keys and vocabulary), one app over it, keys of every role for both."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.orm import Session

from api.app import create_app
from api.limits import ApiLimits
from store.db import DatabaseTarget, make_sync_engine
from store.importers import run_import
from store.keys import create_key
from tests.api.helpers import NOW
from tests.conftest import Demo, PgServer, demo_database

HARBOUR_SERVICES = [
    {"name": "berth-planner", "team": "quay", "tier": 1, "description": "Assigns vessels to berths", "depends_on": []},
    {"name": "crane-telemetry", "team": "yard", "tier": 2, "description": "Crane sensor ingestion",
     "depends_on": ["berth-planner"]},
]


@dataclass
class SecEnv:
    demo: Demo
    harbour_id: int
    keys: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def sql(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.demo.target.conninfo) as conn:
            return conn.execute(query, params).fetchall()

    def import_file(self, tmp: Path, kind: str, rows: list[dict] | str, name: str = "data.json", org: str = "harbour"):
        path = tmp / name
        path.write_text(rows if isinstance(rows, str) else json.dumps(rows))
        with psycopg.connect(self.demo.target.conninfo, autocommit=True) as conn:
            return run_import(conn, org, kind, path)


@pytest.fixture(scope="session")
def sec(pg_server: PgServer, demo_template: DatabaseTarget, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecEnv]:
    with demo_database(pg_server, demo_template, "opsgraph_sec") as d:
        engine = make_sync_engine(d.target)
        keys: dict[str, str] = {}
        with Session(engine) as s, s.begin():
            for org, prefix in (("demo", "demo_"), ("harbour", "")):
                for role in ("viewer", "member", "admin"):
                    created, _ = create_key(s, org_slug=org, role=role, name=f"sec-{role}")
                    keys[prefix + role] = created.key
        engine.dispose()
        with psycopg.connect(d.target.conninfo) as conn:
            harbour_id = conn.execute("SELECT id FROM orgs WHERE slug = 'harbour'").fetchone()[0]
        env = SecEnv(demo=d, harbour_id=harbour_id, keys=keys)
        env.import_file(tmp_path_factory.mktemp("harbour"), "services", HARBOUR_SERVICES)
        yield env


@pytest.fixture(scope="session")
async def sec_app(sec: SecEnv) -> AsyncIterator:
    application = create_app(sec.demo.settings, target=sec.demo.target, run_migrations=False, clock=lambda: NOW,
                             limits=ApiLimits(max_concurrent_runs_per_key=50, max_streams_per_key=50))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def sec_client(sec_app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sec_app), base_url="http://api.test",
                                 timeout=60) as c:
        yield c


class ErrorLog(logging.Handler):
    """Every ERROR record the service logs while a test runs (a traceback in the log is a finding too)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        out = [r.getMessage() for r in self.records]
        self.records.clear()
        return out


@pytest.fixture(scope="session")
def sec_server(sec: SecEnv) -> Iterator:
    """The service over the security database on a real uvicorn; ``.errors`` collects what it logs at ERROR."""
    from tests.api.helpers import ThreadServer

    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    srv = ThreadServer(lambda: create_app(sec.demo.settings, target=sec.demo.target, run_migrations=False,
                                          clock=lambda: NOW,
                                          limits=ApiLimits(max_concurrent_runs_per_key=50, max_streams_per_key=50)))
    srv.errors = errors  # type: ignore[attr-defined]
    yield srv
    srv.stop()
    logging.getLogger().removeHandler(errors)
