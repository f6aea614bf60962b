""""What was the worst day for X in <month> and why?": that day is named first, then explained — a day beyond its
limits from that day (what changed before it), a day inside them as ordinary variation, never the latest value's
story or a ranking of sites. On a tea-room chain built here (rooms, breakages, covers)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 4, 5)
ROOMS = [("TR-ELM", "Elm Street Tea Room"), ("TR-QUAY", "Quayside Tea Room"), ("TR-MILL", "Old Mill Tea Room")]
SPIKE = dt.date(2027, 3, 17)


@pytest.fixture
async def tearooms(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "kettleco", "Kettle & Co", {
            "stations": [{"code": c, "name": n, "region": "SW", "region_name": "South West"} for c, n in ROOMS],
            "kpi-definitions": [
                {"code": "BREAKAGES", "name": "Crockery breakages", "aliases": ["breakages", "broken cups"],
                 "unit": "items", "aggregation": "sum", "decimals": 0, "higher_is_better": False},
                {"code": "COVERS", "name": "Covers served", "aliases": ["covers"], "unit": "covers",
                 "aggregation": "sum", "decimals": 0, "higher_is_better": True},
            ],
        }, tmp_path)
        rng = np.random.default_rng(11)
        points = []
        for i in range(120):
            day = LAST - dt.timedelta(days=119 - i)
            for code, _ in ROOMS:
                broken = 30 if (day == SPIKE and code == "TR-QUAY") else rng.poisson(2)
                points += [(day, code, "BREAKAGES", float(broken)),
                           (day, code, "COVERS", float(200 + rng.integers(-12, 13)))]
        load_kpis(conn, "kettleco", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id, points


async def test_the_worst_day_is_named_and_explained_from_that_day(tearooms):
    a, org_id, points = tearooms
    total = sum(v for d, _, k, v in points if k == "BREAKAGES" and d == SPIKE)
    r = await a.ask(org_id=org_id, question="what was the worst day for breakages in march and why?")
    first = next(x for x in r.answer.splitlines() if x.startswith("- "))
    assert "worst day for Crockery breakages" in first and f"was {SPIKE}" in first and f"with {total:,.0f}" in first, r.answer
    assert "Explaining from that day" in r.answer, r.answer
    r = await a.ask(org_id=org_id, question="what was the worst day for broken cups at the quayside tea room in march, and why")
    first = next(x for x in r.answer.splitlines() if x.startswith("- "))
    assert f"was {SPIKE}" in first and "TR-QUAY" in first and "with 30" in first, r.answer
    assert "Explaining from that day" in r.answer, r.answer


async def test_a_worst_day_inside_the_limits_is_ordinary_variation(tearooms):
    a, org_id, points = tearooms
    march = [(d, v) for d, s, k, v in points if k == "COVERS" and s == "TR-ELM" and d.month == 3]
    worst = min(march, key=lambda x: (x[1], -x[0].toordinal()))
    r = await a.ask(org_id=org_id, question="what was the worst day for covers at elm street in march and why?")
    first = next(x for x in r.answer.splitlines() if x.startswith("- "))
    assert f"was {worst[0]}" in first, r.answer
    assert "inside the natural process limits" in r.answer and "no single cause" in r.answer, r.answer
    assert "Explaining from" not in r.answer, r.answer
