"""A chat question about a service whose metrics live only in Prometheus: the onset is found in the PromQL
series (a local stand-in for Prometheus's HTTP API serving a recorded range), and the change before it ranked."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from aiohttp import web

from tests.alerts.conftest import iso, utcnow

JUMP_AGO = dt.timedelta(hours=2)


@pytest.fixture
async def fake_prometheus():
    seen: list[dict] = []
    jump = utcnow() - JUMP_AGO

    async def query_range(request: web.Request) -> web.Response:
        q = dict(request.query)
        seen.append(q)
        start, end, step = float(q["start"]), float(q["end"]), float(q["step"].rstrip("s"))
        values = []
        t = start
        i = 0
        while t <= end:
            base = 0.02 if t < jump.timestamp() else 0.2
            values.append([t, str(base + 0.004 * math.sin(i))])
            t += step
            i += 1
        body = {"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {"service": "quay-router"}, "values": values}]}}
        return web.json_response(body)

    app = web.Application()
    app.router.add_get("/api/v1/query_range", query_range)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", seen, jump
    await runner.cleanup()


async def test_chat_question_finds_the_onset_in_prometheus(client, alerts_app, alerts_org, fake_prometheus):
    org = alerts_org
    base, seen, jump = fake_prometheus
    await client.put("/api/alerts/settings", headers=org.h("admin"), json={"prometheus_url": base})
    promql = 'sum(rate(edge_errors_total{app="$service"}[5m])) / sum(rate(edge_requests_total{app="$service"}[5m]))'
    await client.put("/api/services/quay-router/promql/error_rate", headers=org.h(), json={"promql": promql})
    r = await client.post("/api/webhooks/deployments", headers=org.h(), json={
        "external_id": "qr-route-table-v9", "service": "quay-router", "version": "9.0.0",
        "started_at": iso(jump - dt.timedelta(minutes=15)), "finished_at": iso(jump - dt.timedelta(minutes=10))})
    assert r.status_code in (200, 201)
    try:
        assistant = alerts_app.state.opsgraph.assistant
        record = await assistant.ask(org_id=org.org_id, question="What changed before the quay-router error rate jumped?",
                                     trigger="api")
        assert record.status == "completed", record.error
        calls = {c.tool: c for c in record.tool_calls}
        assert calls["prometheus_onset"].status == "completed", calls["prometheus_onset"].error
        assert "qr-route-table-v9" in record.answer and "Prometheus" in record.answer
        assert "unknown metric" not in record.answer.lower()
        assert seen and seen[0]["query"] == promql.replace("$service", "quay-router")
        onset_ev = [e for e in record.evidence if e.kind == "metric_onset"]
        assert onset_ev
        detail = (await client.get(f"/api/evidence/{onset_ev[0].id}", headers=org.h("viewer"))).json()
        assert detail["ref"]["promql"] == seen[0]["query"] and detail["ref"]["step"].endswith("s")
        found = dt.datetime.fromisoformat(detail["payload"]["onset"])
        assert abs((found - jump).total_seconds()) <= 30 * 60
    finally:
        await client.put("/api/alerts/settings", headers=org.h("admin"), json={})
        await client.delete("/api/services/quay-router/promql/error_rate", headers=org.h())
