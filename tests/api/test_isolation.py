"""Organisation isolation: a second organisation's keys walk every /api route and find nothing of the demo's."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from fastapi.routing import APIRoute

from tests.api.helpers import SSEReader


def _one(demo, q, *args):
    with psycopg.connect(demo.target.conninfo, autocommit=True) as conn:
        return conn.execute(q, args).fetchone()


@pytest.fixture
async def demo_ids(client, keys, api_demo):
    """Ids of rows of the demo organisation (creating a run, an investigation and an eval run when missing)."""
    org = api_demo.org_id
    if _one(api_demo, "SELECT count(*) FROM evidence WHERE org_id = %s AND run_id IS NOT NULL", org)[0] == 0:
        r = await client.post("/api/chat", json={"message": "Why did OTP MX rate at DAL drop last week?"},
                              headers=keys.h("member"))
        assert r.status_code == 200
    inv = await client.post("/api/techops/investigations", json={"title": "isolation", "kpi": "OTP_MX_RATE", "station": "DAL"},
                            headers=keys.h("member"))
    eval_id = str(uuid.uuid4())
    with psycopg.connect(api_demo.target.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO eval_runs (id, org_id, provider) VALUES (%s, %s, 'offline')", (eval_id, org))
    run_id, thread_id = _one(api_demo, "SELECT id, thread_id FROM runs WHERE org_id = %s AND status = 'completed' "
                                       "ORDER BY created_at LIMIT 1", org)
    return {
        "run_id": str(run_id), "thread_id": str(thread_id),
        "evidence_id": _one(api_demo, "SELECT min(id) FROM evidence WHERE org_id = %s", org)[0],
        "investigation_id": inv.json()["id"],
        "incident": api_demo.manifest["incidents"][0]["external_id"],
        "ticket": _one(api_demo, "SELECT external_id FROM tickets WHERE org_id = %s ORDER BY id LIMIT 1", org)[0],
        "service": api_demo.manifest["incidents"][0]["service"],
        "eval_id": eval_id,
        "key_prefix": keys.viewer.split("_")[1],
        "sha": _one(api_demo, "SELECT sha FROM commits WHERE org_id = %s LIMIT 1", org)[0],
    }


async def test_another_organisation_sees_nothing(app, client, keys, api_demo, demo_ids):
    d = demo_ids
    visited: set[tuple[str, str]] = set()
    demo_words = {d["run_id"], d["thread_id"], d["incident"], d["ticket"], d["service"], "DAL", "OTP_MX_RATE", d["sha"]}

    async def call(method: str, template: str, *, who: str = "other_admin", expect: int, params=None, json=None,
                   headers=None, allow=(), **fmt):
        visited.add((method, template))
        r = await client.request(method, template.format(**fmt), params=params, json=json,
                                 headers=keys.h(who) | (headers or {}))
        assert r.status_code == expect, (method, template, r.status_code, r.text)
        sent = f"{json} {params} {template.format(**fmt)}"
        leaked = [w for w in demo_words if w in r.text and w not in sent and w not in allow]
        assert not leaked, (template, leaked, r.text[:500])
        return r

    me = (await call("GET", "/api/me", expect=200)).json()
    assert me["org"] == "other-org"

    # chat, runs, threads
    await call("POST", "/api/chat", who="other_member", json={"message": "hi", "thread_id": d["thread_id"]}, expect=404)
    await call("POST", "/api/chat", who="other_member", json={"message": "hi", "investigation_id": d["investigation_id"]},
               expect=404)
    assert (await call("GET", "/api/runs", expect=200)).json() == []
    await call("GET", "/api/runs/{id}", id=d["run_id"], expect=404)
    await call("GET", "/api/runs/{run_id}/events", run_id=d["run_id"], expect=404)
    await call("GET", "/api/runs/{run_id}/events", run_id=d["run_id"], headers={"Last-Event-ID": "1"}, expect=404)
    assert (await call("GET", "/api/threads", expect=200)).json()["items"] == []
    await call("GET", "/api/threads/{id}", id=d["thread_id"], expect=404)

    # evidence
    await call("GET", "/api/evidence/{id}", id=d["evidence_id"], expect=404)
    for q in ("OTP MX rate DAL", "timeout", "checkout"):
        assert (await call("GET", "/api/evidence/search", params={"q": q}, expect=200)).json()["hits"] == []

    # Tech Ops
    cat = (await call("GET", "/api/techops/kpis", expect=200)).json()
    assert cat["kpis"] == [] and cat["stations"] == [] and cat["regions"] == []
    await call("GET", "/api/techops/dashboard/{grain}", grain="daily", expect=404)
    await call("GET", "/api/techops/dashboard/{grain}", grain="weekly", params={"station": "DAL"}, expect=404)
    await call("GET", "/api/techops/signals/active", params={"station": "DAL"}, expect=404)
    await call("GET", "/api/techops/signals/active", expect=404)
    await call("POST", "/api/techops/investigations", json={"title": "x", "kpi": "OTP_MX_RATE"}, expect=422)
    assert (await call("GET", "/api/techops/investigations", expect=200)).json() == []
    await call("GET", "/api/techops/investigations/{id}", id=d["investigation_id"], expect=404)
    await call("POST", "/api/techops/investigations/{id}/finalize", id=d["investigation_id"],
               json={"root_cause": "x"}, expect=404)

    # incidents and changes
    assert (await call("GET", "/api/incidents", expect=200)).json()["items"] == []
    await call("GET", "/api/incidents/{id}", id=d["incident"], expect=404)
    await call("POST", "/api/incidents/{id}/feedback", id=d["incident"], json={"kind": "note", "body": "x"}, expect=404)
    await call("GET", "/api/services/{service}/changes", service=d["service"], expect=404)
    await call("GET", "/api/incidents/{id}/tickets", id=d["incident"], expect=404)
    assert (await call("GET", "/api/freeze-windows", expect=200)).json()["items"] == []
    dep = {"external_id": "DEP-X1", "service": d["service"], "version": "1", "started_at": "2026-11-20T10:00:00Z"}
    await call("POST", "/api/webhooks/deployments", json=dep, expect=422)
    await call("POST", "/api/webhooks/github", json={"repository": {"name": d["service"]}, "commits": []}, expect=422)

    # tickets: same external id, another organisation's ticket
    await call("GET", "/api/tickets/{id}", id=d["ticket"], expect=404)
    await call("GET", "/api/tickets/{id}/incidents", id=d["ticket"], expect=404)
    mine = {"external_id": d["ticket"], "subject": "Printer on fire", "content": "It is on fire.",
            "created_at": "2026-11-20T11:00:00Z"}
    created = await call("POST", "/api/tickets", json=mine, expect=201)
    assert created.json()["created"] is True
    assert (await call("GET", "/api/tickets/{id}", id=d["ticket"], expect=200)).json()["ticket"]["subject"] == "Printer on fire"
    demo_ticket = (await client.get(f"/api/tickets/{d['ticket']}", headers=keys.h("viewer"))).json()["ticket"]
    assert demo_ticket["subject"] != "Printer on fire", "the demo's ticket is untouched"
    cls = (await call("POST", "/api/triage/classify", json={"subject": "ZTNA down", "content": "connector drops"},
                      expect=200)).json()
    assert cls["neighbours"] == []
    resp = (await call("POST", "/api/triage/respond", json={"subject": "ZTNA down", "content": "connector drops"},
                       expect=200)).json()
    assert resp["similar_tickets"] == [] and resp["runbooks"] == []
    alerts = (await call("GET", "/api/sla/alerts", expect=200)).json()["alerts"]
    assert {a["external_id"] for a in alerts} <= {d["ticket"]}
    assert all(a["org_id"] != api_demo.org_id for a in alerts)

    # evaluations and keys
    await call("POST", "/api/evals/runs", json={}, expect=503)
    assert (await call("GET", "/api/evals/runs", expect=200)).json() == []
    await call("GET", "/api/evals/runs/{id}", id=d["eval_id"], expect=404)
    listed = (await call("GET", "/api/keys", expect=200)).json()
    assert listed and all(k["org_slug"] == "other-org" for k in listed)
    assert d["key_prefix"] not in {k["prefix"] for k in listed}
    await call("DELETE", "/api/keys/{prefix}", prefix=d["key_prefix"], expect=404)
    assert (await client.get("/api/me", headers=keys.h("viewer"))).status_code == 200, "the demo key still works"
    created_key = (await call("POST", "/api/keys", json={"role": "viewer"}, expect=201)).json()
    assert created_key["info"]["org_slug"] == "other-org"

    # a whole chat turn in the other organisation: it runs, and the demo cannot see it either
    r = await call("POST", "/api/chat", who="other_member", json={"message": "Why did OTP MX rate at DAL drop last week?"},
                   expect=200)
    reader = SSEReader()
    reader.feed(r.text)
    other_run = reader.events[0].data["run_id"]
    assert reader.events[-1].event in ("run.completed", "run.failed")
    assert (await client.get(f"/api/runs/{other_run}", headers=keys.h("admin"))).status_code == 404
    own = (await call("GET", "/api/runs/{id}", id=other_run, expect=200, allow={"DAL"})).json()  # its own question
    assert own["evidence"] == []

    # every /api route was walked
    routes = {(m, r.path) for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/")
              for m in r.methods if m != "HEAD"}
    normalised = {(m, _template(app, m, p)) for m, p in visited}
    assert routes <= normalised, routes - normalised


def _template(app, method: str, template: str) -> str:
    """Map the template used above (placeholders named freely) to the route's path."""
    parts = template.split("/")
    for r in app.routes:
        if not isinstance(r, APIRoute) or method not in r.methods:
            continue
        rp = r.path.split("/")
        if len(rp) == len(parts) and all(a == b or (a.startswith("{") and b.startswith("{")) for a, b in zip(rp, parts, strict=True)):
            return r.path
    return template
