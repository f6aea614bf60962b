""""How is <a place the organisation does not have> doing on <KPI>?": that no site is called so (with the closest),
never the whole company's value instead — capitalised or not, with the name's last word read as a verb ("Falls")
or not; "how are we / is the company doing on <KPI>" still answers for the company. On a bus company's catalog."""

from __future__ import annotations

import pytest

from tests.unit.bus_org import plan


@pytest.mark.parametrize(("q", "said"), [
    ("how is Ashby Vale doing on lost mileage?", "Ashby Vale"),
    ("how is ashby vale doing on dwell", "ashby vale"),
    ("how did Ashby Vale do on complaints last week", "Ashby Vale"),
    ("how is Cedar Falls doing on dwell time?", "Cedar Falls"),  # "Falls" is no "why did it fall"
    ("dwell time at Cedar Falls last week", "Cedar Falls"),  # the whole capitalised name, not "Cedar"
])
def test_an_unknown_place_asked_after_on_a_kpi_is_said(q: str, said: str) -> None:
    p = plan(q)
    assert p.operation == "unknown", p.model_dump(exclude_defaults=True)
    assert [(u.kind, u.text) for u in p.unknown] == [("station", said)]
    assert not any(x.level == "company" for x in p.subjects.scopes)
    assert "pending:lookup" in p.notes  # "I meant Kingsway" then answers the value, not why something fell


@pytest.mark.parametrize(("q", "op", "kpis"), [
    ("how is the company doing on complaints", "lookup", ["PAX_COMPLAINTS"]),
    ("how are we doing on lost mileage", "lookup", ["LOST_MILEAGE_PCT"]),
    ("how is dwell time doing", "lookup", ["AVG_DWELL_S"]),
    ("how did December do on complaints", "lookup", ["PAX_COMPLAINTS"]),
    ("how are we doing", "attention", []),
])
def test_words_that_are_no_place_are_not_flagged(q: str, op: str, kpis: list[str]) -> None:
    p = plan(q)
    assert p.operation == op and p.kpis == kpis and not p.unknown, p.model_dump(exclude_defaults=True)


def test_a_known_place_is_answered() -> None:
    p = plan("how's Kingsway doing on dwell?")
    assert p.operation == "lookup" and [x.code for x in p.subjects.scopes] == ["A38-X4-KINGSWAY"]
