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
