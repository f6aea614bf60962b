"""A chart, or why something moved, asked as a thread's first message with nothing named (evals23): the assistant
asks which KPI and where instead of calling it out of scope, and the reply completes the question. On a
car-park operator's catalog, unlike the demo's."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.understanding import merge
from agents.understanding.catalog import Catalog
from agents.understanding.parser import parse

CAT = Catalog(
    stations={"P01": "Lot one (North gate)", "P02": "Lot two", "GAR_0007": "Garage Seven"},
    regions={"N": "North"}, kpis={"OCC_PCT": ["Occupancy", "occupancy rate"], "TICKETS_SOLD": ["Tickets sold"]},
    services=["gate-api"], incidents=["OUT-301"], deployments=["rel-77"], deployment_versions={}, config_keys={},
    config_changes=[],
)
TODAY = dt.date(2026, 11, 20)


def _turn(q: str, prior=None):
    return merge(parse(q, CAT, TODAY), prior, q, TODAY)


@pytest.mark.parametrize(("q", "then"), [("show me the chart", "lookup"), ("plot it", "lookup"),
                                         ("why did it drop?", "explain"), ("why has it gone up so much", "explain")])
def test_nothing_named_in_a_new_thread_is_asked_about_then_answered(q, then):
    asked = _turn(q)
    assert asked.operation == "clarify" and asked.clarification and asked.clarification.kind == "KPI"
    assert "which" in asked.clarification.question.lower()
    reply = _turn("occupancy at gar 7", asked)
    assert reply.operation == then and reply.kpis == ["OCC_PCT"] and [s.code for s in reply.subjects.scopes] == ["GAR_0007"]
    assert reply.chart == (then == "lookup")


@pytest.mark.parametrize("q", ["why is the sky blue?", "can you delete the chart?", "book me a taxi"])
def test_what_is_not_about_a_kpi_stays_out_of_scope(q):
    assert _turn(q).operation == "out_of_scope"


def test_in_a_thread_the_chart_is_of_the_thread_subject():
    first = _turn("occupancy at P02 last week")
    chart = _turn("show me the chart", first)
    assert chart.operation != "clarify" and chart.kpis == ["OCC_PCT"] and [s.code for s in chart.subjects.scopes] == ["P02"]


RATES = Catalog(stations={"P01": "Lot one", "P02": "Lot two"}, regions={},
                kpis={"OCC_PCT": ["Occupancy rate"], "PAY_FAIL": ["Payment failure rate"], "TICKETS_SOLD": ["Tickets sold"]},
                services=[], incidents=[], deployments=[], deployment_versions={}, config_keys={}, config_changes=[])


@pytest.mark.parametrize("q", ["what's the rate at P02?", "how's the rate at p2 looking"])
def test_a_bare_measure_word_several_kpis_share_is_asked_about(q):
    asked = merge(parse(q, RATES, TODAY), None, q, TODAY)
    assert asked.operation == "clarify" and asked.clarification and asked.clarification.candidates == ["OCC_PCT", "PAY_FAIL"]
    reply = merge(parse("payment failures", RATES, TODAY), asked, "payment failures", TODAY)
    assert reply.operation == "lookup" and reply.kpis == ["PAY_FAIL"] and [s.code for s in reply.subjects.scopes] == ["P02"]


def test_a_measure_word_no_two_kpis_share_is_not_asked_about():
    assert merge(parse("what's the count at P02?", RATES, TODAY), None, "", TODAY).operation != "clarify"


SITES = Catalog(stations={"P02": "Lot two", "GAR_0007": "Garage Seven", "NORTH-YARD": "North yard"}, regions={},
                kpis={"OCC_PCT": ["Occupancy rate"], "TICKETS_SOLD": ["Tickets sold"]}, services=[], incidents=[],
                deployments=[], deployment_versions={}, config_keys={}, config_changes=[])


@pytest.mark.parametrize(("q", "site"), [("any red flags at P02?", "P02"), ("active alerts at garage seven", "GAR_0007"),
                                         ("what are the active signals at gar_0007?", "GAR_0007"),
                                         ("open alarms at north-yard", "NORTH-YARD")])
def test_alerts_and_red_flags_ask_what_needs_attention_not_about_a_kpi(q, site):
    p = merge(parse(q, SITES, TODAY), None, q, TODAY)
    assert p.operation == "attention" and [s.code for s in p.subjects.scopes] == [site] and not p.unknown
