"""Tickets and incidents linked, on a utility imported in the test (its own services, incident and ticket ids): a
ticket raised while an incident was going on about the incident's service (a service field of the export — Jira's
``Components`` — or the service named in its text), or one quoting the incident's id, belongs to it. "Which
tickets came in during <incident>?", "is <ticket> part of an ongoing incident?" answer from the link, and a
ticket's triage says so as evidence. Another organisation's incident and tickets never join in."""

from __future__ import annotations

import datetime as dt
import re

import psycopg
import pytest

from agents.service import Assistant
from tests.conftest import settings_for
from tests.integration.qa_support import load_org

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
ORG = "brightwater-energy"

SERVICES = [{"name": "meter-gateway"}, {"name": "billing.core"}, {"name": "outage-map"}]
INCIDENTS = [
    {"id": "OUTG-3391", "title": "Meter readings delayed", "service": "meter-gateway", "severity": "sev2",
     "status": "resolved", "started_at": "2026-11-24T08:00:00Z", "resolved_at": "2026-11-24T11:30:00Z"},
    {"id": "OUTG-3402", "title": "Direct debits failing", "service": "billing.core", "severity": "sev1",
     "status": "open", "started_at": "2026-11-27T14:00:00Z"},
    {"id": "OUTG-3380", "title": "Contact centre phone lines down", "severity": "sev3", "status": "resolved",
     "started_at": "2026-11-26T09:00:00Z", "resolved_at": "2026-11-26T11:00:00Z"},  # no service: only ids link
]


def _t(key: str, created: str, subject: str, text: str = "", **more) -> dict:
    return {"key": key, "summary": subject, "description": text or subject, "created": created, **more}


TICKETS = [
    _t("SD-5501", "2026-11-24T08:40:00Z", "Smart meter readings not arriving", Components=["meter-gateway"]),
    _t("SD-5502", "2026-11-24T09:15:00Z", "Portal shows stale usage", "Is the meter gateway down again?"),
    _t("SD-5503", "2026-11-24T09:30:00Z", "Invoice PDF has the old address", Components=["billing.core"]),
    _t("SD-5504", "2026-11-25T10:00:00Z", "Refunds for missed readings", "Follow-up on OUTG-3391 for 40 homes."),
    _t("SD-5505", "2026-11-24T07:30:00Z", "Meter gateway slow this morning", Components=["meter-gateway"]),
    _t("SD-5506", "2026-11-27T15:10:00Z", "Direct debit run failed for my account",
       **{"Component/s": "Billing.Core"}),  # a Jira CSV's column, the service in another case
    _t("SD-5507", "2026-11-28T09:00:00Z", "Password reset link expired"),
    _t("SD-5508", "2026-11-24T10:00:00Z", "Mentions OUTG-33910 only", Components=["outage-map"]),
    _t("SD-5509", "2026-11-26T09:20:00Z", "Could not get through on the phone", "Rang three times, no answer."),
    _t("SD-5510", "2026-11-27T08:00:00Z", "Complaint about hold times yesterday"),
]


