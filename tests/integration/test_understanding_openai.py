"""The OpenAI provider fills the same QueryPlan (structured output, over HTTP to the local stub): a valid plan is
used; a plan naming something outside the organisation's catalog falls back to the parser's plan."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.service import Assistant
from tests.conftest import DEMO_ANCHOR, settings_for
from tests.openai_stub import Stub

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)


@pytest.fixture
def stub():
    with Stub() as s:
        yield s


async def _ask(demo, pg_server, stub, question):
    settings = settings_for(demo.target, pg_server.home, OPSGRAPH_LLM="openai", OPENAI_API_KEY="sk-test",
                            OPENAI_BASE_URL=stub.base_url, OPSGRAPH_MODEL="gpt-4o-mini")
    a = await Assistant.open(settings, demo.target, clock=lambda: NOW)
    try:
        r = await a.ask(org_id=demo.org_id, question=question)
    finally:
        await a.close()
    assert r.status == "completed", r.error
    return r, next(s for s in r.steps if s.agent == "coordinator").output["query"]


async def test_the_models_plan_is_used_when_it_validates(demo, pg_server, stub):
    stub.plan_override = {"operation": "lookup"}  # the "model" reads the question as a plain look-up
    r, query = await _ask(demo, pg_server, stub, "Why did OTP MX rate at DAL drop last week?")
    plan_calls = [q for q in stub.requests if any(t["function"]["name"] == "QueryPlan" for t in q.get("tools", []))]
    assert plan_calls, "the plan came from structured output"
    prompt = "\n".join(m.get("content") or "" for m in plan_calls[0]["messages"])
    assert '"operation": "explain"' in prompt, "the parser's plan is the model's hint"
    assert query["operation"] == "lookup" and r.route == ["kpi_analyst"]


async def test_a_plan_naming_an_unknown_kpi_falls_back_to_the_parser(demo, pg_server, stub):
    stub.plan_override = {"kpis": ["NET_PROMOTER_SCORE"]}
    r, query = await _ask(demo, pg_server, stub, "Why did OTP MX rate at DAL drop last week?")
    assert query["kpis"] == ["OTP_MX_RATE"] and query["operation"] == "explain"
    assert r.route == ["kpi_analyst", "change_correlator"]
