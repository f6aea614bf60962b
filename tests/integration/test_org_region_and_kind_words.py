"""The organisation's own words for its regions and kinds of site, on a water company built here: regions named
"… district", a site sheet whose "Asset Type" column says reservoir or borehole.

Before: "how is Upper Vale district doing?" said the district's combined series had KPIs in warning (short of their
goal) and then "No KPI at region UV is in a warning or critical state" over its stations' list of the same misses;
"rank the districts by energy use" ranked sites ("no breakdown by district"), five of them; "how are the boreholes
doing?" was "I don't know a station called 'boreholes'" (the sheet's "Asset Type" column was not read as a kind)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 4, 30)
SITES = [  # code, name, district code, district name, asset type
    ("AS1", "Ashgrove", "UV", "Upper Vale district", "reservoir"),
    ("BR2", "Bramley", "UV", "Upper Vale district", "borehole"),
    ("CH3", "Coldharbour", "LV", "Lower Vale district", "reservoir"),
    ("DN4", "Dunmere", "LV", "Lower Vale district", "borehole"),
    ("EW5", "Eastwick", "HT", "Hilltop district", "borehole"),
    ("FN6", "Fernley", "HT", "Hilltop district", "reservoir"),
]


@pytest.fixture
async def water(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "valewater", "Vale Water", {
            "stations": [{"code": c, "name": n, "region": r, "region_name": rn, "Asset Type": t}
                         for c, n, r, rn, t in SITES],
            "kpi-definitions": [
                {"code": "SUPPLY", "name": "Supply availability", "unit": "%", "aggregation": "mean", "decimals": 2,
                 "higher_is_better": True, "goal": 99.5},
                {"code": "KWH", "name": "Energy use", "unit": "MWh", "aggregation": "sum", "decimals": 1,
                 "higher_is_better": False},
            ],
        }, tmp_path)
        rng = np.random.default_rng(5)
        points = []
        for i in range(120):
            day = LAST - dt.timedelta(days=119 - i)
            for k, (code, *_rest) in enumerate(SITES):
                supply = 99.0 if code in ("AS1", "BR2") else 99.8  # Upper Vale runs steadily short of the goal
                points.append((day, code, "SUPPLY", round(supply + rng.normal(0, 0.05), 3)))
                points.append((day, code, "KWH", round(10.0 + 2 * k + rng.normal(0, 0.5), 2)))
        load_kpis(conn, "valewater", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_a_district_status_names_both_levels_and_never_says_none_in_warning_over_its_misses(water):
    a, org_id = water
    ans = (await a.ask(org_id=org_id, question="how is Upper Vale district doing?")).answer
    assert "as a whole (its stations combined)" in ans and "the stations of Upper Vale district (UV)" in ans, ans
    assert not re.search(r"No KPI at [^\n]* is in a warning or critical state", ans), ans
    assert "Supply availability at AS1 runs around" in ans and "Supply availability at BR2 runs around" in ans, ans


async def test_the_districts_ranked_all_of_them(water):
    a, org_id = water
    ans = (await a.ask(org_id=org_id, question="rank the districts by energy use last month")).answer
    assert "no breakdown" not in ans and "3 regions ranked" in ans, ans
    assert re.search(r"1\. HT [\d.,]+ MWh; 2\. LV [\d.,]+ MWh; 3\. UV [\d.,]+ MWh", ans), ans  # the most energy worst: all


async def test_a_kind_from_a_type_column_of_the_site_sheet(water):
    a, org_id = water
    ans = (await a.ask(org_id=org_id, question="which borehole used the most energy last month?")).answer
    assert "I don't know" not in ans and all(c in ans for c in ("BR2", "DN4", "EW5")), ans
    assert not any(f"{c} (" in ans for c in ("AS1", "CH3", "FN6")), ans  # the reservoirs are not boreholes
