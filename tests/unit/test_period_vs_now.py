"""A past period said against now ("mid november vs now", "how does X now compare with early november?") is read from
that period's start to today, by week, so both ends show side by side — before, only the past period was answered.
A blood service built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog
from agents.understanding.timewords import parse_time

TODAY = dt.date(2027, 3, 17)
BLOOD = Catalog(stations={"LDC": "Leeds donor centre", "HDC": "Hull donor centre"}, regions={}, station_regions={},
                kpis={"EXPIRED": ["Units expired"], "DEFER": ["Donor deferral rate"]}, services=["donor-booking"],
                incidents=[])


@pytest.mark.parametrize(("q", "start", "grain"), [
    ("units expired mid february vs now", dt.date(2027, 2, 11), "week"),
    ("how does the donor deferral rate now compare with early february?", dt.date(2027, 2, 1), "week"),
    ("units expired in october compared to today", dt.date(2026, 10, 1), "month"),
    ("units expired on march 3rd vs right now", dt.date(2027, 3, 3), "week"),
])
def test_a_past_period_against_now_runs_to_today(q, start, grain):
    p = route(q, {}, BLOOD, TODAY, None).query
    assert p is not None and p.kpis and p.window is not None, p
    assert (p.window.start, p.window.end, p.window.grain) == (start, TODAY, grain), p.window
    assert p.window.label.endswith("and now")


@pytest.mark.parametrize("q", [
    "units expired in february, and now show me the tickets",  # "and now" leading on: not a comparison
    "units expired last week vs the week before",
    "units expired in february",
])
def test_other_periods_are_left_as_said(q):
    w = parse_time(q, TODAY).window
    assert w is not None and not w.label.endswith("and now") and w.end < TODAY, w
