"""A veterinary group's Zendesk ticket list (``GET /api/v2/tickets``), imported as exported: the customer tier is
held in tags (``tier_enterprise``, ``Business-Tier``, a bare ``enterprise``), never in a field; and Zendesk's list
has no first-response time, so an open ticket's response SLA is "not recorded" — not breached on every open
ticket — while its resolution SLA still counts. An export that has the field (even empty on some tickets) keeps
its response clocks."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from agents.service import Assistant
from tests.conftest import settings_for
from tests.integration.qa_support import load_org

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
ORG, CONTROL = "harbour-vets", "harbour-control"


def _z(tid: int, subject: str, status: str, priority: str, tags: list[str], hours_ago: float, **more) -> dict:
    at = (NOW - dt.timedelta(hours=hours_ago)).isoformat().replace("+00:00", "Z")
    return {"url": f"https://harbourvets.zendesk.com/api/v2/tickets/{tid}.json", "id": tid, "external_id": None,
            "via": {"channel": "web"}, "created_at": at, "updated_at": at, "type": "problem", "subject": subject,
            "raw_subject": subject, "description": f"{subject}. Please help.", "priority": priority,
            "status": status, "requester_id": 3100 + tid, "tags": tags, **more}


TICKETS = [
    _z(7001, "Online booking page will not load", "open", "urgent", ["tier_enterprise", "booking"], 6,
       organization="Northvale Clinics"),
    _z(7002, "Appointment reminders not sent", "new", "high", ["Business-Tier", "sms"], 3),
    _z(7003, "Invoice totals wrong for boarding", "pending", "normal", ["enterprise", "invoices"], 30),
    _z(7004, "Lab results upload slow", "solved", "low", ["smb", "lab"], 50),
    _z(7005, "Vaccination card typo", "open", "low", ["tier_free", "enterprise"], 2),  # two tiers: neither
    _z(7006, "Password reset for reception", "open", "normal", ["consumer", "login"], 1),  # not a tier tag
]
TIERS = {"7001": "enterprise", "7002": "business", "7003": "enterprise", "7004": "business", "7005": "standard",
         "7006": "standard"}


@pytest.fixture
def vets(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    control = [{**t, "first_response_at": None} for t in TICKETS]  # a helpdesk whose export has the field (empty
    control[3]["first_response_at"] = control[3]["created_at"]  # on the unanswered ones)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        ids = {ORG: load_org(conn, ORG, "Harbour Vets", {"tickets": {"tickets": TICKETS, "next_page": None}}, tmp_path),
               CONTROL: load_org(conn, CONTROL, "Control", {"tickets": control}, tmp_path)}
    return target, settings_for(target, pg_server.home), ids


def _rows(target, org_id: int) -> dict[str, tuple]:
    with psycopg.connect(target.conninfo) as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "SELECT external_id, customer_tier, extra ? 'first_response_not_recorded' FROM tickets WHERE org_id = %s",
            (org_id,))}


def test_the_tier_in_tags_and_the_missing_field_are_read_at_import(vets):
    target, _, ids = vets
    rows = _rows(target, ids[ORG])
    assert {k: v[0] for k, v in rows.items()} == TIERS
    assert all(v[1] for v in rows.values()), rows  # the export has no first-response field
    assert not any(v[1] for v in _rows(target, ids[CONTROL]).values())  # it has, empty on some: still recorded


async def test_open_tickets_response_sla_is_not_recorded_not_breached(vets):
    target, settings, ids = vets
    a = await Assistant.open(settings, target, clock=lambda: NOW)
    try:
        r = await a.ask(org_id=ids[ORG], question="which tickets have breached their SLA?")
        assert r.status == "completed", r.error
        assert "response breached" not in r.answer and "First responses are not recorded for 5" in r.answer, r.answer
        assert "7001 (critical, enterprise): resolution breached" in r.answer, r.answer  # 6 h, 1 h window: real
        r = await a.ask(org_id=ids[ORG], question="what's the SLA on ticket 7002?")
        assert "response not recorded (the ticket's export has no first-response time)" in r.answer, r.answer
        assert "business tier" in r.answer, r.answer
        r = await a.ask(org_id=ids[ORG], question="what is our response SLA met rate?")
        assert "not recorded (the tickets' export has no first-response time)" in r.answer, r.answer
        assert "0 breached" in r.answer, r.answer
        # the control organisation's export records the field: its unanswered open tickets did breach
        r = await a.ask(org_id=ids[CONTROL], question="which tickets have breached their SLA?")
        assert "response breached" in r.answer and "not recorded" not in r.answer, r.answer
    finally:
        await a.close()
