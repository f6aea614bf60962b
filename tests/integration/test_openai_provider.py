"""The OpenAI path for real: langchain-openai over HTTP against a local OpenAI-compatible stub."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from agents.service import Assistant
from tests.conftest import DEMO_ANCHOR, settings_for
from tests.openai_stub import BOGUS_ID, Stub

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)


@pytest.fixture
def stub():
    with Stub() as s:
        yield s


async def test_model_routes_calls_tools_streams_and_usage_is_recorded(demo, pg_server, stub):
    settings = settings_for(demo.target, pg_server.home, OPSGRAPH_LLM="openai", OPENAI_API_KEY="sk-test",
                            OPENAI_BASE_URL=stub.base_url, OPSGRAPH_MODEL="gpt-4o-mini")
    assistant = await Assistant.open(settings, demo.target, clock=lambda: NOW)
    try:
        record = await assistant.ask(org_id=demo.org_id, question="Why did OTP MX rate at DAL drop last week?")
    finally:
        await assistant.close()
    assert record.status == "completed", record.error
    assert record.provider == "openai" and record.model == "gpt-4o-mini"
    # The model routed (structured output) and chose the tool calls.
    assert record.route == ["kpi_analyst", "change_correlator"]
    assert [c.tool for c in record.tool_calls] == ["kpi_series", "correlate_changes"]
    assert all(s.input.get("mode") == "tool_calling" for s in record.steps if s.agent in ("kpi_analyst", "change_correlator"))
    assert any(r.get("tools") and r["tools"][0]["function"]["name"] == "kpi_series" for r in stub.requests)
    # The tool's onset reached the second specialist through the context.
    corr = record.tool_calls[1].arguments
    assert corr.get("onset", "").startswith("2026-11")
    # Streamed: several token events, and the final answer keeps only real citations.
    with psycopg.connect(demo.target.conninfo) as conn:
        tokens = conn.execute("SELECT count(*) FROM run_events WHERE run_id = %s AND type = 'token'", (record.id,)).fetchone()[0]
        usage = conn.execute("SELECT prompt_tokens, completion_tokens, cost_usd FROM usage_records WHERE run_id = %s",
                             (record.id,)).fetchone()
    assert tokens > 1
    assert any(r.get("stream") for r in stub.requests)
    assert f"[E:{BOGUS_ID}]" not in record.answer and "[E:" in record.answer
    # Usage and cost per step and per run.
    assert record.prompt_tokens > 0 and record.completion_tokens > 0 and record.cost_usd > 0
    assert usage is not None and usage[0] == record.prompt_tokens
    assert sum(s.prompt_tokens for s in record.steps) == record.prompt_tokens
    assert next(s for s in record.steps if s.agent == "coordinator").prompt_tokens > 0


async def test_unknown_station_is_not_guessed_by_the_model(demo, pg_server, stub):
    settings = settings_for(demo.target, pg_server.home, OPSGRAPH_LLM="openai", OPENAI_API_KEY="sk-test",
                            OPENAI_BASE_URL=stub.base_url)
    assistant = await Assistant.open(settings, demo.target, clock=lambda: NOW)
    try:
        record = await assistant.ask(org_id=demo.org_id, question="Why did OTP MX rate at XYZ drop?")
    finally:
        await assistant.close()
    assert record.status == "completed" and record.tool_calls == []
    assert "XYZ" in record.answer
