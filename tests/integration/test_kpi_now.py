"""'Right now' / 'currently' in a rank or compare question: for a stock-like KPI (a backlog, open work orders,
deferred items: what stands open at a moment) the latest day is the state, not a 30-day total; a flow KPI keeps
its window. On an estates organisation built here (depots, work orders) and on the demo."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import psycopg
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import demo_assistant, load_kpis, load_org, org_assistant

LAST = dt.date(2026, 5, 20)
DEPOTS = [("QY1", "Quayside Depot"), ("HL2", "Hillfoot Yard"), ("MR3", "Moorend Works")]


@pytest.fixture
async def estates(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "harbour-estates", "Harbour Estates", {
            "stations": [{"code": c, "name": n, "region": "EST", "region_name": "Estate"} for c, n in DEPOTS],
            "kpi-definitions": [
                {"code": "WO_OPEN", "name": "Open work orders", "aliases": ["work order backlog"], "unit": "count",
                 "aggregation": "sum", "decimals": 0, "higher_is_better": False},
                {"code": "WO_RAISED", "name": "Work orders raised", "aliases": ["new jobs"], "unit": "count",
                 "aggregation": "sum", "decimals": 0, "higher_is_better": False},
            ],
        }, tmp_path)
        rng = np.random.default_rng(5)
        values: dict[tuple[str, str, dt.date], float] = {}
        for i in range(60):
            day = LAST - dt.timedelta(days=59 - i)
            # QY1's backlog was the largest for weeks and was cleared in the last days; HL2's grows to the largest
            level = {"QY1": 90 if i < 55 else 20, "HL2": 30 + int(i * 0.9), "MR3": 60}
            for code, _ in DEPOTS:
                for kpi, v in (("WO_OPEN", level[code] + rng.integers(-3, 4)), ("WO_RAISED", rng.poisson(12))):
                    values[(kpi, code, day)] = float(v)
        load_kpis(conn, "harbour-estates", [(d, s, k, v) for (k, s, d), v in values.items()], tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id, values


def _lines(answer: str) -> list[str]:
    lines = [x for x in answer.splitlines() if x.startswith("- ")]
    assert lines and all(re.search(r"\[E:\d+\]", x) for x in lines), answer
    return lines


async def test_right_now_ranks_a_backlog_by_its_latest_day(estates):
    a, org_id, values = estates
    last = {c: values[("WO_OPEN", c, LAST)] for c, _ in DEPOTS}
    total = {c: sum(values[("WO_OPEN", c, LAST - dt.timedelta(days=i))] for i in range(30)) for c, _ in DEPOTS}
    assert max(total, key=total.get) == "QY1" and max(last, key=last.get) == "HL2"  # the two readings disagree
    r = await a.ask(org_id=org_id, question="which depot has the biggest work order backlog right now?")
    lines = _lines(r.answer)
    assert f"on {LAST} is HL2 (Hillfoot Yard) with {last['HL2']:,.0f} (latest value" in lines[0], r.answer
    assert "latest day" in r.answer and "not a total over the last 30 days" in r.answer, r.answer
    r = await a.ask(org_id=org_id, question="open work orders at quayside vs hillfoot currently")
    assert f"QY1 (Quayside Depot), on {LAST}: value {last['QY1']:,.0f}" in r.answer, r.answer
    assert f"HL2 (Hillfoot Yard), on {LAST}: value {last['HL2']:,.0f}" in r.answer, r.answer
    assert "QY1 (Quayside Depot) is better than HL2" in r.answer, r.answer


async def test_a_flow_kpi_right_now_keeps_its_window_and_a_period_is_honoured(estates):
    a, org_id, _values = estates
    r = await a.ask(org_id=org_id, question="which depot has the most new jobs right now?")
    assert f"{LAST - dt.timedelta(days=29)} to {LAST}" in r.answer and "latest day" not in r.answer, r.answer
    r = await a.ask(org_id=org_id, question="which depot had the biggest work order backlog last week?")
    assert "latest day" not in r.answer and " to " in _lines(r.answer)[0], r.answer


@pytest.fixture
async def on_demo(demo):
    async with demo_assistant(demo) as a:
        yield a


async def test_demo_most_deferred_items_right_now(on_demo, demo):
    with psycopg.connect(demo.target.conninfo) as conn:
        day, = conn.execute("""SELECT max(p.day) FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                               WHERE p.org_id = %s AND k.code = 'DEFERRED_ITEMS'""", (demo.org_id,)).fetchone()
        code, value = conn.execute(
            """SELECT s.code, p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
               JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'DEFERRED_ITEMS'
               AND p.day = %s ORDER BY p.value DESC LIMIT 1""", (demo.org_id, day)).fetchone()
    r = await on_demo.ask(org_id=demo.org_id, question="which station has the most deferred MEL items right now?",
                          as_of=DEMO_ANCHOR)
    first = _lines(r.answer)[0]
    assert f"on {day} is {code} (" in first and f"with {value:,.0f} items (latest value" in first, r.answer
