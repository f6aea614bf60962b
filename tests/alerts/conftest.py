"""Fixtures of the alert tests: a database of its own with a second organisation (its own services, changes and
keys — nothing like the demo's), and the service over ASGI or real uvicorn."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.orm import Session

from store import migrate
from store.db import DatabaseTarget, make_sync_engine
from store.importers import run_import
from store.keys import create_key
from tests.conftest import PgServer, _create_database, _drop_database, settings_for

ORG = "tidewater-freight"
OTHER_ORG = "saltmarsh-labs"
# Services of the organisation under test: ledger depends on vault-cache; quay-router is unrelated.
SERVICES = [
    {"name": "vault-cache", "team": "platform", "tier": 1},
    {"name": "ledger", "team": "money", "tier": 1, "depends_on": ["vault-cache"]},
    {"name": "quay-router", "team": "edge", "tier": 2},
]


@dataclass
class Org:
    target: DatabaseTarget
    settings: Any
    home: Path
    org_id: int
    keys: dict[str, str] = field(default_factory=dict)  # role -> key (and "other_member")
    member_key_id: int = 0

    def h(self, who: str = "member") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.target.conninfo) as conn:
            return conn.execute(sql, params).fetchall()

    def import_records(self, kind: str, records: list[dict[str, Any]], tmp: Path, slug: str = ORG) -> Any:
        path = tmp / f"{kind}-{uuid.uuid4().hex[:6]}.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
        with psycopg.connect(self.target.conninfo, autocommit=True) as conn:
            return run_import(conn, slug, kind, path)


@pytest.fixture(scope="session")
def alerts_org(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    target = _create_database(pg_server, "opsgraph_alerts")
    migrate.upgrade(target)
    engine = make_sync_engine(target)
    keys: dict[str, str] = {}
    with Session(engine) as s, s.begin():
        for slug, prefix in ((ORG, ""), (OTHER_ORG, "other_")):
            for role in ("viewer", "member", "admin"):
                created, _ = create_key(s, org_slug=slug, role=role, name=f"alerts-{role}")
                keys[prefix + role] = created.key
                if slug == ORG and role == "member":
                    member_id = created.info.id
    engine.dispose()
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("SELECT id FROM orgs WHERE slug = %s", (ORG,)).fetchone()[0]
    home = tmp_path_factory.mktemp("alerts-home")
    org = Org(target=target, settings=settings_for(target, home), home=home, org_id=org_id, keys=keys,
              member_key_id=member_id)
    org.import_records("services", SERVICES, home)
    org.import_records("services", [{"name": "assay-api"}], home, slug=OTHER_ORG)
    yield org
    _drop_database(pg_server, target)


@pytest.fixture(scope="session")
async def alerts_app(alerts_org: Org) -> AsyncIterator[Any]:
    from api.app import create_app

    app = create_app(alerts_org.settings, target=alerts_org.target, run_migrations=False)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def client(alerts_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=alerts_app), base_url="http://opsgraph.test",
                                 timeout=60) as c:
        yield c


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(t: dt.datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def alert(fingerprint: str, *, service: str | None = "ledger", status: str = "firing", starts: dt.datetime,
          name: str = "LedgerErrorsHigh", label: str = "service", ends: dt.datetime | None = None,
          severity: str = "critical", extra_labels: dict[str, str] | None = None) -> dict[str, Any]:
    labels = {"alertname": name, "severity": severity, **(extra_labels or {})}
    if service is not None:
        labels[label] = service
    return {"status": status, "labels": labels,
            "annotations": {"summary": f"{name}: error ratio above 10%", "description": "from the test"},
            "startsAt": iso(starts), "endsAt": iso(ends) if ends else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.test/graph?g0.expr=x", "fingerprint": fingerprint}


def payload(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    return {"version": "4", "groupKey": "{}:{alertname=\"x\"}", "truncatedAlerts": 0, "status": status,
            "receiver": "opsgraph", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager.test", "alerts": list(alerts)}


async def wait_run(client: httpx.AsyncClient, org: Org, run_id: str, timeout: float = 90, who: str = "viewer",
                   ) -> dict[str, Any]:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while True:
        r = await client.get(f"/api/runs/{run_id}", headers=org.h(who))
        assert r.status_code == 200, r.text
        body = r.json()
        if body["status"] in ("completed", "failed"):
            return body
        assert time.monotonic() < deadline, f"run {run_id} still {body['status']}"
        await asyncio.sleep(0.1)


async def wait_hypotheses(org: Org, run_id: str, timeout: float = 30) -> list[tuple]:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while True:
        rows = org.rows("SELECT rank, subject, confidence, type, evidence_ids FROM hypotheses WHERE run_id = %s "
                        "ORDER BY rank", run_id)
        if rows or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.1)
