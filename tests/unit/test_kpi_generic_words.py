"""A KPI is named by its own words, never by a generic one it shares ("avg", "average", "per", "time", "rate"):
"avg layover time at <site>" is an unknown KPI, not "Average fare per trip" — while "avg dwell time" is still
"Average dwell time". On a bus company's catalog (tests/unit/bus_org.py)."""

from __future__ import annotations

import pytest

from tests.unit.bus_org import plan


@pytest.mark.parametrize(("q", "said"), [
    ("avg layover time at kingsway last week", "layover time"),
    ("what was the average layover time at Kingsway?", "layover time"),
    ("avg queue time at kingsway last week", "queue time"),  # "queue" is no ticket queue at a place
    ("queue length at hollow lane yesterday", "queue length"),
])
def test_a_metric_it_does_not_have_is_unknown_not_a_kpi_sharing_a_generic_word(q: str, said: str) -> None:
    p = plan(q)
    assert p.operation == "unknown" and p.kpis == [], p.model_dump(exclude_defaults=True)
    assert [(u.kind, u.text) for u in p.unknown] == [("KPI", said)]
    assert [s.code for s in p.subjects.scopes] == ["A38-X9-HOLLOW" if "hollow" in q else "A38-X4-KINGSWAY"]


def test_generic_words_with_a_word_two_kpis_share_pick_neither() -> None:
    p = plan("average boarding time per trip at kingsway")  # "trip": the fare per trip and the trips operated
    assert p.kpis == [] and p.operation in ("clarify", "unknown"), p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("q", "kpi"), [
    ("avg dwell time at kingsway last week", "AVG_DWELL_S"),
    ("average dwell time at Kingsway", "AVG_DWELL_S"),
    ("avg fare at kingsway", "AVG_FARE_TRIP"),
    ("fare per trip at market street", "AVG_FARE_TRIP"),
    ("avg lost mileage at fenwick road yesterday", "LOST_MILEAGE_PCT"),
])
def test_the_kpis_own_words_still_name_it(q: str, kpi: str) -> None:
    p = plan(q)
    assert p.operation == "lookup" and p.kpis == [kpi], p.model_dump(exclude_defaults=True)
