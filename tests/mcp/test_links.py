"""Ticket–incident links and change freezes where users are: ``GET /api/incidents/{id}/tickets``,
``GET /api/tickets/{id}/incidents``, ``GET /api/freeze-windows`` through a real uvicorn, and the read-only MCP tools
``incident_tickets``, ``ticket_incidents``, ``freeze_windows`` over streamable HTTP — on a water utility imported
here (its own ids, services, a freeze calendar and a runbook page about a freeze) and on the demo. Another
organisation's incident or ticket answers 404 (a tool error over MCP); OpenAPI documents the three routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from store.importers import run_import
from tests.api.helpers import NOW, ThreadServer
from tests.mcp.conftest import org_key, serve, sql
from tests.mcp.test_http import connect

ORG = "tarn-water"
FILES = {
    "services": [{"name": "telemetry-hub"}, {"name": "billing-core"}],
    "incidents": [
        {"id": "TW-OUT-77", "title": "Reservoir levels not updating", "service": "telemetry-hub", "severity": "sev2",
         "status": "resolved", "started_at": "2026-11-17T06:00:00Z", "resolved_at": "2026-11-17T09:00:00Z"},
    ],
    "tickets": [
        {"key": "WQ-101", "summary": "Level gauge frozen", "created": "2026-11-17T06:30:00Z",
         "Components": ["telemetry-hub"]},
        {"key": "WQ-102", "summary": "Bill doubled", "created": "2026-11-17T07:00:00Z", "Components": ["billing-core"]},
        {"key": "WQ-103", "summary": "Follow-up", "description": "Credit asked after TW-OUT-77.",
         "created": "2026-11-18T10:00:00Z"},
    ],
    "freeze-windows": [{"name": "Winter readiness", "start": "2026-11-16", "end": "2026-11-18",
                        "services": ["telemetry-hub"], "reason": "storm season"}],
}
PAGE = "---\nid: RB-TW-FREEZE\n---\n# Release freezes\n\n- Year end: 2026-12-22 to 2027-01-02 no changes.\n"


@pytest.fixture(scope="module")
def water(mcp_demo, mcp_keys, tmp_path_factory) -> str:
    key = org_key(mcp_demo, ORG, "water-links")
    tmp = Path(tmp_path_factory.mktemp("water"))
    with psycopg.connect(mcp_demo.target.conninfo, autocommit=True) as conn:
        for kind, records in FILES.items():
            (tmp / f"{kind}.json").write_text(json.dumps(records))
            run_import(conn, ORG, kind, tmp / f"{kind}.json")
        (tmp / "freezes.md").write_text(PAGE)
        run_import(conn, ORG, "runbooks", tmp / "freezes.md")
    return key


@pytest.fixture(scope="module")
def service(mcp_demo, mcp_keys, water) -> Iterator[ThreadServer]:
    srv = serve(mcp_demo)
    yield srv
    srv.stop()


def _get(service: ThreadServer, key: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"{service.base}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_the_links_and_freezes_over_http(service, water):
    r = _get(service, water, "/api/incidents/TW-OUT-77/tickets")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(t["external_id"], t["link"]) for t in body["items"]] == [
        ("WQ-101", "same service, during the incident"), ("WQ-103", "quotes the incident")]
    assert body["incident"]["external_id"] == "TW-OUT-77" and body["total"] == 2 and body["ongoing"] is False
    during = _get(service, water, "/api/incidents/tw-out-77/tickets", as_of="2026-11-17T07:30:00Z").json()
    assert [t["external_id"] for t in during["items"]] == ["WQ-101"] and during["ongoing"] is True
    r = _get(service, water, "/api/tickets/WQ-101/incidents")
    assert r.status_code == 200 and [i["incident"]["external_id"] for i in r.json()["items"]] == ["TW-OUT-77"]
    assert _get(service, water, "/api/tickets/WQ-102/incidents").json()["items"] == []  # another service
    r = _get(service, water, "/api/freeze-windows", since="2026-11-01", until="2027-01-31")
    assert r.status_code == 200, r.text
    got = [(w["name"], w["source"], w["document"], w["services"]) for w in r.json()["items"]]
    assert got == [("Winter readiness", "calendar", None, ["telemetry-hub"]), ("Year end", "runbook", "RB-TW-FREEZE", [])]
    assert _get(service, water, "/api/freeze-windows", since="2026-12-01", until="2026-12-10").json()["items"] == []


def test_bad_input_and_other_organisations_are_4xx(service, water, mcp_keys, mcp_demo):
    demo_inc = sql(mcp_demo, "SELECT external_id FROM incidents WHERE org_id = %s LIMIT 1", mcp_demo.org_id)[0][0]
    demo_ticket = sql(mcp_demo, "SELECT external_id FROM tickets WHERE org_id = %s LIMIT 1", mcp_demo.org_id)[0][0]
    for path in (f"/api/incidents/{demo_inc}/tickets", f"/api/tickets/{demo_ticket}/incidents"):
        r = _get(service, water, path)
        assert r.status_code == 404 and "unknown" in r.json()["detail"], (path, r.text)
    r = _get(service, mcp_keys.viewer, "/api/incidents/TW-OUT-77/tickets")
    assert r.status_code == 404, r.text
    assert _get(service, mcp_keys.viewer, "/api/freeze-windows").json()["items"] == []  # the demo has none
    for params in ({"since": "2026-12-10", "until": "2026-12-01"}, {"since": "not-a-day"}):
        r = _get(service, water, "/api/freeze-windows", **params)
        assert r.status_code == 422 and "Traceback" not in r.text and "SELECT" not in r.text, r.text
    r = _get(service, water, "/api/incidents/TW-OUT-77/tickets", as_of="2030-01-01")
    assert r.status_code == 422 and "future" in r.text, r.text
    assert httpx.get(f"{service.base}/api/freeze-windows").status_code == 401


def test_openapi_documents_the_routes(service):
    paths = httpx.get(f"{service.base}/openapi.json").json()["paths"]
    for path in ("/api/incidents/{incident_id}/tickets", "/api/tickets/{external_id}/incidents", "/api/freeze-windows"):
        op = paths[path]["get"]
        assert op["description"] and {"200", "401", "422"} <= set(op["responses"]), (path, op)
        assert "404" in op["responses"] or path == "/api/freeze-windows", (path, op)


async def test_the_same_over_mcp_read_only(service, water, mcp_keys):
    async with connect(service, water) as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        for name in ("incident_tickets", "ticket_incidents", "freeze_windows"):
            assert tools[name].annotations.read_only_hint, name
        r = await s.call_tool("incident_tickets", {"incident": "TW-OUT-77"})
        assert not r.is_error, r.content[0].text
        assert [t["external_id"] for t in r.structured_content["result"]["items"]] == ["WQ-101", "WQ-103"]
        assert r.structured_content["evidence_ids"]
        r = await s.call_tool("ticket_incidents", {"ticket": "WQ-103", "as_of": "2026-11-18T12:00:00Z"})
        assert [i["incident"]["external_id"] for i in r.structured_content["result"]["items"]] == ["TW-OUT-77"]
        r = await s.call_tool("freeze_windows", {"since": "2026-11-01", "until": "2027-01-31"})
        assert [w["source"] for w in r.structured_content["result"]["items"]] == ["calendar", "runbook"]
    async with connect(service, mcp_keys.viewer) as demo:
        r = await demo.call_tool("incident_tickets", {"incident": "TW-OUT-77"})
        assert r.is_error and "unknown incident" in r.content[0].text, r.content[0].text


async def test_on_the_demo_an_incidents_tickets_match_sql(service, mcp_demo, mcp_keys):
    inc, start, end = sql(mcp_demo, "SELECT external_id, started_at, resolved_at FROM incidents WHERE org_id = %s "
                                    "AND started_at < %s ORDER BY started_at DESC LIMIT 1", mcp_demo.org_id, NOW)[0]
    body = _get(service, mcp_keys.viewer, f"/api/incidents/{inc}/tickets").json()
    assert body["incident"]["external_id"] == inc and body["total"] == len(body["items"])
    for t in body["items"]:  # each quotes it, or was raised while it lasted
        created, text = sql(mcp_demo, "SELECT created_at, subject || ' ' || content FROM tickets WHERE org_id = %s "
                                      "AND external_id = %s", mcp_demo.org_id, t["external_id"])[0]
        assert inc.lower() in text.lower() if t["link"] == "quotes the incident" else start <= created <= (end or NOW), t
