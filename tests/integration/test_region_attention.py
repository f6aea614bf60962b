""""Which district needs attention?" (the organisation's regions are "… district"): the districts ranked by their
sites' signals, the worst first and said first, each summarised in one line — before, every site's series in one
list ("N KPI series at all stations need attention") with no district in it. On a water utility built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 5, 11)
SITES = [("KLN", "Kilnworth Pumping Station", "UV", "Upper Vale district"),
         ("RDM", "Redmoor Pumping Station", "UV", "Upper Vale district"),
         ("ASF", "Ashford Reservoir", "LV", "Lower Vale district"),
         ("BLY", "Bly Weir", "CH", "Chalk Hills district")]


@pytest.fixture
async def water(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "vale-water", "Vale Water", {
            "stations": [{"code": c, "name": n, "region": r, "region_name": rn} for c, n, r, rn in SITES],
            "kpi-definitions": [{"code": "LEAK_ML", "name": "Leakage", "unit": "Ml", "aggregation": "sum",
                                 "decimals": 1, "higher_is_better": False}],
        }, tmp_path)
        rng = np.random.default_rng(5)
        points = []
        for i in range(90):
            day = LAST - dt.timedelta(days=89 - i)
            for code, *_ in SITES:
                jump = 9.0 if code == "ASF" and day >= LAST - dt.timedelta(days=1) else 0.0  # Ashford bursts
                points.append((day, code, "LEAK_ML", round(4.0 + jump + rng.normal(0, 0.3), 2)))
        load_kpis(conn, "vale-water", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_which_district_needs_attention_ranks_the_districts(water):
    a, org_id = water
    for q in ("which district needs attention?", "which district is in trouble?"):
        r = await a.ask(org_id=org_id, question=q)
        lines = [x for x in r.answer.splitlines() if x.strip()]
        assert "Lower Vale district (LV) needs the most attention" in lines[1], (q, r.answer)
        assert "at all stations need attention" not in r.answer, r.answer  # before: the sites' series, no district
        assert "Leakage at ASF" in r.answer and "critical" in r.answer, r.answer
        assert "Upper Vale district (UV, 2 site(s)): nothing in warning or critical" in r.answer, r.answer
