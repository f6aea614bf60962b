"""``POST /api/webhooks/deployments`` through a real uvicorn: deployment records as before, Argo CD Applications
(single, ``List``/``ApplicationList``, JSON array) read the way ``opsgraph import deployments`` reads them,
idempotent re-delivery, all-or-nothing lists, 422 with a reason for anything else — on a power utility's services
created here and on the demo, each key writing only to its own organisation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.orm import Session

from store.db import make_sync_engine
from store.importers import run_import
from store.keys import create_key

GRID = "lumen-grid"
URL = "/api/webhooks/deployments"


def app(name: str, history_id: int, revision: str, started: str, *, who: str = "ops-ana",
        phase: str = "Succeeded") -> dict:
    """An Argo CD Application as ``kubectl get application NAME -o json`` prints it."""
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd", "uid": f"uid-{name}-{history_id}"},
        "spec": {"project": "grid", "source": {"repoURL": f"https://git.example/{name}.git", "targetRevision": "main"},
                 "destination": {"namespace": "meters"}},
        "status": {"sync": {"status": "Synced", "revision": revision}, "health": {"status": "Healthy"},
                   "history": [{"id": history_id - 1, "revision": "0" * 12}, {"id": history_id, "revision": revision}],
                   "operationState": {"phase": phase, "startedAt": started, "finishedAt": started.replace(":00Z", ":45Z"),
                                      "operation": {"initiatedBy": {"username": who}},
                                      "syncResult": {"revision": revision}}},
    }


@pytest.fixture(scope="module")
def grid(api_demo, tmp_path_factory) -> dict[str, str]:
    """A second organisation (smart-meter services, names unlike the demo's) with its member key."""
    engine = make_sync_engine(api_demo.target)
    with Session(engine) as s, s.begin():
        key, _ = create_key(s, org_slug=GRID, role="member", name="grid-deploys")
    engine.dispose()
    path = Path(tmp_path_factory.mktemp("grid")) / "services.jsonl"
    services = [{"name": "meter-gateway", "team": "amr"}, {"name": "tariff-engine", "team": "billing",
                                                           "depends_on": ["meter-gateway"]}]
    path.write_text("\n".join(json.dumps(s) for s in services) + "\n")
    with psycopg.connect(api_demo.target.conninfo) as conn:
        run_import(conn, GRID, "services", path)
        conn.commit()
    return {"Authorization": f"Bearer {key.key}"}


def rows(api_demo, slug: str) -> list[tuple]:
    with psycopg.connect(api_demo.target.conninfo) as conn:
        return conn.execute(
            """SELECT d.external_id, s.name, d.version, d.status, d.deployed_by, d.started_at, d.finished_at, d.extra
               FROM deployments d JOIN services s ON s.id = d.service_id JOIN orgs o ON o.id = d.org_id
               WHERE o.slug = %s ORDER BY d.external_id""", (slug,)).fetchall()


def post(server, headers: dict[str, str], body) -> httpx.Response:
    return httpx.post(server.base + URL, json=body, headers=headers, timeout=30)


def test_an_argo_cd_application_is_a_deployment_and_redelivery_changes_nothing(server, api_demo, grid):
    one = app("Meter-Gateway", 7, "9c1e5d0a77b3", "2026-11-19T06:30:00Z")
    first = post(server, grid, one)
    assert first.status_code == 201, first.text
    assert first.json() == {"external_id": "Meter-Gateway#7", "service": "meter-gateway", "status": "succeeded",
                            "created": True, "commits": 0}
    again = post(server, grid, one)
    assert again.status_code == 200 and again.json()["created"] is False
    [(ext, svc, version, status, who, started, finished, extra)] = rows(api_demo, GRID)
    assert (ext, svc, version, status, who) == ("Meter-Gateway#7", "meter-gateway", "9c1e5d0a77b3", "succeeded",
                                                "ops-ana")
    assert started.isoformat() == "2026-11-19T06:30:00+00:00" and finished.isoformat() == "2026-11-19T06:30:45+00:00"
    assert extra["argocd_spec"]["source"]["repoURL"] == "https://git.example/Meter-Gateway.git"
    assert extra["argocd_metadata"]["namespace"] == "argocd" and extra["kind"] == "Application"

    changes = httpx.get(f"{server.base}/api/services/meter-gateway/changes",
                        params={"since": "2026-11-19T00:00:00Z", "until": "2026-11-20T00:00:00Z"}, headers=grid)
    assert [d["external_id"] for d in changes.json()["deployments"]] == ["Meter-Gateway#7"]


def test_a_list_is_recorded_all_or_nothing(server, api_demo, grid):
    before = rows(api_demo, GRID)
    known = app("Meter-Gateway", 7, "9c1e5d0a77b3", "2026-11-19T06:30:00Z")
    new = app("tariff-engine", 31, "77aa01bc", "2026-11-19T21:00:00Z", who="ops-raj", phase="Failed")
    bad = app("tarif-engine", 2, "1234abcd", "2026-11-19T22:00:00Z")  # no such service in this organisation
    refused = post(server, grid, {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationList",
                                  "items": [new, bad]})
    assert refused.status_code == 422
    body = refused.json()
    assert "body.items.1" in body["detail"] and "unknown service 'tarif-engine'" in body["detail"]
    assert "tariff-engine" in body["suggestions"]
    assert rows(api_demo, GRID) == before  # the good item was not written either

    listed = post(server, grid, {"apiVersion": "v1", "kind": "List", "items": [known, new]})
    assert listed.status_code == 201, listed.text
    out = listed.json()
    assert (out["created"], out["updated"]) == (1, 1)
    assert [(d["external_id"], d["status"], d["created"]) for d in out["deployments"]] == [
        ("Meter-Gateway#7", "succeeded", False), ("tariff-engine#31", "failed", True)]
    redelivered = post(server, grid, [known, new])  # a JSON array of them, delivered again
    assert redelivered.status_code == 200 and (redelivered.json()["created"], redelivered.json()["updated"]) == (0, 2)
    after = rows(api_demo, GRID)
    assert len(after) == len(before) + 1 and {r[0] for r in after} == {"Meter-Gateway#7", "tariff-engine#31"}


def test_anything_else_is_a_422_that_says_what_is_accepted(server, api_demo, grid):
    before = rows(api_demo, GRID)
    never_synced = app("meter-gateway", 3, "abc", "2026-11-19T06:30:00Z")
    del never_synced["status"]["operationState"], never_synced["status"]["history"]
    k8s = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "meter-gateway"},
           "spec": {"replicas": 3}}
    broken = copy.deepcopy(app("meter-gateway", 9, "abc", "2026-11-19T06:30:00Z"))
    broken["status"]["operationState"]["startedAt"] = "last tuesday"
    for body, says in [
        (k8s, "Deployment resource is not a deployment"),
        ([], "holds no deployments"),
        ({"apiVersion": "v1", "kind": "List", "items": []}, "holds no deployments"),
        ([1, 2], "expected a JSON object"),
        (never_synced, "Argo CD Application 'meter-gateway': it has no sync to record"),
        (broken, "started_at"),
        ({"external_id": "X-1", "service": "meter-gateway", "version": "1", "started_at": "2026-11-19T06:30:00Z",
          "colour": "blue"}, "colour"),
    ]:
        r = post(server, grid, body)
        assert r.status_code == 422, (body, r.text)
        assert says in r.json()["detail"], r.json()
        assert "Traceback" not in r.text and "SELECT" not in r.text
    scalar = httpx.post(server.base + URL, content=b"42", headers=grid | {"Content-Type": "application/json"})
    assert scalar.status_code == 422
    assert rows(api_demo, GRID) == before


def test_demo_and_isolation(server, api_demo, keys, grid):
    with psycopg.connect(api_demo.target.conninfo) as conn:
        service = conn.execute("SELECT name FROM services WHERE org_id = %s ORDER BY name LIMIT 1",
                               (api_demo.org_id,)).fetchone()[0]
    demo_before = rows(api_demo, "demo")
    crossing = post(server, grid, app(service, 4, "feed0001", "2026-11-18T10:00:00Z"))
    assert crossing.status_code == 422 and "unknown service" in crossing.json()["detail"]  # not the grid's service
    assert rows(api_demo, "demo") == demo_before

    recorded = post(server, keys.h("member"), app(service, 4, "feed0001", "2026-11-18T10:00:00Z"))
    assert recorded.status_code == 201 and recorded.json()["service"] == service
    assert len(rows(api_demo, "demo")) == len(demo_before) + 1
    assert not any(r[0] == f"{service}#4" for r in rows(api_demo, GRID))
    assert post(server, keys.h("viewer"), app(service, 5, "feed0002", "2026-11-18T11:00:00Z")).status_code == 403

    spec = httpx.get(f"{server.base}/openapi.json").json()
    examples = spec["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {"record", "argocd", "argocd-list"} <= set(examples)
