""""Since the 20th", "from the 28th", "after the 20th": from that day to today — and when the day is still to come
this month (asked on the 3rd), last month's. Before: "since the 20th" asked on the 3rd was the 20th of November
alone ("failed pickups since the 20th at <site>" answered one day). A library network built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 3, 3)
LIB = Catalog(
    stations={"CEN": "Central library", "NRW": "Northway branch", "MOB-1": "Mobile library one"},
    regions={"CITY": "City"}, kpis={"OVERDUE": ["Overdue loans", "overdues"], "HOLDS_WAIT": ["Hold wait days"]},
    station_regions={"CEN": "CITY", "NRW": "CITY", "MOB-1": "CITY"},
    services=["loan-desk-api", "catalogue.search"], incidents=["LIB-12"], tickets=["HELP-3"],
)


@pytest.mark.parametrize(("q", "start", "end"), [
    ("overdue loans since the 20th at northway", dt.date(2027, 2, 20), TODAY),  # before: 20 February alone
    ("overdues at central since 20th", dt.date(2027, 2, 20), TODAY),  # before: no window
    ("hold wait days at northway from the 28th", dt.date(2027, 2, 28), TODAY),
    ("overdue loans at central after the 20th", dt.date(2027, 2, 21), TODAY),
    ("overdue loans at central since the 2nd", dt.date(2027, 3, 2), TODAY),  # a day of this month: this month's
    ("overdue loans at central from the 20th to the 25th", dt.date(2027, 2, 20), dt.date(2027, 2, 25)),
    ("overdue loans at central on the 20th", dt.date(2027, 2, 20), dt.date(2027, 2, 20)),  # one day stays one day
    ("what changed on loan-desk-api since the 26th?", dt.date(2027, 2, 26), TODAY),
])
def test_since_a_day_of_the_month_runs_to_today(q, start, end):
    r = route(q, {}, LIB, TODAY, None)
    assert r.query is not None and r.query.window is not None, r
    assert (r.query.window.start, r.query.window.end) == (start, end), r.query.window


@pytest.mark.parametrize(("q", "start", "end"), [
    ("how many overdue loans did northway have in february and how does that compare to january",
     dt.date(2027, 1, 1), dt.date(2027, 2, 28)),  # before: February alone
    ("overdues at central last month, and how did it compare with the month before?",
     dt.date(2027, 1, 1), dt.date(2027, 2, 28)),
])
def test_and_how_does_that_compare_to_is_both_periods(q, start, end):
    """"<period> and how does that compare to <period>" is read as "<period> compared to <period>": both months."""
    r = route(q, {}, LIB, TODAY, None)
    assert r.query is not None and r.query.window is not None, r
    assert (r.query.window.start, r.query.window.end, r.query.window.grain) == (start, end, "month"), r.query.window
