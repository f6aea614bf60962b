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


@pytest.mark.parametrize(("org", "q", "site"), [
    (demo, "what happened on 12 November at DAL?", "DAL"), (demo, "what happened at Dallas on the 3rd?", "DAL"),
    (water, "what happened at Hardhof on 9 November?", "HRD"),
])
def test_what_happened_at_a_site_on_a_past_day_is_that_days_state(org, q, site):
    r = route(q, {}, org(), TODAY, None)
    assert r.query is not None and r.query.operation == "attention", r.query
    assert [x.code for x in r.query.subjects.scopes] == [site] and r.query.window is not None
    assert r.query.window.single_day and r.query.window.end < TODAY
    r = route(f"how is {site} doing and why?", {}, org(), TODAY, None)  # no day: what is flagged now, explained
    assert r.query is not None and r.query.operation == "explain" and "explain:flagged" in r.query.notes
