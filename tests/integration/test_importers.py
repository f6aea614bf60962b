"""`opsgraph import`: every kind takes its example file; one bad row rejects the whole file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from store.importers import ImportRejected, run_import
from tests.conftest import REPO, count_rows

EXAMPLES = REPO / "docs" / "import-examples"
# Kind, example file, tables it writes — in the order references need.
ORDER = [
    ("stations", "stations.json", ["stations", "regions"]),
    ("kpi-definitions", "kpi-definitions.json", ["kpi_definitions"]),
    ("kpis", "kpis.csv", ["kpi_points"]),
    ("services", "services.json", ["services", "service_dependencies"]),
    ("metrics", "metrics.csv", ["metric_points"]),
    ("commits", "commits.jsonl", ["commits", "commit_files"]),
    ("deployments", "deployments.json", ["deployments", "deployment_commits"]),
    ("config-changes", "config-changes.json", ["config_changes"]),
    ("tickets", "tickets.jsonl", ["tickets"]),
    ("runbooks", "runbooks.json", ["documents"]),
    ("freeze-windows", "freeze-windows.json", ["freeze_windows"]),
]
ALL_TABLES = sorted({t for _, _, ts in ORDER for t in ts})


def _corrupt(kind: str, src: Path, dst: Path) -> int:
    """Write ``src`` with its last row made invalid; return that row's line number."""
    text = src.read_text()
    if src.suffix == ".csv":
        lines = text.rstrip("\n").split("\n")
        cells = lines[-1].split(",")
        cells[-1] = "not-a-number"
        lines[-1] = ",".join(cells)
        dst.write_text("\n".join(lines) + "\n")
        return len(lines)
    if src.suffix == ".jsonl":
        lines = text.rstrip("\n").split("\n")
        obj = json.loads(lines[-1])
        lines[-1] = json.dumps([obj])  # not an object (unknown fields are kept as metadata, not rejected)
        dst.write_text("\n".join(lines) + "\n")
        return len(lines)
    items = json.loads(text)
    items[-1] = [items[-1]]
    dst.write_text("[\n" + ",\n".join(json.dumps(i) for i in items) + "\n]\n")
    return len(items) + 1  # one object per line after the opening bracket


@pytest.fixture
def target(fresh_db):
    t = fresh_db()
    with psycopg.connect(t.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('acme', 'Acme')")
    return t


def test_each_kind_imports_its_example_and_rejects_one_bad_row(target, tmp_path):
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        for kind, name, tables in ORDER:
            bad = tmp_path / f"bad-{name}"
            line = _corrupt(kind, EXAMPLES / name, bad)
            before = count_rows(target, ALL_TABLES)
            with pytest.raises(ImportRejected) as info:
                run_import(conn, "acme", kind, bad)
            assert any(err_line == line for err_line, _ in info.value.errors), (kind, info.value.errors)
            assert count_rows(target, ALL_TABLES) == before, f"{kind}: a rejected file wrote rows"

            result = run_import(conn, "acme", kind, EXAMPLES / name)
            assert result.rows > 0
            after = count_rows(target, tables)
            assert all(after[t] > 0 for t in tables), (kind, after)

            # Idempotent: the same file again changes no counts.
            run_import(conn, "acme", kind, EXAMPLES / name)
            assert count_rows(target, tables) == after


def test_secret_config_values_are_never_stored(target):
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        for kind, name, _ in ORDER[:8]:
            run_import(conn, "acme", kind, EXAMPLES / name)
        rows = conn.execute("SELECT key, old_value, new_value, is_secret FROM config_changes ORDER BY key").fetchall()
    secret = next(r for r in rows if r[0] == "DB_PASSWORD")
    assert secret[3] is True and "hunter" not in repr(secret)
    assert secret[1].startswith("[redacted sha256:") and secret[1] != secret[2], "the change stays visible"
    assert ("http.client.timeout_ms", "2000", "500", False) in rows


def test_commit_files_get_change_types(target):
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        for kind, name, _ in ORDER[:6]:
            run_import(conn, "acme", kind, EXAMPLES / name)
        types = dict(conn.execute("SELECT path, change_type FROM commit_files").fetchall())
    assert types == {
        "config/db.yaml": "config",
        "migrations/0042_add_shift_index.sql": "db_migration",
        "docs/oncall.md": "docs",
    }


def test_reference_errors_name_the_line_and_suggest(target, tmp_path):
    f = tmp_path / "metrics.csv"
    f.write_text("ts,service,metric,value\n2026-11-03T10:00:00Z,ramp-op,error_rate,0.1\n2026-11-03T10:00:00,ramp-ops,error_rate,0.1\n")
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        run_import(conn, "acme", "services", EXAMPLES / "services.json")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, "acme", "metrics", f)
    errors = dict(info.value.errors)
    assert "unknown service 'ramp-op'" in errors[2] and "ramp-ops" in errors[2]
    assert "timezone" in errors[3]


def test_unknown_org_and_kind(target, tmp_path):
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        with pytest.raises(ValueError, match="organisation 'nope' does not exist"):
            run_import(conn, "nope", "tickets", EXAMPLES / "tickets.jsonl")
        with pytest.raises(ValueError, match="unknown import kind"):
            run_import(conn, "acme", "widgets", EXAMPLES / "tickets.jsonl")


def test_cli_reports_bad_rows_with_line_numbers(target, tmp_path):
    bad = tmp_path / "tickets.jsonl"
    _corrupt("tickets", EXAMPLES / "tickets.jsonl", bad)
    env = {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "opsgraph", "import", "tickets", str(bad), "--org", "acme"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 1
    assert "line 2" in out.stderr and "JSON object" in out.stderr and "nothing was imported" in out.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "opsgraph", "import", "tickets", str(EXAMPLES / "tickets.jsonl"), "--org", "acme"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Imported 2 tickets" in ok.stdout
    with psycopg.connect(target.conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM tickets WHERE embedding IS NOT NULL").fetchone()[0] == 2


def test_change_types_from_paths():
    from store.changetypes import classify_path

    assert classify_path("requirements.txt") == "dependency"
    assert classify_path("services/api/package-lock.json") == "dependency"
    assert classify_path("docs/runbook.md") == "docs" and classify_path("README.md") == "docs"
    assert classify_path("tests/test_retry.py") == "test"
    assert classify_path("db/migrate/20261103_add_index.rb") == "db_migration"
    assert classify_path("src/client/retry_policy.py") == "timeout_retry"
    assert classify_path("src/auth/token.py") == "auth"
    assert classify_path("src/main.py") == "other"
