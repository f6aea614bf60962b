"""An organisation's own events ("the winter carnival weekend", "the spring sale") have no dates the assistant can
know: it asks for them, and the dates given next answer the question that was asked. "Did anyone change anything
<when>?" is every service's change log then. A ski resort built here (names unlike the demo's)."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 2, 3)
SKI = Catalog(
    stations={"GND-V": "Valley gondola", "CHR-4": "Four-seat chair Nord", "TBAR-2": "Kids T-bar"},
    regions={"MTN": "Mountain"}, kpis={"RIDERS": ["Lift riders", "riders"], "WAIT_MIN": ["Lift queue minutes"]},
    station_regions={"GND-V": "MTN", "CHR-4": "MTN", "TBAR-2": "MTN"},
    services=["pass-scanner", "snow-report-api"], incidents=["SKI-88"], tickets=["HD-101"],
)


def _plan(q: str, prior=None):
    r = route(q, {}, SKI, TODAY, prior)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "said", "then", "op"), [
    ("any deploys during the winter carnival weekend?", "winter carnival weekend", "from 2027-01-15 to 2027-01-17",
     "changelog"),
    ("did anyone change anything during the spring sale?", "spring sale", "2027-01-04 to 2027-01-10", "changelog"),
    ("riders at the valley gondola during the christmas market weekend", "christmas market weekend",
     "from 2026-12-11 to 2026-12-13", "lookup"),  # before: Christmas day 2026 (the word "christmas" alone)
    ("what changed on the weekend of the freeride contest?", "the weekend of the freeride contest",
     "from 2027-01-22 to 2027-01-24", "changelog"),  # before: last weekend
    ("lift queue minutes at the valley gondola on the day of the pass launch", "the day of the pass launch",
     "2027-01-09 to 2027-01-09", "lookup"),
    ("riders during the storm", "the storm", "from 2027-01-27 to 2027-01-29", "lookup"),  # before: out of scope
    ("any deploys during the sale?", "the sale", "from 2027-01-02 to 2027-01-05", "changelog"),
])
def test_an_event_of_its_own_is_asked_about_and_the_dates_answer_it(q, said, then, op):
    p = _plan(q)
    assert p.operation == "clarify" and p.clarification is not None and p.window is None, p.model_dump(
        exclude_defaults=True)
    assert p.clarification.question.startswith(f"Which dates is “{said}” for you?"), p.clarification
    a = _plan(then, p)  # before: the same question again
    assert a.operation == op and a.window is not None, a.model_dump(exclude_defaults=True)
    start, end = (dt.date.fromisoformat(x) for x in then.removeprefix("from ").replace(" to ", " ").split())
    assert (a.window.start, a.window.end) == (start, end), a.window


@pytest.mark.parametrize(("q", "start", "end"), [
    ("did anyone change anything yesterday?", dt.date(2027, 2, 2), dt.date(2027, 2, 2)),  # before: out of scope
    ("did someone change something last night?", dt.date(2027, 2, 2), dt.date(2027, 2, 3)),
])
def test_did_anyone_change_anything_is_the_change_log_then(q, start, end):
    p = _plan(q)
    assert p.operation == "changelog" and not p.subjects.services, p.model_dump(exclude_defaults=True)
    assert p.window is not None and (p.window.start, p.window.end) == (start, end), p.window


@pytest.mark.parametrize("q", ["riders during the last week", "any deploys during the black friday weekend?",
                               "riders over the long weekend", "which day of the week is worst for riders?",
                               "riders at the valley gondola in the 2nd week of january", "riders on the weekend",
                               "any deploys during the week?"])
def test_dates_it_knows_are_not_asked_about(q):
    p = _plan(q)
    assert p.clarification is None or p.clarification.kind != "window", p.model_dump(exclude_defaults=True)


def test_a_relative_week_after_other_words_is_no_event():
    p = _plan("what were the lift riders for the whole mountain last week")
    assert p.operation != "clarify" and p.window is not None and p.window.label == "last week", p.model_dump(
        exclude_defaults=True)
