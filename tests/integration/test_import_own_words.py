"""A motorway-services operator imports what its own tools export, in its own words: sites grouped by "Corridor"
(with a "Corridor Name"), a KPI sheet dated by "Business Date", config changes saying "who", commits whose files
carry git's statuses ("deleted"), and incidents without extra fields. A KPI sheet imported before any site is
refused with what to do first."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from store.importers import ImportRejected, run_import
from tests.integration.import_support import org_database, write_file

ORG = "waymark"


@pytest.fixture
def waymark(fresh_db):
    return org_database(fresh_db, (ORG, "Waymark Services"))



def test_a_sites_grouping_under_its_own_word_and_a_sheet_before_its_sites(waymark, tmp_path):
    with psycopg.connect(waymark.conninfo, autocommit=True) as conn:
        run_import(conn, ORG, "kpi-definitions", write_file(tmp_path / "defs.csv", "KPI,Name,Unit,Direction\n"
                                                        "FUEL_OUT,Fuel outages,outages,lower is better\n"))
        sheet = write_file(tmp_path / "daily.csv", "Business Date,plaza_ref,Fuel outages\n2027-01-04,WM-A14-05,2\n")
        with pytest.raises(ImportRejected) as info:  # before: "has no station or kpi column" and nothing more
            run_import(conn, ORG, "kpis", sheet)
        assert "no stations are imported yet: import stations first" in dict(info.value.errors)[1]
        sites = write_file(tmp_path / "plazas.csv", "Plaza ID,Plaza Name,Corridor,Corridor Name,Pumps\n"
                                                "WM-A14-05,Cambridge Services,EA,East Anglia corridor,16\n"
                                                "WM-M11-08,Birchanger Green,EA,East Anglia corridor,12\n"
                                                "WM-M5-22,Gordano Services,SW,South West corridor,10\n")
        result = run_import(conn, ORG, "stations", sites)  # before: "region: Field required" on every line
        assert result.rows == 3
        got = dict(conn.execute("SELECT s.code, r.name FROM stations s JOIN regions r ON r.id = s.region_id").fetchall())
        assert got == {"WM-A14-05": "East Anglia corridor", "WM-M11-08": "East Anglia corridor",
                       "WM-M5-22": "South West corridor"}
        run_import(conn, ORG, "kpis", sheet)  # "Business Date" is the date column
        assert conn.execute("SELECT day::text, value FROM kpi_points").fetchall() == [("2027-01-04", 2.0)]


def test_change_records_in_their_tools_words(waymark, tmp_path):
    with psycopg.connect(waymark.conninfo, autocommit=True) as conn:
        run_import(conn, ORG, "services", write_file(tmp_path / "services.json", json.dumps([{"name": "pump-telemetry"}])))
        run_import(conn, ORG, "config-changes", write_file(tmp_path / "cfg.json", json.dumps([
            {"change_id": "WM-CFG-31", "service": "pump-telemetry", "setting": "poll.seconds", "old": 30, "new": 90,
             "timestamp": "2027-01-03T08:00:00Z", "who": "r.achebe"}])))
        assert conn.execute("SELECT changed_by FROM config_changes").fetchone() == ("r.achebe",)
        run_import(conn, ORG, "commits", write_file(tmp_path / "commits.jsonl", json.dumps(
            {"sha": "a1b2c3d4e5f6", "service": "pump-telemetry", "message": "drop the legacy poller",
             "committed_at": "2027-01-02T10:00:00Z",
             "files": [{"path": "migrations/0042_drop_poller.sql", "change_type": "deleted"},
                       {"path": "src/poller.py", "change_type": "M"}]}) + "\n"))  # before: refused, not a category
        types = dict(conn.execute("SELECT path, change_type FROM commit_files").fetchall())
        assert types["migrations/0042_drop_poller.sql"] == "db_migration" and "src/poller.py" in types
        result = run_import(conn, ORG, "incidents", write_file(tmp_path / "inc.json", json.dumps([
            {"id": "WM-INC-4", "title": "Pump telemetry gaps", "service": "pump-telemetry", "severity": "sev3",
             "status": "resolved", "started_at": "2027-01-03T09:00:00Z", "resolved_at": "2027-01-03T11:00:00Z"}])))
        assert "with_metadata" not in result.details  # before: "with metadata: 0"
