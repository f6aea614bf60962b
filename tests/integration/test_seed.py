"""`opsgraph seed`: deterministic, idempotent, all-or-nothing, with its ground truth written beside it."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg

from demo import generate_demo
from store.seed import load_demo
from tests.conftest import DEMO_ANCHOR, REPO, count_rows

TABLES = ["regions", "stations", "kpi_definitions", "kpi_points", "services", "service_dependencies", "metric_points",
          "commits", "commit_files", "deployments", "deployment_commits", "config_changes", "incidents", "tickets",
          "documents"]


def test_seeding_twice_gives_the_same_manifest_and_counts(fresh_db, tmp_path):
    target = fresh_db()
    env = {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "OPSGRAPH_EMBEDDINGS": "hash"}
    cmd = [sys.executable, "-m", "opsgraph", "seed", "--anchor", DEMO_ANCHOR.isoformat()]
    first = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    manifest_path = tmp_path / "demo" / "manifest.json"
    m1 = json.loads(manifest_path.read_text())
    c1 = count_rows(target, TABLES)
    assert all(c1.values()), c1

    again = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "already loaded" in again.stdout
    assert count_rows(target, TABLES) == c1

    reset = subprocess.run([*cmd, "--reset"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert reset.returncode == 0, reset.stderr
    assert json.loads(manifest_path.read_text()) == m1
    assert count_rows(target, TABLES) == c1
    with psycopg.connect(target.conninfo) as conn:
        missing = conn.execute("SELECT count(*) FROM tickets WHERE embedding IS NULL").fetchone()[0]
        docs = conn.execute("SELECT count(*) FROM documents WHERE embedding IS NULL").fetchone()[0]
    assert missing == 0 and docs == 0


def test_manifest_matches_the_database(demo):
    m = demo.manifest
    with psycopg.connect(demo.target.conninfo) as conn:
        def ids(q):
            return {r[0] for r in conn.execute(q, (demo.org_id,))}

        incidents = ids("SELECT external_id FROM incidents WHERE org_id = %s")
        deployments = ids("SELECT external_id FROM deployments WHERE org_id = %s")
        configs = ids("SELECT external_id FROM config_changes WHERE org_id = %s")
        deployed = ids("""SELECT c.sha FROM deployment_commits dc JOIN commits c ON c.id = dc.commit_id
                          WHERE dc.org_id = %s""")
        labelled = ids("SELECT external_id FROM tickets WHERE org_id = %s AND product IS NOT NULL")
        secrets = conn.execute(
            "SELECT count(*) FROM config_changes WHERE org_id = %s AND is_secret AND (old_value IS NOT NULL OR new_value IS NOT NULL)",
            (demo.org_id,),
        ).fetchone()[0]
    for inc in m["incidents"]:
        assert inc["external_id"] in incidents
        cause = inc["cause"]
        assert cause["external_id"] in (deployments if cause["type"] == "deployment" else configs)
    assert not set(m["undeployed_commits"]) & deployed
    assert labelled == set(m["tickets"]["train"]) and not labelled & set(m["tickets"]["test"])
    assert secrets == 0


def test_a_failed_load_writes_nothing(fresh_db):
    target = fresh_db()
    data = generate_demo(seed=7, anchor=DEMO_ANCHOR)
    data.tickets[-1]["priority"] = "apocalyptic"  # violates a CHECK constraint at the very end of the load
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        try:
            load_demo(conn, data)
        except psycopg.errors.CheckViolation:
            pass
        else:  # pragma: no cover
            raise AssertionError("the bad ticket was accepted")
    assert sum(count_rows(target, ["orgs", *TABLES]).values()) == 0
