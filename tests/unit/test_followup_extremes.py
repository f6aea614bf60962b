""""When was the worst day?", "which week was the best?", "and the worst month?" after a question about one KPI at
one place name that day (week, month) of the thread's KPI, place and period; a question that names a ranking ("which
station was worst?") still ranks. On two organisations."""

from __future__ import annotations

import pytest

from agents.router import route
from tests.unit.understanding_orgs import TODAY, demo, water

FIRST = [(demo, "how were AOG events at Dallas in October?", "AOG_EVENTS", "DAL"),
         (water, "water loss at Hardhof last month", "NRW_PCT", "HRD")]


@pytest.mark.parametrize(("org", "first_q", "kpi", "site"), FIRST)
@pytest.mark.parametrize(("q", "word", "unit"), [
    ("when was the worst day?", "worst", "day"), ("which day was the best?", "best", "day"),
    ("which week was the best?", "best", "week"), ("and the worst month?", "worst", "month"),
    ("what was the peak day", "peak", "day"), ("when was it at its lowest?", "lowest", "day"),
])
def test_the_extreme_of_the_threads_kpi_and_place(org, first_q, kpi, site, q, word, unit):
    cat = org()
    first = route(first_q, {}, cat, TODAY, None)
    assert first.query is not None and first.query.kpis == [kpi]
    r = route(q, dict(first.context), cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "lookup", r.query
    assert r.query.kpis == [kpi] and [x.code for x in r.query.subjects.scopes] == [site]
    assert r.query.window == first.query.window
    assert {f"q:extreme_{word}", f"q:extreme_unit_{unit}"} <= set(r.query.notes)


@pytest.mark.parametrize(("org", "first_q", "kpi", "site"), FIRST)
def test_a_ranking_asked_is_still_a_ranking(org, first_q, kpi, site):
    cat = org()
    first = route(first_q, {}, cat, TODAY, None)
    r = route("which station was worst?", dict(first.context), cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "rank"
