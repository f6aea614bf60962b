"""'<KPI> at <site> yesterday vs the day before' and 'today vs yesterday': each day's value side by side with the
difference — before, one total over both days ("the total is …") with the days listed after it. 'Today' before its
data is in compares the latest day with the one before, said so. On a network of public libraries built here."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 3, 9)  # the data's last day; "today" is the day after
BRANCHES = [("HBS", "Harbourside Library"), ("MBK", "Millbrook Library")]
LOANS = {"HBS": {LAST - dt.timedelta(days=1): 140.0, LAST: 182.0}, "MBK": {LAST - dt.timedelta(days=1): 95.0, LAST: 88.0}}


@pytest.fixture
async def libraries(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "shelfmark", "Shelfmark Libraries", {
            "stations": [{"code": c, "name": n, "region": "ES", "region_name": "East Side"} for c, n in BRANCHES],
            "kpi-definitions": [{"code": "LOANS", "name": "Loans issued", "unit": "count", "aggregation": "sum",
                                 "decimals": 0, "higher_is_better": True}],
        }, tmp_path)
        points = []
        for i in range(60):
            day = LAST - dt.timedelta(days=59 - i)
            for code, _ in BRANCHES:
                points.append((day, code, "LOANS", LOANS[code].get(day, 120.0 + (i * 7) % 11)))
        load_kpis(conn, "shelfmark", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_yesterday_vs_the_day_before_is_each_day_and_the_difference(libraries):
    a, org_id = libraries
    for q in ("loans at harbourside yesterday vs the day before", "loans at HBS yesterday compared with the previous day"):
        r = await a.ask(org_id=org_id, question=q)
        assert "the total is 322" not in r.answer, r.answer  # before: both days summed
        assert f"total 182 {LAST} vs 140 {LAST - dt.timedelta(days=1)} — up 42" in r.answer, (q, r.answer)


async def test_today_vs_yesterday_before_todays_data_is_the_latest_day_said_so(libraries):
    a, org_id = libraries
    r = await a.ask(org_id=org_id, question="today vs yesterday for loans at millbrook")
    assert "no data for" in r.answer and "comparing yesterday with the day before instead" in r.answer, r.answer
    assert f"total 88 {LAST} vs 95 {LAST - dt.timedelta(days=1)} — down 7" in r.answer, r.answer
