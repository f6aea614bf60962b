"""A logistics operator imports what its own tools export, round 2: KPI sheets straight from a spreadsheet (wide,
monthly and weekly, percentages, thousands separators, a units row, a totals row), KPI definitions written in
words, a deploy tool's JSON, a paging tool's incident CSV and a helpdesk's ticket JSON. What can be read one way
lands whole; what cannot is refused with ``line N: reason`` and writes nothing."""

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
from tests.integration.import_support import org_database, write_file

ORG = "fjordline"
TABLES = ["stations", "kpi_definitions", "kpi_points", "services", "deployments", "config_changes", "incidents",
          "tickets"]


@pytest.fixture
def fjord(fresh_db):
    return org_database(fresh_db, (ORG, "Fjordline Logistics"))



def _sites_and_kpis(conn: psycopg.Connection, d: Path) -> None:
    sites = write_file(d / "sites.csv", "Site Code,Site Name,Area\nosl-dc1 ,Oslo DC 1,EAST\nBGO-2,Bergen cross-dock,WEST\n"
                                    "TRD,Trondheim hub,MID\n")
    defs = write_file(d / "kpi-definitions.csv",
                  "KPI,Name,Unit,Direction,Target,Aggregation\n"
                  "PICK_ACC,Pick accuracy,%,higher is better,≥ 99.5%,mean\n"
                  "DOCK_WAIT,Dock wait,min,down is good,<= 20,mean\n"
                  "PARCELS,Parcels shipped,parcels,Up is good,,sum\n"
                  "RETURNS_PCT,Return rate,,,≤ 2%,mean\n")
    run_import(conn, ORG, "stations", sites)
    run_import(conn, ORG, "kpi-definitions", defs)


def _points(conn: psycopg.Connection) -> dict[tuple[str, str, str], float]:
    return {(s, k, d): v for s, k, d, v in conn.execute(
        """SELECT s.code, k.code, p.day::text, p.value FROM kpi_points p JOIN stations s ON s.id = p.station_id
           JOIN kpi_definitions k ON k.id = p.kpi_id""")}


def test_kpi_definitions_from_a_spreadsheet_with_direction_words_and_goals(fjord, tmp_path):
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _sites_and_kpis(conn, tmp_path)
        defs = {r[0]: r[1:] for r in conn.execute(
            "SELECT code, name, unit, higher_is_better, goal, aggregation FROM kpi_definitions")}
        assert defs == {
            "PICK_ACC": ("Pick accuracy", "%", True, 99.5, "mean"),
            "DOCK_WAIT": ("Dock wait", "min", False, 20.0, "mean"),
            "PARCELS": ("Parcels shipped", "parcels", True, None, "sum"),
            "RETURNS_PCT": ("Return rate", "%", False, 2.0, "mean"),  # "≤ 2%": lower is better, in percent
        }
        assert {c for (c,) in conn.execute("SELECT code FROM stations")} == {"OSL-DC1", "BGO-2", "TRD"}
        before = count_rows(fjord, TABLES)
        bad = write_file(tmp_path / "bad-defs.csv", "code,name,direction,goal\nON_TIME,On time,lower is better,≥ 95%\n"
                                                "CLAIMS,Claims,sideways,\nDAMAGE,Damage,,lots\n")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, ORG, "kpi-definitions", bad)
        errors = dict(info.value.errors)
        assert "'≥ 95%' means higher is better" in errors[2] and "make them agree" in errors[2]
        assert "'sideways' does not say which direction is better" in errors[3]
        assert "goal 'lots' is not a number" in errors[4]
        assert count_rows(fjord, TABLES) == before


