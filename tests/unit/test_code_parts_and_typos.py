"""Sites called by part of a long hyphenated code ("A38 X4" of "A38-X4-KINGSWAY", "dep 117" of "GB-DEP-0117-WEST"):
that site when no other code has that run, asked which when several do ("X4", "GB-DEP-0042") — never an unknown
station, nor dropped for the company's value; and a one-letter typo of a KPI's single-word name ("dweel",
"dwelll") is that KPI, not an unknown one. On a bus company's catalog (tests/unit/bus_org.py)."""

from __future__ import annotations

import pytest

from tests.unit.bus_org import plan


@pytest.mark.parametrize(("q", "code"), [
    ("lost mileage at A38 X4 yesterday", "A38-X4-KINGSWAY"),
    ("lost mileage at a61-x4 yesterday vs the day before", "A61-X4-MARKET"),
    ("complaints at A38 X9 last week", "A38-X9-HOLLOW"),
    ("lost mileage at GB DEP 0117", "GB-DEP-0117-WEST"),
    ("lost mileage at dep 117 this week", "GB-DEP-0117-WEST"),
    ("dwell at dep 0042 north", "GB-DEP-0042-NORTH"),
])
def test_a_run_of_one_sites_code_is_that_site(q: str, code: str) -> None:
    p = plan(q)
    assert p.operation == "lookup" and [x.code for x in p.subjects.scopes] == [code], p.model_dump(exclude_defaults=True)
    assert not p.unknown


@pytest.mark.parametrize(("q", "codes"), [
    ("dwell at X4", ["A38-X4-KINGSWAY", "A61-X4-MARKET"]),
    ("lost mileage at GB-DEP-0042 last week", ["GB-DEP-0042-NORTH", "GB-DEP-0042-SOUTH"]),
])
def test_a_run_several_codes_share_is_asked_about(q: str, codes: list[str]) -> None:
    p = plan(q)
    assert p.operation == "clarify" and p.clarification is not None, p.model_dump(exclude_defaults=True)
    assert sorted(p.clarification.candidates) == codes


@pytest.mark.parametrize(("q", "kpi"), [
    ("dweel at kingsway this wk", "AVG_DWELL_S"),  # "dwell": an alias and a word of "Average dwell time"
    ("dwelll at kingsway", "AVG_DWELL_S"),
    ("complants at kingsway", "PAX_COMPLAINTS"),
])
def test_a_typo_of_a_kpi_word_is_that_kpi(q: str, kpi: str) -> None:
    p = plan(q)
    assert p.operation == "lookup" and p.kpis == [kpi] and not p.unknown, p.model_dump(exclude_defaults=True)
