"""Ticket counts and SLA lists AS OF a past moment, and ticket search by tier / priority / status — end to end
through :class:`Assistant` (the ``opsgraph ask`` path, offline provider), on a solar installer's help desk built here
through the importer AND on the demo.

Expected values are computed here from each ticket's lifecycle as written (created / answered / finished), never
from the answer and never with the product's own as-of code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import psycopg
import pytest

from agents.service import Assistant
from store import migrate
from store.importers import run_import
from tests.conftest import DEMO_ANCHOR, _create_database, _drop_database, settings_for
from tests.integration.qa_support import demo_assistant
from tests.integration.qa_support import sql as _sql
from tests.ticket_lifecycle import breached_in, export_rows, open_at
from tools.embeddings import HashEmbedder, embed_missing
from tools.tickets import sla as slalib

SLUG = "sunridge"
NOW = dt.datetime(2026, 5, 14, 12, 0, tzinfo=dt.UTC)  # a Thursday: "last week" is Mon 4 – Sun 10 May
MAY = lambda d, h=0, m=0: dt.datetime(2026, 5, d, h, m, tzinfo=dt.UTC)  # noqa: E731
APR = lambda d, h=0, m=0: dt.datetime(2026, 4, d, h, m, tzinfo=dt.UTC)  # noqa: E731

# id, subject, priority as the helpdesk writes it, tier, created, answered, finished (resolved), closed, status now,
# whether the export carries a status history (the others only have their timestamps)
TICKETS = [
    ("SR-101", "Inverter shows fault code after storm", "P1", "enterprise", MAY(1, 9), MAY(1, 9, 5), MAY(6, 10), MAY(9), "closed", True),
    ("SR-102", "Monitoring portal login loop", "P2", "business", MAY(2, 10), MAY(2, 10, 10), MAY(5, 8), MAY(7), "closed", False),
    ("SR-103", "Battery not charging from panels", "urgent", "standard", MAY(4, 7), MAY(4, 7, 5), MAY(4, 8), None, "resolved", True),
    ("SR-104", "Invoice shows the wrong VAT rate", "low", "free", APR(28, 9), APR(28, 10), MAY(2, 9), MAY(4, 9), "closed", True),
    ("SR-105", "Panel cleaning visit request", "low", "free", APR(30, 9), MAY(1, 9), None, None, "pending", True),
    ("SR-106", "Export meter reading missing", "low", "standard", MAY(3, 8), MAY(4, 10), MAY(10, 9), None, "resolved", True),
    ("SR-107", "Installer app login fails after update", "P1", "enterprise", MAY(12, 9), MAY(12, 9, 4), None, None, "open", True),
    ("SR-108", "Grid export stopped at noon", "P1", "standard", MAY(5, 10), MAY(5, 10, 40), MAY(5, 11, 30), MAY(8), "closed", True),
    ("SR-109", "Login code never arrives by SMS", "P3", "business", MAY(13, 8), None, None, None, "new", True),
    ("SR-110", "Warranty question about panel glass", "P2", "enterprise", MAY(11, 14), MAY(11, 14, 20), None, None, "open", False),
]
LATER = ("SR-111", "Written after now", "P1", "enterprise", MAY(20, 9), None, None, None, "new", True)
PRIORITY = {"P1": "critical", "urgent": "critical", "P2": "high", "P3": "medium", "low": "low"}


def _open_at(t: tuple, at: dt.datetime) -> bool:
    return open_at(t, at)


def _breached_in(t: tuple, lo: dt.datetime, hi: dt.datetime, now: dt.datetime) -> bool:
    return breached_in(t, lo, hi, now, PRIORITY)


@pytest.fixture(scope="module")
def sunridge(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_asof")
    migrate.upgrade(target)
    tmp = tmp_path_factory.mktemp("sunridge")
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Sunridge Solar') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        rows = export_rows([*TICKETS, LATER], "Customer wrote in about it.")
        (tmp / "tickets.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        run_import(conn, SLUG, "tickets", tmp / "tickets.jsonl")
        embed_missing(conn, HashEmbedder(), org_id)
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture(scope="module")
async def sa(sunridge, pg_server):
    target, _ = sunridge
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    yield a
    await a.close()


async def _ask(a: Assistant, org_id: int, q: str, as_of: dt.date | dt.datetime) -> str:
    r = await a.ask(org_id=org_id, question=q, as_of=as_of)
    assert r.status == "completed", r.error
    assert r.answer and "Traceback" not in r.answer and r.evidence, r.answer
    return r.answer


def _ids(ans: str, prefix: str = "SR") -> set[str]:
    return set(re.findall(rf"\b{prefix}-\d+\b", ans))


# ------------------------------------------------------------------------------------ 1. as of a past moment
async def test_open_on_a_past_day_uses_each_tickets_status_then(sa, sunridge):
    _t, org_id = sunridge
    end_of_may3 = dt.datetime.combine(dt.date(2026, 5, 3), dt.time.max, dt.UTC)
    want = sum(_open_at(t, end_of_may3) for t in TICKETS)
    assert want == 4  # SR-101, 102, 105, 106 (new then) and not SR-104 (finished on the 2nd)
    ans = await _ask(sa, org_id, "how many tickets were open on may 3", NOW)
    assert re.search(rf"\b{want} tickets \(status new/open/pending\) were open at the end of 2026-05-03", ans), ans
    assert "status history" in ans and "not its status today" in ans, ans  # what "as of" means, said


async def test_ask_as_of_a_past_date_counts_and_lists_as_then(sa, sunridge):
    _t, org_id = sunridge
    at = dt.datetime(2026, 5, 3, 12, 0, tzinfo=dt.UTC)  # `opsgraph ask --as-of 2026-05-03` pins noon
    want = sum(_open_at(t, at) for t in TICKETS)
    ans = await _ask(sa, org_id, "how many open tickets?", dt.date(2026, 5, 3))
    assert re.search(rf"There are {want} tickets \(status new/open/pending\) as of 2026-05-03 12:00 UTC", ans), ans
    # the SLA overview at 11:00 on 5 May: SR-108 was open then (answered late), closed since
    at = MAY(5, 11)
    ans = await _ask(sa, org_id, "which tickets are breached?", at)
    open_then = {t[0] for t in TICKETS if _open_at(t, at)}
    assert "SR-108" in open_then and "SR-108" in _ids(ans), ans
    assert re.search(rf"out of {len(open_then)} open as of 2026-05-05 11:00 UTC", ans), ans
    assert _ids(ans) <= open_then, ans


async def test_breached_last_week_lists_finished_tickets_too(sa, sunridge):
    _t, org_id = sunridge
    lo, hi = MAY(4), MAY(11)
    want = {t[0] for t in TICKETS if _breached_in(t, lo, hi, NOW)}
    assert {"SR-106", "SR-108"} <= want  # both finished since: an open-only list would miss them
    ans = await _ask(sa, org_id, "which tickets breached SLA last week", NOW)
    assert _ids(ans) == want, ans
    assert re.search(rf"\b{len(want)} ticket\(s\) .*breached their response or resolution SLA", ans), ans
    line = next(ln for ln in ans.splitlines() if "SR-108" in ln)
    assert "response breached" in line and "min late" in line and "closed" in line, line


async def test_resolved_last_week_counts_by_when_the_work_was_finished(sa, sunridge):
    _t, org_id = sunridge
    lo, hi = MAY(4), MAY(11)
    want = [t[0] for t in TICKETS if (t[6] or t[7]) is not None and lo <= (t[6] or t[7]) < hi]
    assert len(want) == 5  # closed since, or created the week before: counted by when they were resolved
    ans = await _ask(sa, org_id, "how many tickets were resolved last week", NOW)
    assert re.search(rf"\b{len(want)} tickets were resolved or closed last week \(2026-05-04 to 2026-05-10", ans), ans


# ------------------------------------------------------------------------------------ 2. tier / priority / status
async def test_p1_tickets_about_login_filter_in_sql(sa, sunridge):
    _t, org_id = sunridge
    ans = await _ask(sa, org_id, "show me P1 tickets about login", NOW)
    want = {t[0] for t in TICKETS if PRIORITY[t[2]] == "critical" and "log" in t[1].lower()}
    assert _ids(ans) == want == {"SR-107"}, ans  # SR-102 / SR-109 are about login but not P1


async def test_open_enterprise_tickets_about_a_topic(sa, sunridge):
    _t, org_id = sunridge
    ans = await _ask(sa, org_id, "open tickets from enterprise customers about login", NOW)
    assert _ids(ans) == {"SR-107"}, ans
    ans = await _ask(sa, org_id, "show me enterprise tickets", NOW)  # no topic: the filtered list, newest first
    want = [t[0] for t in sorted(TICKETS, key=lambda t: t[4], reverse=True) if t[3] == "enterprise"]
    assert re.findall(r"\bSR-\d+\b", ans) == want, ans
    assert re.search(rf"There are {len(want)} tickets \(tier enterprise\)", ans), ans


async def test_urgent_tickets_this_week(sa, sunridge):
    _t, org_id = sunridge
    ans = await _ask(sa, org_id, "urgent tickets this week", NOW)
    monday = MAY(11)
    want = {t[0] for t in TICKETS if PRIORITY[t[2]] in ("critical", "high") and monday <= t[4] <= NOW}
    assert _ids(ans) == want == {"SR-107", "SR-110"}, ans


async def test_unknown_tier_or_priority_names_the_known_ones(sa, sunridge):
    _t, org_id = sunridge
    r = await sa.ask(org_id=org_id, question="tickets from platinum customers about inverters", as_of=NOW)
    ans = r.answer
    assert "customer tier called “platinum”" in ans and all(t in ans for t in ("enterprise", "business", "free")), ans
    r = await sa.ask(org_id=org_id, question="show me P7 tickets", as_of=NOW)
    assert "priority called “P7”" in r.answer and "P1 (critical)" in r.answer, r.answer
    assert not _ids(r.answer), r.answer


# ------------------------------------------------------------------------------------ the demo
async def test_demo_open_on_a_past_day_and_breached_last_week(demo):
    async with demo_assistant(demo) as a:
        end = dt.datetime.combine(dt.date(2026, 11, 3), dt.time.max, dt.UTC)
        (want,) = _sql(demo, """SELECT count(*) FROM tickets WHERE org_id = %s AND created_at <= %s
                                AND (coalesce(resolved_at, closed_at) IS NULL OR coalesce(resolved_at, closed_at) > %s)""",
                       demo.org_id, end, end)[0]
        ans = await _ask(a, demo.org_id, "how many tickets were open on nov 3", DEMO_ANCHOR)
        assert re.search(rf"\b{want} tickets \(status new/open/pending\) were open at the end of 2026-11-03", ans), ans
        # breached last week (Mon 9 – Sun 15 Nov): every ticket whose deadline then passed without the work done
        now = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
        lo, hi = dt.datetime(2026, 11, 9, tzinfo=dt.UTC), dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
        rows = _sql(demo, """SELECT external_id, priority, customer_tier, created_at, first_response_at,
                                    coalesce(resolved_at, closed_at) FROM tickets WHERE org_id = %s""", demo.org_id)
        want_ids = set()
        for ext, prio, tier, created, answered, done in rows:
            response, resolution = slalib.targets(prio, tier)
            for window, at in ((response, answered or done), (resolution, done)):
                d = created + window
                if lo <= d < hi and d < now and (at is None or at > d):
                    want_ids.add(ext)
        assert want_ids
        ans = await _ask(a, demo.org_id, "which tickets breached SLA last week", DEMO_ANCHOR)
        assert re.search(rf"\b{len(want_ids)} ticket\(s\) .*breached their response or resolution SLA", ans), ans
        listed = set(re.findall(r"\b[A-Z]+-\d+\b", ans))
        assert listed and listed <= want_ids, ans


async def test_demo_ticket_search_by_tier_priority_and_status(demo):
    async with demo_assistant(demo) as a:
        ans = await _ask(a, demo.org_id, "open tickets from enterprise customers about vpn", DEMO_ANCHOR)
        listed = set(re.findall(r"\b[A-Z]+-\d+\b", ans))
        rows = {e: (tier, st) for e, tier, st in _sql(
            demo, "SELECT external_id, customer_tier, status FROM tickets WHERE org_id = %s", demo.org_id)}
        assert all(rows[e][0] == "enterprise" and rows[e][1] in ("new", "open", "pending") for e in listed), ans
        ans = await _ask(a, demo.org_id, "show me P1 tickets", DEMO_ANCHOR)
        now = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
        (n,) = _sql(demo, "SELECT count(*) FROM tickets WHERE org_id = %s AND priority = 'critical' AND created_at <= %s",
                    demo.org_id, now)[0]
        assert re.search(rf"There are {n} tickets \(priority critical\)", ans), ans
        prio = dict(_sql(demo, "SELECT external_id, priority FROM tickets WHERE org_id = %s", demo.org_id))
        listed = re.findall(r"\b[A-Z]+-\d+\b", ans)
        assert listed and all(prio[e] == "critical" for e in listed), ans
        r = await a.ask(org_id=demo.org_id, question="how many gold tier tickets are open?", as_of=DEMO_ANCHOR)
        assert "customer tier called “gold”" in r.answer, r.answer
