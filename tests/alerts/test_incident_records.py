"""Incidents from the user's systems: `opsgraph import incidents` and POST/PATCH /api/incidents, validated like
every import (line numbers, nothing written on a bad file, unknown services with close matches), accepting real
exports (ids of any shape, other tools' severities/statuses, unknown fields kept as metadata with a warning)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from store.importers import ImportRejected
from tests.alerts.conftest import ORG
from tests.conftest import REPO

EXAMPLE = REPO / "docs" / "import-examples" / "incidents.jsonl"


def _count(org, like: str) -> int:
    return org.rows("SELECT count(*) FROM incidents WHERE org_id = %s AND external_id LIKE %s", org.org_id, like)[0][0]


def test_import_accepts_real_exports_and_keeps_unknown_fields(alerts_org, tmp_path):
    org = alerts_org
    rows = [
        {"id": 90210, "service": "Ledger", "name": "Ledger double-posting", "priority": "P1", "state": "acknowledged",
         "created_at": "2026-10-02T07:15:00Z", "assignee": "ravi", "tags": ["money", "sev-review"]},
        {"external_id": "tw/2026/10/ops-3", "service": "quay-router", "title": "Edge 502s", "severity": "warning",
         "status": "closed", "started_at": "2026-10-04T11:00:00+02:00", "resolved_at": "2026-10-04T10:30:00Z"},
        {"external_id": "9f1c2d4e-0b7a-4c61-8e2f-5a3b6c7d8e9f", "title": "Vendor webhook backlog", "severity": "SEV0",
         "status": "mitigated", "started_at": "2026-10-05T03:00:00Z", "summary": "queue grew"},
    ]
    result = org.import_records("incidents", rows, tmp_path)
    assert result.rows == 3
    assert result.warnings and "'assignee'" in result.warnings[0] and "'tags'" in result.warnings[0]
    got = org.rows("SELECT i.external_id, s.name, i.severity, i.status, i.extra FROM incidents i "
                   "LEFT JOIN services s ON s.id = i.service_id WHERE i.external_id IN ('90210', 'tw/2026/10/ops-3', "
                   "'9f1c2d4e-0b7a-4c61-8e2f-5a3b6c7d8e9f') ORDER BY i.started_at")
    assert got == [
        ("90210", "ledger", "sev1", "open", {"assignee": "ravi", "tags": ["money", "sev-review"]}),
        ("tw/2026/10/ops-3", "quay-router", "sev3", "resolved", {}),
        ("9f1c2d4e-0b7a-4c61-8e2f-5a3b6c7d8e9f", None, "sev1", "mitigated", {}),
    ]
    again = org.import_records("incidents", rows, tmp_path)  # upsert: nothing new
    assert again.rows == 3 and _count(org, "90210") == 1


def test_a_bad_file_is_rejected_whole_with_line_numbers(alerts_org, tmp_path):
    org = alerts_org
    good = {"external_id": "OK-1", "service": "ledger", "title": "fine", "started_at": "2026-10-01T00:00:00Z"}
    bad = [
        good,
        {"external_id": "BAD-2", "service": "ledgerr", "title": "typo", "started_at": "2026-10-01T00:00:00Z"},
        {"external_id": "BAD-3", "title": "no tz", "started_at": "2026-10-01T00:00:00"},
        {"external_id": "BAD-4", "title": "sev", "severity": "apocalyptic", "started_at": "2026-10-01T00:00:00Z"},
        {"external_id": "BAD-5", "title": "order", "started_at": "2026-10-02T00:00:00Z",
         "resolved_at": "2026-10-01T00:00:00Z"},
        {"external_id": "BAD-6", "started_at": "2026-10-01T00:00:00Z"},
        {**good},
        {"external_id": "BAD-8", "title": "nul", "started_at": "2026-10-01T00:00:00Z", "notes": "a\u0000b"},
    ]
    with pytest.raises(ImportRejected) as info:
        org.import_records("incidents", bad, tmp_path)
    errors = dict(info.value.errors)
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8}, errors
    assert "notes" in errors[8] and "NUL" in errors[8]
    assert "ledger" in errors[2] and "did you mean" in errors[2]
    assert "timezone" in errors[3] and "apocalyptic" in errors[4] and "before started_at" in errors[5]
    assert "title" in errors[6] and "duplicate" in errors[7]
    assert _count(org, "OK-1") == 0 and _count(org, "BAD-%") == 0


def test_cli_imports_the_example_and_warns_about_kept_fields(alerts_org, tmp_path):
    org = alerts_org
    org.import_records("services", [{"name": "ramp-ops"}, {"name": "crew-db"}], tmp_path)
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": org.target.sqlalchemy_url, "OPSGRAPH_HOME": str(org.home),
           "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash", "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "opsgraph", "import", "incidents", str(EXAMPLE), "--org", ORG],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "Imported 3 incidents" in out.stdout
    assert "warning" in out.stderr and "assignee" in out.stderr
    broken = tmp_path / "broken.jsonl"
    broken.write_text(EXAMPLE.read_text() + '{"external_id": "x", "title": "t", "started_at": "yesterday-ish"}\n')
    bad = subprocess.run([sys.executable, "-m", "opsgraph", "import", "incidents", str(broken), "--org", ORG],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1 and "line 4" in bad.stderr and "Traceback" not in bad.stderr


async def test_post_and_patch_incidents(client, alerts_org):
    org = alerts_org
    body = {"external_id": "OPS-77-b", "service": "vault-cache", "title": "Cache stampede", "severity": "S2",
            "status": "triggered", "started_at": "2026-10-20T09:00:00Z", "runbook_url": "https://wiki.test/rb/7"}
    assert (await client.post("/api/incidents", headers=org.h("viewer"), json=body)).status_code == 403
    r = await client.post("/api/incidents", headers=org.h(), json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["incident"]["severity"] == "sev2" and out["incident"]["status"] == "open"
    assert out["metadata"] == {"runbook_url": "https://wiki.test/rb/7"} and "runbook_url" in out["warnings"][0]
    assert (await client.post("/api/incidents", headers=org.h(), json=body)).status_code == 409

    typo = await client.post("/api/incidents", headers=org.h(), json={**body, "external_id": "OPS-78",
                                                                      "service": "vault-cash"})
    assert typo.status_code == 422 and "vault-cache" in typo.json()["suggestions"]
    for bad in ({**body, "external_id": "OPS-79", "started_at": "2026-10-20T09:00:00"},
                {**body, "external_id": "OPS-80", "severity": "meh"},
                {"title": "no id", "started_at": "2026-10-20T09:00:00Z"},
                {**body, "external_id": "x" * 65}, {**body, "external_id": "OPS-81", "summary": "a\u0000b"},
                {**body, "external_id": "OPS-82", "extra_notes": {"k": "\u0000"}}):
        resp = await client.post("/api/incidents", headers=org.h(), json=bad)
        assert resp.status_code == 422, (bad, resp.text)
        assert "Traceback" not in resp.text and "SELECT" not in resp.text
    assert _count(org, "OPS-7_") == 0 and _count(org, "OPS-8_") == 0

    p = await client.patch("/api/incidents/ops-77-b", headers=org.h(), json={
        "status": "resolved", "resolved_at": "2026-10-20T10:10:00Z", "postmortem": "PM-3"})
    assert p.status_code == 200, p.text
    assert p.json()["incident"]["status"] == "resolved"
    assert p.json()["metadata"] == {"runbook_url": "https://wiki.test/rb/7", "postmortem": "PM-3"}
    order = await client.patch("/api/incidents/OPS-77-b", headers=org.h(), json={"resolved_at": "2026-10-19T00:00:00Z"})
    assert order.status_code == 422 and "before started_at" in order.json()["detail"]
    assert (await client.patch("/api/incidents/OPS-77-b", headers=org.h(), json={})).status_code == 422
    assert (await client.patch("/api/incidents/OPS-77-b", headers=org.h(), json={"external_id": "Z"})).status_code == 422
    missing = await client.patch("/api/incidents/OPS-77-c", headers=org.h(), json={"status": "open"})
    assert missing.status_code == 404 and "OPS-77-b" in missing.json()["suggestions"]
    other = await client.patch("/api/incidents/OPS-77-b", headers=org.h("other_member"), json={"status": "open"})
    assert other.status_code == 404
    detail = (await client.get("/api/incidents/OPS-77-b", headers=org.h("viewer"))).json()
    assert detail["incident"]["resolved_at"].startswith("2026-10-20T10:10")


def test_analyze_filter_picks_one_series(tmp_path):
    rows = ["day,depot,dwell_minutes"]
    for d in range(1, 41):
        rows.append(f"2026-03-{(d - 1) % 28 + 1:02d}T00:00:00Z,north,{30 + (25 if d > 28 else 0) + d % 3}".replace(
            f"2026-03-{(d - 1) % 28 + 1:02d}", f"2026-{3 + (d - 1) // 28:02d}-{(d - 1) % 28 + 1:02d}"))
        rows.append(rows[-1].replace(",north,", ",south,").rsplit(",", 1)[0] + f",{80 + d % 4}")
    csv = tmp_path / "dwell.csv"
    csv.write_text("\n".join(rows) + "\n")
    env = {"PATH": "/usr/bin:/bin", "OPSGRAPH_LLM": "offline", "COLUMNS": "200"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "opsgraph", "analyze", str(csv), *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120, check=False)

    merged = cli("--json")
    assert merged.returncode != 0 and "--filter depot=north" in merged.stderr
    north = json.loads(cli("--filter", "depot=north", "--json").stdout)
    south = json.loads(cli("--filter", "DEPOT=South", "--json").stdout)
    assert len(north["stages"]) == 2 and abs(north["stages"][1]["start"] - 28) <= 3
    assert len(south["stages"]) == 1 and 79 < south["stages"][0]["cl"] < 84
    nope = cli("--filter", "depot=east")
    assert nope.returncode != 0 and "north" in nope.stderr and "south" in nope.stderr
