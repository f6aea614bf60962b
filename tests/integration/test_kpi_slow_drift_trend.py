""""Is <site> getting worse on X?" with no period asked, when X has crept the wrong way for half a year: the last two
fortnights look level, but the longer history decides — Yes, drifting up, with the fortnight comparison after it
(before: "No — about level"); and "why?" after it says it drifts rather than "no stage change, nothing to explain".
A site that is really level is still "about level". On a hotel group's guest complaints, built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 6, 30)
DAYS = 180
HOTELS = [("HBV", "Harbourview Hotel"), ("LKS", "Lakeside Hotel"), ("MNR", "Old Manor Hotel")]


@pytest.fixture
async def hotels(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "staywell", "Staywell Hotels", {
            "stations": [{"code": c, "name": n, "region": "CST", "region_name": "Coast"} for c, n in HOTELS],
            "kpi-definitions": [
                {"code": "GUEST_CMPL", "name": "Guest complaints", "unit": "count", "aggregation": "sum",
                 "decimals": 0, "higher_is_better": False, "goal": 2},
            ],
        }, tmp_path)
        rng = np.random.default_rng(5)
        points = []
        for i in range(DAYS):
            day = LAST - dt.timedelta(days=DAYS - 1 - i)
            mean = {"HBV": 0.5 + 2.5 * i / (DAYS - 1), "LKS": 1.5, "MNR": 1.2}  # Harbourview creeps from 0.5 to 3 a day
            points += [(day, code, "GUEST_CMPL", float(rng.poisson(mean[code]))) for code, _ in HOTELS]
        load_kpis(conn, "staywell", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_a_slow_creep_is_getting_worse_and_why_says_it_drifts(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="is harbourview getting worse on guest complaints?")
    assert "Yes — Guest complaints at HBV" in r.answer and "getting worse over the longer run" in r.answer, r.answer
    assert "drifted up steadily" in r.answer and "looks level" in r.answer, r.answer
    why = await a.ask(org_id=org_id, question="why?", thread_id=r.thread_id)
    assert "drifting up steadily" in why.answer, why.answer
    assert "no onset to explain" not in why.answer, why.answer


async def test_a_level_site_is_still_about_level(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="are complaints at lakeside getting worse?")
    assert "No — Guest complaints at LKS" in r.answer and "about level" in r.answer, r.answer
    assert "longer run" not in r.answer, r.answer