@pytest.fixture
def utility(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        org_id = load_org(conn, ORG, "Brightwater Energy",
                       {"services": SERVICES, "incidents": INCIDENTS, "tickets": TICKETS}, tmp_path)
        # another organisation: the same service name, an incident at the same time, a ticket quoting our id
        load_org(conn, "other-co", "Other Co", {
            "services": [{"name": "meter-gateway"}],
            "incidents": [{"id": "X-1", "title": "Other outage", "service": "meter-gateway",
                           "started_at": "2026-11-24T08:00:00Z", "status": "open"}],
            "tickets": [_t("OT-1", "2026-11-24T09:00:00Z", "About OUTG-3391 too", Components=["meter-gateway"])],
        }, tmp_path)
    return target, settings_for(target, pg_server.home), org_id


@pytest.fixture
async def assistant(utility):
    target, settings, org_id = utility
    a = await Assistant.open(settings, target, clock=lambda: NOW)
    yield a, org_id
    await a.close()


async def _ask(a, org_id, q: str, **kw):
    r = await a.ask(org_id=org_id, question=q, **kw)
    assert r.status == "completed", r.error
    return r


def _evidence(r, kind: str):
    return [e for e in r.evidence if e.kind == kind]


def _listed(answer: str) -> list[str]:
    return [line.split()[1] for line in answer.splitlines() if line.startswith("- SD-") or line.startswith("- OT-")]


async def test_which_tickets_came_in_during_an_incident(assistant):
    a, org = assistant
    r = await _ask(a, org, "which tickets came in during OUTG-3391?")
    assert [c.tool for c in r.tool_calls] == ["incident_tickets"], r.tool_calls
    # SD-5503 is about another service, SD-5505 came before the start, SD-5508 quotes OUTG-33910, OT-1 is not ours
    assert _listed(r.answer) == ["SD-5501", "SD-5502", "SD-5504"], r.answer
    assert "3 tickets linked to OUTG-3391" in r.answer and "(quotes its id)" in r.answer, r.answer
    ev = _evidence(r, "incident_tickets")[0]
    assert f"[E:{ev.id}]" in r.answer and re.findall(r"SD-\d+", ev.summary) == [
        "SD-5501", "SD-5502", "SD-5504"], ev.summary
    r = await _ask(a, org, "any support cases raised during OUTG-3402")
    assert _listed(r.answer) == ["SD-5506"] and "still open" in r.answer, r.answer


async def test_the_link_first_and_the_day_only_when_nothing_links(assistant):
    a, org = assistant
    # one mechanism whichever way it is asked: by id, or by the outage's words
    for q in ("which tickets came in during OUTG-3391?", "how many tickets did we get about the meter readings outage"):
        r = await _ask(a, org, q)
        assert [c.tool for c in r.tool_calls] == ["incident_tickets"], (q, r.tool_calls)
        assert "3 tickets linked to OUTG-3391" in r.answer and "matched by the link" in r.answer, r.answer
        assert "By date instead" not in r.answer and _listed(r.answer) == ["SD-5501", "SD-5502", "SD-5504"], r.answer
    # no service and no ticket quoting it: nothing links, so the tickets of that day and the next, said as such
    for q in ("which tickets came in during OUTG-3380?", "how many tickets came in about the contact centre phone lines incident"):
        r = await _ask(a, org, q)
        assert [c.tool for c in r.tool_calls] == ["incident_tickets", "list_tickets"], (q, r.tool_calls)
        assert "No ticket is linked to OUTG-3380" in r.answer, r.answer
        assert ("By date instead (matched by the day, not by a link), these are the tickets opened from 2026-11-26 to "
                "2026-11-27, the day OUTG-3380 started") in r.answer, r.answer
        assert set(_listed(r.answer)) == {"SD-5509", "SD-5510", "SD-5506"}, r.answer


async def test_is_a_ticket_part_of_an_ongoing_incident(assistant):
    a, org = assistant
    r = await _ask(a, org, "is SD-5506 part of an ongoing incident?")
    assert r.answer.split("\n", 1)[1].startswith("- Yes — SD-5506 is part of OUTG-3402"), r.answer
    assert "ongoing" in r.answer and _evidence(r, "ticket_incidents"), r.answer
    r = await _ask(a, org, "is SD-5507 part of an ongoing incident?")
    assert "No — SD-5507" in r.answer and "OUTG" not in r.answer, r.answer
    r = await _ask(a, org, "is ticket SD-5502 related to an outage?")  # linked by the service named in its text
    assert "Linked, but not ongoing — SD-5502 is part of OUTG-3391" in r.answer, r.answer
    assert "resolved 2026-11-24 11:30" in r.answer, r.answer


async def test_as_of_a_moment_during_the_incident(assistant):
    a, org = assistant
    during = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    r = await _ask(a, org, "which tickets came in during OUTG-3391?", as_of=during)
    assert _listed(r.answer) == ["SD-5501"] and "still resolved" not in r.answer, r.answer
    r = await _ask(a, org, "is SD-5501 part of an ongoing incident?", as_of=during)
    assert "Yes — SD-5501 is part of OUTG-3391" in r.answer, r.answer


async def test_triage_of_a_linked_ticket_says_so_as_evidence(assistant):
    a, org = assistant
    r = await _ask(a, org, "triage SD-5501")
    line = next(x for x in r.answer.splitlines() if "OUTG-3391" in x)
    assert "SD-5501 is part of OUTG-3391" in line and "raised while it was going on" in line, r.answer
    ev = _evidence(r, "ticket_incidents")[0]
    assert f"[E:{ev.id}]" in line and "OUTG-3391" in ev.summary, (line, ev.summary)
    r = await _ask(a, org, "triage SD-5503")  # same time, another service: no incident line
    assert "OUTG" not in r.answer and "Classified as" in r.answer, r.answer


async def test_another_organisation_sees_only_its_own_links(utility, assistant):
    a, _ = assistant
    with psycopg.connect(utility[0].conninfo) as conn:
        other = conn.execute("SELECT id FROM orgs WHERE slug = 'other-co'").fetchone()[0]
    r = await _ask(a, other, "which tickets came in during OUTG-3391?")
    assert "SD-55" not in r.answer and "incident_tickets" not in [c.tool for c in r.tool_calls], r.answer
    r = await _ask(a, other, "which tickets came in during X-1?")
    assert _listed(r.answer) == ["OT-1"], r.answer


def test_quoting_an_id_is_a_word_of_its_own():
    from tools.incidents.tickets import quotes

    assert quotes("see OUTG-3391 for details", "OUTG-3391") and quotes("(outg-3391)", "OUTG-3391")
    assert not quotes("see OUTG-33910", "OUTG-3391") and not quotes("XOUTG-3391", "OUTG-3391")
    assert not quotes("OUTG-3391-B", "OUTG-3391") and quotes("OUTG-3391.", "OUTG-3391")
    assert not quotes("order 4711 is late", "4711") and quotes("re PD-Q7ZK2", "PD-Q7ZK2")  # digits alone: any number


async def test_on_the_demo_the_tickets_of_an_incident_come_from_the_link(demo):
    from tests.integration.qa_support import demo_assistant, sql

    inc = demo.manifest["incidents"][0]["external_id"]
    async with demo_assistant(demo) as a:
        r = await _ask(a, demo.org_id, f"which tickets came in during {inc}?")
    start, end = sql(demo, "SELECT started_at, resolved_at FROM incidents WHERE org_id = %s AND external_id = %s",
                     demo.org_id, inc)[0]
    listed = re.findall(r"^- (\S+) “", r.answer, re.MULTILINE)
    linked = [c.tool for c in r.tool_calls] == ["incident_tickets"]
    if linked:
        assert f"linked to {inc}" in r.answer and "matched by the link" in r.answer, r.answer
    else:  # nothing links: said, then the tickets of the day it started and the next
        assert [c.tool for c in r.tool_calls] == ["incident_tickets", "list_tickets"], r.tool_calls
        assert f"No ticket is linked to {inc}" in r.answer and "By date instead" in r.answer, r.answer
    for ext in listed:  # each raised during the incident, or quoting its id; or opened that day or the next
        created, body = sql(demo, "SELECT created_at, subject || ' ' || content FROM tickets WHERE org_id = %s "
                                  "AND external_id = %s", demo.org_id, ext)[0]
        if linked:
            assert (start <= created <= (end or NOW)) or inc.lower() in body.lower(), (ext, created, start, end)
        else:
            assert 0 <= (created.date() - start.date()).days <= 1, (ext, created, start)
