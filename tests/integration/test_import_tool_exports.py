"""A veterinary-clinic group imports what its tools export, as they come (round 3): ServiceNow incidents, requested
items and change requests (``number``, ``short_description``, ``1 - Critical``, ``cmdb_ci``, ``u_`` fields, times
without a zone), a Jira Service Management CSV (``Issue key``, ``24/Nov/26 9:40 PM``), a Zendesk ticket list, and
PagerDuty and Opsgenie JSON. Every file goes through ``opsgraph import`` (CLI, a throwaway OPSGRAPH_HOME) into an
organisation made in the test; the rows are checked in SQL and a question is answered from them. Times without a
zone are refused unless ``--tz`` says which zone they are in; a refused file writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import count_rows
from tests.integration.import_support import cli as _cli
from tests.integration.import_support import org_database, write_file

ORG = "kestrel-vets"
TABLES = ["incidents", "tickets", "deployments", "config_changes"]
UTC = dt.UTC


@pytest.fixture
def vets(fresh_db, tmp_path):
    t = org_database(fresh_db, (ORG, "Kestrel Veterinary Group"), ("other-co", "Someone Else"))  # --org is needed
    svc = tmp_path / "services.json"
    svc.write_text(json.dumps([{"name": "appt-book"}, {"name": "LabLink"}, {"name": "rx.sync"}]), encoding="utf-8")
    out = _cli(t, tmp_path, "import", "services", str(svc), "--org", ORG)
    assert out.returncode == 0, out.stderr
    return t


def _import(target, home: Path, kind: str, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _cli(target, home, "import", kind, str(path), "--org", ORG, *extra)


def _ask(target, home: Path, question: str) -> str:
    out = _cli(target, home, "ask", question, "--org", ORG, "--as-of", "2026-11-30", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["answer"]



def _flat(text: str) -> str:
    return " ".join(text.split())


SN_INCIDENTS = """number,short_description,description,priority,state,cmdb_ci,assignment_group,opened_at,resolved_at,u_clinic
INC0045501,Lab results not reaching the clinics,"Results from the reference lab stopped at 06:10.",1 - Critical,Resolved,LabLink,Clinical Systems,2026-11-24 06:20:00,2026-11-24 09:05:00,Harbour Road
INC0045507,Booking page slow for clinics in the north,,3 - Moderate,On Hold,appt-book,Web Team,2026-11-26 13:00:00,,
INC0045512,Duplicate prescriptions queued,,2 - High,In Progress,rx.sync,Pharmacy,2026-11-28 08:45:00,,Elm Park
INC0045513,Printer jam reported as outage,,5 - Planning,Canceled,,Service Desk,2026-11-28 09:00:00,,
"""


def test_a_servicenow_incident_export_needs_its_zone_then_lands_and_is_asked_about(vets, tmp_path):
    f = write_file(tmp_path / "incident.csv", SN_INCIDENTS)
    before = count_rows(vets, TABLES)
    out = _import(vets, tmp_path, "incidents", f)
    assert out.returncode == 1
    err = _flat(out.stderr)
    assert "line 2: started_at: timestamp needs a timezone" in err and "--tz" in err
    assert count_rows(vets, TABLES) == before  # refused whole
    bad = _import(vets, tmp_path, "incidents", f, "--tz", "Mars/Olympus")
    assert bad.returncode == 2 and "unknown time zone 'Mars/Olympus'" in _flat(bad.stderr)

    out = _import(vets, tmp_path, "incidents", f, "--tz", "America/Halifax")  # AST, UTC-4 in November
    assert out.returncode == 0, out.stderr
    assert "Imported 4 incidents row(s) into kestrel-vets" in _flat(out.stdout)
    with psycopg.connect(vets.conninfo) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            """SELECT i.external_id, i.title, i.severity, i.status, s.name, i.started_at, i.resolved_at, i.extra
               FROM incidents i LEFT JOIN services s ON s.id = i.service_id""")}
    assert rows["INC0045501"][:4] == ("Lab results not reaching the clinics", "sev1", "resolved", "LabLink")
    assert rows["INC0045501"][4:6] == (dt.datetime(2026, 11, 24, 10, 20, tzinfo=UTC),
                                       dt.datetime(2026, 11, 24, 13, 5, tzinfo=UTC))
    assert rows["INC0045501"][6] == {"assignment_group": "Clinical Systems", "u_clinic": "Harbour Road"}
    assert {k: v[1:4] for k, v in rows.items()} == {
        "INC0045501": ("sev1", "resolved", "LabLink"), "INC0045507": ("sev3", "open", "appt-book"),
        "INC0045512": ("sev2", "open", "rx.sync"), "INC0045513": ("sev4", "resolved", None)}

    answer = _ask(vets, tmp_path, "what's INC0045501 about")
    # the opened time as the clinic wrote it (06:20 Halifax) answered in UTC, and what the export says happened
    assert "INC0045501 is resolved" in answer and "2026-11-24 10:20 UTC" in answer
    assert "Lab results not reaching the clinics" in answer and "LabLink" in answer  # what it is, by its title
    assert "Results from the reference lab stopped at 06:10" in answer


def test_servicenow_requested_items_from_the_table_api(vets, tmp_path):
    f = write_file(tmp_path / "sc_req_item.json", json.dumps({"result": [
        {"number": "RITM0300101", "short_description": "Dental X-ray viewer shows a black screen",
         "priority": "1 - Critical", "urgency": "1 - High", "state": "Work in Progress",
         "company": {"display_value": "Elm Park Clinic", "link": "https://x.service-now.com/api/now/table/core_company/1"},
         "sys_created_on": "2026-11-29 07:30:00", "sys_id": "9d2c7e1a", "u_room": "Surgery 2"},
        {"number": "RITM0300102", "short_description": "Order more label rolls", "description": "We are down to 2.",
         "priority": "4 - Low", "state": "Closed Complete", "sys_created_on": "2026-11-27 10:00:00",
         "closed_at": "2026-11-27 16:00:00"},
        {"number": "RITM0300103", "short_description": "Reset kennel camera", "priority": "3 - Moderate",
         "state": "On Hold", "sys_created_on": "2026-11-28 18:00:00"},
    ]}))
    out = _import(vets, tmp_path, "tickets", f, "--tz", "UTC")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT external_id, subject, content, priority, urgency, status, customer, created_at, extra FROM tickets")}
    first = rows["RITM0300101"]
    assert first[:6] == ("Dental X-ray viewer shows a black screen", "Dental X-ray viewer shows a black screen",
                         "critical", "high", "open", "Elm Park Clinic")
    assert first[6] == dt.datetime(2026, 11, 29, 7, 30, tzinfo=UTC) and first[7]["u_room"] == "Surgery 2"
    assert {k: (v[2], v[4]) for k, v in rows.items()} == {
        "RITM0300101": ("critical", "open"), "RITM0300102": ("low", "closed"), "RITM0300103": ("medium", "pending")}

    answer = _ask(vets, tmp_path, "any open critical tickets?")
    assert "RITM0300101" in answer and "RITM0300102" not in answer and "RITM0300103" not in answer


def test_servicenow_change_requests_as_deployments_and_config_changes(vets, tmp_path):
    changes = [
        {"number": "CHG0051001", "short_description": "LabLink 4.2 hotfix 1", "type": "emergency", "state": "Closed",
         "close_code": "unsuccessful", "cmdb_ci": {"display_value": "LabLink"}, "u_version": "4.2 hotfix 1",
         "assigned_to": {"display_value": "r.amadi"}, "start_date": "2026-11-23 22:00:00",
         "work_start": "2026-11-23 22:10:00", "work_end": "2026-11-23 22:50:00"},
        {"number": "CHG0051002", "short_description": "Booking page release", "type": "normal", "state": "-1",
         "cmdb_ci": "appt-book", "start_date": "2026-11-29 20:00:00", "end_date": "2026-11-29 21:00:00"},
    ]
    scheduled = [*changes, {"number": "CHG0051003", "short_description": "rx.sync upgrade", "type": "normal",
                            "state": "Scheduled", "cmdb_ci": "rx.sync", "start_date": "2026-12-02 20:00:00"}]
    before = count_rows(vets, TABLES)
    out = _import(vets, tmp_path, "deployments", write_file(tmp_path / "chg.json", json.dumps(scheduled)), "--tz", "UTC")
    assert out.returncode == 1 and "line 1: row: change CHG0051003 is 'scheduled': not implemented yet" in _flat(
        out.stderr)
    assert count_rows(vets, TABLES) == before
    out = _import(vets, tmp_path, "deployments", write_file(tmp_path / "chg.json", json.dumps(changes)),
                  "--tz", "Europe/London")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        deploys = {r[0]: r[1:] for r in conn.execute(
            """SELECT d.external_id, s.name, d.version, d.status, d.started_at, d.finished_at, d.deployed_by, d.extra
               FROM deployments d JOIN services s ON s.id = d.service_id""")}
    assert deploys["CHG0051001"][:6] == ("LabLink", "4.2 hotfix 1", "failed", dt.datetime(2026, 11, 23, 22, 10, tzinfo=UTC),
                                         dt.datetime(2026, 11, 23, 22, 50, tzinfo=UTC), "r.amadi")
    assert deploys["CHG0051001"][6]["type"] == "emergency"  # the change's own fields are kept
    assert deploys["CHG0051002"][:3] == ("appt-book", "CHG0051002", "in_progress")  # no version: named by the change

    config = [{"number": "CHG0051010", "short_description": "Longer HL7 retry window for the lab feed",
               "type": "standard", "state": "Closed", "close_code": "successful", "cmdb_ci": "LabLink",
               "u_config_key": "RETRY_WINDOW_SEC", "u_old_value": "30", "u_new_value": "120",
               "assigned_to": "r.amadi", "start_date": "2026-11-25T08:00:00Z", "end_date": "2026-11-25T08:15:00Z"}]
    out = _import(vets, tmp_path, "config-changes", write_file(tmp_path / "cfg.json", json.dumps(config)))
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        assert conn.execute("""SELECT external_id, key, old_value, new_value, changed_at, changed_by, description
                               FROM config_changes""").fetchall() == [
            ("CHG0051010", "RETRY_WINDOW_SEC", "30", "120", dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "r.amadi",
             "Longer HL7 retry window for the lab feed")]


JIRA = """Summary,Issue key,Issue id,Issue Type,Status,Priority,Assignee,Reporter,Created,Updated,Resolved,Components,Components,Description
Vaccination reminders sent twice,VET-88,10088,[System] Incident,Waiting for customer,Highest,Ada Lund,Per Holm,24/Nov/26 9:40 PM,25/Nov/26 8:02 AM,,appt-book,sms,"Owners got every reminder twice since Monday."
Export of the weekly schedule,VET-91,10091,[System] Service request,Done,Lowest,Ada Lund,Ida Berg,25/Nov/26 10:15 AM,26/Nov/26 4:00 PM,26/Nov/26 4:00 PM,appt-book,,"Please add a CSV export."
"""


def test_a_jira_service_management_csv(vets, tmp_path):
    f = write_file(tmp_path / "jira.csv", JIRA)
    out = _import(vets, tmp_path, "tickets", f)
    assert out.returncode == 1 and "line 2:" in out.stderr  # Jira writes its times without a zone
    assert count_rows(vets, ["tickets"]) == {"tickets": 0}
    out = _import(vets, tmp_path, "tickets", f, "--tz", "Europe/Stockholm")  # CET, UTC+1 in November
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT external_id, subject, priority, status, created_at, resolved_at, extra FROM tickets")}
    assert rows["VET-88"][:4] == ("Vaccination reminders sent twice", "critical", "pending",
                                  dt.datetime(2026, 11, 24, 20, 40, tzinfo=UTC))
    assert rows["VET-88"][5]["Components"] == ["appt-book", "sms"] and rows["VET-88"][5]["Issue id"] == "10088"
    assert rows["VET-91"][1:5] == ("low", "resolved", dt.datetime(2026, 11, 25, 9, 15, tzinfo=UTC),
                                   dt.datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    answer = _flat(_ask(vets, tmp_path, "tickets about vaccination reminders"))
    assert "VET-88 “Vaccination reminders sent twice” — pending" in answer and "critical priority" in answer


def test_a_zendesk_ticket_list(vets, tmp_path):
    f = write_file(tmp_path / "zendesk.json", json.dumps({"tickets": [
        {"url": "https://kestrel.zendesk.com/api/v2/tickets/3301.json", "id": 3301, "external_id": None,
         "via": {"channel": "web"}, "created_at": "2026-11-28T09:14:00Z", "type": "incident",
         "subject": "Card terminal at reception declines every card", "raw_subject": "Card terminal declines",
         "description": "Since 09:00 every card is declined at Elm Park.", "priority": "urgent", "status": "hold",
         "requester_id": 77, "organization_id": 12, "tags": ["payments"]},
        {"id": 3302, "external_id": None, "created_at": "2026-11-28T12:30:00Z", "subject": "Where is my invoice?",
         "description": "I cannot find last month's invoice.", "priority": None, "status": "solved"}],
        "next_page": None, "previous_page": None, "count": 2}))
    out = _import(vets, tmp_path, "tickets", f)
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        assert conn.execute("SELECT external_id, priority, status FROM tickets ORDER BY 1").fetchall() == [
            ("3301", "critical", "pending"), ("3302", "medium", "resolved")]
        assert conn.execute("SELECT extra->'tags' FROM tickets WHERE external_id = '3301'").fetchone() == (
            ["payments"],)
    answer = _flat(_ask(vets, tmp_path, "tickets about the card terminal"))
    assert "3301 “Card terminal at reception declines every card” — pending" in answer
    assert "critical priority" in answer and "3302" not in answer


def test_pagerduty_and_opsgenie_json(vets, tmp_path):
    pd = write_file(tmp_path / "pd.json", json.dumps({"incidents": [
        {"id": "P7GH2KQ", "incident_number": 881, "title": "Lab feed queue backing up", "status": "acknowledged",
         "urgency": "high", "priority": {"id": "PX1", "type": "priority_reference", "summary": "P1"},
         "service": {"id": "PS1", "type": "service_reference", "summary": "LabLink"},
         "created_at": "2026-11-29T02:12:00Z"},
        {"id": "P7GH2KR", "incident_number": 882, "title": "Booking API slow", "status": "resolved",
         "urgency": "low", "priority": None, "service": {"id": "PS2", "summary": "appt-book"},
         "created_at": "2026-11-29T05:00:00Z", "resolved_at": "2026-11-29T05:40:00Z"}],
        "limit": 25, "offset": 0, "total": None, "more": False}))
    out = _import(vets, tmp_path, "incidents", pd)
    assert out.returncode == 0, out.stderr
    og = write_file(tmp_path / "og.json", json.dumps({"data": [
        {"id": "4f1c9b2e-77aa-4d0b-9d55-1d2f0e3a4b5c-1764400000", "tinyId": "52", "alias": "rx-disk",
         "message": "rx.sync disk 93% full", "status": "open", "acknowledged": False, "priority": "P3",
         "createdAt": "2026-11-29T06:00:00.250Z", "tags": ["disk"]}], "took": 0.2, "requestId": "abc"}))
    out = _import(vets, tmp_path, "incidents", og)
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            """SELECT i.external_id, i.title, i.severity, i.status, s.name FROM incidents i
               LEFT JOIN services s ON s.id = i.service_id""")}
    assert rows == {
        "P7GH2KQ": ("Lab feed queue backing up", "sev1", "open", "LabLink"),
        "P7GH2KR": ("Booking API slow", "sev4", "resolved", "appt-book"),  # urgency low, no priority
        "4f1c9b2e-77aa-4d0b-9d55-1d2f0e3a4b5c-1764400000": ("rx.sync disk 93% full", "sev3", "open", None)}
    answer = _flat(_ask(vets, tmp_path, "which incidents are open"))
    assert "2 open or mitigated incident(s)" in answer and "P7GH2KR" not in answer
    assert "P7GH2KQ (sev1) on LabLink: Lab feed queue backing up" in answer
    assert "(sev3) on an unknown service: rx.sync disk 93% full" in answer


def test_the_documented_tool_exports_import(fresh_db, tmp_path):
    examples = Path(__file__).resolve().parents[2] / "docs" / "import-examples"
    t = fresh_db()
    with psycopg.connect(t.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('riverside', 'Riverside Ops')")
    for kind, name, *tz in (("services", "services.json"), ("incidents", "incidents-servicenow.csv", "Europe/Oslo"),
                            ("tickets", "tickets-servicenow.json", "UTC"), ("deployments", "deployments-servicenow.json"),
                            ("config-changes", "config-changes-servicenow.json"),
                            ("tickets", "tickets-jira.csv", "America/Chicago"), ("tickets", "tickets-zendesk.json"),
                            ("incidents", "incidents-pagerduty.json"), ("incidents", "incidents-opsgenie.json")):
        out = _cli(t, tmp_path, "import", kind, str(examples / name), *(("--tz", tz[0]) if tz else ()))
        assert out.returncode == 0, f"{name}: {out.stderr}"
    assert count_rows(t, TABLES) == {"incidents": 5, "tickets": 6, "deployments": 2, "config_changes": 1}


def test_metrics_without_a_zone_take_the_zone_named_with_tz(vets, tmp_path):
    f = write_file(tmp_path / "metrics.csv", "ts,service,metric,value\n2026-11-29 08:00:00,LabLink,queue_depth,40\n"
                                          "2026-11-29T09:00:00+00:00,LabLink,queue_depth,55\n")
    out = _import(vets, tmp_path, "metrics", f)
    assert out.returncode == 1 and "line 2: ts '2026-11-29 08:00:00' needs a timezone" in _flat(out.stderr)
    assert "--tz" in out.stderr and count_rows(vets, ["metric_points"]) == {"metric_points": 0}
    dst = write_file(tmp_path / "dst.csv", "ts,service,metric,value\n2026-03-29 02:30:00,LabLink,queue_depth,1\n")
    out = _import(vets, tmp_path, "metrics", dst, "--tz", "Europe/Berlin")  # 02:30 does not exist that night
    assert out.returncode == 1 and "skipped by a clock change in Europe/Berlin" in _flat(out.stderr)
    out = _import(vets, tmp_path, "metrics", f, "--tz", "Europe/Berlin")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(vets.conninfo) as conn:
        assert conn.execute("SELECT ts, value FROM metric_points ORDER BY ts").fetchall() == [
            (dt.datetime(2026, 11, 29, 7, 0, tzinfo=UTC), 40.0), (dt.datetime(2026, 11, 29, 9, 0, tzinfo=UTC), 55.0)]
