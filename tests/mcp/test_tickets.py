"""The ticket tools over MCP (streamable HTTP on a real uvicorn, and stdio): filters (status, tier, priority,
product, creation window), ``as_of``, ``list_tickets`` — on a veterinary clinic's help desk imported here and on the
demo; bad filter values are readable tool errors; a key of one organisation never sees another's tickets.

Expected values come from each ticket's lifecycle as written below (or from SQL on the demo), never from the
product's own as-of code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from store.importers import run_import
from tests.api.helpers import NOW, ThreadServer
from tests.mcp.conftest import org_key, serve, sql
from tests.mcp.test_http import connect
from tests.mcp.test_stdio import connect as connect_stdio
from tests.ticket_lifecycle import breached_in, export_rows, open_at
from tools.embeddings import HashEmbedder, embed_missing

VETS = "pawsley-vets"
NOV = lambda d, h=0, m=0: dt.datetime(2026, 11, d, h, m, tzinfo=dt.UTC)  # noqa: E731
# id, subject, priority as their helpdesk writes it, tier, created, answered, resolved, closed, status now, history?
TICKETS = [
    ("VT-7", "Vaccine reminder SMS sent twice", "urgent", "enterprise", NOV(10, 9), NOV(10, 9, 10), NOV(12, 10), None,
     "resolved", True),
    ("VT-8", "Appointment booking page is blank", "P1", "business", NOV(14, 8), NOV(14, 8, 20), None, None, "open", True),
    ("VT-9", "Vaccine reminder email misses the pet's name", "P3", "standard", NOV(15, 10), NOV(16, 9), NOV(18, 12),
     NOV(19, 9), "closed", False),
    ("VT-10", "Invoice lists a dental treatment twice", "normal", "free", NOV(16, 11), None, None, None, "new", True),
    ("VT-11", "Lab results not attached to the patient record", "P1", "enterprise", NOV(17, 7), NOV(17, 7, 3),
     NOV(19, 15), None, "resolved", True),
    ("VT-12", "Clinic tablet cannot sync vaccine records", "P2", "enterprise", NOV(18, 13), NOV(18, 14), None, None,
     "pending", True),
]
LATER = ("VT-13", "Written after now", "P1", "enterprise", NOV(25, 9), None, None, None, "new", True)
CRITICAL = {"urgent", "P1"}


def _open_at(t: tuple, at: dt.datetime) -> bool:
    return open_at(t, at)


def _ids(result: dict, key: str = "items") -> list[str]:
    return [i["external_id"] for i in result["result"][key]]


def ok(result) -> dict:
    assert not result.is_error, result.content[0].text
    return result.structured_content


@pytest.fixture(scope="module")
def vets(mcp_demo, mcp_keys, tmp_path_factory) -> str:
    """The clinic's viewer key (its help desk imported through the importer, embedded like the service does)."""
    key = org_key(mcp_demo, VETS, "vets-mcp")
    rows = export_rows([*TICKETS, LATER], "The practice manager wrote in.")
    path = Path(tmp_path_factory.mktemp("vets")) / "tickets.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with psycopg.connect(mcp_demo.target.conninfo) as conn:
        run_import(conn, VETS, "tickets", path)
        org_id = conn.execute("SELECT id FROM orgs WHERE slug = %s", (VETS,)).fetchone()[0]
        embed_missing(conn, HashEmbedder(), org_id)
        conn.commit()
    return key


@pytest.fixture(scope="module")
def service(mcp_demo, mcp_keys, vets) -> Iterator[ThreadServer]:
    srv = serve(mcp_demo)
    yield srv
    srv.stop()


async def test_ticket_tools_are_listed_with_their_filters(service, vets):
    async with connect(service, vets) as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
    for name in ("list_tickets", "search_tickets", "ticket_counts", "sla_list", "sla_rate", "ticket_sla"):
        props = tools[name].input_schema["properties"]
        assert "as_of" in props and props["as_of"]["description"], name
    for name in ("list_tickets", "search_tickets", "ticket_counts", "sla_list", "sla_rate"):
        assert {"customer_tier", "priority"} <= set(tools[name].input_schema["properties"]), name
    assert "include_finished" in tools["sla_list"].input_schema["properties"]
    assert "finished_in_window" in tools["ticket_counts"].input_schema["properties"]
    assert tools["list_tickets"].annotations.read_only_hint


