"""Stop 15: an Argo CD Application keeps the rest of its resource in the deployment's ``extra`` — so the
credentials such resources carry (Helm values and parameters, notification tokens in annotations, kubectl's
last-applied-configuration, a password in the repository URL) must be stored as redaction markers, on the
deployments webhook (real uvicorn) and on ``opsgraph import deployments``, while the harmless fields stay readable."""

from __future__ import annotations

import json

import httpx

from store.secrets import MARKER

PLAIN = ["S3cr3tPassw0rd!", "hunter2-plain-pass", "r3d1sPw-plain", "abcDEF123ghiJKL456mno", "AKIAIOSFODNN7EXAMPLE",
         "gh-pat-Zq81", "XXXXXXXXXXXXXXXXXXXXXXXX", "quayPW-9"]


def application(name: str, started: str) -> dict:
    """An Argo CD Application whose spec and annotations carry credentials the way real ones do."""
    last_applied = {"spec": {"source": {"helm": {"values": "db:\n  password: S3cr3tPassw0rd!\n"}}}}
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": "gitops", "labels": {"team": "quay"}, "annotations": {
            "notifications.argoproj.io/token": "hunter2-plain-pass",
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps(last_applied),
            "runbook": "alerts go to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"}},
        "spec": {"project": "port", "source": {
            "repoURL": "https://deploy:gh-pat-Zq81@git.harbour.example/berth.git", "targetRevision": "main",
            "helm": {"values": "db:\n  password: S3cr3tPassw0rd!\n  host: berth-db\nawsAccessKeyId: AKIAIOSFODNN7EXAMPLE\n"
                               "replicas: 3\n",
                     "parameters": [{"name": "redis.password", "value": "r3d1sPw-plain"},
                                    {"name": "image.tag", "value": "7.2.0"}],
                     "valuesObject": {"auth": {"clientSecret": "abcDEF123ghiJKL456mno", "secretName": "berth-auth"},
                                      "env": [{"name": "QUAY_DB_PASSWORD", "value": "quayPW-9"}]}}}},
        "status": {"health": {"status": "Healthy"},
                   "operationState": {"phase": "Succeeded", "startedAt": started,
                                      "syncResult": {"revision": "7c1d2e3f4a5b"}}},
    }


def _extra(sec, external_id: str) -> str:
    [(text,)] = sec.sql("SELECT extra::text FROM deployments WHERE org_id = %s AND external_id = %s",
                        sec.harbour_id, external_id)
    return text


def _check(text: str) -> dict:
    for secret in PLAIN:
        assert secret not in text, f"{secret!r} stored verbatim: {text}"
    extra = json.loads(text)
    helm = extra["argocd_spec"]["source"]["helm"]
    # the harmless parts stay as written
    assert "host: berth-db" in helm["values"] and "replicas: 3" in helm["values"]
    assert helm["parameters"][1] == {"name": "image.tag", "value": "7.2.0"}
    assert helm["valuesObject"]["auth"]["secretName"] == "berth-auth"
    assert extra["argocd_spec"]["source"]["repoURL"].endswith("@git.harbour.example/berth.git")
    assert extra["argocd_metadata"]["labels"] == {"team": "quay"}
    # and each secret is a marker, so a changed value stays visible
    assert MARKER.fullmatch(helm["parameters"][0]["value"])
    assert MARKER.fullmatch(extra["argocd_metadata"]["annotations"]["notifications.argoproj.io/token"])
    assert MARKER.search(helm["values"]) and MARKER.search(extra["argocd_metadata"]["annotations"]["runbook"])
    return extra


def test_the_webhook_stores_an_argo_applications_secrets_as_markers(sec, sec_server):
    r = httpx.post(f"{sec_server.base}/api/webhooks/deployments", json=application("berth-planner",
                   "2026-11-18T06:30:00Z"), headers=sec.h("member"), timeout=60)
    assert r.status_code in (200, 201), r.text
    extra = _check(_extra(sec, r.json()["external_id"]))
    last = json.loads(extra["argocd_metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert MARKER.search(last["spec"]["source"]["helm"]["values"])  # JSON kept as text is redacted inside too
    # a re-delivery (the same secrets) changes nothing; what is served never carries them either
    again = httpx.post(f"{sec_server.base}/api/webhooks/deployments", json=application("berth-planner",
                       "2026-11-18T06:30:00Z"), headers=sec.h("member"), timeout=60)
    assert again.status_code == 200 and json.loads(_extra(sec, r.json()["external_id"])) == extra
    served = httpx.get(f"{sec_server.base}/api/services/berth-planner/changes", headers=sec.h("viewer"),
                       params={"since": "2026-11-18T00:00:00Z", "until": "2026-11-19T00:00:00Z"}, timeout=60)
    assert served.status_code == 200 and not any(s in served.text for s in PLAIN)


def test_importing_argo_applications_stores_their_secrets_as_markers(sec, tmp_path):
    result = sec.import_file(tmp_path, "deployments", [application("crane-telemetry", "2026-11-17T04:00:00Z")],
                             name="apps.json")
    assert result.rows == 1
    _check(_extra(sec, "crane-telemetry@2026-11-17T04:00:00Z"))


def test_an_argo_application_named_like_another_organisations_deployment_touches_only_its_own(sec, sec_server):
    [(theirs, their_extra)] = sec.sql("SELECT external_id, extra::text FROM deployments WHERE org_id = %s "
                                      "ORDER BY id LIMIT 1", sec.demo.org_id)
    app = application("berth-planner", "2026-11-16T02:00:00Z")
    app["external_id"] = theirs  # the same id as one of the demo organisation's deployments
    r = httpx.post(f"{sec_server.base}/api/webhooks/deployments", json=app, headers=sec.h("member"), timeout=60)
    assert r.status_code == 201, r.text
    assert r.json()["external_id"] == theirs and r.json()["service"] == "berth-planner"
    assert sec.sql("SELECT extra::text FROM deployments WHERE org_id = %s AND external_id = %s",
                   sec.demo.org_id, theirs) == [(their_extra,)]
    _check(_extra(sec, theirs))  # the harbour's own row got the (redacted) resource
