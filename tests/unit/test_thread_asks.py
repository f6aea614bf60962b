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
    services=["paystation-gw", "plate.reader", "receipt-pdf-render", "LoyaltyApp"], incidents=["CW-21"],
    tickets=["SUP-5"],
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


@pytest.mark.parametrize("ask", ["tl;dr", "in one sentence?", "summarise that", "short version please", "the gist?"])
@pytest.mark.parametrize("first", ["rewashes at riverside this month", "draft the incident report for CW-21",
                                   "any deploys to plate.reader this week?"])
def test_tldr_is_the_last_answer_brief(first, ask):
    """Before: "tl;dr" after any answer was the whole chain's attention list; "short version please" out of scope."""
    before, p = _turns(first), _turns(first, ask)
    assert p.operation == before.operation and p.subjects == before.subjects and p.kpis == before.kpis, p
    assert "form:brief" in p.notes and "form:brief" not in before.notes, p.notes


def test_a_reports_gist_is_its_summary():
    from agents.providers.offline import gist

    md = "# Incident CW-21\n\n## Summary\n\nThe plate reader rejected plates for 40 min [E:3].\n\n## Impact\n\nAll bays."
    assert gist(md) == "The plate reader rejected plates for 40 min [E:3]."
    assert gist("# Title\n\nFirst paragraph.\n\nSecond.") == "First paragraph."


def test_is_the_app_ok_asks_which_then_answers_its_health():
    """Before: "is the app ok?" was outside what it could answer."""
    p = _turns("is the app ok?")
    assert p.operation == "clarify" and p.clarification is not None and p.clarification.kind == "service", p
    assert p.clarification.candidates[0] == "LoyaltyApp", p.clarification  # the one whose name says app first
    a = _turns("is the app ok?", "plate.reader")
    assert a.operation == "explain" and a.subjects.services == ["plate.reader"] and "metric:health" in a.notes, a


def test_a_three_letter_word_inside_a_service_name_names_it():
    """Before: "the pdf thing" named nothing (only a first word that short counted)."""
    p = _turns("is the pdf thing working?")
    assert p.operation == "explain" and p.subjects.services == ["receipt-pdf-render"], p
