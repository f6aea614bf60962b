"""A "this week" question asked before this week has any data (a Monday morning) says so — "no data for this week
yet; the last data is from …" — instead of an error, an empty or a zero answer; "this week vs last week" answers
last week and names the week with no data yet. On the water utility (asked on Monday 2026-11-30) and the demo
(asked on the Monday after its last KPI day)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from agents.service import Assistant
from tests.integration.test_qa_water import AS_OF, assistant, limwa, t


def _first(answer: str) -> str:
    return next(x for x in answer.splitlines() if x.startswith("- "))


@pytest.mark.parametrize(("q", "kpi"), [("nrw at uetliberg this week", "Non-revenue water"),
                                        ("which site had the most bursts this week", "Mains bursts"),
                                        ("bursts at zurichberg vs uetliberg this week", "Mains bursts")])
async def test_water_this_week_on_a_monday(t, limwa, q, kpi):
    last = limwa[2].date.max().date()
    assert AS_OF.weekday() == 0 and last < AS_OF
    a = await t.ask(q)
    assert _first(a).startswith(f"- No {kpi} data for this week yet (nothing since Monday {AS_OF}); the last data "
                                f"is from {last:%A} {last}."), a
    assert "There is no data between" not in a and " 0 " not in _first(a), a


async def test_water_this_week_vs_last_week_names_the_empty_week(t, limwa):
    kpis = limwa[2]
    last = kpis.date.max().date()
    monday = AS_OF - dt.timedelta(days=7)
    mean = kpis[(kpis.kpi == "KWH_PER_M3") & (kpis.station == "HRD") & (kpis.date >= str(monday))].value.mean()
    a = await t.ask("kWh per m3 at hardhof this week vs last week")
    assert f"week of {monday} {mean:.3f} kWh/m3" in a, a
    empty = f"No data yet for the week of {AS_OF} (nothing since Monday {AS_OF}); the last data is from {last:%A} {last}."
    assert empty in a, a


async def test_demo_this_week_on_the_monday_after_the_last_data(demo):
    last = dt.date.fromisoformat(demo.manifest["kpi_last_day"])
    monday = last + dt.timedelta(days=7 - last.weekday())
    a = await Assistant.open(demo.settings, demo.target,
                             clock=lambda: dt.datetime.combine(monday, dt.time(8), dt.UTC))
    try:
        r = await a.ask(org_id=demo.org_id, question="which station has the most AOG events this week?", as_of=monday)
        assert _first(r.answer).startswith(f"- No Aircraft on ground events data for this week yet (nothing since "
                                           f"Monday {monday}); the last data is from {last:%A} {last}."), r.answer
        r = await a.ask(org_id=demo.org_id, question="otp mx at dallas this week", as_of=monday)
        assert _first(r.answer).startswith("- No On-time performance (maintenance) data for this week yet"), r.answer
        with psycopg.connect(demo.target.conninfo) as conn:
            v, = conn.execute("""SELECT p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                                 JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'OTP_MX_RATE'
                                 AND s.code = 'DAL' AND p.day = %s""", (demo.org_id, last)).fetchone()
        assert f"was {v:.2f}% on {last}" in r.answer, r.answer  # and the latest value follows
    finally:
        await a.close()
