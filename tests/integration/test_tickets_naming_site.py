""""tickets from <site>": the tickets whose text names that site — by its code or its own name word — never a
ticket that only shares a kind word all sites have ("marina wifi is down" is not from Pendower Marina). A marina
group built here."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.integration.qa_support import load_org, org_assistant, ticket

SITES = [("PDM", "Pendower Marina"), ("GRM", "Gull Rock Marina"), ("KBY", "Kestle Boatyard")]


def _ticket(ext: str, subject: str, content: str, day: int) -> dict:
    return ticket(ext, subject, content, created_at=f"2027-06-{day:02d}T09:00:00Z", customer="Berth holders")


@pytest.fixture
async def marinas(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "coastline", "Coastline Marinas", {
            "stations": [{"code": c, "name": n, "region": "CW", "region_name": "Cornwall"} for c, n in SITES],
            "tickets": [
                _ticket("CM-201", "Fuel pump out of service", "The diesel pump on the Pendower fuel berth shows E4.", 3),
                _ticket("CM-202", "Marina wifi is down", "No wifi on the pontoons since last night, whole marina.", 4),
                _ticket("CM-203", "Pontoon lights flickering", "Lights on D pontoon at PDM flicker after dark.", 5),
                _ticket("CM-204", "Crane booking", "Need the boatyard crane at Kestle for a lift-out on Friday.", 6),
            ],
        }, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime(2027, 6, 10, 9, tzinfo=dt.UTC)) as a:
        yield a, org_id


async def test_tickets_naming_a_site_are_those_with_its_code_or_own_name_word(marinas):
    a, org_id = marinas
    r = await a.ask(org_id=org_id, question="tickets from pendower")
    line = next(x for x in r.answer.splitlines() if "Tickets whose text names Pendower Marina" in x)
    assert "CM-201" in line and "CM-203" in line, line
    assert "CM-202" not in line and "CM-204" not in line, line  # before: "marina" alone named it
