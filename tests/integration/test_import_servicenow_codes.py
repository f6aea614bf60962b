"""A ferry operator imports its ServiceNow incidents as the Table API returns them without display values: raw
choice codes (``"state": "6"``, ``"priority": "1"``, ``"urgency": 2``, ``"impact": 3``, ``incident_state`` 7).
They are read by ServiceNow's documented defaults (state 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed,
8 Canceled; priority 1 Critical … 5 Planning; urgency/impact 1 High, 2 Medium, 3 Low, the priority looked up
from them when the export has none); a code outside them (an instance's own state 4) is refused with
``line N: reason`` naming the codes understood, and nothing is written. Every file goes through ``opsgraph
import`` into an organisation made in the test; rows are checked in SQL and a question is answered from them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import count_rows
from tests.integration.import_support import cli as _cli
from tests.integration.import_support import org_database

ORG = "nordfjord-ferries"


@pytest.fixture
def ferries(fresh_db, tmp_path):
    t = org_database(fresh_db, (ORG, "Nordfjord Ferries"))
    svc = tmp_path / "services.json"
    svc.write_text(json.dumps([{"name": "ticketing.gw"}, {"name": "BerthPlanner"}, {"name": "ais-feed"}]),
                   encoding="utf-8")
    assert _cli(t, tmp_path, "import", "services", str(svc)).returncode == 0
    return t


def _rec(number: str, title: str, opened: str, **fields) -> dict:
    return {"sys_id": f"a1{number[-4:]}f0", "number": number, "short_description": title,
            "opened_at": opened, "sys_class_name": "incident", **fields}


RAW = {"result": [
    _rec("INC0077101", "Ticket gates reject QR codes", "2026-11-24 05:40:00", state="6", incident_state="6",
         priority="1", urgency="1", impact="1", severity="3", resolved_at="2026-11-24 07:15:00",
         cmdb_ci={"display_value": "ticketing.gw", "link": "https://x.service-now.com/api/now/table/cmdb_ci/77"}),
    _rec("INC0077102", "Berth plan not refreshing", "2026-11-25 12:00:00", state=2, priority=3, urgency=2, impact=2,
         cmdb_ci="BerthPlanner"),
    _rec("INC0077103", "AIS positions delayed", "2026-11-26 09:30:00", incident_state="7", urgency="2", impact="1",
         cmdb_ci="ais-feed"),  # no state, no priority: incident_state is the status, the lookup gives priority 2
    _rec("INC0077104", "Kiosk printer offline", "2026-11-27 16:20:00", state="3", priority="5"),
    _rec("INC0077105", "Duplicate alert from the gate monitor", "2026-11-28 08:00:00", state="8", urgency="3"),
]}


def test_a_table_api_export_with_raw_codes_is_read_by_servicenows_defaults(ferries, tmp_path):
    f = tmp_path / "incident.json"
    f.write_text(json.dumps(RAW), encoding="utf-8")
    out = _cli(ferries, tmp_path, "import", "incidents", str(f), "--tz", "Europe/Oslo")
    assert out.returncode == 0, out.stderr
    assert "Imported 5 incidents row(s) into nordfjord-ferries" in " ".join(out.stdout.split())
    with psycopg.connect(ferries.conninfo) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            """SELECT i.external_id, i.severity, i.status, s.name, i.extra FROM incidents i
               LEFT JOIN services s ON s.id = i.service_id""")}
    assert {k: v[:3] for k, v in rows.items()} == {
        "INC0077101": ("sev1", "resolved", "ticketing.gw"),  # priority 1 Critical; state 6 Resolved
        "INC0077102": ("sev3", "open", "BerthPlanner"),  # priority 3 Moderate; state 2 In Progress
        "INC0077103": ("sev2", "resolved", "ais-feed"),  # impact 1 × urgency 2 → priority 2 High; 7 Closed
        "INC0077104": ("sev4", "open", None),  # priority 5 Planning; state 3 On Hold
        "INC0077105": ("sev4", "resolved", None),  # urgency 3 Low alone; state 8 Canceled
    }
    first, third = rows["INC0077101"][3], rows["INC0077103"][3]
    # what opsgraph has no column for is kept, in words; ServiceNow's own severity is not taken for the priority
    assert first["urgency"] == "1 - High" and first["impact"] == "1 - High"
    assert first["servicenow_severity"] == "3 - Low" and "incident_state" not in first
    assert third == {"urgency": "2 - Medium", "impact": "1 - High", "sys_id": "a17103f0", "sys_class_name": "incident"}

    asked = _cli(ferries, tmp_path, "ask", "is INC0077102 resolved?", "--org", ORG, "--as-of", "2026-11-30", "--json")
    assert asked.returncode == 0, asked.stderr
    answer = " ".join(json.loads(asked.stdout)["answer"].split())
    assert "INC0077102 is not resolved: it is open" in answer, answer


CSV_HEAD = "number,short_description,state,priority,urgency,impact,cmdb_ci,opened_at\n"


@pytest.mark.parametrize(("row", "reason"), [
    ("INC0077201,Gate reboot loop,4,2,2,2,ticketing.gw,2026-11-29T10:00:00Z",
     "line 3: state: unknown ServiceNow state code '4'; the codes are 1 New, 2 In Progress, 3 On Hold, 6 Resolved, "
     "7 Closed, 8 Canceled"),
    ("INC0077202,Gate reboot loop,2,0,2,2,ticketing.gw,2026-11-29T10:00:00Z",
     "line 3: priority: unknown ServiceNow priority code '0'; the codes are 1 Critical, 2 High, 3 Moderate, 4 Low, "
     "5 Planning"),
    ("INC0077203,Gate reboot loop,2,,4,1,ticketing.gw,2026-11-29T10:00:00Z",
     "line 3: urgency: unknown ServiceNow urgency code '4'; the codes are 1 High, 2 Medium, 3 Low"),
])
def test_a_code_outside_the_defaults_is_refused_and_nothing_is_written(ferries, tmp_path, row, reason):
    f = tmp_path / "incident.csv"
    f.write_text(CSV_HEAD + "INC0077200,Berth sensor flapping,1,4,3,3,BerthPlanner,2026-11-29T09:00:00Z\n" + row + "\n",
                 encoding="utf-8")
    before = count_rows(ferries, ["incidents"])
    out = _cli(ferries, tmp_path, "import", "incidents", str(f))
    assert out.returncode == 1
    assert reason in " ".join(out.stderr.split()), out.stderr
    assert count_rows(ferries, ["incidents"]) == before


def test_a_csv_of_codes_imports_and_words_still_do(ferries, tmp_path):
    f = tmp_path / "incident.csv"
    f.write_text(CSV_HEAD
                 + "INC0077300,Berth sensor flapping,1,4,3,3,BerthPlanner,2026-11-29T09:00:00Z\n"
                 + "INC0077301,Timetable feed stale,Resolved,2 - High,,,ais-feed,2026-11-29T11:00:00Z\n", encoding="utf-8")
    out = _cli(ferries, tmp_path, "import", "incidents", str(f))
    assert out.returncode == 0, out.stderr
    with psycopg.connect(ferries.conninfo) as conn:
        got = {r[0]: r[1:] for r in conn.execute("SELECT external_id, severity, status FROM incidents")}
    assert got == {"INC0077300": ("sev4", "open"), "INC0077301": ("sev2", "resolved")}


def test_the_documented_example_of_raw_codes_imports(fresh_db, tmp_path):
    t = fresh_db()
    docs = Path(__file__).resolve().parents[2] / "docs" / "import-examples"
    with psycopg.connect(t.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('examples', 'Examples')")
    assert _cli(t, tmp_path, "import", "services", str(docs / "services.json")).returncode == 0
    out = _cli(t, tmp_path, "import", "incidents", str(docs / "incidents-servicenow-codes.json"), "--tz", "UTC")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(t.conninfo) as conn:
        got = {r[0]: r[1:] for r in conn.execute("SELECT external_id, severity, status FROM incidents")}
    assert got == {"INC0091300": ("sev2", "resolved"), "INC0091301": ("sev3", "open")}