def test_a_wide_monthly_sheet_lands_on_the_first_day_of_each_month(fjord, tmp_path):
    sheet = write_file(tmp_path / "monthly.csv",
                   "Month,Site,Pick accuracy (%),DOCK_WAIT,Parcels shipped,Notes\n"
                   ",,%,min,parcels,\n"
                   "Jan 2026,OSL-DC1 ,99.1%,18.5,\"12,480\",stocktake\n"
                   "Jan 2026,BGO-2,98.7%,,\"=\"\"9310\"\"\",\n"
                   "\n"
                   "2026-02,OSL-DC1,99.6%,21,\"13,002\",\n"
                   "2026-02,BGO-2,97.9%,25.25,8 775,late trucks\n"
                   ",,,,,\n"
                   "Total,,98.8%,21.6,\"43,567\",\n")
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _sites_and_kpis(conn, tmp_path)
        result = run_import(conn, ORG, "kpis", sheet)
        assert result.rows == 11  # 12 cells, one empty (BGO-2's January dock wait)
        warnings = " | ".join(result.warnings)
        assert "line 2: units row skipped" in warnings
        assert "totals row(s) skipped (line(s) 9)" in warnings
        assert "column 'Notes' ignored" in warnings
        assert "dates are months: each value is stored on the month's first day" in warnings
        points = _points(conn)
        assert points[("OSL-DC1", "PARCELS", "2026-01-01")] == 12480
        assert points[("BGO-2", "PARCELS", "2026-01-01")] == 9310
        assert points[("BGO-2", "PARCELS", "2026-02-01")] == 8775
        assert points[("BGO-2", "PICK_ACC", "2026-01-01")] == 98.7
        assert points[("OSL-DC1", "DOCK_WAIT", "2026-02-01")] == 21
        assert ("BGO-2", "DOCK_WAIT", "2026-01-01") not in points
        assert not any(day.endswith(("-09", "-15")) for _, _, day in points)
        counts = count_rows(fjord, TABLES)
        run_import(conn, ORG, "kpis", sheet)
        assert count_rows(fjord, TABLES) == counts


def test_a_sheet_with_one_column_per_site_in_weeks_with_a_decimal_comma(fjord, tmp_path):
    sheet = write_file(tmp_path / "weekly.csv",
                   "Week;KPI;OSL-DC1;bgo-2 ;TRD;Total\n"
                   "2026-W01;DOCK_WAIT;19,5;22;17,25;58,75\n"
                   "2026-W02;DOCK_WAIT;18;23,5;;41,5\n"
                   "2026-W02;Parcels shipped;3.120,5;1.204;1 000;5.311,5\n"
                   "Average;DOCK_WAIT;18,75;22,75;17,25;\n")
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _sites_and_kpis(conn, tmp_path)
        result = run_import(conn, ORG, "kpis", sheet)
        assert result.rows == 8
        assert any("dates are weeks" in w and "Monday" in w for w in result.warnings)
        assert "column 'Total' skipped (a total, not a station)" in result.warnings
        points = _points(conn)
        assert points[("OSL-DC1", "DOCK_WAIT", "2025-12-29")] == 19.5  # ISO week 1 of 2026 starts on a Monday
        assert points[("BGO-2", "DOCK_WAIT", "2026-01-05")] == 23.5
        assert points[("OSL-DC1", "PARCELS", "2026-01-05")] == 3120.5
        assert points[("BGO-2", "PARCELS", "2026-01-05")] == 1204  # a thousands point: the file's decimals are commas
        assert points[("TRD", "PARCELS", "2026-01-05")] == 1000


def test_a_sheet_with_one_column_per_month(fjord, tmp_path):
    sheet = write_file(tmp_path / "by-month.csv", "Site,KPI,Jan 2026,Feb 2026,Mar 2026,YTD\n"
                                              "OSL-DC1,Parcels shipped,\"12,480\",\"13,002\",,\"25,482\"\n"
                                              "trd,dock_wait,18,19.5,17,\n")
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _sites_and_kpis(conn, tmp_path)
        result = run_import(conn, ORG, "kpis", sheet)
        assert result.rows == 5 and "column 'YTD' skipped (a total, not a period)" in result.warnings
        assert _points(conn) == {("OSL-DC1", "PARCELS", "2026-01-01"): 12480, ("OSL-DC1", "PARCELS", "2026-02-01"): 13002,
                                 ("TRD", "DOCK_WAIT", "2026-01-01"): 18, ("TRD", "DOCK_WAIT", "2026-02-01"): 19.5,
                                 ("TRD", "DOCK_WAIT", "2026-03-01"): 17}
        quarter = write_file(tmp_path / "by-quarter.csv", "Site,KPI,Q1 2026,Q2 2026\nTRD,DOCK_WAIT,18,19\n")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, ORG, "kpis", quarter)
        assert info.value.errors[0][0] == 1 and "column 'Q1 2026' is not a date" in info.value.errors[0][1]
        assert len(_points(conn)) == 5


