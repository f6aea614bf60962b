""""<Place> <KPI> last week" with no verb, where the organisation has no site so called: that no site is called so
(with the closest), never the whole company's value instead. Capitalised words that are no place — months,
weekdays, KPI words, the organisation's own names, everyday words, a sentence's first word — are never flagged.
On a bus company's catalog."""

from __future__ import annotations

import pytest

from tests.unit.bus_org import plan


@pytest.mark.parametrize(("q", "said"), [
    ("Ashby Vale complaints last week", "Ashby Vale"),
    ("Ashby Vale dwell time yesterday", "Ashby Vale"),
    ("Cedar Falls lost mileage this month", "Cedar Falls"),  # "Falls" after a name's first word is the name's
    ("show me Glasgow complaints", "Glasgow"),
])
def test_an_unknown_name_before_a_kpi_is_said(q: str, said: str) -> None:
    p = plan(q)
    assert p.operation == "unknown", p.model_dump(exclude_defaults=True)
    assert [(u.kind, u.text) for u in p.unknown] == [("station", said)]
    assert not any(x.level == "company" for x in p.subjects.scopes)


@pytest.mark.parametrize(("q", "op", "scopes"), [
    ("Kingsway complaints last week", "lookup", ["A38-X4-KINGSWAY"]),
    ("Kirkgate North complaints", "lookup", ["GB-DEP-0042-NORTH"]),
    ("Uplands complaints last week", "lookup", ["UPL"]),
    ("December complaints", "lookup", []),
    ("Dec Complaints", "lookup", []),
    ("Monday complaints at Kingsway", "lookup", ["A38-X4-KINGSWAY"]),
    ("Weekly Total Complaints", "lookup", []),
    ("Total Passenger Complaints Last Week", "lookup", []),
    ("Please Show Complaints", "lookup", []),
    ("Why Did Complaints Rise Last Week", "explain", []),
])
def test_capitalised_words_that_are_no_place_are_not_flagged(q: str, op: str, scopes: list[str]) -> None:
    p = plan(q)
    assert p.operation == op and not p.unknown, p.model_dump(exclude_defaults=True)
    assert [x.code for x in p.subjects.scopes if x.level != "company"] == scopes


@pytest.mark.parametrize(("q", "said", "pending"), [
    ("complaints at ashby vale last week", "ashby vale", "pending:lookup"),  # the whole lower-case name
    ("dwell at cedar falls", "cedar falls", "pending:lookup"),  # no "why did it fall"
    ("why did complaints at glasgow drop", "glasgow", "pending:explain"),  # "drop" is the asked verb, not a name
    ("complaints at glasgow this morning", "glasgow", "pending:lookup"),
])
def test_a_lower_case_unknown_name_after_at_is_said_whole(q: str, said: str, pending: str) -> None:
    p = plan(q)
    assert p.operation == "unknown" and [u.text for u in p.unknown] == [said], p.model_dump(exclude_defaults=True)
    assert pending in p.notes

