"""Benchmark: from Alertmanager's webhook to the investigation posted in Slack (local fake), offline.

What is built
-------------
A scratch database with an organisation of 12 services (a dependency chain) and, per service, a deployment a
few minutes before each alert's ``startsAt`` plus older decoys; a real uvicorn serving ``create_app`` with the
offline provider and Slack mounted against the local fake Slack Web API (``tests/slack/fake_slack.py``),
``OPSGRAPH_SLACK_ALERT_CHANNEL`` set.

What is measured
----------------
Per alert: the time from sending ``POST /api/webhooks/alertmanager`` (version 4 payload, one alert) until the
fake Slack has received the ``chat.postMessage`` of its investigation (incident, answer, ranked hypotheses) in
the alert channel. ``--alerts`` (20) alerts one after the other, then the same number at once (one payload each,
sent concurrently). Also the webhook's own response time (202).

Target: p95 < 5 s (incident.io posts its findings within 1–2 minutes).

    python bench/bench_alerts.py [--alerts 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from bench._db import machine, scratch_database

console = Console(width=140)
CHANNEL = "C0BENCHALR"
SECRET = "b3nchb3nchb3nchb3nchb3nchb3nch00"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def setup(target, n_services: int) -> tuple[str, list[str]]:
    from store.db import make_sync_engine
    from store.keys import create_key

    engine = make_sync_engine(target)
    with Session(engine) as s, s.begin():
        key = create_key(s, org_slug="bench-harbor", role="member", name="bench")[0].key
    engine.dispose()
    names = [f"svc-{i:02d}" for i in range(n_services)]
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        org = conn.execute("SELECT id FROM orgs WHERE slug = 'bench-harbor'").fetchone()[0]
        conn.execute("UPDATE orgs SET slack_team_id = 'T0FAKE001' WHERE id = %s", (org,))
        for n in names:
            conn.execute("INSERT INTO services (org_id, name) VALUES (%s, %s)", (org, n))
        ids = dict(conn.execute("SELECT name, id FROM services WHERE org_id = %s", (org,)).fetchall())
        for a, b in itertools.pairwise(names):
            conn.execute("INSERT INTO service_dependencies (org_id, service_id, depends_on_id) VALUES (%s, %s, %s)",
                         (org, ids[a], ids[b]))
    return key, names


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=20)
    args = ap.parse_args()

    from api.app import create_app
    from api.slack import SlackOptions
    from store.settings import Settings
    from tests.api.helpers import ThreadServer
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    await fake.start()
    os.environ["OPSGRAPH_SLACK_API_URL"] = fake.api_url  # the alert follow-up job's Slack client (any worker)
    with scratch_database() as target:
        key, services = setup(target, 12)
        settings = Settings(DATABASE_URL=target.sqlalchemy_url, OPSGRAPH_LLM="offline", OPSGRAPH_EMBEDDINGS="hash",
                            SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-bench",
                            OPSGRAPH_SLACK_ALERT_CHANNEL=CHANNEL)

        def factory():
            return create_app(settings, target=target, run_migrations=False,
                              slack=SlackOptions(api_url=fake.api_url, alert_interval_seconds=0))

        srv = await asyncio.to_thread(ThreadServer, factory)
        h = {"Authorization": f"Bearer {key}"}
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        try:
            async with httpx.AsyncClient(base_url=srv.base, headers=h, timeout=60) as client:
                async def deploy(i: int, starts: dt.datetime) -> None:
                    svc = services[i % len(services)]
                    for j, ago in enumerate((dt.timedelta(minutes=6), dt.timedelta(hours=5))):
                        body = {"external_id": f"rel-{i:03d}-{j}", "service": svc, "version": f"1.{i}.{j}",
                                "started_at": (starts - ago - dt.timedelta(minutes=3)).isoformat(),
                                "finished_at": (starts - ago).isoformat()}
                        r = await client.post("/api/webhooks/deployments", json=body)
                        assert r.status_code in (200, 201), r.text

                async def one(i: int, starts: dt.datetime) -> tuple[float, float]:
                    svc = services[i % len(services)]
                    alert = {"status": "firing", "labels": {"alertname": "ErrorBudgetBurn", "service": svc,
                                                            "severity": "critical"},
                             "annotations": {"summary": f"{svc} burning its error budget"},
                             "startsAt": starts.isoformat(), "endsAt": "0001-01-01T00:00:00Z",
                             "fingerprint": f"bench{i:011d}"}
                    body = {"version": "4", "status": "firing", "receiver": "opsgraph", "alerts": [alert]}
                    t0 = time.perf_counter()
                    r = await client.post("/api/webhooks/alertmanager", json=body)
                    t_ack = time.perf_counter() - t0
                    assert r.status_code == 202, r.text
                    inc = r.json()["incidents"][0]["incident_id"]
                    (post,) = await fake.wait_for(lambda: [c for c in fake.api("chat.postMessage", channel=CHANNEL)
                                                           if inc in c.blocks_text()], timeout=120)
                    elapsed = time.perf_counter() - t0
                    if i < 1000:
                        hits[0] += f"rel-{i:03d}-0" in post.blocks_text().split("Top hypotheses")[-1][:200]
                    return elapsed, t_ack

                n = args.alerts
                hits = [0]
                # Each alert in its own window (2 days apart), so each opens its own incident.
                starts = [now - dt.timedelta(days=2 * (i + 1)) for i in range(2 * n)]
                for i in range(2 * n):
                    await deploy(i, starts[i])
                await one(2 * n + 1000, now - dt.timedelta(days=900))  # warm-up (imports, first queries)
                seq = [await one(i, starts[i]) for i in range(n)]
                t0 = time.perf_counter()
                burst = await asyncio.gather(*(one(i, starts[i]) for i in range(n, 2 * n)))
                burst_wall = time.perf_counter() - t0
        finally:
            await asyncio.to_thread(srv.stop)
            await fake.stop()

    table = Table(title=f"Alertmanager webhook → investigation posted in Slack (fake), offline — {machine()}")
    for col in ("alerts", "mode", "p50 s", "p95 s", "max s", "webhook 202 p50 ms"):
        table.add_column(col, justify="right")
    for mode, rows in (("one after the other", seq), (f"all at once (wall {burst_wall:.1f} s)", burst)):
        total = [r[0] for r in rows]
        acks = [r[1] * 1000 for r in rows]
        table.add_row(str(len(rows)), mode, f"{statistics.median(total):.2f}", f"{pct(total, 0.95):.2f}",
                      f"{max(total):.2f}", f"{statistics.median(acks):.0f}")
    console.print(table)
    console.print(f"the alert's own deployment ranked first in the Slack post: {hits[0]}/{2 * args.alerts}")
    p95 = pct([r[0] for r in seq], 0.95)
    console.print(f"target p95 < 5 s (one after the other): {'met' if p95 < 5 else 'NOT met'} ({p95:.2f} s)")


if __name__ == "__main__":
    asyncio.run(main())