def test_sheets_that_cannot_be_read_one_way_are_refused_whole(fjord, tmp_path):
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _sites_and_kpis(conn, tmp_path)
        before = count_rows(fjord, TABLES)

        def refused(name: str, text: str) -> dict[int, str]:
            with pytest.raises(ImportRejected) as info:
                run_import(conn, ORG, "kpis", write_file(tmp_path / name, text))
            assert count_rows(fjord, TABLES) == before
            return dict(info.value.errors)

        errors = refused("units.csv", "date,station,Dock wait (s),PARCELS\n2026-03-02,TRD,600,10\n")
        assert "column 'Dock wait (s)' is in 's' but KPI DOCK_WAIT is defined in 'min'" in errors[1]
        errors = refused("typo.csv", "date,station,PICK_ACCURACY,PARCELS\n2026-03-02,TRD,99%,10\n")
        assert "column 'PICK_ACCURACY' is not a known KPI" in errors[1] and "PICK_ACC" in errors[1]
        errors = refused("mixed.csv", "period,station,PARCELS\n2026-03,TRD,10\n2026-W14,TRD,11\n2026-04,TRD,12\n")
        assert errors == {3: "date '2026-W14' is a week, but the file's other dates are months; one period length "
                             "per file"}
        errors = refused("short-year.csv", "date,station,PARCELS\nMar-26,TRD,10\n")
        assert "'Mar-26' could be a day of the month or a two-digit year" in errors[2]
        errors = refused("pct.csv", "date,station,kpi,value\n2026-03-02,TRD,Dock wait,35%\n")
        assert errors[2] == "value '35%' is a percentage, but KPI DOCK_WAIT is measured in 'min'"
        errors = refused("comma.csv", "date,station,kpi,value\n2026-03-02,TRD,DOCK_WAIT,\"19,5\"\n")
        assert "in a comma-separated file a comma separates thousands" in errors[2]
        errors = refused("points.csv", "date;station;kpi;value\n2026-03-02;TRD;PARCELS;1.234\n"
                                       "2026-03-03;TRD;PARCELS;1.500\n")
        assert errors[2] == "value '1.234' could be 1234 (a thousands point) or a decimal; write 1234 or 1,234"
        errors = refused("marks.csv", "date;station;kpi;value\n2026-03-02;TRD;DOCK_WAIT;19,5\n"
                                      "2026-03-03;TRD;DOCK_WAIT;18.5\n")
        assert errors == {3: "value '18.5' has a decimal point, but this file's other values have a decimal comma; "
                             "use one decimal mark"}
        errors = refused("nostation.csv", "date,PARCELS,DOCK_WAIT\n2026-03-02,10,20\n")
        assert "has no station or kpi column" in errors[1]


def _services(conn: psycopg.Connection, d: Path) -> None:
    run_import(conn, ORG, "services", write_file(d / "services.json", json.dumps([
        {"name": "wms-core", "tier": 1}, {"name": "LabelPrinter.Gateway", "tier": 2, "depends_on": "wms-core"},
        {"name": "routeplanner", "tier": 2},
    ])))


