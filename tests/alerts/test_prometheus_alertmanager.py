"""End to end with a REAL Prometheus and a REAL Alertmanager: an exporter's error ratio jumps after a recorded
deployment, the alerting rule fires, Alertmanager delivers its webhook to a real opsgraph (uvicorn), and the
investigation ranks that deployment first, with the Prometheus series as evidence whose ref is the PromQL."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest

from tests.alerts.conftest import iso
from tests.alerts.stack import Exporter, Stack, start_alertmanager, start_prometheus

PROMQL = 'max(tidewater_error_ratio{service="$service"})'
RULE = {"alert": "LedgerErrorRatioHigh", "expr": "max by (service) (tidewater_error_ratio) > 0.1", "for": "2s",
        "labels": {"severity": "page"},
        "annotations": {"summary": "{{ $labels.service }} error ratio above 10%",
                        "description": "error ratio {{ $value }}"}}


def _poll(fn, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def server(alerts_org):
    from api.app import create_app
    from tests.api.helpers import ThreadServer
    from tests.conftest import settings_for

    settings = settings_for(alerts_org.target, alerts_org.home)
    srv = ThreadServer(lambda: create_app(settings, target=alerts_org.target, run_migrations=False))
    yield srv
    srv.stop()


@pytest.mark.slow
def test_alertmanager_webhook_to_investigation_with_prometheus_evidence(alerts_org, server, tmp_path):
    org = alerts_org
    h = org.h()
    stack = Stack(exporter=Exporter(["ledger", "quay-router"]))
    try:
        stack.alertmanager = start_alertmanager(tmp_path, f"{server.base}/api/webhooks/alertmanager", org.keys["member"])
        stack.prometheus = start_prometheus(tmp_path, stack.exporter.port, stack.alertmanager.base, [RULE])
        prom = stack.prometheus.base
        with httpx.Client(base_url=server.base, headers=h, timeout=30) as api:
            # Where Prometheus is, and which PromQL reads ledger's error rate (1 s steps: the test is short).
            assert api.put("/api/alerts/settings", headers=org.h("admin"), json={"prometheus_url": prom}).status_code == 200
            r = api.put("/api/services/ledger/promql/error_rate", json={"promql": PROMQL, "step_seconds": 1})
            assert r.status_code == 200, r.text

            # Baseline scraped for a few seconds.
            _poll(lambda: len(httpx.get(f"{prom}/api/v1/query_range", params={
                "query": PROMQL.replace("$service", "ledger"), "start": time.time() - 60, "end": time.time(),
                "step": "1s"}).json()["data"]["result"][:1] and httpx.get(f"{prom}/api/v1/query_range", params={
                "query": PROMQL.replace("$service", "ledger"), "start": time.time() - 60, "end": time.time(),
                "step": "1s"}).json()["data"]["result"][0]["values"]) >= 4, 60, "a baseline in Prometheus")

            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            changes = [
                {"external_id": "ldg-2026.11.30-1", "service": "ledger", "version": "7.3.1",
                 "started_at": iso(now - dt.timedelta(minutes=2)), "finished_at": iso(now - dt.timedelta(seconds=20))},
                {"external_id": "ldg-2026.11.29-4", "service": "ledger", "version": "7.3.0",
                 "started_at": iso(now - dt.timedelta(hours=7, minutes=5)), "finished_at": iso(now - dt.timedelta(hours=7))},
                {"external_id": "qr-551", "service": "quay-router", "version": "1.9.0",
                 "started_at": iso(now - dt.timedelta(minutes=3)), "finished_at": iso(now - dt.timedelta(minutes=1))},
            ]
            for c in changes:
                assert api.post("/api/webhooks/deployments", json=c).status_code in (200, 201)
            stack.exporter.set("ledger", 0.35)  # the deployment broke it

            fp_row = _poll(lambda: org.rows(
                "SELECT f.fingerprint, f.run_id, i.external_id, f.starts_at FROM alert_fingerprints f "
                "JOIN incidents i ON i.id = f.incident_id WHERE f.alertname = 'LedgerErrorRatioHigh' "
                "AND f.run_id IS NOT NULL AND f.starts_at > %s", now), 90, "Alertmanager's webhook")
            _, run_id, incident, starts_at = fp_row[0]
            assert starts_at >= now

            def finished() -> dict | None:
                body = api.get(f"/api/runs/{run_id}").json()
                return body if body["status"] in ("completed", "failed") else None

            def with_hypotheses() -> dict | None:
                body = api.get(f"/api/incidents/{incident}").json()
                return body if body["hypotheses"] else None

            run = _poll(finished, 90, "the investigation")
            assert run["trigger"] == "alert" and run["status"] == "completed", run.get("error")

            inc = _poll(with_hypotheses, 30, "the hypotheses")
            assert inc["incident"]["service"] == "ledger" and inc["incident"]["severity"] == "sev1"
            assert inc["hypotheses"][0]["subject"] == "ldg-2026.11.30-1", inc["hypotheses"]
            assert "qr-551" not in [x["subject"] for x in inc["hypotheses"]]

            metric = [e for e in run["evidence"] if e["kind"] == "metric_series"]
            assert metric, [e["kind"] for e in run["evidence"]]
            ev = api.get(f"/api/evidence/{metric[0]['id']}").json()
            ref = ev["ref"]
            assert ref["promql"] == 'max(tidewater_error_ratio{service="ledger"})'
            assert ref["step"] == "1s" and ref["start"] and ref["end"] and ref["url"].startswith(prom)
            # The series shows the baseline and the jump (startsAt lags the jump by the rule's `for:`).
            values = [v for _, v in ev["payload"]["points"] if v is not None]
            assert min(values) < 0.01 and max(values) > 0.3 and ev["payload"]["after_mean"] > 0.3
            assert "Prometheus" in ev["summary"]
            assert f"[E:{metric[0]['id']}]" in run["answer"]

            # The same alert keeps firing: Alertmanager re-notifies, no second run.
            stack.exporter.set("ledger", 0.004)
            _poll(lambda: org.rows("SELECT status FROM incidents WHERE external_id = %s", incident)[0][0] == "mitigated",
                  90, "the resolved notification")
            assert org.rows("SELECT count(*) FROM runs WHERE trigger = 'alert' AND question LIKE %s",
                            f"%{incident}%")[0][0] == 1
    finally:
        stack.stop()
        with httpx.Client(base_url=server.base, headers=org.h("admin"), timeout=30) as api:
            api.put("/api/alerts/settings", json={})
            api.delete("/api/services/ledger/promql/error_rate")


def test_missing_binaries_fail_under_ci_and_skip_elsewhere(monkeypatch):
    from tests.alerts.stack import binary

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="prometheus-alertmanager"):
        binary("prometheus-alertmanager", "alertmanager")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        binary("prometheus")
