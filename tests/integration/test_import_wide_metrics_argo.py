"""The ``metrics`` CSV import in the layouts spreadsheets and exporters write — a column per metric, a column per
service, thousands separators, decimal commas — with ambiguous shapes refused by line and nothing written; and
Argo CD Application resources (the app's name two levels deep, ``metadata.name``) as deployments. On a quarry
operator built here and on a private copy of the demo (its own service names, read from its database)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest

from store import migrate
from store.importers import ImportRejected, run_import
from tests.conftest import _create_database, _drop_database, count_rows, demo_database
from tests.integration.import_support import write_file

SLUG = "redcliff"
SERVICES = ["Crusher.Ctl", "weighbridge-api", "conveyor-plc"]


@pytest.fixture
def quarry(pg_server, tmp_path):
    target = _create_database(pg_server, "opsgraph_quarry")
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Redcliff Quarries') RETURNING id",
                              (SLUG,)).fetchone()[0]
        (tmp_path / "services.json").write_text(json.dumps([{"name": n} for n in SERVICES]))
        run_import(conn, SLUG, "services", tmp_path / "services.json")
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
def demo_copy(pg_server, demo_template):
    with demo_database(pg_server, demo_template, "opsgraph_widemetrics") as d:
        yield d


def _points(conninfo: str, org_id: int) -> dict[tuple[str, str, dt.datetime], float]:
    with psycopg.connect(conninfo) as conn:
        return {(s, m, ts): v for s, m, ts, v in conn.execute(
            """SELECT s.name, p.metric, p.ts, p.value FROM metric_points p JOIN services s ON s.id = p.service_id
               WHERE p.org_id = %s""", (org_id,))}



def _ts(h: int) -> dt.datetime:
    return dt.datetime(2026, 6, 2, h, 0, tzinfo=dt.UTC)


def _wide_files(tmp: Path, a: str, b: str) -> tuple[Path, Path]:
    """A column per metric (commas, thousands commas, a notes column) and a column per service (``;``, decimal
    commas, thousands points), for services ``a`` and ``b`` written in another case."""
    per_metric = write_file(tmp / "per-metric.csv", (
        "Timestamp,Service,Error Rate (%),p99-ms,Requests,notes\n"
        f"2026-06-02T08:00:00Z,{a.upper()},0.5,\"1,250\",\"12,400\",after the patch\n"
        f"2026-06-02T09:00:00Z,{a.upper()},0.7,\"1,310.5\",\"11,980\",\n"
        f"2026-06-02T08:00:00Z,{b},0.1,95,\"3,004\",\n"))
    per_service = write_file(tmp / "per-service.csv", (
        f"ts;metric;{a.lower()};{b}\n"
        "2026-06-02T10:00:00+00:00;queue_depth;1.234;2,5\n"
        "2026-06-02T11:00:00+00:00;queue_depth;;17\n"))  # an empty cell: no reading then
    return per_metric, per_service


def _check_wide(conninfo: str, org_id: int, a: str, b: str, per_metric: Path, per_service: Path) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        r = run_import(conn, SLUG if a in SERVICES else "demo", "metrics", per_metric)
        assert r.rows == 9 and any("notes" in w for w in r.warnings), r.warnings
        r = run_import(conn, SLUG if a in SERVICES else "demo", "metrics", per_service)
        assert r.rows == 3, r.warnings
    got = _points(conninfo, org_id)
    assert got[(a, "error_rate", _ts(8))] == 0.5 and got[(a, "p99_ms", _ts(9))] == 1310.5
    assert got[(a, "requests", _ts(8))] == 12400 and got[(b, "requests", _ts(8))] == 3004
    assert got[(a, "queue_depth", _ts(10))] == 1234 and got[(b, "queue_depth", _ts(10))] == 2.5
    assert got[(b, "queue_depth", _ts(11))] == 17 and (a, "queue_depth", _ts(11)) not in got


def test_wide_metrics_with_thousands_separators(quarry, tmp_path):
    target, org_id = quarry
    per_metric, per_service = _wide_files(tmp_path, "Crusher.Ctl", "weighbridge-api")
    _check_wide(target.conninfo, org_id, "Crusher.Ctl", "weighbridge-api", per_metric, per_service)


def test_ambiguous_metric_sheets_are_refused_and_write_nothing(quarry, tmp_path):
    target, _org = quarry
    cases = {
        # no service and no metric column: which service would these be?
        "ts,error_rate,p99_ms\n2026-06-02T08:00:00Z,0.5,120\n": (1, "has no service or metric column"),
        "ts,service,metric\n2026-06-02T08:00:00Z,conveyor-plc,belt_speed\n": (1, "no value column"),
        # a column per service that names no service of this organisation, holding numbers
        "ts,metric,conveyor-plc,crusher-ctrl\n2026-06-02T08:00:00Z,belt_speed,2.1,3\n":
            (1, "'crusher-ctrl' is not a known service"),
        # one bad cell in a wide file: its line, and nothing of the good rows written
        "ts,service,belt_speed\n2026-06-02T08:00:00Z,conveyor-plc,2.1\n2026-06-02T09:00:00Z,conveyor-plc,fast\n":
            (3, "value 'fast' is not a number"),
        # a thousands point with no decimal comma elsewhere: 1.234 could be either
        "ts;service;belt_speed\n2026-06-02T08:00:00Z;conveyor-plc;1.234\n": (2, "could be 1234"),
    }
    before = count_rows(target, ["metric_points"])
    for i, (text, (line, reason)) in enumerate(cases.items()):
        path = write_file(tmp_path / f"bad{i}.csv", text)
        with psycopg.connect(target.conninfo, autocommit=True) as conn, pytest.raises(ImportRejected) as info:
            run_import(conn, SLUG, "metrics", path)
        errors = dict(info.value.errors)
        assert line in errors and reason in errors[line], (text, info.value.errors)
    assert count_rows(target, ["metric_points"]) == before


def _argo(name: str, revision: str, phase: str, started: str, finished: str, history_id: int) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd", "uid": "4b1c-77"},
        "spec": {"source": {"repoURL": "https://git.example/infra.git", "targetRevision": "HEAD"},
                 "destination": {"namespace": "prod"}},
        "status": {"sync": {"status": "Synced", "revision": revision}, "health": {"status": "Healthy"},
                   "history": [{"id": history_id - 1, "revision": "0ld"}, {"id": history_id, "revision": revision}],
                   "operationState": {"phase": phase, "startedAt": started, "finishedAt": finished,
                                      "operation": {"initiatedBy": {"username": "ops-bot"}},
                                      "syncResult": {"revision": revision}}},
    }


def _check_argo(conninfo: str, slug: str, name: str, tmp: Path) -> None:
    items = [_argo(name, "9e2f41c", "Succeeded", "2026-06-02T07:00:00Z", "2026-06-02T07:03:30Z", 12)]
    listing = write_file(tmp / "apps.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    single = write_file(tmp / "app.json", json.dumps(_argo(name, "a77b03e", "Failed", "2026-06-03T07:00:00Z",
                                                       "2026-06-03T07:01:00Z", 13)))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert run_import(conn, slug, "deployments", listing).rows == 1
        assert run_import(conn, slug, "deployments", single).rows == 1
        assert run_import(conn, slug, "deployments", listing).rows == 1  # the same sync again: updated, not added
        rows = {r[0]: r[1:] for r in conn.execute(
            """SELECT d.external_id, s.name, d.version, d.status, d.started_at, d.finished_at, d.deployed_by, d.extra
               FROM deployments d JOIN services s ON s.id = d.service_id WHERE d.external_id LIKE %s""", (f"{name}#%",))}
    assert set(rows) == {f"{name}#12", f"{name}#13"}, rows
    svc, version, status, started, finished, by, extra = rows[f"{name}#12"]
    assert (svc, version, status, by) == (name, "9e2f41c", "succeeded", "ops-bot")
    assert started == dt.datetime(2026, 6, 2, 7, tzinfo=dt.UTC) and finished == dt.datetime(2026, 6, 2, 7, 3, 30, tzinfo=dt.UTC)
    assert extra["argocd_metadata"]["namespace"] == "argocd"  # kept, not guessed into a column
    assert rows[f"{name}#13"][1:3] == ("a77b03e", "failed")


def test_argo_cd_application_resources_as_deployments(quarry, tmp_path):
    target, _org = quarry
    _check_argo(target.conninfo, SLUG, "conveyor-plc", tmp_path)
    bad = write_file(tmp_path / "bad.json", json.dumps([_argo("sorting-line", "1", "Succeeded", "2026-06-02T07:00:00Z",
                                                          "2026-06-02T07:01:00Z", 3)]))
    before = count_rows(target, ["deployments"])
    with psycopg.connect(target.conninfo, autocommit=True) as conn, pytest.raises(ImportRejected) as info:
        run_import(conn, SLUG, "deployments", bad)
    assert "sorting-line" in str(info.value) and count_rows(target, ["deployments"]) == before


def test_demo_wide_metrics_and_argo(demo_copy, tmp_path):
    with psycopg.connect(demo_copy.target.conninfo) as conn:
        a, b = [r[0] for r in conn.execute("SELECT name FROM services WHERE org_id = %s ORDER BY name LIMIT 2",
                                           (demo_copy.org_id,))]
    per_metric, per_service = _wide_files(tmp_path, a, b)
    _check_wide(demo_copy.target.conninfo, demo_copy.org_id, a, b, per_metric, per_service)
    _check_argo(demo_copy.target.conninfo, "demo", a, tmp_path)


def test_the_documented_examples(pg_server, tmp_path):
    examples = Path(__file__).resolve().parents[2] / "docs" / "import-examples"
    target = _create_database(pg_server, "opsgraph_examples14")
    try:
        migrate.upgrade(target)
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            conn.execute("INSERT INTO orgs (slug, name) VALUES ('southline', 'Southline Ground')")
            run_import(conn, "southline", "services", examples / "services.json")
            r = run_import(conn, "southline", "metrics", examples / "metrics-wide.csv")
            assert r.rows == 9 and any("note" in w for w in r.warnings), r.warnings
            assert conn.execute("SELECT value FROM metric_points WHERE metric = 'p99_latency_ms' AND value > 1000"
                                ).fetchall() == [(1250.0,)]
            assert run_import(conn, "southline", "deployments", examples / "deployments-argocd.json").rows == 1
            assert conn.execute("SELECT external_id, version, status, deployed_by FROM deployments").fetchall() == [
                ("ramp-ops#42", "3f9a1c0e5b7d", "succeeded", "ana")]
    finally:
        _drop_database(pg_server, target)