def test_deploy_tool_json_with_nested_objects_epochs_and_tool_statuses(fjord, tmp_path):
    runs = [
        {"id": "argo-sync-77120", "app": {"name": "wms-core", "project": "default"}, "revision": "v5.3.0",
         "phase": "Succeeded", "startedAt": "2026-03-02T09:00:00Z", "finishedAt": "2026-03-02T10:04:10+01:00",
         "initiatedBy": {"username": "argo-bot"}},
        {"id": 99123001, "repository": {"name": "routeplanner", "full_name": "fjordline/routeplanner"},
         "head_sha": "9f1c2e7a", "status": "completed", "conclusion": "failure",
         "run_started_at": 1772442000, "completed_at": 1772442600000, "actor": {"login": "kari"}},
        {"external_id": "LPG-2026-03-03", "service": "labelprinter.gateway", "version": "2.0.1",
         "status": "rolled_back", "started_at": "2026-03-03T22:15:00-05:00", "environment": {"name": "prod-eu"}},
    ]
    path = write_file(tmp_path / "deploys.json", json.dumps(runs, indent=2))
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _services(conn, tmp_path)
        result = run_import(conn, ORG, "deployments", path)
        assert result.rows == 3
        rows = {r[0]: r[1:] for r in conn.execute(
            """SELECT d.external_id, s.name, d.version, d.status, d.started_at, d.finished_at, d.deployed_by,
                      d.environment, d.commit_from_sha, d.extra FROM deployments d JOIN services s ON s.id = d.service_id""")}
        name, version, status, started, finished, by, env, from_sha, extra = rows["argo-sync-77120"]
        assert (name, version, status, by) == ("wms-core", "v5.3.0", "succeeded", None)
        assert (env, from_sha) == ("production", None)  # no environment or commit range in the export
        assert extra["initiatedBy"] == {"username": "argo-bot"}  # no field of ours: kept, not guessed
        assert started.timestamp() == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC).timestamp()
        assert finished.timestamp() == dt.datetime(2026, 3, 2, 9, 4, 10, tzinfo=dt.UTC).timestamp()  # +01:00 read as such
        name, version, status, started, finished, by, _env, _from, extra = rows["99123001"]
        assert (name, version, status, by) == ("routeplanner", "9f1c2e7a", "failed", "kari")
        assert started.timestamp() == 1772442000 and finished.timestamp() == 1772442600  # seconds and milliseconds
        assert extra["status"] == "completed"  # the run's conclusion said what happened
        assert rows["LPG-2026-03-03"][:3] == ("LabelPrinter.Gateway", "2.0.1", "rolled_back")
        assert rows["LPG-2026-03-03"][6:8] == ("prod-eu", None)

        before = count_rows(fjord, TABLES)
        bad = write_file(tmp_path / "bad-deploys.jsonl", "\n".join(json.dumps(r) for r in [
            {"id": "gha-1", "repository": "routeplanner", "head_sha": "aa11bb22", "status": "completed",
             "run_started_at": "2026-03-04T10:00:00Z"},
            {"id": "gha-2", "repository": "routeplanner", "head_sha": "aa11bb23", "conclusion": "cancelled",
             "run_started_at": "2026-03-04T11:00:00Z"},
            {"id": "argo-3", "app": {"uid": "7f"}, "revision": "v1", "startedAt": "2026-03-04T12:00:00Z"},
            {"id": "argo-4", "app": "wms-core", "revision": "v2", "startedAt": "2026-03-04 12:00"},
        ]))
        with pytest.raises(ImportRejected) as info:
            run_import(conn, ORG, "deployments", bad)
        errors = dict(info.value.errors)
        assert "'completed' does not say whether the deployment succeeded" in errors[1]
        assert "'cancelled' does not say whether anything was deployed" in errors[2]
        assert "service: expected text, got an object without a name (keys: uid)" in errors[3]
        assert "timezone" in errors[4]
        assert count_rows(fjord, TABLES) == before


