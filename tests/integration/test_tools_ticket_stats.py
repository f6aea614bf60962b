"""Ticket counts, SLA met rates and complete breached/at-risk lists — on the demo and an imported org; expected
values recomputed from the rows with the same SLA clocks (tools.tickets.sla)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import psycopg
import pytest

from tests.integration import org2 as o2
from tests.integration.org2 import ctx2, demo_ctx, org2_db  # noqa: F401 - fixtures
from tools.base import ToolError
from tools.tickets import sla as slalib
from tools.tickets.stats import sla_list, sla_rate, ticket_counts


def _tickets(conninfo, org_id):
    with psycopg.connect(conninfo) as conn:
        cur = conn.execute(
            """SELECT external_id, status, product, priority, customer_tier, created_at, first_response_at,
                      coalesce(resolved_at, closed_at) FROM tickets WHERE org_id = %s""", (org_id,))
        return cur.fetchall()


def _clocks(t, now):
    return slalib.ticket_clocks(priority=t[3], customer_tier=t[4], created_at=t[5], first_response_at=t[6],
                                resolved_at=t[7], now=now)


async def test_org2_counts_by_status_and_filters(ctx2, org2_db):
    target, org = org2_db
    rows = _tickets(target.conninfo, org.org_id)
    r = (await ticket_counts(ctx2, by="status")).result
    assert r.counts == dict(Counter(t[1] for t in rows)) and r.total == len(rows)
    open_ = (await ticket_counts(ctx2, by="product", status=["open"])).result  # "open" = new/open/pending
    assert open_.total == sum(1 for t in rows if t[1] in ("new", "open", "pending"))
    ent = (await ticket_counts(ctx2, by="priority", customer_tier=["Enterprise"], product=["dlp"])).result
    assert ent.total == sum(1 for t in rows if t[4] == "enterprise" and t[2] == "DLP")


async def test_org2_sla_response_met_rate(ctx2, org2_db):
    target, org = org2_db
    rows = _tickets(target.conninfo, org.org_id)
    states = [_clocks(t, o2.NOW)[0].state for t in rows]
    expect = states.count("met") / (states.count("met") + states.count("breached"))
    r = (await sla_rate(ctx2, clock="response")).result
    assert r.rate == pytest.approx(expect, abs=1e-4) and r.met == states.count("met")
    day = dt.date(2026, 10, 15)
    today = [t for t in rows if t[5].date() == day]
    st = [_clocks(t, o2.NOW)[1].state for t in today]
    r = (await sla_rate(ctx2, clock="resolution", start=day, end=day)).result
    assert r.tickets == len(today) and r.breached == st.count("breached")


async def test_org2_breached_list_is_complete_paged_and_filtered(ctx2, org2_db):
    target, org = org2_db
    rows = [t for t in _tickets(target.conninfo, org.org_id) if t[1] in ("new", "open", "pending") and t[7] is None]
    breached = sorted(t[0] for t in rows if any(c.state == "breached" for c in _clocks(t, o2.NOW)))
    assert len(breached) > 5
    page1 = (await sla_list(ctx2, state="breached", limit=5)).result
    page2 = (await sla_list(ctx2, state="breached", limit=5, offset=5)).result
    assert page1.total == len(breached) and len(page1.items) == 5
    rest = (await sla_list(ctx2, state="breached", limit=200, offset=10)).result
    assert sorted(i.external_id for i in page1.items + page2.items + rest.items) == breached
    ent = (await sla_list(ctx2, state="breached", customer_tier=["enterprise"], limit=200)).result
    assert {i.external_id for i in ent.items} == {t[0] for t in rows if t[0] in breached and t[4] == "enterprise"}
    with pytest.raises(ToolError):
        await sla_list(ctx2, state="breached", limit=0)


async def test_demo_counts_and_breached_today(demo_ctx, demo):
    rows = _tickets(demo.target.conninfo, demo.org_id)
    rows = [t for t in rows if t[5] <= demo_ctx.now]
    r = (await ticket_counts(demo_ctx, by="customer_tier")).result
    assert r.counts == dict(Counter(t[4] for t in rows))
    today = demo_ctx.now.date()
    r = (await sla_list(demo_ctx, state="breached", start=today, end=today, limit=200)).result
    expect = set()
    for t in rows:
        if t[1] in ("new", "open", "pending") and t[7] is None:
            hit = [c for c in _clocks(t, demo_ctx.now) if c.state == "breached" and c.deadline.date() == today]
            if hit:
                expect.add(t[0])
    assert {i.external_id for i in r.items} == expect and r.total == len(expect)
