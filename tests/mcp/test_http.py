"""`/mcp` on the running service (a real uvicorn): bearer-key auth, tools, per-request principal, limits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import httpx2
import psycopg
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from api.app import create_app
from api.limits import ApiLimits
from tests.api.helpers import NOW, ThreadServer
from tests.mcp.conftest import OTHER_INCIDENT, OTHER_KPI, sql

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "curl", "version": "1"}}}


@pytest.fixture(scope="module")
def service(mcp_demo, mcp_keys) -> Iterator[ThreadServer]:
    srv = ThreadServer(lambda: create_app(mcp_demo.settings, target=mcp_demo.target, run_migrations=False,
                                          clock=lambda: NOW, limits=ApiLimits(max_concurrent_runs_per_key=2)))
    yield srv
    srv.stop()


@asynccontextmanager
async def connect(service: ThreadServer, key: str) -> AsyncIterator[ClientSession]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"},
                                  timeout=httpx2.Timeout(30, read=180))
    async with http, streamable_http_client(f"{service.base}/mcp", http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        yield session


def test_mcp_endpoint_needs_a_valid_bearer_key(service, mcp_keys):
    headers = {"Accept": "application/json, text/event-stream"}
    none = httpx.post(f"{service.base}/mcp", json=INIT, headers=headers)
    assert none.status_code == 401 and "missing credentials" in none.json()["detail"]
    assert none.headers["www-authenticate"].startswith("Bearer")
    for key in ("og_nope_0000", mcp_keys.revoked):
        bad = httpx.post(f"{service.base}/mcp", json=INIT, headers=headers | {"Authorization": f"Bearer {key}"})
        assert bad.status_code == 401 and bad.json()["detail"] == "unknown or revoked API key"
    ok = httpx.post(f"{service.base}/mcp", json=INIT,
                    headers=headers | {"Authorization": f"Bearer {mcp_keys.viewer}"})
    assert ok.status_code == 200


async def test_tools_over_http_act_as_the_requests_key(service, mcp_demo, mcp_keys):
    async with connect(service, mcp_keys.member) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert {"ask", "active_signals", "get_evidence"} <= names
        signals = await s.call_tool("active_signals", {"station": mcp_demo.manifest["headline"]["station"]})
        assert not signals.is_error, signals.content[0].text
        found = signals.structured_content
        assert found["evidence_ids"] and found["result"]["signals"]
        eid = found["evidence_ids"][0]
        inc = mcp_demo.manifest["incidents"][1]["external_id"]
        asked = await s.call_tool("ask", {"question": f"What caused {inc}?"})
        assert not asked.is_error, asked.content[0].text
        run_id = asked.structured_content["result"]["run_id"]
        thread = asked.structured_content["result"]["thread_id"]
        follow = await s.call_tool("ask", {"question": "and which runbook covers it?", "thread_id": thread})
        assert not follow.is_error and follow.structured_content["result"]["thread_id"] == thread

    member, other = ({"Authorization": f"Bearer {k}"} for k in (mcp_keys.member, mcp_keys.other_member))
    async with httpx.AsyncClient(base_url=service.base, timeout=30) as api:
        item = await api.get(f"/api/evidence/{eid}", headers=member)
        assert item.status_code == 200 and item.json()["summary"] == found["evidence"][0]["summary"]
        run = (await api.get(f"/api/runs/{run_id}", headers=member)).json()
        assert run["trigger"] == "mcp" and run["status"] == "completed"
        assert (await api.get(f"/api/evidence/{eid}", headers=other)).status_code == 404

    async with connect(service, mcp_keys.other_member) as s:
        missing = await s.call_tool("get_evidence", {"evidence_id": eid})
        assert missing.is_error and "not found" in missing.content[0].text
        own = await s.call_tool("get_incident", {"incident": OTHER_INCIDENT})
        assert not own.is_error and own.structured_content["result"]["external_id"] == OTHER_INCIDENT
        foreign = await s.call_tool("ask", {"question": "and then?", "thread_id": thread})
        assert foreign.is_error and f"thread {thread} not found" in foreign.content[0].text
        theirs = await s.call_tool("active_signals", {})  # the same tool, its own KPIs only
        assert [x["kpi"] for x in theirs.structured_content["result"]["signals"]] == [OTHER_KPI]


async def test_roles_and_per_key_run_limits_hold_over_mcp(service, mcp_demo, mcp_keys):
    async with connect(service, mcp_keys.viewer) as s:
        refused = await s.call_tool("ask", {"question": "what needs attention today?"})
        assert refused.is_error and "member role" in refused.content[0].text
        assert not (await s.call_tool("catalog", {})).is_error  # viewers read

    # two runs of the key in progress (the limit is 2): a third is refused until one finishes
    thread, runs = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    with psycopg.connect(mcp_demo.target.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO threads (id, org_id, title) VALUES (%s, %s, 'busy')", (thread, mcp_demo.org_id))
        for r in runs:
            conn.execute("""INSERT INTO runs (id, org_id, thread_id, api_key_id, trigger, status, question, provider)
                            VALUES (%s, %s, %s, %s, 'mcp', 'running', 'busy', 'offline')""",
                         (r, mcp_demo.org_id, thread, mcp_keys.limited_id))
    try:
        async with connect(service, mcp_keys.limited) as s:
            limited = await s.call_tool("ask", {"question": "what needs attention today?"})
            assert limited.is_error and "too many runs in progress" in limited.content[0].text
    finally:
        with psycopg.connect(mcp_demo.target.conninfo, autocommit=True) as conn:
            conn.execute("UPDATE runs SET status = 'failed' WHERE id = ANY(%s)", (runs,))
    assert sql(mcp_demo, "SELECT count(*) FROM runs WHERE api_key_id = %s", mcp_keys.limited_id) == [(2,)]