def test_config_changes_with_dotted_and_upper_case_keys(fjord, tmp_path):
    path = write_file(tmp_path / "config.jsonl", "\n".join(json.dumps(r) for r in [
        {"id": "cfg-1", "app": "wms-core", "key": "picking.WAVE_SIZE", "old": 40, "new": 60,
         "timestamp": "2026-03-01T06:00:00+01:00"},
        {"id": "cfg-2", "service": "routeplanner", "key": "DB.PASSWORD", "old_value": "hunter2-Fjord",
         "new_value": "n3w-Secret-value", "changed_at": 1772330400},
        {"id": "cfg-3", "service": "wms-core", "key": "dock.slots", "new_value": {"OSL": 12, "BGO": 8},
         "changed_at": "2026-03-01T07:00:00Z"},
    ]))
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _services(conn, tmp_path)
        run_import(conn, ORG, "config-changes", path)
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT external_id, key, old_value, new_value, is_secret FROM config_changes")}
        assert rows["cfg-1"] == ("picking.WAVE_SIZE", "40", "60", False)
        key, old, new, secret = rows["cfg-2"]
        assert key == "DB.PASSWORD" and secret and "hunter2" not in old and "Secret" not in new
        assert json.loads(rows["cfg-3"][2]) == {"OSL": 12, "BGO": 8}


def test_a_paging_tools_incident_csv(fjord, tmp_path):
    path = write_file(tmp_path / "incidents.csv",
                  "Incident Number,Description,Service Name,Severity,Status,Created On,Resolved On,Urgency\n"
                  "PD-88412,Label printers offline in Bergen,LabelPrinter.Gateway,SEV-2,resolved,"
                  "2026-03-03T23:05:00-05:00,2026-03-04T01:10:00-05:00,high\n"
                  "PD-88415,\"Route plans late, drivers waiting\",routeplanner,sev2,Acknowledged,"
                  "2026-03-04T06:40:00+01:00,,high\n"
                  "PD-88420,<b>WMS</b> pick lists empty <script>steal()</script>,wms-core,critical,triggered,"
                  "2026-03-05T05:00:00Z,,high\n")
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _services(conn, tmp_path)
        result = run_import(conn, ORG, "incidents", path)
        assert result.rows == 3 and "'Urgency' (3 rows from line 2)" in result.warnings[0]
        rows = {r[0]: r[1:] for r in conn.execute(
            """SELECT i.external_id, i.title, s.name, i.severity, i.status FROM incidents i
               JOIN services s ON s.id = i.service_id""")}
        assert rows == {
            "PD-88412": ("Label printers offline in Bergen", "LabelPrinter.Gateway", "sev2", "resolved"),
            "PD-88415": ("Route plans late, drivers waiting", "routeplanner", "sev2", "open"),
            "PD-88420": ("WMS pick lists empty", "wms-core", "sev1", "open"),
        }
        before = count_rows(fjord, TABLES)
        bad = write_file(tmp_path / "bad-incidents.csv", "id,title,severity,created_on\nPD-1,Scanner down,purple,"
                                                     "2026-03-05T05:00:00Z\nPD-2,Scanner down,sev3,05/03/2026\n")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, ORG, "incidents", bad)
        errors = dict(info.value.errors)
        assert "unknown severity 'purple'" in errors[2] and 3 in errors
        assert count_rows(fjord, TABLES) == before


