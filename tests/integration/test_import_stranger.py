"""A telecom NOC imports its own exports as a stranger would write them: `;` CSVs with decimal commas, a BOM,
CRLF line endings, extra and reordered columns, empty cells, non-ASCII site codes, upper-case service names,
numeric config values and other helpdesks' status words. Each file lands whole; a bad row still rejects its file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from store.importers import ImportRejected, run_import
from tests.conftest import count_rows

SITES = ["KÖL-NORD", "ŁDZ-01", "sev-es"]  # lower-case in the file: codes are matched case-insensitively
DAYS = [dt.date(2026, 9, 1) + dt.timedelta(d) for d in range(20)]


def _crlf_bom(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def _drop(site: str, i: int) -> float:
    return 2.5 if site == "ŁDZ-01" and i >= 10 else 0.75 + (i % 3) * 0.05


def _files(d: Path) -> dict[str, Path]:
    sites = _crlf_bom(d / "sites.jsonl", [json.dumps(
        {"code": s, "name": f"Vermittlung {s.title()}", "region": "WEST", "vendor": "Nokia"}, ensure_ascii=False,
    ) for s in SITES])
    defs = d / "kpi-defs.json"
    defs.write_text(json.dumps([
        {"code": "call_drop_pct", "name": "Call drop rate", "unit": "%", "higher_is_better": False, "decimals": 2},
        {"code": "OUTAGE_MIN", "name": "Outage minutes", "aggregation": "sum", "higher_is_better": False},
    ]), encoding="utf-8")
    kpi_lines = ["date;station;kpi;value;comment"]
    for i, day in enumerate(DAYS):
        for s in SITES:
            kpi_lines.append(f"{day};{s};call_drop_pct;{str(_drop(s, i)).replace('.', ',')};")
            kpi_lines.append(f"{day};{s};OUTAGE_MIN;{'' if i == 4 else i % 7};nightly")  # day 5: no reading
    kpis = _crlf_bom(d / "kpis.csv", kpi_lines)
    services = d / "services.json"
    services.write_text(json.dumps([
        {"name": "rating-engine", "tier": 1, "depends_on": ["HLR"]},
        {"name": "HLR", "team": "core", "tier": 1},
        {"name": "OSS.Collector", "tier": 3, "depends_on": ["HLR"], "owner_email": "oss@noc.example"},
    ]))
    metrics = _crlf_bom(d / "metrics.csv", ["timestamp\tservice\tmetric\tvalue\thost"] + [
        f"2026-10-10T{h:02d}:00:00+02:00\thlr\tmap_latency_ms\t{40 + h},5\thlr-a" for h in range(12)
    ])
    config = d / "config.json"
    config.write_text(json.dumps([
        {"external_id": "CFG-9", "service": "OSS.Collector", "key": "POLL_INTERVAL", "old_value": 300,
         "new_value": 60, "changed_at": "2026-10-09T09:00:00+02:00"},
        {"external_id": "CFG-10", "service": "Hlr", "key": "map.retry.enabled", "old_value": False,
         "new_value": True, "changed_at": "2026-10-09T10:00:00Z"},
    ]))
    incidents = _crlf_bom(d / "incidents.jsonl", [json.dumps(r) for r in [
        {"id": "NOC-7781", "service": "HLR", "title": "MAP latency", "severity": "Major", "status": "In Progress",
         "started_at": "2026-10-10T03:00:00+02:00"},
        {"id": "NOC-7782", "title": "Drop rate up", "severity": "P2", "status": "Resolved",
         "started_at": "2026-09-11T08:00:00+02:00", "resolved_at": "2026-09-12T08:00:00+02:00"},
    ]])
    tickets = d / "tickets.json"
    tickets.write_text(json.dumps([
        {"external_id": "TT-100", "subject": "No calls", "content": "Nobody can call since 8am", "priority": "Urgent",
         "status": "In Progress", "created_at": "2026-10-01T08:00:00+02:00"},
        {"external_id": 48211, "subject": "Invoice", "content": "Charged twice?", "status": "Solved",
         "created_at": "2026-10-02T10:00:00Z"},
    ]))
    return {"stations": sites, "kpi-definitions": defs, "kpis": kpis, "services": services, "metrics": metrics,
            "config-changes": config, "incidents": incidents, "tickets": tickets}


TABLES = ["stations", "kpi_definitions", "kpi_points", "services", "service_dependencies", "metric_points",
          "config_changes", "incidents", "tickets"]


@pytest.fixture
def noc(fresh_db):
    t = fresh_db()
    with psycopg.connect(t.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('noc', 'Network Operations')")
    return t


def test_noc_exports_land_as_written_and_reimport_changes_nothing(noc, tmp_path):
    files = _files(tmp_path)
    with psycopg.connect(noc.conninfo, autocommit=True) as conn:
        results = {kind: run_import(conn, "noc", kind, f) for kind, f in files.items()}
        counts = count_rows(noc, TABLES)
        for kind, f in files.items():
            run_import(conn, "noc", kind, f)
        assert count_rows(noc, TABLES) == counts, "a second import of the same files changed the row counts"

        assert "3 row(s) with an empty value skipped" in results["kpis"].warnings[0]
        assert counts["kpi_points"] == len(DAYS) * len(SITES) * 2 - 3
        codes = {c for (c,) in conn.execute("SELECT code FROM stations")}
        assert codes == {"KÖL-NORD", "ŁDZ-01", "SEV-ES"}
        drop = conn.execute(
            """SELECT p.value FROM kpi_points p JOIN stations s ON s.id = p.station_id
               JOIN kpi_definitions k ON k.id = p.kpi_id
               WHERE s.code = 'ŁDZ-01' AND k.code = 'CALL_DROP_PCT' AND p.day = '2026-09-15'""").fetchone()
        assert drop == (2.5,), "the decimal comma was read as a decimal point"
        lat = conn.execute("SELECT min(value), max(value) FROM metric_points").fetchone()
        assert lat == (40.5, 51.5)
        deps = set(conn.execute(
            """SELECT a.name, b.name FROM service_dependencies d JOIN services a ON a.id = d.service_id
               JOIN services b ON b.id = d.depends_on_id""").fetchall())
        assert deps == {("rating-engine", "HLR"), ("OSS.Collector", "HLR")}
        cfg = {k: (o, n) for k, o, n in conn.execute("SELECT key, old_value, new_value FROM config_changes")}
        assert cfg == {"POLL_INTERVAL": ("300", "60"), "map.retry.enabled": ("false", "true")}
        inc = dict(conn.execute("SELECT external_id, status FROM incidents").fetchall())
        assert inc == {"NOC-7781": "open", "NOC-7782": "resolved"}
        tk = dict(conn.execute("SELECT external_id, status FROM tickets").fetchall())
        assert tk == {"TT-100": "open", "48211": "resolved"}


def test_bad_rows_in_noc_files_are_explained_and_write_nothing(noc, tmp_path):
    files = _files(tmp_path)
    with psycopg.connect(noc.conninfo, autocommit=True) as conn:
        for kind in ("stations", "kpi-definitions", "services"):
            run_import(conn, "noc", kind, files[kind])
        before = count_rows(noc, TABLES)
        bad = tmp_path / "bad.csv"
        bad.write_text("date;station;kpi;value\r\n2026-09-01;KÖL-NORD;CALL_DROP_PCT;0,8\r\n"
                       "2026-09-02;KÖL-NORD;CALL_DROP_PCT;n/a\r\n2026-09-03;KOLN;CALL_DROP_PCT;0,9\r\n")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, "noc", "kpis", bad)
        errors = dict(info.value.errors)
        assert "'n/a' is not a number" in errors[3]
        assert "unknown station 'KOLN'" in errors[4] and "import stations first" in errors[4]

        defs = tmp_path / "defs.json"
        defs.write_text(json.dumps([{"code": "mttr.hours", "name": "MTTR", "higher_is_better": False}]))
        with pytest.raises(ImportRejected) as info:
            run_import(conn, "noc", "kpi-definitions", defs)
        ((line, reason),) = info.value.errors
        assert line == 1
        assert "'MTTR.HOURS' is not a valid code" in reason and "letters, digits or '_'" in reason
        assert "pattern" not in reason and "Value error" not in reason
        svc = tmp_path / "svc.json"
        svc.write_text(json.dumps([{"name": "rating engine"}]))
        with pytest.raises(ImportRejected, match="no spaces"):
            run_import(conn, "noc", "services", svc)
        assert count_rows(noc, TABLES) == before


def test_cli_shows_the_reason_with_brackets_intact(noc, tmp_path):
    svc = tmp_path / "svc.json"
    svc.write_text(json.dumps([{"name": "[core] HLR"}]))
    env = {"DATABASE_URL": noc.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "opsgraph", "import", "services", str(svc), "--org", "noc"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "'[core] HLR' is not a valid service name" in " ".join(out.stderr.split())


def test_kpi_days_across_a_dst_change_and_day_first_dates_and_no_guessing(noc, tmp_path):
    files = _files(tmp_path)
    with psycopg.connect(noc.conninfo, autocommit=True) as conn:
        for kind in ("stations", "kpi-definitions"):
            run_import(conn, "noc", kind, files[kind])
        ok = tmp_path / "days.csv"
        ok.write_text("date,station,kpi,value\n2026-10-24T00:00:00+02:00,SEV-ES,OUTAGE_MIN,3\n"
                      "2026-10-26T00:00:00+01:00,SEV-ES,OUTAGE_MIN,4\n01.11.2026,SEV-ES,OUTAGE_MIN,5\n"
                      "13.11.2026,SEV-ES,OUTAGE_MIN,6\n")
        run_import(conn, "noc", "kpis", ok)
        days = dict(conn.execute("SELECT day::text, value FROM kpi_points").fetchall())
        assert days == {"2026-10-24": 3, "2026-10-26": 4, "2026-11-01": 5, "2026-11-13": 6}
        ambiguous = tmp_path / "us.csv"
        ambiguous.write_text("date,station,kpi,value\n03/04/2026,SEV-ES,OUTAGE_MIN,1\n2026-02-30,SEV-ES,OUTAGE_MIN,1\n")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, "noc", "kpis", ambiguous)
        assert [(line, reason.split("; ")[0]) for line, reason in info.value.errors] == [
            (2, "date '03/04/2026' could be day/month or month/day"),
            (3, "date '2026-02-30' is not a date"),
        ]
        assert all("write YYYY-MM-DD (or DD.MM.YYYY)" in reason for _, reason in info.value.errors)
        assert conn.execute("SELECT count(*) FROM kpi_points").fetchone() == (4,)


def test_a_markdown_runbook_imports_as_written(noc, tmp_path):
    md = tmp_path / "hlr-failover.md"
    md.write_bytes("\ufeff---\r\nservice: HLR\r\ntags: [failover, ss7]\r\n---\r\n# HLR failover to the standby site\r\n\r\n"
                   "1. Check the SS7 link sets (STP-KÖL).\r\n2. Switch subscribers to HLR-B.\r\n".encode())
    plain = tmp_path / "restart_collector.markdown"
    plain.write_text("Restart the collector pods one at a time.\n", encoding="utf-8")
    with psycopg.connect(noc.conninfo, autocommit=True) as conn:
        for _ in range(2):
            run_import(conn, "noc", "runbooks", md)
            run_import(conn, "noc", "runbooks", plain)
        docs = {r[0]: r[1:] for r in conn.execute(
            "SELECT external_id, kind, title, service, tags, body FROM documents ORDER BY external_id")}
        assert docs.keys() == {"hlr-failover", "restart_collector"}
        kind, title, service, tags, body = docs["hlr-failover"]
        assert (kind, title, service, tags) == ("runbook", "HLR failover to the standby site", "HLR", ["failover", "ss7"])
        assert "Switch subscribers to HLR-B." in body and "---" not in body and "service:" not in body
        assert docs["restart_collector"][1] == "restart_collector"
        with pytest.raises(ImportRejected, match="only be imported as runbooks"):
            run_import(conn, "noc", "services", md)


def test_excel_sep_line_names_the_separator_and_lines_still_count_from_the_top(noc, tmp_path):
    files = _files(tmp_path)
    with psycopg.connect(noc.conninfo, autocommit=True) as conn:
        for kind in ("stations", "kpi-definitions"):
            run_import(conn, "noc", kind, files[kind])
        excel = tmp_path / "excel.csv"
        excel.write_text("sep=;\r\nstation;kpi;date;value\r\nSEV-ES;OUTAGE_MIN;2026-09-01;1,5\r\n"
                         "SEV-ES;OUTAGE_MIN;2026-09-02;kaputt\r\n")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, "noc", "kpis", excel)
        assert info.value.errors == [(4, "value 'kaputt' is not a number")]
        excel.write_text(excel.read_text().replace("kaputt", "2,25"))
        run_import(conn, "noc", "kpis", excel)
        assert sorted(conn.execute("SELECT value FROM kpi_points").fetchall()) == [(1.5,), (2.25,)]
