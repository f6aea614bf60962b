"""Round 7 (qa20b) of the table-driven parser tests, on the demo and the grocery company: one place against all the
others, the future, a count of what a place has, a service metric over a period or at a moment, misspelt time words,
yes/no and threshold questions; and the answers the router gives from the catalog itself (what data there is, a KPI
named by its description)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from agents.router import route
from tests.unit.test_understanding_cases import ORGS, _check, _plan
from tests.unit.understanding_case_table import D, G
from tests.unit.understanding_case_table_r7 import CASES_R7
from tests.unit.understanding_orgs import TODAY


@pytest.mark.parametrize(("org", "question", "exp"), CASES_R7, ids=[f"{o}:{q[:60]}" for o, q, _ in CASES_R7])
def test_question_to_plan_r7(org: str, question: str, exp: dict[str, Any]) -> None:
    _check(_plan(org, question, exp.get("prior")), exp)


def test_each_shape_is_asked_on_both_organisations() -> None:
    assert sum(1 for o, _, _ in CASES_R7 if o == G) >= 20 and sum(1 for o, _, _ in CASES_R7 if o == D) >= 20


@pytest.mark.parametrize("org", [D, G])
def test_what_data_there_is(org: str) -> None:
    cat = dataclasses.replace(ORGS[org], data_spans={"kpis": ["2024-09-11", "2026-12-31"], "tickets": ["2026-05-24", "2026-11-19"]})
    for q in ("what data do you have?", "what's your data source?", "how far back does your data go?"):
        r = route(q, {}, cat, TODAY, None)
        said = r.notices[0]
        assert r.intent == "catalog" and "outside what I can answer" not in said, said
        assert f"{len(cat.kpis)} KPIs" in said and f"{len(cat.stations)} stations" in said, said
        assert all(c in said for c in cat.stations) and all(c in said for c in cat.kpis), said
        assert f"from 2024-09-11 to {TODAY}" in said and "2026-12-31" not in said, said  # nothing after "now"
        assert f"{len(cat.services)} services" in said, said
    assert route("how far back does your data go?", {}, cat, TODAY, None).notices[0].startswith(
        "The KPI data goes back to 2024-09-11")
    other = next(o for o in ORGS if o != org)
    said = route("what data do you have?", {}, cat, TODAY, None).notices[0]
    assert next(iter(ORGS[other].stations)) not in said  # never another organisation's names
    listed = route("which sites do you have?", {}, cat, TODAY, None)
    assert listed.intent == "catalog" and all(c in listed.notices[0] for c in cat.stations), listed.notices


@pytest.mark.parametrize(("org", "question", "meant", "descriptions"), [
    (D, "flights cancelled for maintenance at MDW last week", "MX_CANCELLATIONS", {
        "OTP_MX_RATE": "Share of departures not delayed by a maintenance cause, per station and day.",
        "MX_DELAY_MINUTES": "Total departure delay minutes coded to maintenance causes, per station and day.",
        "MX_CANCELLATIONS": "Flights cancelled for a maintenance cause, per station and day."}),
    (D, "share of departures not delayed by maintenance at PHX this week", "OTP_MX_RATE", {
        "OTP_MX_RATE": "Share of departures not delayed by a maintenance cause, per station and day.",
        "MX_DELAY_MINUTES": "Total departure delay minutes coded to maintenance causes, per station and day.",
        "MX_CANCELLATIONS": "Flights cancelled for a maintenance cause, per station and day."}),
    (G, "orders shipped complete at fc-n2 last week", "FILL_RATE_PCT", {
        "FILL_RATE_PCT": "Share of orders shipped complete, every line picked, per site and day.",
        "LATE_DELIV": "Orders delivered after the end of their slot, per site and day."}),
])
def test_a_kpi_named_by_its_description(org: str, question: str, meant: str, descriptions: dict[str, str]) -> None:
    plain = route(question, {}, ORGS[org], TODAY, None).query
    assert plain is not None and plain.operation in ("clarify", "unknown"), plain  # without descriptions: not known
    cat = dataclasses.replace(ORGS[org], kpi_descriptions=descriptions)
    plan = route(question, {}, cat, TODAY, None).query
    assert plan is not None and plan.operation == "lookup" and plan.kpis == [meant], plan
