"""A second organisation built in the test through ``store.importers``: a warehouse network whose
stations, KPIs, services, metric names, change ids and config keys look nothing like the demo's.

Everything the tests assert is recomputed from the data written here (``Org2.truth`` holds the
injected facts: where a shift starts, which change moved which metric).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from store.importers import run_import
from tests.integration.import_support import write_file

SLUG = "northwind"
NOW = dt.datetime(2026, 10, 15, 12, 0, tzinfo=dt.UTC)  # the org's "now" (as_of)
LAST_DAY = dt.date(2026, 10, 14)
DAYS = 420
STATIONS = [
    ("KRK1", "Krakow Hub", "CEU", "Central Europe"),
    ("WRO2", "Wroclaw Depot", "CEU", "Central Europe"),
    ("GDN3", "Gdansk Port", "NEU", "Northern Europe"),
    ("OSL4", "Oslo Crossdock", "NEU", "Northern Europe"),
]
# KPI, higher is better, aggregation, unit, per-station level
KPIS = {
    "PICK_ACCURACY": (True, "mean", "%", {"KRK1": 99.1, "WRO2": 97.4, "GDN3": 98.3, "OSL4": 95.9}),
    "LATE_SHIPMENTS": (False, "sum", "count", {"KRK1": 4.0, "WRO2": 9.0, "GDN3": 6.0, "OSL4": 12.0}),
}
SHIFT_STATION, SHIFT_KPI = "WRO2", "PICK_ACCURACY"
SHIFT_DAY = LAST_DAY - dt.timedelta(days=150)  # a drop five months ago: far outside any 30-day window
RECENT_KPI, RECENT_STATION = "LATE_SHIPMENTS", "OSL4"
RECENT_DAY = LAST_DAY - dt.timedelta(days=9)  # a jump in late shipments in the last days: needs attention


@dataclass
class Org2:
    org_id: int
    truth: dict[str, Any] = field(default_factory=dict)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")



def build_org2(conn: psycopg.Connection, tmp: Path) -> Org2:
    """Create the org and import every kind (all or nothing per file, as a user would)."""
    org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Northwind Logistics') RETURNING id",
                          (SLUG,)).fetchone()[0]
    conn.commit()
    rng = np.random.default_rng(20261015)
    truth: dict[str, Any] = {"kpi_points": {}}

    write_file(tmp / "stations.json", [{"code": c, "name": n, "region": r, "region_name": rn} for c, n, r, rn in STATIONS])
    run_import(conn, SLUG, "stations", tmp / "stations.json")
    write_file(tmp / "kpidefs.json", [
        {"code": "PICK_ACCURACY", "name": "Pick accuracy", "unit": "%", "aggregation": "mean", "decimals": 2,
         "higher_is_better": True, "aliases": ["picking accuracy"], "related_services": ["ledger.core"]},
        {"code": "LATE_SHIPMENTS", "name": "Late shipments", "unit": "count", "aggregation": "sum", "decimals": 0,
         "higher_is_better": False, "aliases": ["late orders"], "related_services": ["edge_gw"]},
    ])
    run_import(conn, SLUG, "kpi-definitions", tmp / "kpidefs.json")

    lines = ["date,station,kpi,value"]
    first = LAST_DAY - dt.timedelta(days=DAYS - 1)
    for kpi, (_hib, _agg, _unit, levels) in KPIS.items():
        for code, level in levels.items():
            for i in range(DAYS):
                day = first + dt.timedelta(days=i)
                if kpi == "PICK_ACCURACY":
                    v = level + rng.normal(0, 0.25)
                    if code == SHIFT_STATION and day >= SHIFT_DAY:
                        v -= 2.5
                    v = round(min(v, 100.0), 2)
                else:
                    lam = level * (3.0 if code == RECENT_STATION and day >= RECENT_DAY else 1.0)
                    v = float(rng.poisson(lam))
                truth["kpi_points"][(kpi, code, day)] = v
                lines.append(f"{day},{code},{kpi},{v}")
    (tmp / "kpis.csv").write_text("\n".join(lines) + "\n")
    run_import(conn, SLUG, "kpis", tmp / "kpis.csv")

    # Services: ledger.core depends on nothing recorded; edge_gw depends on ledger.core; inventory-sync is alone.
    write_file(tmp / "services.json", [
        {"name": "ledger.core", "team": "money"},
        {"name": "edge_gw", "team": "platform", "depends_on": ["ledger.core"]},
        {"name": "inventory-sync", "team": "stock"},
    ])
    run_import(conn, SLUG, "services", tmp / "services.json")

    # Two days of 5-minute metrics named unlike the demo's: p99_ms, rps, http_5xx_ratio (the importer wants a leading letter).
    change_at = dt.datetime(2026, 10, 14, 9, 0, tzinfo=dt.UTC)  # CFG: ledger.core pool shrunk
    onset = change_at + dt.timedelta(minutes=10)
    start = NOW - dt.timedelta(hours=48)
    mlines = ["ts,service,metric,value"]
    for svc in ("ledger.core", "edge_gw", "inventory-sync"):
        t = start
        while t <= NOW:
            bad = svc == "ledger.core" and t >= onset
            mlines.append(f"{_iso(t)},{svc},http_5xx_ratio,{max(0.0, (0.04 if bad else 0.004) + rng.normal(0, 0.001)):.5f}")
            mlines.append(f"{_iso(t)},{svc},p99_ms,{(420 if bad else 140) + rng.normal(0, 6):.1f}")
            mlines.append(f"{_iso(t)},{svc},rps,{900 + rng.normal(0, 20):.1f}")
            t += dt.timedelta(minutes=5)
    (tmp / "metrics.csv").write_text("\n".join(mlines) + "\n")
    run_import(conn, SLUG, "metrics", tmp / "metrics.csv")

    shipped, unshipped = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "ffee0011223344556677889900aabbccddeeff00"
    (tmp / "commits.jsonl").write_text("\n".join(json.dumps(c) for c in [
        {"sha": shipped, "service": "edge_gw", "message": "Tune upstream keepalive", "author": "marta.k",
         "committed_at": "2026-10-12T10:00:00Z", "merged_at": "2026-10-12T11:00:00Z",
         "files": [{"path": "src/http/upstream_client.go", "additions": 8, "deletions": 2}]},
        {"sha": unshipped, "service": "edge_gw", "message": "Exponential retry backoff for ledger calls",
         "author": "jonas.b", "committed_at": "2026-10-13T16:00:00Z",
         "files": [{"path": "src/retry/backoff.go", "additions": 30, "deletions": 4}]},
    ]) + "\n")
    run_import(conn, SLUG, "commits", tmp / "commits.jsonl")
    write_file(tmp / "deployments.json", [
        {"external_id": "rel/edge_gw/2026.10.12-1", "service": "edge_gw", "version": "v88", "deployed_by": "marta.k",
         "started_at": "2026-10-12T13:00:00Z", "finished_at": "2026-10-12T13:09:00Z", "commits": [shipped]},
        # no commit range, no commits: contents unknown
        {"external_id": "rel/ledger/7731", "service": "ledger.core", "version": "build-7731", "deployed_by": "ci-bot",
         "started_at": "2026-10-13T08:00:00Z", "finished_at": "2026-10-13T08:04:00Z"},
        {"external_id": "rel/inv/55", "service": "inventory-sync", "version": "55", "deployed_by": "lena",
         "started_at": "2026-10-14T07:30:00Z", "finished_at": "2026-10-14T07:33:00Z"},
    ])
    run_import(conn, SLUG, "deployments", tmp / "deployments.json")
    write_file(tmp / "cfg.json", [
        {"external_id": "chg-9001", "service": "ledger.core", "key": "LEDGER.DB.POOL.MAX_SIZE", "old_value": "64",
         "new_value": "4", "changed_at": _iso(change_at), "changed_by": "piotr.w"},
        {"external_id": "chg-9002", "service": "ledger.core", "key": "ui.banner.text", "old_value": "hi",
         "new_value": "hello", "changed_at": "2026-10-14T06:00:00Z", "changed_by": "ola.n"},
        {"external_id": "chg-9003", "service": "edge_gw", "key": "FEATURE_FAST_ROUTING", "old_value": "false",
         "new_value": "true", "changed_at": "2026-10-10T12:00:00Z", "changed_by": "marta.k"},
    ])
    run_import(conn, SLUG, "config-changes", tmp / "cfg.json")

    # Tickets at "now": a mix of statuses, tiers, priorities, products; SLA outcomes follow from the timestamps.
    tickets = []
    tiers = ["enterprise", "business", "standard", "free"]
    prios = ["critical", "high", "medium", "low"]
    prods = ["DLP", "ZTNA", "SWG", "CASB"]
    for i in range(36):
        created = NOW - dt.timedelta(hours=3 * i + 1)
        status = ["open", "new", "pending", "resolved", "closed", "open"][i % 6]
        t: dict[str, Any] = {
            "external_id": f"NW-{7000 + i}", "subject": f"Warehouse scanner issue {i}", "content": "Scanner sync fails",
            "product": prods[i % 4], "priority": prios[(i // 2) % 4], "customer_tier": tiers[(i // 3) % 4],
            "status": status, "created_at": _iso(created), "customer": f"cust-{i % 5}",
        }
        if i % 3 != 2:
            t["first_response_at"] = _iso(created + dt.timedelta(minutes=5 + 20 * (i % 4)))
        if status in ("resolved", "closed"):
            t["resolved_at"] = _iso(created + dt.timedelta(minutes=60 + 90 * (i % 5)))
            t["resolution"] = "Re-paired the scanner."
        tickets.append(t)
    (tmp / "tickets.jsonl").write_text("\n".join(json.dumps(t) for t in tickets) + "\n")
    run_import(conn, SLUG, "tickets", tmp / "tickets.jsonl")

    # Incidents (no importer kind yet): written as the API would.
    with conn.transaction():
        sid = dict(conn.execute("SELECT name, id FROM services WHERE org_id = %s", (org_id,)).fetchall())
        for ext, svc, title, sev, status, started, resolved, summary in [
            ("OUT-77", "ledger.core", "Ledger writes failing", "sev2", "mitigated", onset, None,
             "Pool exhaustion on ledger.core; pool size restored by hand."),
            ("OUT-71", "edge_gw", "Gateway latency spike", "sev3", "resolved", NOW - dt.timedelta(days=9),
             NOW - dt.timedelta(days=9) + dt.timedelta(hours=2), "Upstream keepalive misconfigured; fixed in v87."),
            ("OUT-78", "inventory-sync", "Stock counts lagging", "sev4", "open", NOW - dt.timedelta(hours=3), None, None),
        ]:
            conn.execute(
                """INSERT INTO incidents (org_id, external_id, title, service_id, severity, status, started_at,
                       detected_at, resolved_at, summary) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (org_id, ext, title, sid[svc], sev, status, started, started + dt.timedelta(minutes=4), resolved,
                 summary))
    truth.update({"config_cause": "chg-9001", "metric_onset": onset, "shipped": shipped, "unshipped": unshipped,
                  "tickets": tickets})
    return Org2(org_id=org_id, truth=truth)


# ------------------------------------------------------------------ fixtures (import them into a test module)

import pytest  # noqa: E402

from store import migrate  # noqa: E402
from store.db import make_async_engine, make_sessionmaker  # noqa: E402
from tests.conftest import _create_database, _drop_database  # noqa: E402
from tools.base import ToolContext  # noqa: E402


@pytest.fixture(scope="module")
def org2_db(pg_server, tmp_path_factory):
    """Its own database, so the demo's shared database is left as found."""
    target = _create_database(pg_server, "opsgraph_org2")
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        org = build_org2(conn, tmp_path_factory.mktemp("org2"))
    yield target, org
    _drop_database(pg_server, target)


@pytest.fixture
async def ctx2(org2_db):
    target, org = org2_db
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org.org_id, now=NOW)
    await engine.dispose()


@pytest.fixture
async def demo_ctx(demo):
    anchor = dt.date.fromisoformat(demo.manifest["anchor"])
    engine = make_async_engine(demo.target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=demo.org_id,
                      now=dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.UTC) - dt.timedelta(minutes=1))
    await engine.dispose()
