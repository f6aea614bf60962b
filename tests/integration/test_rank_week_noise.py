"""Telling a real worst from noise over a short window: a week's ranking reads each site's day-to-day noise from the
last eight weeks (the moving range, at least a Poisson count's for whole counts), not from the week's own seven days —
one busy day in a creeping series made a clear worst (20 against 8) read as "not clearly the worst". And two sites
whose averages differ by less than that noise are not called better and worse. On a hotel group built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant

LAST = dt.date(2027, 6, 20)  # a Sunday: "last week" is 06-07 … 06-13
HOTELS = [("HX-HARB", "Harbourside Hotel"), ("HX-PARK", "Parkview Hotel"), ("HX-MOOR", "Moorland Lodge")]
HARBOUR_WEEK = [0.0, 3.0, 2.0, 3.0, 4.0, 7.0, 1.0]  # the creeping hotel's last week: one busy day


@pytest.fixture
async def hotels(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "innkeep", "Innkeep Hotels", {
            "stations": [{"code": c, "name": n, "region": "N", "region_name": "North"} for c, n in HOTELS],
            "kpi-definitions": [
                {"code": "NOISE_CMP", "name": "Noise complaints", "aliases": ["noise complaints"], "unit": "complaints",
                 "aggregation": "sum", "decimals": 0, "higher_is_better": False},
                {"code": "ROOM_READY", "name": "Rooms ready by 3pm", "aliases": ["rooms ready"], "unit": "%",
                 "aggregation": "mean", "decimals": 2, "higher_is_better": True},
            ],
        }, tmp_path)
        rng = np.random.default_rng(5)
        week = [dt.date(2027, 6, 7) + dt.timedelta(days=i) for i in range(7)]
        points = []
        for i in range(90):
            day = LAST - dt.timedelta(days=89 - i)
            for code, _ in HOTELS:
                if code == "HX-HARB":
                    n = HARBOUR_WEEK[week.index(day)] if day in week else float(rng.poisson(0.8 + 2.2 * i / 90))
                else:
                    n = 2.0 if (code == "HX-PARK" and day == week[0]) else 1.0 if day in week else float(rng.poisson(1))
                points += [(day, code, "NOISE_CMP", n),
                           (day, code, "ROOM_READY", round(99.6 + rng.normal(0, 0.15), 2))]
        load_kpis(conn, "innkeep", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST, dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_a_clear_worst_over_a_week_is_not_called_noise(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="which 3 locations had the most noise complaints last week")
    assert "HX-HARB" in r.answer and "20 complaints" in r.answer, r.answer
    assert "not clearly the worst" not in r.answer and "stands out" not in r.answer, r.answer


async def test_two_averages_within_their_noise_are_not_better_and_worse(hotels):
    a, org_id = hotels
    r = await a.ask(org_id=org_id, question="parkview vs moorland on rooms ready last month")
    assert "by less than their day-to-day noise: no clear difference" in r.answer, r.answer
    assert " is better than " not in r.answer, r.answer
    r = await a.ask(org_id=org_id, question="is harbourside better than parkview on noise complaints last week?")
    first = next(x for x in r.answer.splitlines() if x.startswith("- "))
    assert first.startswith("- No — HX-HARB"), r.answer  # 20 against 8: a real difference, said plainly
