"""'And the week before?' after a single-day question ("yesterday") means the 7 days before that day, and the
answer's period line says so; on the water utility and the demo, numbers recomputed from the rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg

from agents.service import Assistant
from tests.conftest import DEMO_ANCHOR
from tests.integration.test_qa_water import AS_OF, assistant, limwa, t


def _first(answer: str) -> str:
    return next(x for x in answer.splitlines() if x.startswith("- "))


async def test_water_yesterday_then_the_week_before(t, limwa):
    kpis = limwa[2]
    day = AS_OF - dt.timedelta(days=1)
    start, end = day - dt.timedelta(days=7), day - dt.timedelta(days=1)
    rows = kpis[(kpis.kpi == "CUST_CONTACTS") & (kpis.station == "MOS") & (kpis.date >= pd.Timestamp(start))
                & (kpis.date <= pd.Timestamp(end))]
    await t.ask("complaints at moos yesterday")
    a = await t.ask("and the week before?")
    assert _first(a).startswith(f"- Customer contacts at MOS (Wasserwerk Moos), the 7 days before {day} ({start} to "
                                f"{end}): the total is {rows.value.sum():,.0f}"), a


async def test_demo_yesterday_then_the_week_before(demo):
    day = DEMO_ANCHOR - dt.timedelta(days=1)
    start, end = day - dt.timedelta(days=7), day - dt.timedelta(days=1)
    with psycopg.connect(demo.target.conninfo) as conn:
        total, = conn.execute("""SELECT sum(p.value) FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                                 JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s
                                 AND k.code = 'MX_DELAY_MINUTES' AND s.code = 'HOU' AND p.day BETWEEN %s AND %s""",
                              (demo.org_id, start, end)).fetchone()
    a = await Assistant.open(demo.settings, demo.target,
                             clock=lambda: dt.datetime.combine(DEMO_ANCHOR, dt.time(12), dt.UTC))
    try:
        r = await a.ask(org_id=demo.org_id, question="MX delay minutes at Houston yesterday", as_of=DEMO_ANCHOR)
        r = await a.ask(org_id=demo.org_id, question="what about the week before?", thread_id=r.thread_id,
                        as_of=DEMO_ANCHOR)
        assert _first(r.answer).startswith("- Maintenance delay minutes at HOU"), r.answer
        assert f", the 7 days before {day} ({start} to {end}): the total is {total:,.0f}" in _first(r.answer), r.answer
    finally:
        await a.close()
