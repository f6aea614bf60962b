"""A rail operator's service desk runs on ServiceNow and exports its tickets (incidents and requested items) from
the Table API without display values: ``"state": "6"``, ``"priority": 2``, ``"urgency": "1"``, ``"impact": 3``.
The tickets import reads them by the same mapping as the incidents import (:mod:`store.incident_shapes`): state
6 is resolved, priority 2 high, urgency 1 high, a priority looked up from urgency and impact when the export has
none; a requested item's state 3 is Closed Complete (the task table's codes), not On Hold. A code outside the
defaults is refused with ``line N: reason`` and nothing is written. Before, such a file was refused whole
(``status: '6'`` is not a status)."""

from __future__ import annotations

import json

import psycopg
import pytest

from store.importers import ImportRejected, run_import
from tests.conftest import count_rows
from tests.integration.import_support import org_database

ORG = "kestrel-rail"


@pytest.fixture
def rail(fresh_db):
    return org_database(fresh_db, (ORG, "Kestrel Rail"))


def _rec(number: str, title: str, **fields) -> dict:
    return {"sys_id": f"9f{number[-4:]}", "number": number, "short_description": title,
            "sys_created_on": "2026-11-20T06:00:00Z", **fields}


def _import(target, tmp_path, records: list[dict]):
    f = tmp_path / "sn_tickets.json"
    lines = ",\n".join(json.dumps(r) for r in records)  # record N on line N + 1
    f.write_text('{"result": [\n' + lines + "\n]}", encoding="utf-8")
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        return run_import(conn, ORG, "tickets", f)


def test_servicenow_ticket_codes_are_read_like_the_incidents_import(rail, tmp_path):
    result = _import(rail, tmp_path, [
        _rec("INC0042001", "Ticket machine at Aldbury rejects contactless", state="6", priority="2", urgency="1",
             impact="2", sys_class_name="incident"),
        _rec("INC0042002", "Platform display frozen", state=2, urgency=1, impact=1),  # no priority: looked up
        _rec("INC0042003", "Timetable PDF has a typo", state="3", priority=5),
        _rec("RITM0042004", "New radio for a driver", state="3", priority="4", sys_class_name="sc_req_item"),
        _rec("RITM0042005", "Access to the depot roster", state=-5, urgency="3"),
    ])
    assert result.rows == 5
    with psycopg.connect(rail.conninfo) as conn:
        got = {r[0]: r[1:] for r in conn.execute(
            "SELECT t.external_id, t.status, t.priority, t.urgency FROM tickets t JOIN orgs o ON o.id = t.org_id "
            "WHERE o.slug = %s", (ORG,))}
    assert got == {
        "INC0042001": ("resolved", "high", "high"),
        "INC0042002": ("open", "critical", "high"),     # impact 1 × urgency 1 → priority 1 Critical
        "INC0042003": ("pending", "low", None),          # 3 On Hold; 5 Planning
        "RITM0042004": ("closed", "low", None),          # a requested item's 3 is Closed Complete
        "RITM0042005": ("pending", "medium", "low"),     # -5 Pending; urgency 3 Low
    }


def test_an_unknown_servicenow_code_is_refused_by_line_and_nothing_is_written(rail, tmp_path):
    with pytest.raises(ImportRejected) as exc:
        _import(rail, tmp_path, [
            _rec("INC0042011", "Wi-Fi on the 07:12 is down", state="6", priority="2"),
            _rec("INC0042012", "Seat reservations lost", state="4", priority="9"),
        ])
    message = str(exc.value)
    assert "line 3" in message and "unknown ServiceNow state code '4'" in message, message
    assert "6 Resolved" in message and "priority code '9'" in message, message
    assert count_rows(rail, ["tickets"]) == {"tickets": 0}