def test_a_helpdesk_json_export_with_html_bodies(fjord, tmp_path):
    tickets = [
        {"id": 70311, "subject": "Labels print <i>blank</i>",
         "description": "<p>Hi,</p><p>since Monday our labels are blank. See "
                        "<a href=\"https://help.fjordline.example/kb/44\">the KB</a> and "
                        "<a href=\"javascript:alert(1)\">this</a>.</p><script>document.cookie</script>",
         "requester": {"name": "Ola Nordmann", "email": "ola@shop.example"},
         "organization": {"id": 5521, "name": "Nordic Shop AS"}, "tags": ["labels", "bergen"],
         "priority": None, "status": "open", "created_at": "2026-03-03T08:12:00Z", "updated_at": "2026-03-03T09:00:00Z"},
        {"id": 70312, "subject": "Where is my pallet?", "description": "Pallet 7781 < 2 days late & counting",
         "requester": {"name": "Kim"}, "priority": "normal", "status": "solved",
         "created_at": "2026-03-04T10:00:00+01:00", "updated_at": "2026-03-04T12:00:00+01:00"},
    ]
    # as the helpdesk's API lists them: the records inside an object, with paging fields around them
    path = write_file(tmp_path / "zendesk-export.json", json.dumps({"tickets": tickets, "count": 2, "next_page": None},
                                                               indent=2))
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        result = run_import(conn, ORG, "tickets", path)
        assert result.rows == 2 and "'requester'" in result.warnings[0] and "'tags'" in result.warnings[0]
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT external_id, subject, content, customer, priority, status, extra FROM tickets")}
        subject, content, customer, priority, status, extra = rows["70311"]
        assert subject == "Labels print blank"
        assert "<" not in content and "cookie" not in content and "javascript" not in content
        assert "the KB (https://help.fjordline.example/kb/44)" in content and "since Monday" in content
        assert (customer, priority, status) == ("Nordic Shop AS", "medium", "open")
        assert extra["requester"]["email"] == "ola@shop.example" and extra["tags"] == ["labels", "bergen"]
        assert rows["70312"][1] == "Pallet 7781 < 2 days late & counting"  # not HTML: kept as written
        assert rows["70312"][4] == "resolved"

        before = count_rows(fjord, TABLES)
        tickets[1]["created_at"] = "2026-03-04 10:00"
        path.write_text(json.dumps({"tickets": tickets, "count": 2}, indent=2), encoding="utf-8")
        with pytest.raises(ImportRejected) as info:
            run_import(conn, ORG, "tickets", path)
        ((line, reason),) = info.value.errors
        assert path.read_text().splitlines()[line - 1].strip() == "{" and line > 20  # the second ticket's line
        assert "timezone" in reason
        both = write_file(tmp_path / "sideloaded.json", json.dumps({"tickets": tickets, "users": [{"id": 1}]}))
        with pytest.raises(ImportRejected, match=r"several lists \(tickets, users\)"):
            run_import(conn, ORG, "tickets", both)
        assert count_rows(fjord, TABLES) == before


