""""Late returns last week vs the week before across the network — which branch got worse most?": the whole
network's two weeks, then the branches ranked by their change from the week before to last week. Before: the
network compared with itself ("the same line twice … the scopes are level"), and a ranking by change over a
two-period window took the fortnight against the fortnight before it. A chain of public libraries built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import Window
from agents.router import route
from agents.specialists.kpi_periods import _pair_of
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 4, 14)  # a Wednesday
LIBS = Catalog(
    stations={"BR-ASH": "Ashcombe Branch", "BR-KEL": "Kelvedon Branch", "BR-MIL": "Millbrook Branch"},
    regions={"EAST": "East Libraries"}, services=["catalogue-api"], incidents=[], tickets=[],
    kpis={"LOANS": ["Loans per day", "loans", "checkouts"], "LATE_RET": ["Late returns", "overdue returns"]},
    station_regions={"BR-ASH": "EAST", "BR-KEL": "EAST", "BR-MIL": "EAST"},
    kpi_higher_is_better={"LOANS": True, "LATE_RET": False},
)


def _plan(q: str):
    r = route(q, {}, LIBS, TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "how"), [
    ("late returns last week vs week before across the network - which branch got worse most?", "worse"),
    ("late returns last week vs the week before across the whole network: which branch got worse the most?", "worse"),
    ("network-wide loans this month vs last month - which branch dropped most?", "down"),
    ("overall late returns last week vs the week before, and which branch improved most?", "better"),
])
def test_the_network_and_the_branch_that_changed_most(q, how):
    plan = _plan(q)
    assert plan.operation == "rank" and plan.group_by == "station", plan  # before: compare, the company alone
    assert f"rank:change_{how}" in plan.notes and "rank:with_company" in plan.notes, plan.notes


def test_without_a_which_question_the_network_alone_is_compared():
    plan = _plan("late returns last week vs the week before across the network")
    assert plan.operation == "compare" and [x.level for x in plan.subjects.scopes] == ["company"], plan
    plan = _plan("compare late returns at kelvedon with the network")
    assert plan.operation == "compare" and "rank:with_company" not in plan.notes


def test_which_branch_dropped_most_is_ranked_by_the_change():
    assert "rank:change_down" in _plan("loans this month vs last month, which branch dropped most?").notes


def test_a_two_period_window_is_split_into_its_two_periods():
    w = Window(start=dt.date(2027, 3, 29), end=dt.date(2027, 4, 11), label="last week and the week before", grain="week")
    assert _pair_of(w) == ((dt.date(2027, 3, 29), dt.date(2027, 4, 4)), (dt.date(2027, 4, 5), dt.date(2027, 4, 11)))
    w = Window(start=dt.date(2027, 3, 1), end=dt.date(2027, 4, 14), label="this month and the month before", grain="month")
    assert _pair_of(w) == ((dt.date(2027, 3, 1), dt.date(2027, 3, 31)), (dt.date(2027, 4, 1), dt.date(2027, 4, 14)))
    w = Window(start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31), label="january vs march", grain="month")
    assert _pair_of(w) == ((dt.date(2027, 1, 1), dt.date(2027, 1, 31)), (dt.date(2027, 3, 1), dt.date(2027, 3, 31)))
    assert _pair_of(Window(start=dt.date(2027, 4, 5), end=dt.date(2027, 4, 11), label="last week", grain="week")) is None


@pytest.mark.parametrize("q", ["loans ashcombe vs kelvedon october vs november",
                               "late returns at ashcombe and millbrook, january vs february",
                               "compare checkouts between kelvedon and millbrook: last week vs the week before"])
def test_two_branches_over_two_periods_are_each_split_by_period(q):
    from agents.specialists.kpi_sites_periods import two_periods_many_sites

    plan = _plan(q)  # before: one average over both periods per branch
    assert len(plan.subjects.scopes) == 2 and two_periods_many_sites(plan), plan
    assert not two_periods_many_sites(_plan("loans at ashcombe october vs november"))  # one branch: as before
    assert not two_periods_many_sites(_plan("compare loans between ashcombe and kelvedon last month"))
