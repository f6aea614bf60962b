"""A parcel carrier's questions about its services' queues: "queue depth of <service> now", "<service> job backlog"
name a service's own metric with a word that also means the ticket queue. Before, every such question was read as
a ticket question ("There are N open tickets…") whatever service it named. Now, with a service named, the answer is
that service's metric — its value now and whether that is within its usual range, recomputed here from the points
imported — and with no service named ("queue depth now", "how big is the backlog") or with tickets named ("tickets
in the sorter-api queue") it stays a ticket question. The organisation is imported through ``store.importers`` as a
user would (services, metrics CSV, tickets); questions go through :class:`Assistant` with ``as_of`` pinned."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import psycopg
import pytest

from store import migrate
from store.importers import run_import
from tests.conftest import _create_database, _drop_database
from tests.integration.qa_support import Thread, org_assistant

SLUG = "kestrel-parcel"
CLOCK = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 27)


def _metrics() -> str:
    """Ten days of 10-minute points: sorter-api's queue_depth (a daily swing) and error_rate; label-print's
    p95_latency_ms and dispatch.batch's backlog_jobs; the last sorter-api point well above its usual range."""
    start = CLOCK - dt.timedelta(days=10)
    rows = ["timestamp,service,metric,value"]
    for i in range(10 * 144):
        ts = (start + dt.timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        swing = 40 + 25 * math.sin(2 * math.pi * i / 144)
        rows += [f"{ts},sorter-api,queue_depth,{swing + (i * 7) % 5:.1f}",
                 f"{ts},sorter-api,error_rate,{0.4 + (i % 3) * 0.05:.2f}",
                 f"{ts},label-print,p95_latency_ms,{180 + (i * 11) % 17}",
                 f"{ts},dispatch.batch,backlog_jobs,{300 + (i * 13) % 40}"]
    rows.append(f"{CLOCK - dt.timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ},sorter-api,queue_depth,412.0")
    return "\n".join(rows) + "\n"


def _tickets() -> list[dict]:
    made = CLOCK - dt.timedelta(days=2)
    return [{"external_id": f"KP-{700 + i}", "subject": f"Parcel {i} scanned twice at the depot",
             "content": "The label printed twice and the parcel was sorted to two routes.",
             "created_at": (made + dt.timedelta(hours=i)).isoformat(), "status": "open" if i < 3 else "resolved",
             "priority": "high" if i == 0 else "medium"} for i in range(5)]


@pytest.fixture(scope="module")
def parcel(pg_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("parcel_org")
    (out / "services.json").write_text(json.dumps([{"name": "sorter-api", "team": "hub"},
                                                   {"name": "label-print", "team": "hub"},
                                                   {"name": "dispatch.batch", "team": "routing"}]), encoding="utf-8")
    (out / "metrics.csv").write_text(_metrics(), encoding="utf-8")
    (out / "tickets.json").write_text(json.dumps(_tickets()), encoding="utf-8")
    target = _create_database(pg_server, "opsgraph_qa_parcel")
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Kestrel Parcel') RETURNING id", (SLUG,)).fetchone()[0]
        conn.commit()
        for kind, name in (("services", "services.json"), ("metrics", "metrics.csv"), ("tickets", "tickets.json")):
            run_import(conn, SLUG, kind, out / name)
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture(scope="module")
async def assistant(parcel, pg_server):
    async with org_assistant(parcel[0], pg_server, CLOCK) as a:
        yield a


@pytest.fixture
def t(assistant, parcel):
    return Thread(assistant, parcel[1], AS_OF)


def _now_and_usual(conninfo: str, service: str, metric: str) -> tuple[float, float]:
    """The latest value and the 99th percentile of the week before its last 24 hours (the usual range's top)."""
    with psycopg.connect(conninfo) as conn:
        ts, value = conn.execute(
            """SELECT m.ts, m.value FROM metric_points m JOIN services s ON s.id = m.service_id
               WHERE s.name = %s AND m.metric = %s AND m.ts <= %s ORDER BY m.ts DESC LIMIT 1""",
            (service, metric, CLOCK)).fetchone()
        vals = [r[0] for r in conn.execute(
            """SELECT m.value FROM metric_points m JOIN services s ON s.id = m.service_id
               WHERE s.name = %s AND m.metric = %s AND m.ts > %s AND m.ts <= %s""",
            (service, metric, ts - dt.timedelta(days=8), ts - dt.timedelta(days=1)))]
    return float(value), float(np.percentile(vals, 99))


async def test_queue_depth_of_a_service_now_is_its_metric(t, parcel):
    value, high = _now_and_usual(parcel[0].conninfo, "sorter-api", "queue_depth")
    a = await t.ask("queue depth of sorter-api now")
    assert f"sorter-api queue_depth is {value:.4g} now" in a and f"{high:.4g}" in a, a
    assert "not normal: above its usual range" in a, a
    assert "ticket" not in a.lower(), a

    value, high = _now_and_usual(parcel[0].conninfo, "dispatch.batch", "backlog_jobs")
    a = await t.ask("what's the dispatch.batch job backlog right now?")
    assert f"dispatch.batch backlog_jobs is {value:.4g} now" in a and "normal: within its usual range" in a, a


async def test_without_a_service_the_queue_is_the_ticket_queue(t):
    for q in ("queue depth now", "how big is the backlog?", "how many tickets are in the sorter-api queue?"):
        a = await t.ask(q)
        assert "ticket" in a.lower() and "queue_depth" not in a, (q, a)
        assert "There are 5 tickets" in a and "open 3" in a, (q, a)  # the imported tickets, by status


async def test_a_service_without_such_a_metric_says_which_it_has(t):
    a = await t.ask("queue depth of label-print now")
    assert "queue_depth" not in a and "label-print" in a, a
    assert "p95_latency_ms" in a, a  # what it does report

