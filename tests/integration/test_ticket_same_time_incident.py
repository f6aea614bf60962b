""""Is <ticket> part of an ongoing incident?" for a ticket naming no service: not linked by the record, but the
incidents going on when it was raised that share a word of their title with it are named for the reader ("the
barrier at Riverside won't lift" during "Riverside barrier arm stuck") — an unrelated ticket raised then gets a
plain No. A car-park operator built here."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.integration.qa_support import load_org, org_assistant, ticket


def _ticket(ext: str, subject: str, content: str) -> dict:
    return ticket(ext, subject, content, priority="high", created_at="2027-05-04T10:20:00Z", customer="Drivers")


@pytest.fixture
async def carparks(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "parkwise", "Parkwise", {
            "stations": [{"code": "RVS", "name": "Riverside Car Park", "region": "C", "region_name": "Centre"}],
            "services": [{"name": "gate-control", "team": "sites"}, {"name": "billing-api", "team": "web"}],
            "incidents": [{"external_id": "PW-INC-7", "service": "gate-control", "severity": "SEV-2", "status": "open",
                           "title": "Riverside barrier arm stuck closed", "started_at": "2027-05-04T09:40:00Z"}],
            "tickets": [_ticket("PW-901", "Can't get out", "The barrier at riverside won't lift, queue behind me."),
                        _ticket("PW-902", "Invoice copy", "Please send me a copy of my March invoice.")],
        }, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime(2027, 5, 4, 12, tzinfo=dt.UTC)) as a:
        yield a, org_id


async def test_going_on_then_and_sharing_a_word(carparks):
    a, org_id = carparks
    r = await a.ask(org_id=org_id, question="is PW-901 part of an ongoing incident?")
    assert "Not by the record — PW-901" in r.answer, r.answer  # before: "No — … none was going on"
    line = next(x for x in r.answer.splitlines() if "Going on when it was raised" in x)
    assert "PW-INC-7" in line and "Riverside barrier arm stuck closed" in line, r.answer
    r = await a.ask(org_id=org_id, question="is PW-902 part of an ongoing incident?")
    assert "No — PW-902" in r.answer and "PW-INC-7" not in r.answer, r.answer
