"""Every route of SPEC §4 through HTTP (in process, ASGI) on the demo data, with its error cases."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import psycopg
import pytest

from tests.api.helpers import NOW, SSEReader


async def chat(client, keys, message, who="member", **extra):
    r = await client.post("/api/chat", json={"message": message, **extra}, headers=keys.h(who))
    assert r.status_code == 200, r.text
    reader = SSEReader()
    reader.feed(r.text)
    events = reader.events
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert events[0].event == "run.started" and events[-1].event == "run.completed", events[-1]
    return events[0].data["run_id"], events[0].data["thread_id"], events


def sql(demo, q, *args):
    with psycopg.connect(demo.target.conninfo, autocommit=True) as conn:
        cur = conn.execute(q, args)
        return cur.fetchall() if cur.description else None


def is_error(r: httpx.Response, status: int, needle: str | None = None) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if needle:
        assert needle.lower() in body["detail"].lower(), body
    return body


# ------------------------------------------------------------------ auth and roles


async def test_auth_cookie_and_roles(client, app, keys):
    is_error(await client.get("/api/me"), 401, "missing credentials")
    is_error(await client.get("/api/me", headers={"Authorization": "Bearer og_nope_nope"}), 401, "unknown")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as browser:
        login = await browser.post("/login", data={"token": keys.viewer}, follow_redirects=False)
        assert login.status_code == 303 and "opsgraph_session" in login.cookies
        assert login.cookies["opsgraph_session"] != keys.viewer, "the cookie holds a session, not the key"
        me = await browser.get("/api/me")
        assert me.json() == {"org": "demo", "role": "viewer", "key_prefix": keys.viewer.split("_")[1]}
        is_error(await browser.post("/api/chat", json={"message": "hi"}), 403, "member role")

    viewer_posts = [
        ("/api/chat", {"message": "hi"}),
        ("/api/techops/investigations", {"title": "t"}),
        ("/api/techops/investigations/1/finalize", {"root_cause": "x"}),
        ("/api/incidents/INC-2041/feedback", {"kind": "note", "body": "x"}),
        ("/api/webhooks/github", {"commits": []}),
        ("/api/webhooks/deployments", {}),
        ("/api/tickets", {}),
        ("/api/triage/classify", {"subject": "x", "content": "y"}),
        ("/api/triage/respond", {"subject": "x", "content": "y"}),
    ]
    for url, body in viewer_posts:
        is_error(await client.post(url, json=body, headers=keys.h("viewer")), 403, "member role")
    for url, body in [("/api/keys", {"role": "viewer"}), ("/api/evals/runs", {})]:
        is_error(await client.post(url, json=body, headers=keys.h("member")), 403, "admin role")
    is_error(await client.get("/api/keys", headers=keys.h("member")), 403)


async def test_admin_manages_keys(client, keys):
    listed = (await client.get("/api/keys", headers=keys.h("admin"))).json()
    assert keys.admin.split("_")[1] in {k["prefix"] for k in listed}
    assert all(k["org_slug"] == "demo" for k in listed)
    made = await client.post("/api/keys", json={"role": "viewer", "name": "grafana"}, headers=keys.h("admin"))
    assert made.status_code == 201
    new = made.json()
    assert new["info"]["role"] == "viewer" and new["key"].startswith("og_")
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {new['key']}"})
    assert me.json()["role"] == "viewer"
    revoked = await client.delete(f"/api/keys/{new['info']['prefix']}", headers=keys.h("admin"))
    assert revoked.json() == {"revoked": 1}
    is_error(await client.get("/api/me", headers={"Authorization": f"Bearer {new['key']}"}), 401)
    is_error(await client.delete(f"/api/keys/{new['info']['prefix']}", headers=keys.h("admin")), 404)
    is_error(await client.post("/api/keys", json={"role": "owner"}, headers=keys.h("admin")), 422)
    is_error(await client.delete("/api/keys/bad-prefix!", headers=keys.h("admin")), 422)


# ------------------------------------------------------------------ chat, runs, threads, evidence


async def test_chat_run_thread_and_evidence(client, keys, api_demo):
    run_id, thread_id, events = await chat(client, keys, "Why did OTP MX rate at DAL drop last week?")
    assert events[0].data == {"run_id": run_id, "thread_id": thread_id}
    run = (await client.get(f"/api/runs/{run_id}", headers=keys.h("viewer"))).json()
    assert run["status"] == "completed" and run["route"] == ["kpi_analyst", "change_correlator"]
    assert run["steps"] and run["tool_calls"] and run["evidence"]
    assert {"prompt_tokens", "completion_tokens", "cost_usd"} <= set(run) and run["last_seq"] == len(events)
    runs = (await client.get(f"/api/runs?thread_id={thread_id}", headers=keys.h("viewer"))).json()
    assert [r["id"] for r in runs] == [run_id]

    threads = (await client.get("/api/threads?limit=200", headers=keys.h("viewer"))).json()
    mine = next(t for t in threads["items"] if t["id"] == thread_id)
    assert mine["runs"] == 1 and mine["last_status"] == "completed"
    thread = (await client.get(f"/api/threads/{thread_id}", headers=keys.h("viewer"))).json()
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant"]
    assert thread["messages"][1]["evidence_ids"] and thread["runs"][0]["id"] == run_id

    ev_id = run["evidence"][0]["id"]
    ev = (await client.get(f"/api/evidence/{ev_id}", headers=keys.h("viewer"))).json()
    assert ev["id"] == ev_id and ev["run_id"] == run_id and ev["ref"] and "summary" in ev
    is_error(await client.get("/api/evidence/987654321", headers=keys.h("viewer")), 404, "not found")
    is_error(await client.get("/api/evidence/0", headers=keys.h("viewer")), 422)
    is_error(await client.get("/api/evidence/abc", headers=keys.h("viewer")), 422)

    found = (await client.get("/api/evidence/search", params={"q": "OTP MX rate DAL shifted down", "k": 5},
                              headers=keys.h("viewer"))).json()
    assert found["k"] == 5 and any(h["source"] == "evidence" for h in found["hits"])
    runbooks = (await client.get("/api/evidence/search", params={"q": "timeout", "kinds": ["runbook"]},
                                 headers=keys.h("viewer"))).json()
    assert runbooks["hits"] and {h["kind"] for h in runbooks["hits"]} == {"runbook"}
    bad = is_error(await client.get("/api/evidence/search", params={"q": "x", "kinds": "runbok"}, headers=keys.h("viewer")),
                   422, "unknown kind")
    assert "runbook" in bad["suggestions"]
    for params in ({}, {"q": ""}, {"q": "x", "k": 0}, {"q": "x", "k": 101}):
        is_error(await client.get("/api/evidence/search", params=params, headers=keys.h("viewer")), 422)

    # the next turn in the same thread
    run2, thread2, _ = await chat(client, keys, "and PHX?", thread_id=thread_id)
    assert thread2 == thread_id and run2 != run_id


async def test_chat_and_run_errors(client, keys):
    h = keys.h("member")
    is_error(await client.post("/api/chat", json={"message": ""}, headers=h), 422, "message")
    is_error(await client.post("/api/chat", json={"message": "   "}, headers=h), 422)
    is_error(await client.post("/api/chat", json={}, headers=h), 422, "message")
    is_error(await client.post("/api/chat", json={"message": "hi", "colour": "red"}, headers=h), 422)
    is_error(await client.post("/api/chat", content=b"{not json", headers=h | {"content-type": "application/json"}), 422)
    is_error(await client.post("/api/chat", json={"message": "hi", "thread_id": "nope"}, headers=h), 422)
    is_error(await client.post("/api/chat", json={"message": "hi", "thread_id": str(uuid.uuid4())}, headers=h), 404,
             "thread")
    is_error(await client.post("/api/chat", json={"message": "hi", "investigation_id": 987654321}, headers=h), 404,
             "investigation")
    is_error(await client.post("/api/chat", json={"message": "x" * 8001}, headers=h), 422)
    is_error(await client.get(f"/api/runs/{uuid.uuid4()}", headers=h), 404, "run")
    is_error(await client.get("/api/runs/123", headers=h), 422)
    is_error(await client.get("/api/runs?status=sleeping", headers=h), 422)
    is_error(await client.get(f"/api/threads/{uuid.uuid4()}", headers=h), 404, "thread")
    is_error(await client.get("/api/threads?limit=0", headers=h), 422)
    is_error(await client.post("/api/chat", json={"message": "a\u0000b"}, headers=h), 422)
    is_error(await client.get("/api/nowhere", headers=h), 404)
    is_error(await client.put("/api/chat", headers=h), 405)
    is_error(await client.post("/api/chat", json={"message": "x" * (1 << 20)}, headers=h), 413, "too large")


# ------------------------------------------------------------------ Tech Ops


async def test_kpis_dashboard_and_signals(client, keys, api_demo):
    h = keys.h("viewer")
    head = api_demo.manifest["headline"]
    cat = (await client.get("/api/techops/kpis", headers=h)).json()
    codes = {k["code"] for k in cat["kpis"]}
    assert len(codes) >= 6 and head["kpi"] in codes
    assert any(s["code"] == "DAL" and s["region"] for s in cat["stations"]) and cat["regions"]

    dash = (await client.get("/api/techops/dashboard/daily", params={"station": "DAL", "summary_level": "station"},
                             headers=h)).json()
    assert dash["scope"]["code"] == "DAL" and dash["grain"] == "daily" and len(dash["cards"]) == len(codes)
    card = next(c for c in dash["cards"] if c["kpi"]["code"] == head["kpi"])
    assert card["state"] in ("warning", "critical")
    assert card["value"] is not None and card["yoy_value"] is not None and card["yoy_delta"] is not None
    assert card["lcl"] < card["cl"] < card["ucl"]
    assert card["chart"]["data"] and card["chart"]["layout"]
    weekly = (await client.get("/api/techops/dashboard/weekly?station=DAL&charts=false", headers=h)).json()
    assert weekly["grain"] == "weekly" and all(c["chart"] is None for c in weekly["cards"])
    company = (await client.get("/api/techops/dashboard/daily?charts=false", headers=h)).json()
    assert company["scope"]["summary_level"] == "company"
    region = (await client.get("/api/techops/dashboard/daily?station=DAL&summary_level=region&charts=false", headers=h)).json()
    assert region["scope"]["summary_level"] == "region" and len(region["scope"]["station_ids"]) > 1
    bad = is_error(await client.get("/api/techops/dashboard/daily?station=DAK", headers=h), 404, "unknown station")
    assert "DAL" in bad["suggestions"]
    is_error(await client.get("/api/techops/dashboard/monthly", headers=h), 422)
    is_error(await client.get("/api/techops/dashboard/daily?summary_level=planet", headers=h), 422)
    is_error(await client.get("/api/techops/dashboard/daily?summary_level=station", headers=h), 422, "station code")

    sig = (await client.get("/api/techops/signals/active?station=DAL", headers=h)).json()
    assert any(s["kpi"] == head["kpi"] for s in sig["signals"])
    is_error(await client.get("/api/techops/signals/active?station=ZZZ", headers=h), 404)
    is_error(await client.get("/api/techops/signals/active?grain=hourly", headers=h), 422)


async def test_investigation_step_through_chat_and_finalize(client, keys, api_demo):
    h = keys.h("member")
    created = await client.post("/api/techops/investigations", headers=h, json={
        "title": "OTP MX drop at DAL", "question": "Why did OTP MX rate at DAL drop?", "kpi": "otp mx rate",
        "station": "dal"})
    assert created.status_code == 201, created.text
    inv = created.json()
    assert created.headers["location"] == f"/api/techops/investigations/{inv['id']}"
    assert inv["status"] == "open" and inv["kpi"] == "OTP_MX_RATE" and inv["station"] == "DAL" and inv["region"]
    assert inv["thread_id"] and inv["steps"] == []

    bad = is_error(await client.post("/api/techops/investigations", headers=h, json={"title": "x", "kpi": "otp mx rat"}),
                   422, "unknown KPI")
    assert "OTP_MX_RATE" in bad["suggestions"]
    is_error(await client.post("/api/techops/investigations", headers=h, json={"title": "x", "station": "DAK"}), 422,
             "unknown station")
    is_error(await client.post("/api/techops/investigations", headers=h, json={"kpi": "OTP_MX_RATE"}), 422, "title")
    region = await client.post("/api/techops/investigations", headers=h,
                               json={"title": "region", "station": "DAL", "summary_level": "region"})
    assert region.status_code == 201 and region.json()["region"] and region.json()["station"] is None

    run_id, thread_id, _ = await chat(client, keys, "Why did OTP MX rate at DAL drop last week?",
                                      investigation_id=inv["id"])
    assert thread_id == inv["thread_id"]
    run2, _, _ = await chat(client, keys, "and PHX?", investigation_id=inv["id"])
    got = (await client.get(f"/api/techops/investigations/{inv['id']}", headers=keys.h("viewer"))).json()
    assert [(s["iteration"], s["run_id"], s["run_status"]) for s in got["steps"]] == [
        (1, run_id, "completed"), (2, run2, "completed")]
    is_error(await client.post("/api/chat", headers=h, json={"message": "x", "investigation_id": inv["id"],
                                                             "thread_id": str(uuid.uuid4())}), 422, "thread")

    evidence = [e["id"] for e in (await client.get(f"/api/runs/{run_id}", headers=h)).json()["evidence"]][:2]
    miss = is_error(await client.post(f"/api/techops/investigations/{inv['id']}/finalize", headers=h,
                                      json={"root_cause": "x", "evidence_ids": [evidence[0], 987654321]}), 422, "unknown evidence")
    assert miss["missing"] == [987654321]
    is_error(await client.post(f"/api/techops/investigations/{inv['id']}/finalize", headers=h, json={"root_cause": " "}), 422)
    done = await client.post(f"/api/techops/investigations/{inv['id']}/finalize", headers=h, json={
        "root_cause": "A deployment changed the work-order retry timeout",
        "actions": [{"description": "Roll back", "owner": "mx", "due_date": "2026-11-24"}, "Add an alert"],
        "notes": "Checked with DAL.", "evidence_ids": evidence})
    assert done.status_code == 200, done.text
    fin = done.json()
    assert fin["status"] == "finalized" and fin["finalized_at"] and fin["root_cause"].startswith("A deployment")
    assert [a["description"] for a in fin["actions"]] == ["Roll back", "Add an alert"]
    assert fin["notes"][0]["body"] == "Checked with DAL." and [e["id"] for e in fin["evidence"]] == evidence
    is_error(await client.post(f"/api/techops/investigations/{inv['id']}/finalize", headers=h, json={"root_cause": "again"}),
             409, "already finalised")
    is_error(await client.post("/api/chat", headers=h, json={"message": "x", "investigation_id": inv["id"]}), 409)
    listed = (await client.get("/api/techops/investigations?status=finalized", headers=h)).json()
    assert inv["id"] in [i["id"] for i in listed]
    is_error(await client.get("/api/techops/investigations/987654321", headers=h), 404)
    is_error(await client.post("/api/techops/investigations/987654321/finalize", headers=h, json={"root_cause": "x"}), 404)
    is_error(await client.get("/api/techops/investigations/0", headers=h), 422)


# ------------------------------------------------------------------ incidents and changes


async def test_incident_hypotheses_report_and_feedback(client, keys, api_demo):
    h = keys.h("member")
    listed = (await client.get("/api/incidents", headers=h)).json()["items"]
    assert {i["external_id"] for i in listed} >= {i["external_id"] for i in api_demo.manifest["incidents"]}
    sev = listed[0]["severity"]
    assert all(i["severity"] == sev for i in (await client.get(f"/api/incidents?severity={sev}", headers=h)).json()["items"])
    is_error(await client.get("/api/incidents?status=burning", headers=h), 422)

    inc = api_demo.manifest["incidents"][0]
    ext, cause = inc["external_id"], inc["cause"]["external_id"]
    bad = is_error(await client.get(f"/api/incidents/{ext[:-1]}9", headers=h), 404, "unknown incident")
    assert bad["suggestions"]
    await chat(client, keys, f"What caused {ext}?")
    detail = (await client.get(f"/api/incidents/{ext.lower()}", headers=h)).json()
    assert detail["incident"]["external_id"] == ext
    assert detail["hypotheses"][0]["subject"] == cause and detail["hypotheses"][0]["source"] == "evidence"
    assert detail["evidence"] and detail["report"] is None

    url = f"/api/incidents/{ext}/feedback"
    ok = await client.post(url, headers=h, json={"kind": "confirm", "hypothesis": cause.lower(), "body": "Rolled back."})
    assert ok.status_code == 201 and ok.json()["target_type"] == "hypothesis" and ok.json()["target_id"] == cause
    wrong = is_error(await client.post(url, headers=h, json={"kind": "reject", "hypothesis": "DEP-0000"}), 422, "no hypothesis")
    assert cause in wrong["suggestions"]
    is_error(await client.post(url, headers=h, json={"kind": "confirm"}), 422, "needs the hypothesis")
    is_error(await client.post(url, headers=h, json={"kind": "note"}), 422, "body")
    is_error(await client.post(url, headers=h, json={"kind": "rating"}), 422, "rating")
    is_error(await client.post(url, headers=h, json={"kind": "rating", "rating": 6}), 422)
    is_error(await client.post(url, headers=h, json={"kind": "like"}), 422)
    assert (await client.post(url, headers=h, json={"kind": "note", "body": "EU only"})).status_code == 201
    rated = await client.post(url, headers=h, json={"kind": "rating", "rating": 4, "body": "useful"})
    assert rated.status_code == 201 and rated.json()["body"] == "4/5: useful"
    is_error(await client.post("/api/incidents/INC-0000/feedback", headers=h, json={"kind": "note", "body": "x"}), 404)
    detail = (await client.get(f"/api/incidents/{ext}", headers=h)).json()
    fb = detail["hypotheses"][0]["feedback"]
    assert fb["verdict"] == "confirmed" and fb["confirmed"] >= 1
    assert [f["kind"] for f in detail["feedback"]][-3:] == ["confirm", "note", "rating"]
    with pytest.raises(psycopg.errors.RestrictViolation):  # append-only: the table refuses changes
        sql(api_demo, "UPDATE feedback_events SET body = 'x' WHERE incident_id IS NOT NULL")

    other = api_demo.manifest["incidents"][1]["external_id"]
    await chat(client, keys, f"Draft the incident report for {other}")
    report = (await client.get(f"/api/incidents/{other}", headers=h)).json()["report"]
    assert report and report["markdown"].startswith(f"# Incident report: {other}") and report["evidence_ids"]


async def test_service_changes_and_webhooks(client, keys, api_demo):
    h = keys.h("member")
    inc = api_demo.manifest["incidents"][0]
    onset = dt.datetime.fromisoformat(inc["onset"])
    svc = inc["cause"]["service"]
    got = (await client.get(f"/api/services/{svc}/changes", headers=h, params={
        "since": (onset - dt.timedelta(days=1)).isoformat(), "until": onset.isoformat()})).json()
    ids = [d["external_id"] for d in got["deployments"]] + [c["external_id"] for c in got["config_changes"]]
    assert inc["cause"]["external_id"] in ids
    bad = is_error(await client.get("/api/services/chekout-api/changes", headers=h), 404, "unknown service")
    assert "checkout-api" in bad["suggestions"]
    is_error(await client.get("/api/services/checkout-api/changes?since=2026-11-20&until=2026-11-01", headers=h), 422, "after")
    is_error(await client.get("/api/services/checkout-api/changes?since=yesterday", headers=h), 422)

    sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    push = {
        "ref": "refs/heads/main",
        "repository": {"name": "checkout-api", "default_branch": "main"},
        "commits": [{"id": sha, "message": "Add column, bump deps", "timestamp": "2026-11-20T09:00:00Z",
                     "author": {"name": "Ana"}, "added": ["migrations/0042_add_col.sql"],
                     "modified": ["poetry.lock", "app/clients/payments_client.py"], "removed": ["docs/old.md"]}],
    }
    r = await client.post("/api/webhooks/github", json=push, headers=h | {"X-GitHub-Event": "push"})
    assert r.status_code == 200, r.text
    out = r.json()
    files = {f["path"]: (f["status"], f["change_type"]) for f in out["commits"][0]["files"]}
    assert files == {"migrations/0042_add_col.sql": ("added", "db_migration"),
                     "poetry.lock": ("modified", "dependency"),
                     "app/clients/payments_client.py": ("modified", "http_client"),
                     "docs/old.md": ("removed", "docs")}
    assert out["service"] == "checkout-api" and out["commits"][0]["created"] is True
    assert (await client.post("/api/webhooks/github", json=push, headers=h)).json()["commits"][0]["created"] is False
    assert (await client.post("/api/webhooks/github", json={"zen": "hi"}, headers=h | {"X-GitHub-Event": "ping"})).json()[
        "ignored"] is True
    unknown = is_error(await client.post("/api/webhooks/github", headers=h,
                                         json={**push, "repository": {"name": "chekout-api"}}), 422, "unknown service")
    assert "checkout-api" in unknown["suggestions"]
    is_error(await client.post("/api/webhooks/github", headers=h, json={"commits": []}), 422, "repository")
    is_error(await client.post("/api/webhooks/github", headers=h,
                               json={**push, "commits": [{**push["commits"][0], "id": "not-a-sha"}]}), 422)

    dep = {"external_id": "DEP-T001", "service": "checkout-api", "version": "9.9.9", "status": "succeeded",
           "started_at": "2026-11-20T10:00:00Z", "finished_at": "2026-11-20T10:05:00Z", "commits": [sha]}
    first = await client.post("/api/webhooks/deployments", json=dep, headers=h)
    assert first.status_code == 201 and first.json() == {"external_id": "DEP-T001", "service": "checkout-api",
                                                         "status": "succeeded", "created": True, "commits": 1}
    again = await client.post("/api/webhooks/deployments", json={**dep, "status": "rolled_back"}, headers=h)
    assert again.status_code == 200 and again.json()["created"] is False
    got = (await client.get("/api/services/checkout-api/changes?since=2026-11-20T09:30:00Z&until=2026-11-20T11:00:00Z",
                            headers=h)).json()
    d = next(x for x in got["deployments"] if x["external_id"] == "DEP-T001")
    assert d["status"] == "rolled_back" and d["commits"][0]["sha"] == sha
    assert {"db_migration", "dependency"} <= set(d["change_types"])
    is_error(await client.post("/api/webhooks/deployments", json={**dep, "service": "nope"}, headers=h), 422, "unknown service")
    miss = is_error(await client.post("/api/webhooks/deployments", json={**dep, "commits": ["deadbeef99"]}, headers=h), 422,
                    "unknown commit")
    assert miss["missing"] == ["deadbeef99"]
    is_error(await client.post("/api/webhooks/deployments", json={**dep, "started_at": "2026-11-20T10:00:00"}, headers=h),
             422, "timezone")
    is_error(await client.post("/api/webhooks/deployments", json={**dep, "finished_at": "2026-11-20T09:00:00Z"}, headers=h),
             422, "before")
    is_error(await client.post("/api/webhooks/deployments", json={**dep, "rollback_of": "DEP-NOPE"}, headers=h), 422)
    is_error(await client.post("/api/webhooks/deployments", json={**dep, "environment": "p" * 40}, headers=h), 422)


# ------------------------------------------------------------------ tickets


async def test_tickets_sla_triage_and_alerts(client, keys, api_demo):
    h = keys.h("member")
    t = {"external_id": "TCK-T0001", "subject": "ZTNA connector keeps disconnecting",
         "content": "Our ZTNA app connector drops every few minutes since this morning.", "priority": "high",
         "customer": "Acme", "customer_tier": "enterprise", "status": "open", "created_at": "2026-11-20T11:50:00Z"}
    first = await client.post("/api/tickets", json=t, headers=h)
    assert first.status_code == 201 and first.json()["created"] is True
    second = await client.post("/api/tickets", json={**t, "status": "pending"}, headers=h)
    assert second.status_code == 200 and second.json()["ticket"]["status"] == "pending"
    got = (await client.get("/api/tickets/tck-t0001", headers=keys.h("viewer"))).json()
    assert got["ticket"]["external_id"] == "TCK-T0001" and got["classification"] is None
    sla = got["sla"]
    assert sla["as_of"].startswith(NOW.isoformat()[:19]) and sla["response"]["kind"] == "response"
    assert sla["response"]["state"] == "on_track"  # enterprise high: 15 min to respond, 10 min in
    bad = is_error(await client.get("/api/tickets/TCK-99999999", headers=h), 404, "unknown ticket")
    assert isinstance(bad["suggestions"], list)
    is_error(await client.post("/api/tickets", json={**t, "created_at": "2026-11-20T11:50:00"}, headers=h), 422, "timezone")
    is_error(await client.post("/api/tickets", json={**t, "resolved_at": "2026-11-01T00:00:00Z"}, headers=h), 422, "before")
    is_error(await client.post("/api/tickets", json={**t, "priority": "whenever"}, headers=h), 422)
    is_error(await client.post("/api/tickets", json={**t, "customer": "c" * 300}, headers=h), 422)

    c = await client.post("/api/triage/classify", headers=h, json={
        "subject": "Cannot export URL filtering report", "content": "How do I export the URL filtering report from the web proxy?"})
    assert c.status_code == 200, c.text
    cl = c.json()
    assert cl["product"] == "SWG" and cl["urgency"] in ("critical", "high", "medium", "low")
    assert 0 <= cl["confidence"] <= 1 and cl["reasoning"] and cl["classification_id"] > 0
    is_error(await client.post("/api/triage/classify", headers=h, json={"subject": "", "content": " "}), 422)
    is_error(await client.post("/api/triage/classify", headers=h, json={"subject": 5}), 422)
    r = await client.post("/api/triage/respond", headers=h, json={
        "subject": "SAML login fails for ZTNA portal", "content": "Users get an assertion error after the IdP change."})
    assert r.status_code == 200 and r.json()["draft"].startswith("Hello,") and r.json()["similar_tickets"]
    is_error(await client.post("/api/triage/respond", headers=h, json={"subject": "x", "content": "y", "k": 11}), 422)

    alerts = (await client.get("/api/sla/alerts", headers=keys.h("viewer"))).json()
    assert alerts["alerts"] and all(a["state"] in ("at_risk", "breached") for a in alerts["alerts"])
    again = (await client.get("/api/sla/alerts?state=breached&alert_type=response", headers=keys.h("viewer"))).json()
    assert again["new"] == len([a for a in again["alerts"] if a["id"] is None])  # a read: nothing recorded
    assert all(a["state"] == "breached" and a["alert_type"] == "response" for a in again["alerts"])
    is_error(await client.get("/api/sla/alerts?state=late", headers=h), 422)


# ------------------------------------------------------------------ evaluations


async def test_eval_runs(client, app, keys, api_demo):
    h = keys.h("admin")
    is_error(await client.post("/api/evals/runs", json={"suite": "smoke"}, headers=h), 503, "evaluation runner not installed")
    calls = []

    async def launcher(request, *, org_id, api_key, state):
        calls.append((request.suite, org_id, api_key.role))
        if request.suite == "nope":
            raise ValueError("unknown suite 'nope'")
        return {"id": "00000000-0000-4000-8000-000000000001", "status": "running"}

    app.state.eval_launcher = launcher
    try:
        r = await client.post("/api/evals/runs", json={"suite": "smoke", "tags": ["kpi"]}, headers=h)
        assert r.status_code == 202 and r.json()["url"] == "/api/evals/runs/00000000-0000-4000-8000-000000000001"
        assert calls == [("smoke", api_demo.org_id, "admin")]
        is_error(await client.post("/api/evals/runs", json={"suite": "nope"}, headers=h), 422, "unknown suite")
        is_error(await client.post("/api/evals/runs", json={"min_pass_rate": 2}, headers=h), 422)
    finally:
        app.state.eval_launcher = None

    eval_id = str(uuid.uuid4())
    sql(api_demo, """INSERT INTO eval_runs (id, org_id, suite, provider, status, n_cases, pass_rate)
                     VALUES (%s, %s, 'smoke', 'offline', 'completed', 1, 1.0)""", eval_id, api_demo.org_id)
    sql(api_demo, """INSERT INTO eval_results (org_id, eval_run_id, case_id, evaluator, score, passed, details)
                     VALUES (%s, %s, 'kpi-1', 'route', 100, true, '{"expected": ["kpi_analyst"]}')""",
        api_demo.org_id, eval_id)
    got = (await client.get(f"/api/evals/runs/{eval_id}", headers=keys.h("viewer"))).json()
    assert got["pass_rate"] == 1.0 and got["results"][0]["case_id"] == "kpi-1" and got["results"][0]["passed"]
    assert eval_id in [e["id"] for e in (await client.get("/api/evals/runs", headers=keys.h("viewer"))).json()]
    is_error(await client.get(f"/api/evals/runs/{uuid.uuid4()}", headers=h), 404)
    is_error(await client.get("/api/evals/runs/42", headers=h), 422)


async def test_health_and_openapi(client):
    health = (await client.get("/health")).json()
    assert health["status"] == "ok" and health["llm"] == "offline"
    doc = (await client.get("/openapi.json")).json()
    paths = doc["paths"]
    for p in ["/api/chat", "/api/runs/{run_id}/events", "/api/runs/{run_id}", "/api/threads", "/api/threads/{thread_id}",
              "/api/evidence/{evidence_id}", "/api/evidence/search", "/api/techops/kpis", "/api/techops/dashboard/{grain}",
              "/api/techops/signals/active", "/api/techops/investigations", "/api/techops/investigations/{investigation_id}",
              "/api/techops/investigations/{investigation_id}/finalize", "/api/incidents", "/api/incidents/{incident_id}",
              "/api/incidents/{incident_id}/feedback", "/api/services/{service}/changes", "/api/webhooks/deployments",
              "/api/webhooks/github", "/api/tickets", "/api/tickets/{external_id}", "/api/triage/classify",
              "/api/triage/respond", "/api/sla/alerts", "/api/evals/runs", "/api/evals/runs/{eval_run_id}"]:
        assert p in paths, p
    assert "text/event-stream" in paths["/api/chat"]["post"]["responses"]["200"]["content"]
    schemas = doc["components"]["schemas"]
    assert schemas["ChatRequest"]["examples"] and schemas["FinalizeRequest"]["examples"]
