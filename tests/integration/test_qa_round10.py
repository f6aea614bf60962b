"""Round 10 (issue 13, a stranger's follow-ups): "when was the worst day?", "which week was the best?" after a
question about one KPI at one site name that day (week, month) of the thread's KPI, site and period — before, they
ranked the stations. Asked on the demo and on the hospital group of tests/fixtures/hospital_org; the numbers are
recomputed from the database or the generator's files.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import Thread, demo_assistant, sql
from tests.integration.qa_support import kpi_rows as _rows
from tests.integration.test_qa_hospital import AS_OF, assistant, hvh

OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@pytest.fixture(scope="module")
async def da(demo):
    async with demo_assistant(demo) as a:
        yield a


def _weeks(days: pd.Series, start: dt.date, end: dt.date, total: bool) -> pd.Series:
    """Whole Monday-to-Sunday weeks inside [start, end]: each one's total (a count) or mean."""
    idx = pd.to_datetime(days.index)
    monday = (idx - pd.to_timedelta(idx.day_of_week, unit="D")).date
    g = days.groupby(monday)
    out = g.sum() if total else g.mean()
    return out[[m >= start and m + dt.timedelta(days=6) <= end for m in out.index]]


async def test_the_worst_day_and_best_week_after_a_demo_lookup(da, demo):
    rows = sql(demo, """SELECT p.day, p.value FROM kpi_points p JOIN stations s ON s.id = p.station_id
                        JOIN kpi_definitions k ON k.id = p.kpi_id WHERE p.org_id = %s AND k.code = 'AOG_EVENTS'
                        AND s.code = 'DAL' AND p.day BETWEEN %s AND %s ORDER BY p.day""", demo.org_id, *OCT)
    days = pd.Series({d: float(v) for d, v in rows})
    t = Thread(da, demo.org_id, DEMO_ANCHOR)
    await t.ask("how were AOG events at Dallas in October?")
    a = await t.ask("when was the worst day?")
    worst = max(days.index, key=lambda d: (days[d], d))  # lower is better: the most events
    head = "for Aircraft on ground events at DAL (Dallas Love Field) from 2026-10-01 to 2026-10-31 was"
    assert f"The worst day {head} {worst}" in a, a
    assert "stations ranked" not in a, a  # before: the stations ranked
    a = await t.ask("which week was the best?")
    weeks = _weeks(days, *OCT, total=True)
    best = min(weeks.index, key=lambda m: (weeks[m], -m.toordinal()))
    assert f"The best week {head} the week of {best} to {best + dt.timedelta(days=6)} with {weeks[best]:.0f}" in a, a
    assert f"; {len(weeks)} whole weeks)" in a and "(total)" in a, a


async def test_the_worst_week_after_a_lookup_at_a_hospital(assistant, hvh):
    kpis = hvh[2]
    lab = _rows(kpis, "LAB_TAT_MIN", ["SAH"], *OCT).set_index("date").value
    lab.index = lab.index.date
    t = Thread(assistant, hvh[1], AS_OF)
    await t.ask("lab turnaround at St. Anne's in october")
    a = await t.ask("and the worst week?")
    weeks = _weeks(lab, *OCT, total=False)
    worst = max(weeks.index, key=lambda m: (weeks[m], m))  # lower is better
    head = "for Lab turnaround time at SAH (St. Anne's Hospital) from 2026-10-01 to 2026-10-31 was"
    assert (f"The worst week {head} the week of {worst} to {worst + dt.timedelta(days=6)} with {weeks[worst]:.0f} min "
            "(mean per day)") in a, a
    a = await t.ask("what was the best day?")
    best = min(lab.index, key=lambda d: (lab[d], -d.toordinal()))
    assert f"The best day {head} {best}" in a, a


async def test_what_happened_at_a_site_on_a_past_day_is_that_days_state(da, demo, assistant, hvh):
    """Before: "what happened on <day> at <site>" listed the site's state on its latest point, whatever day was
    asked. Now each KPI's state on that day, its series analysed up to it."""
    kpis = hvh[2]
    falls = _rows(kpis, "FALLS", ["MNH"], dt.date(2026, 11, 23), dt.date(2026, 11, 23)).value.iloc[0]
    a = await Thread(assistant, hvh[1], AS_OF).ask("what happened at Mercy North on 23 November?")
    assert f"Patient falls at MNH (Mercy North) is critical on 2026-11-23 (beyond_limits, value {falls:.0f}," in a, a
    assert "latest point" not in a, a
    a = await Thread(assistant, hvh[1], AS_OF).ask("what happened at Mercy North on 3 November?")
    assert "Patient falls" not in a and "on 2026-11-03" in a, a
    day = dt.date(2026, 11, 12)
    a = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("what happened at Dallas on 12 November?")
    assert f"on {day}" in a and "latest point" not in a, a
    flagged = re.findall(r"at DAL \(Dallas Love Field\) is (?:critical|warning) on (\S+) ", a)
    assert set(flagged) <= {str(day)}, a
