"""Follow-ups a thread's last answer gives meaning to, on a car-wash chain built here (names unlike the demo's)."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 8, 18)
WASH = Catalog(
    stations={"BAY-N": "Northgate wash", "BAY-S": "Southpoint wash", "BAY-R": "Riverside wash"},
    regions={"MET": "Metro"}, station_regions={"BAY-N": "MET", "BAY-S": "MET", "BAY-R": "MET"},
    kpis={"REWASH": ["Rewash requests", "rewashes"], "CYCLE_MIN": ["Wash cycle minutes"]},
    services=["paystation-gw", "plate.reader"], incidents=["CW-21"], tickets=["SUP-5"],
)


def _turns(*qs: str):
    last = None
    for q in qs:
        r = route(q, {}, WASH, TODAY, last)
        last = r.query if (r.specialists or r.intent in ("clarify", "unknown")) else last
    assert last is not None
    return last


@pytest.mark.parametrize(("ask", "word", "unit"), [
    ("show me the worst week", "worst", "week"),  # before: every site ranked over the month
    ("give me the best day", "best", "day"),
    ("which week was the worst?", "worst", "week"),
])
def test_the_worst_week_of_the_series_just_shown(ask, word, unit):
    p = _turns("rewashes at riverside this month", ask)
    assert p.operation == "lookup" and p.kpis == ["REWASH"] and [x.code for x in p.subjects.scopes] == ["BAY-R"], p
    assert f"q:extreme_{word}" in p.notes and f"q:extreme_unit_{unit}" in p.notes, p.notes