async def test_second_org_filters_and_as_of(service, vets):
    async with connect(service, vets) as s:
        everything = ok(await s.call_tool("list_tickets", {}))
        assert everything["result"]["total"] == len(TICKETS)  # VT-13 was written after now
        assert set(_ids(everything)) == {t[0] for t in TICKETS}

        p1 = ok(await s.call_tool("list_tickets", {"priority": ["P1"]}))
        assert set(_ids(p1)) == {t[0] for t in TICKETS if t[2] in CRITICAL}
        assert p1["evidence_ids"] and "critical" in p1["evidence"][0]["summary"]

        end_of_18th = dt.datetime.combine(dt.date(2026, 11, 18), dt.time(23, 59), dt.UTC)
        then = ok(await s.call_tool("list_tickets", {"status": ["open"], "as_of": end_of_18th.isoformat()}))
        assert set(_ids(then)) == {t[0] for t in TICKETS if _open_at(t, end_of_18th)} == {"VT-8", "VT-10", "VT-11",
                                                                                        "VT-12"}
        open_ent = ok(await s.call_tool("list_tickets", {"status": ["unresolved"], "customer_tier": ["Enterprise"]}))
        assert set(_ids(open_ent)) == {t[0] for t in TICKETS if t[3] == "enterprise" and _open_at(t, NOW)}

        counted = ok(await s.call_tool("ticket_counts", {"status": ["open"], "as_of": "2026-11-16T12:00:00Z"}))
        assert counted["result"]["total"] == sum(_open_at(t, NOV(16, 12)) for t in TICKETS)
        finished = ok(await s.call_tool("ticket_counts", {"finished_in_window": True, "start": "2026-11-12",
                                                          "end": "2026-11-18"}))
        assert finished["result"]["total"] == sum(
            1 for t in TICKETS if (t[6] or t[7]) and dt.date(2026, 11, 12) <= (t[6] or t[7]).date() <= NOV(18).date())

        found = ok(await s.call_tool("search_tickets", {"query": "vaccine reminders", "customer_tier": ["enterprise"]}))
        hits = _ids(found, "hits")
        assert "VT-7" in hits and "VT-9" not in hits  # VT-9 is a standard customer's
        assert {h["customer_tier"] for h in found["result"]["hits"]} == {"enterprise"}
        closed = ok(await s.call_tool("search_tickets", {"query": "vaccine", "status": ["Closed"]}))
        assert _ids(closed, "hits") == ["VT-9"]

        before = ok(await s.call_tool("ticket_sla", {"external_id": "VT-8", "as_of": "2026-11-14T08:10:00Z"}))
        now = ok(await s.call_tool("ticket_sla", {"external_id": "VT-8"}))
        assert before["result"]["response"]["completed_at"] is None  # answered at 08:20, after that moment
        assert now["result"]["response"]["completed_at"].startswith("2026-11-14T08:20")


async def test_bad_filter_values_are_readable_tool_errors(service, vets):
    async with connect(service, vets) as s:
        for tool, args, says in [
            ("list_tickets", {"customer_tier": ["platinum"]}, "enterprise"),
            ("search_tickets", {"query": "vaccine", "priority": ["P9"]}, "critical"),
            ("ticket_counts", {"status": ["archived"]}, "new, open, pending, resolved, closed"),
            ("sla_list", {"product": ["vaccines"]}, "unknown product"),
            ("list_tickets", {"as_of": "2027-01-01T00:00:00Z"}, "in the future"),
            ("list_tickets", {"since": "2026-11-18", "until": "2026-11-10"}, "is after"),
            ("list_tickets", {"as_of": "yesterday-ish"}, "as_of"),
            ("search_tickets", {}, "topic"),
        ]:
            r = await s.call_tool(tool, args)
            text = r.content[0].text
            assert r.is_error, (tool, args)
            assert says in text and "Traceback" not in text and "SELECT" not in text, (tool, text)