def _cli(target, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(home), "PATH": "/usr/bin:/bin",
           "OPSGRAPH_EMBEDDINGS": "hash"}
    return subprocess.run([sys.executable, "-m", "opsgraph", "import", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_import_without_org_uses_the_only_one_and_refuses_to_pick_among_several(fjord, tmp_path):
    svc = write_file(tmp_path / "svc.json", json.dumps([{"name": "yard-scanner"}]))
    out = _cli(fjord, tmp_path, "services", str(svc))
    assert out.returncode == 0, out.stderr
    assert f"into {ORG}" in out.stdout
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('demo', 'Demo')")
        before = count_rows(fjord, TABLES)
        out = _cli(fjord, tmp_path, "services", str(svc))
        assert out.returncode == 2
        assert f"2 organisations exist (demo, {ORG}); say which one to import into with --org" in " ".join(
            out.stderr.split())
        assert count_rows(fjord, TABLES) == before
        out = _cli(fjord, tmp_path, "services", str(svc), "--org", "demo")
        assert out.returncode == 0 and "into demo" in out.stdout
        assert conn.execute("SELECT count(*) FROM services").fetchone() == (2,)


@pytest.fixture
def fjord_api(fjord, tmp_path):
    """The organisation's API over real HTTP (uvicorn in a thread), with a member key and its services."""
    from sqlalchemy.orm import Session

    from api.app import create_app
    from store.db import make_sync_engine
    from store.keys import create_key
    from tests.api.helpers import ThreadServer
    from tests.conftest import settings_for

    engine = make_sync_engine(fjord)
    with Session(engine) as s, s.begin():
        key = create_key(s, org_slug=ORG, role="member", name="stranger2")[0].key
    engine.dispose()
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        _services(conn, tmp_path)
    srv = ThreadServer(lambda: create_app(settings_for(fjord, tmp_path), target=fjord, run_migrations=False))
    try:
        yield srv.base, {"Authorization": f"Bearer {key}"}
    finally:
        srv.stop()


def test_the_same_exports_through_the_http_api(fjord, fjord_api):
    import httpx

    base, auth = fjord_api
    with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
        r = http.post("/api/webhooks/deployments", json={
            "id": "argo-sync-80001", "app": {"name": "WMS-core"}, "revision": "v5.4.0", "phase": "Healthy",
            "startedAt": 1772528400, "finishedAt": "2026-03-03T10:06:00+01:00"})
        assert r.status_code == 201, r.text
        assert (r.json()["service"], r.json()["status"]) == ("wms-core", "succeeded")
        r = http.post("/api/webhooks/deployments", json={  # a GitHub Actions run as its API returns it
            "id": 99123777, "repository": {"name": "routeplanner", "full_name": "fjordline/routeplanner"},
            "head_sha": "77aa88bb", "status": "completed", "conclusion": "success",
            "created_at": "2026-03-04T09:58:00Z", "run_started_at": "2026-03-04T10:00:00Z",
            "updated_at": "2026-03-04T10:05:00Z"})
        assert r.status_code == 422 and "updated_at" in r.json()["detail"]  # no column for it: named, not dropped
        r = http.post("/api/webhooks/deployments", json={
            "id": 99123777, "repository": {"name": "routeplanner", "full_name": "fjordline/routeplanner"},
            "head_sha": "77aa88bb", "status": "completed", "conclusion": "success",
            "created_at": "2026-03-04T09:58:00Z", "run_started_at": "2026-03-04T10:00:00Z"})
        assert r.status_code == 201, r.text
        assert (r.json()["external_id"], r.json()["status"]) == ("99123777", "succeeded")
        for body, reason in (
            ({"id": "gha-9", "repository": "routeplanner", "head_sha": "ab12cd34", "conclusion": "cancelled",
              "run_started_at": "2026-03-04T10:00:00Z"}, "does not say whether anything was deployed"),
            ({"id": "gha-10", "repository": "routeplanner", "head_sha": "ab12cd35", "run_started_at": 20260304},
             "is not a time"),
        ):
            r = http.post("/api/webhooks/deployments", json=body)
            assert r.status_code == 422 and reason in r.json()["detail"], r.text
        r = http.post("/api/tickets", json={
            "id": "HD-5501", "subject": "Scanner <b>freezes</b>",
            "description": "<div>Hand scanners freeze.<script>fetch('/steal')</script> "
                           "<a href=\"https://status.fjordline.example\">status</a></div>",
            "organization": {"name": "Bergen Bikes"}, "priority": "Urgent", "created_at": "2026-03-04T07:00:00Z"})
        assert r.status_code == 201, r.text
        ticket = r.json()["ticket"]
        assert ticket["subject"] == "Scanner freezes" and ticket["customer"] == "Bergen Bikes"
        assert ticket["content"] == "Hand scanners freeze. status (https://status.fjordline.example)"
        assert ticket["priority"] == "critical"
        r = http.post("/api/tickets", json={"id": "HD-5502", "subject": "x", "description": "y",
                                            "requester": {"name": "Ola"}, "created_at": "2026-03-04T07:00:00Z"})
        assert r.status_code == 422 and "requester" in r.text
        r = http.post("/api/incidents", json={
            "id": "PD-88501", "description": "<p>Yard gate <em>stuck</em> closed</p>", "severity": "SEV-2",
            "service": "wms-core", "created_on": "2026-03-05T05:00:00Z", "urgency": "high"})
        assert r.status_code == 201, r.text
    with psycopg.connect(fjord.conninfo) as conn:
        assert conn.execute("SELECT title, severity FROM incidents WHERE external_id = 'PD-88501'").fetchone() == (
            "Yard gate stuck closed", "sev2")
        assert conn.execute("SELECT count(*) FROM deployments").fetchone() == (2,)
        assert conn.execute("SELECT version, started_at = '2026-03-04T10:00:00Z' FROM deployments "
                            "WHERE external_id = '99123777'").fetchone() == ("77aa88bb", True)
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (1,)


def test_the_documented_example_exports_import_as_the_readme_says(fresh_db):
    examples = Path(__file__).resolve().parents[2] / "docs" / "import-examples"
    t = fresh_db()
    with psycopg.connect(t.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('southline', 'Southline Ground')")
        for kind, name in (("stations", "stations.json"), ("services", "services.json"),
                           ("kpi-definitions", "kpi-definitions.csv")):
            run_import(conn, "southline", kind, examples / name)
        kpis = run_import(conn, "southline", "kpis", examples / "kpis-monthly-wide.csv")
        assert kpis.rows == 8 and len(kpis.warnings) == 4  # units row, totals row, notes column, months
        assert dict(conn.execute("""SELECT s.code || ' ' || p.day, p.value FROM kpi_points p
                                    JOIN stations s ON s.id = p.station_id JOIN kpi_definitions k ON k.id = p.kpi_id
                                    WHERE k.code = 'BAGS_MISHANDLED'""").fetchall()) == {
            "SAT 2026-09-01": 1204, "ELP 2026-09-01": 987, "SAT 2026-10-01": 1150, "ELP 2026-10-01": 1010}
        assert conn.execute("SELECT higher_is_better, goal, unit FROM kpi_definitions WHERE code = 'GATE_ON_TIME'"
                            ).fetchone() == (True, 85.0, "%")
        runs = run_import(conn, "southline", "deployments", examples / "deployments-ci-runs.json")
        assert runs.rows == 2 and "'updated_at'" in runs.warnings[0]
        assert dict(conn.execute("SELECT external_id, status FROM deployments").fetchall()) == {
            "8812001": "succeeded", "8812002": "failed"}
        assert run_import(conn, "southline", "incidents", examples / "incidents-pager.csv").rows == 2
        assert dict(conn.execute("SELECT external_id, severity FROM incidents").fetchall()) == {
            "PD-88412": "sev2", "PD-88419": "sev3"}
        assert run_import(conn, "southline", "tickets", examples / "tickets-helpdesk.json").rows == 1
        content, customer = conn.execute("SELECT content, customer FROM tickets").fetchone()
        assert customer == "South Ground Handling" and "track" not in content and "<" not in content


def test_site_codes_longer_than_three_letters(fjord, tmp_path):
    """Sites coded like `fc-north-2` or `WAW-DARK-07` (up to 32 characters) import and take KPI points."""
    sites = write_file(tmp_path / "sites.csv", "code,name,region\nfc-north-2,North fulfilment 2,NORTH\n"
                                           "WAW-DARK-07,Warsaw dark store 7,EAST\n")
    defs = write_file(tmp_path / "defs.csv", "code,name,unit,direction\nLATE,Late deliveries,orders,lower is better\n")
    points = write_file(tmp_path / "kpis.csv", "date,station,kpi,value\n2026-11-02,fc-north-2,LATE,4\n"
                                           "2026-11-02,WAW-DARK-07,LATE,7\n")
    too_long = write_file(tmp_path / "long.csv", "code,name,region\n" + "x" * 33 + ",Too long,NORTH\n")
    with psycopg.connect(fjord.conninfo, autocommit=True) as conn:
        run_import(conn, ORG, "stations", sites)
        run_import(conn, ORG, "kpi-definitions", defs)
        run_import(conn, ORG, "kpis", points)
        # codes are stored upper-case
        assert _points(conn) == {("FC-NORTH-2", "LATE", "2026-11-02"): 4.0, ("WAW-DARK-07", "LATE", "2026-11-02"): 7.0}
        with pytest.raises(ImportRejected, match="line 2"):
            run_import(conn, ORG, "stations", too_long)
