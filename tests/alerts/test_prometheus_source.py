"""Prometheus as a metric source: the PromQL mappings (API and CLI), Postgres first when it holds the window,
and an unreachable Prometheus said plainly while the investigation goes on."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from tests.alerts.conftest import (
    ORG,
    alert,
    iso,
    payload,
    utcnow,
    wait_hypotheses,
    wait_run,
)
from tests.api.helpers import free_port
from tests.conftest import REPO


async def test_promql_mappings_through_the_api(client, alerts_org):
    org = alerts_org
    url = "/api/services/quay-router/promql/p99_latency_ms"
    body = {"promql": 'histogram_quantile(0.99, sum by (le) (rate(req_seconds_bucket{app="$service"}[5m]))) * 1000',
            "step_seconds": 30}
    assert (await client.put(url, headers=org.h("viewer"), json=body)).status_code == 403
    r = await client.put(url, headers=org.h(), json=body)
    assert r.status_code == 200 and r.json()["service"] == "quay-router"
    listed = (await client.get("/api/services/quay-router/promql", headers=org.h("viewer"))).json()["items"]
    assert [(i["metric"], i["step_seconds"]) for i in listed] == [("p99_latency_ms", 30)]
    # Another organisation sees none of it; an unknown service answers 404 with close matches.
    assert (await client.get("/api/services/quay-router/promql", headers=org.h("other_member"))).status_code == 404
    miss = await client.put("/api/services/quay-routr/promql/p99_latency_ms", headers=org.h(), json=body)
    assert miss.status_code == 404 and "quay-router" in miss.json()["suggestions"]
    bad = await client.put("/api/services/quay-router/promql/p99 latency", headers=org.h(), json=body)
    assert bad.status_code == 422
    assert (await client.put(url, headers=org.h(), json={"promql": ""})).status_code == 422
    assert (await client.delete(url, headers=org.h())).status_code == 204
    assert (await client.delete(url, headers=org.h())).status_code == 404


def test_promql_cli_set_list_delete(alerts_org):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": alerts_org.target.sqlalchemy_url,
           "OPSGRAPH_HOME": str(alerts_org.home), "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "opsgraph", *args], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=120, check=False)

    out = cli("promql", "set", "vault-cache", "hit_ratio", 'avg(cache_hits_ratio{svc="$service"})', "--step", "15",
              "--org", ORG)
    assert out.returncode == 0, out.stderr
    listed = json.loads(cli("promql", "list", "--org", ORG, "--json").stdout)
    assert {"service": "vault-cache", "metric": "hit_ratio"}.items() <= next(
        r for r in listed if r["metric"] == "hit_ratio").items()
    typo = cli("promql", "set", "vault-cach", "hit_ratio", "up", "--org", ORG)
    assert typo.returncode != 0 and "vault-cache" in typo.stderr and "Traceback" not in typo.stderr
    assert cli("promql", "delete", "vault-cache", "hit_ratio", "--org", ORG).returncode == 0
    gone = cli("promql", "delete", "vault-cache", "hit_ratio", "--org", ORG)
    assert gone.returncode != 0 and "no PromQL" in gone.stderr


async def test_postgres_first_when_it_holds_the_window(alerts_org, tmp_path):
    from store.db import make_async_engine, make_sessionmaker
    from tools.base import ToolContext
    from tools.prometheus import prometheus_metrics

    org = alerts_org
    t0 = utcnow().replace(second=0) - dt.timedelta(days=20)
    rows = ["ts,service,metric,value"] + [f"{iso(t0 + dt.timedelta(minutes=5 * i))},vault-cache,evictions,{i % 3}"
                                          for i in range(12)]
    path = tmp_path / "m.csv"
    path.write_text("\n".join(rows) + "\n")
    import psycopg

    from store.importers import run_import

    with psycopg.connect(org.target.conninfo, autocommit=True) as conn:
        run_import(conn, ORG, "metrics", path)
        conn.execute("INSERT INTO service_promql (org_id, service_id, metric, promql) SELECT %s, id, 'evictions', "
                     "'sum(evictions_total)' FROM services WHERE org_id = %s AND name = 'vault-cache'",
                     (org.org_id, org.org_id))
    engine = make_async_engine(org.target)
    try:
        ctx = ToolContext(sessions=make_sessionmaker(engine), org_id=org.org_id,
                          prometheus_url=f"http://127.0.0.1:{free_port()}")  # nothing listens there
        out = await prometheus_metrics(ctx, service="vault-cache", start=t0, end=t0 + dt.timedelta(hours=1))
        (w,) = out.result.windows
        assert w.source == "postgres" and len(w.points) == 12 and out.evidence[0].ref["source"] == "postgres"
    finally:
        await engine.dispose()
        with psycopg.connect(org.target.conninfo, autocommit=True) as conn:
            conn.execute("DELETE FROM service_promql WHERE metric = 'evictions'")


async def test_unreachable_prometheus_is_said_and_the_investigation_goes_on(client, alerts_org):
    org = alerts_org
    starts = utcnow() - dt.timedelta(days=11)
    r = await client.post("/api/webhooks/deployments", headers=org.h(), json={
        "external_id": "ldg-hotfix-88", "service": "ledger", "version": "7.0.1",
        "started_at": iso(starts - dt.timedelta(minutes=9)), "finished_at": iso(starts - dt.timedelta(minutes=6))})
    assert r.status_code in (200, 201)
    await client.put("/api/alerts/settings", headers=org.h("admin"),
                     json={"prometheus_url": f"http://127.0.0.1:{free_port()}"})
    await client.put("/api/services/ledger/promql/error_rate", headers=org.h(),
                     json={"promql": 'max(tidewater_error_ratio{service="$service"})'})
    try:
        resp = await client.post("/api/webhooks/alertmanager", headers=org.h(),
                                 json=payload(alert("e0e0000000000001", starts=starts)))
        (got,) = resp.json()["incidents"]
        run = await wait_run(client, org, got["run_id"])
        assert run["status"] == "completed"
        assert "unreachable" in run["answer"] and "Prometheus" in run["answer"]
        hyps = await wait_hypotheses(org, got["run_id"])
        assert hyps and hyps[0][1] == "ldg-hotfix-88"
        failed = [c for c in run["tool_calls"] if c["tool"] == "prometheus_metrics"]
        assert failed and failed[0]["status"] == "error"
    finally:
        await client.put("/api/alerts/settings", headers=org.h("admin"), json={})
        await client.delete("/api/services/ledger/promql/error_rate", headers=org.h())


def test_alerts_settings_cli(alerts_org):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": alerts_org.target.sqlalchemy_url, "COLUMNS": "200",
           "OPSGRAPH_HOME": str(alerts_org.home), "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "opsgraph", "alerts", "settings", "--org", ORG, *args], env=env,
                              cwd=REPO, capture_output=True, text=True, timeout=120, check=False)

    try:
        out = cli("--prometheus-url", "http://prom.tide.test:9090/", "--label", "app", "--label", "service",
                  "--map", "ledger-blue=ledger", "--join-window", "45")
        assert out.returncode == 0, out.stderr
        assert "http://prom.tide.test:9090" in out.stdout and "app, service" in out.stdout and "45 min" in out.stdout
        (row,) = alerts_org.rows("SELECT prometheus_url, service_labels, service_map, join_window_minutes "
                                 "FROM alert_settings WHERE org_id = %s", alerts_org.org_id)
        assert row == ("http://prom.tide.test:9090", ["app", "service"], {"ledger-blue": "ledger"}, 45)
        bad = cli("--map", "ledger-green=ledgr")
        assert bad.returncode != 0 and "ledger" in bad.stderr and "Traceback" not in bad.stderr
        assert cli("--prometheus-url", "prom:9090").returncode != 0
    finally:
        alerts_org.rows("DELETE FROM alert_settings WHERE org_id = %s RETURNING org_id", alerts_org.org_id)
