""""Is anything getting worse?" with no KPI named: every KPI series at every site, the last 14 days against the 14
before, listed when the move is beyond the series' own noise — the series that stepped for the worse named with
both averages, the one that got better and the flat ones left out; "what's improving?" names only the better one;
a site with nothing moving gets a No with the count checked. On a chain of bike workshops built here, and on the
demo (DAL's on-time performance, which stepped down on 23 November)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import demo_assistant, load_kpis, load_org, org_assistant

LAST = dt.date(2027, 8, 31)
SHOPS = [("SPK", "Spokes Canal Street"), ("CHN", "Chainring Yard"), ("FRK", "Fork & Frame Hub")]


@pytest.fixture
async def workshops(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "gearworks", "Gearworks Cycles", {
            "stations": [{"code": c, "name": n, "region": "CITY", "region_name": "City"} for c, n in SHOPS],
            "kpi-definitions": [
                {"code": "REPAIR_TAT_H", "name": "Repair turnaround", "unit": "h", "aggregation": "mean",
                 "decimals": 1, "higher_is_better": False, "goal": 34},
                {"code": "FIRST_FIX_PCT", "name": "First-time fix rate", "unit": "%", "aggregation": "mean",
                 "decimals": 1, "higher_is_better": True, "goal": 87},
            ],
        }, tmp_path)
        rng = np.random.default_rng(41)
        points = []
        for i in range(90):
            day = LAST - dt.timedelta(days=89 - i)
            recent = (LAST - day).days < 10
            tat = {"SPK": 30.0, "CHN": 41.0 if recent else 30.0, "FRK": 28.0}  # Chainring Yard slows down
            fix = {"SPK": 92.0 if recent else 85.0, "CHN": 86.0, "FRK": 88.0}  # Canal Street fixes more first time
            for code, _ in SHOPS:
                points.append((day, code, "REPAIR_TAT_H", round(tat[code] + rng.normal(0, 1.5), 1)))
                points.append((day, code, "FIRST_FIX_PCT", round(fix[code] + rng.normal(0, 1.2), 1)))
        load_kpis(conn, "gearworks", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


def _lines(answer: str) -> list[str]:
    return [x for x in answer.splitlines() if x.startswith("- ")]


async def test_what_is_getting_worse_names_the_series_that_moved(workshops):
    a, org_id = workshops
    r = await a.ask(org_id=org_id, question="is anything getting worse?")
    lines = _lines(r.answer)
    assert lines[0].startswith("- Yes — 1 of 6 KPI series at any station moved for the worse"), r.answer
    assert "Repair turnaround at CHN (Chainring Yard): daily average" in lines[1] and "(worse; lower is better)" in lines[1], r.answer
    assert "SPK" not in r.answer and "FRK" not in r.answer, r.answer  # the better one and the flat ones left out
    r = await a.ask(org_id=org_id, question="what's improving?")
    assert "First-time fix rate at SPK (Spokes Canal Street)" in r.answer and "CHN" not in r.answer, r.answer
    r = await a.ask(org_id=org_id, question="anything slipping at fork & frame?")
    assert _lines(r.answer)[0].startswith("- No — no KPI at FRK moved for the worse"), r.answer
    assert "2 series checked" in r.answer, r.answer


async def test_demo_stations_trending_the_wrong_way(demo):
    async with demo_assistant(demo) as a:
        r = await a.ask(org_id=demo.org_id, question="any stations trending the wrong way?", as_of=DEMO_ANCHOR)
    lines = _lines(r.answer)
    assert lines[0].startswith("- Yes — "), r.answer
    assert any(x.startswith("- On-time performance (maintenance) at DAL (Dallas Love Field): daily average") for x in lines), r.answer


async def test_which_kpis_miss_their_goal_lists_signalled_series_too(workshops):
    """"Which KPIs are missing their goal?": every series whose level misses its goal — Chainring Yard's turnaround,
    which stepped up and is signalled, as well as its in-control first-time fix rate (before: only the latter, in
    a line under the signals)."""
    a, org_id = workshops
    r = await a.ask(org_id=org_id, question="which KPIs are missing their goal?")
    lines = _lines(r.answer)
    assert "KPI series miss their goal at their current level" in lines[0], r.answer
    listed = " ".join(lines[1:])
    assert "Repair turnaround at CHN (Chainring Yard)" in listed and "First-time fix rate at CHN" in listed, r.answer
    assert "at SPK" not in listed and "Repair turnaround at FRK" not in listed, r.answer
    r = await a.ask(org_id=org_id, question="what's below target at fork & frame?")
    assert "Repair turnaround" not in r.answer and "I don't know" not in r.answer, r.answer