async def test_a_key_sees_only_its_own_organisations_tickets(service, mcp_demo, mcp_keys, vets):
    async with connect(service, mcp_keys.member) as demo:
        crit = ok(await demo.call_tool("list_tickets", {"priority": ["P1"], "k": 50}))
        assert crit["result"]["total"] > 0 and not any(i.startswith("VT-") for i in _ids(crit))
        found = ok(await demo.call_tool("search_tickets", {"query": "vaccine reminder sync", "k": 50}))
        assert not any(i.startswith("VT-") for i in _ids(found, "hits"))
        looked = await demo.call_tool("ticket_sla", {"external_id": "VT-8"})
        assert looked.is_error and "unknown ticket" in looked.content[0].text
    demo_id = sql(mcp_demo, "SELECT external_id FROM tickets WHERE org_id = %s LIMIT 1", mcp_demo.org_id)[0][0]
    async with connect(service, vets) as s:
        like = await s.call_tool("search_tickets", {"like": demo_id})
        assert like.is_error and "unknown ticket" in like.content[0].text
        mine = ok(await s.call_tool("list_tickets", {"k": 50}))
        assert all(i.startswith("VT-") for i in _ids(mine))


async def test_demo_filters_match_sql(service, mcp_demo, mcp_keys):
    count = "SELECT count(*) FROM tickets WHERE org_id = %s AND created_at <= %s"
    async with connect(service, mcp_keys.viewer) as s:
        r = ok(await s.call_tool("list_tickets", {"priority": ["P1"], "customer_tier": ["enterprise"], "k": 50}))
        want = sql(mcp_demo, count + " AND priority = 'critical' AND customer_tier = 'enterprise'", mcp_demo.org_id,
                   NOW)[0][0]
        assert r["result"]["total"] == want > 0
        assert {(i["priority"], i["customer_tier"]) for i in r["result"]["items"]} == {("critical", "enterprise")}
        product = sql(mcp_demo, "SELECT product FROM tickets WHERE org_id = %s AND product IS NOT NULL "
                                "GROUP BY product ORDER BY count(*) DESC LIMIT 1", mcp_demo.org_id)[0][0]
        r = ok(await s.call_tool("list_tickets", {"product": [product.lower()], "k": 5}))
        assert r["result"]["total"] == sql(mcp_demo, count + " AND product = %s", mcp_demo.org_id, NOW, product)[0][0]
        week_ago = NOW - dt.timedelta(days=7)
        c = ok(await s.call_tool("ticket_counts", {"by": "customer_tier", "as_of": week_ago.isoformat()}))
        assert c["result"]["total"] == sql(mcp_demo, count, mcp_demo.org_id, week_ago)[0][0]
        assert c["result"]["at"].startswith(week_ago.date().isoformat())


async def test_list_tickets_over_stdio_for_the_second_org(mcp_demo, vets):
    async with connect_stdio(mcp_demo, vets) as s:
        r = ok(await s.call_tool("list_tickets", {"priority": ["urgent", "p1"], "as_of": "2026-11-20"}))
    assert set(_ids(r)) == {t[0] for t in TICKETS if t[2] in CRITICAL}


PRIORITY = {"urgent": "critical", "P1": "critical", "P2": "high", "P3": "medium", "normal": "medium"}


def _breached_in(t: tuple, lo: dt.datetime, hi: dt.datetime, now: dt.datetime) -> bool:
    return breached_in(t, lo, hi, now, PRIORITY)


async def test_sla_list_with_finished_tickets_and_as_of(service, vets):
    lo, hi = NOV(10), NOV(20)
    async with connect(service, vets) as s:
        both = ok(await s.call_tool("sla_list", {"start": "2026-11-10", "end": "2026-11-19", "include_finished": True}))
        still_open = ok(await s.call_tool("sla_list", {"start": "2026-11-10", "end": "2026-11-19"}))
        earlier = ok(await s.call_tool("sla_list", {"start": "2026-11-10", "end": "2026-11-19",
                                                    "include_finished": True, "as_of": "2026-11-16T00:00:00Z"}))
    assert set(_ids(both)) == {t[0] for t in TICKETS if _breached_in(t, lo, hi, NOW)}
    assert set(_ids(still_open)) == {t[0] for t in TICKETS if _breached_in(t, lo, hi, NOW) and _open_at(t, NOW)}
    assert set(_ids(still_open)) < set(_ids(both))  # a finished ticket breached in the window is listed with it
    assert set(_ids(earlier)) == {t[0] for t in TICKETS if _breached_in(t, lo, hi, NOV(16))}
    assert set(_ids(earlier)) != set(_ids(both))  # deadlines that had not passed yet then are not breaches
