""""What needs attention?" / "how is X at <site>?" after a short excursion that is over: the KPI is not critical now,
the answer says it recovered and reports the excursion as past ("rose from <day> to <day> ... back within its earlier
limits since <day>") — before, a hotel whose room-cleaning time rose for four days and was back to normal for five was
"critical since" the first bad day with "shifted up ... starting" that day. A hotel still at the new level stays
critical. On a hotel group built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 5, 20)
BAD = LAST - dt.timedelta(days=8)  # four bad days, then five back (the recovered hotel) / still bad (the other)
EARLY = LAST - dt.timedelta(days=11)  # six bad days, then six back: a week after EARLY only two are back
HOTELS = [("QSD", "Quayside Hotel"), ("ORC", "Orchard Court Hotel"), ("MIL", "Millbrook Hotel"),
          ("FEN", "Fenwick Hotel")]


@pytest.fixture
async def hotels(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "harbourlight", "Harbourlight Hotels", {
            "stations": [{"code": c, "name": n, "region": "CO", "region_name": "Coast"} for c, n in HOTELS],
            "kpi-definitions": [
                {"code": "CLEAN_MIN", "name": "Room cleaning time", "unit": "min", "aggregation": "mean",
                 "decimals": 1, "higher_is_better": False, "goal": 33},
            ],
        }, tmp_path)
        rng = np.random.default_rng(23)
        points = []
        for i in range(120):
            day = LAST - dt.timedelta(days=119 - i)
            bad = 0 <= (day - BAD).days < 4
            level = {"QSD": 39.0 if bad else 31.0, "ORC": 39.0 if day >= BAD else 31.0, "MIL": 31.0,
                     "FEN": 39.0 if 0 <= (day - EARLY).days < 6 else 31.0}
            for code, _ in HOTELS:
                points.append((day, code, "CLEAN_MIN", round(level[code] + rng.normal(0, 0.6), 1)))
        load_kpis(conn, "harbourlight", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_attention_leaves_out_an_excursion_that_is_over(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="which kpis need attention today?")
    lines = [line for line in r.answer.splitlines() if "Room cleaning time at" in line]
    assert any("ORC" in line and "critical" in line for line in lines), r.answer
    assert not any("QSD" in line and "critical" in line for line in lines), r.answer
    back = [line for line in lines if line.lstrip("- ").startswith("Recently recovered")]
    assert back and "QSD" in back[0] and f"back since {BAD + dt.timedelta(days=4)}" in back[0], r.answer


async def test_how_is_it_says_recovered_and_the_excursion_as_past(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="how is room cleaning time at quayside?")
    assert "state: ok, recovered since" in r.answer, r.answer
    assert "state: critical" not in r.answer and "shifted up" not in r.answer, r.answer
    assert f"rose from {BAD} to {BAD + dt.timedelta(days=3)}" in r.answer, r.answer
    assert f"since {BAD + dt.timedelta(days=4)}" in r.answer, r.answer


async def test_a_lasting_shift_is_still_critical(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="how's room cleaning time at orchard court doing?")
    assert "state: critical" in r.answer and "shifted up" in r.answer, r.answer
    assert "recovered" not in r.answer, r.answer


async def test_how_long_has_it_been_bad_after_it_recovered(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="how long has room cleaning time been bad at quayside?")
    assert "It is not bad now" in r.answer and "has stayed there" not in r.answer, r.answer


async def test_why_it_rose_reads_the_step_up_to_the_latest_data(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question=f"why did room cleaning time rise at fenwick on {EARLY:%B} {EARLY.day}?")
    assert "shifted up" not in r.answer, r.answer
    assert f"Read up to {LAST}: it rose from {EARLY} to {EARLY + dt.timedelta(days=5)}" in r.answer, r.answer
