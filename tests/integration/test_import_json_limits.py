"""What one JSON / JSONL record may hold, consistent with the CSV limits: a port authority's exports past them are
refused at once with ``line N: reason`` and nothing is written — a ticket with more fields than a CSV may have
columns (before: all 1,500 kept in ``extra``), an object inside a record as wide, an incident larger than a CSV row
(before: stored), a record nested deeper than the limit — while a record at the field limit still imports."""

from __future__ import annotations

import json

import psycopg
import pytest

from store.importers import MAX_COLUMNS, MAX_JSON_DEPTH, MAX_ROW_CHARS, ImportRejected, run_import
from tests.conftest import count_rows
from tests.integration.import_support import org_database

ORG = "tamsin-port"


@pytest.fixture
def port(fresh_db, tmp_path):
    t = org_database(fresh_db, (ORG, "Tamsin Port Authority"))
    with psycopg.connect(t.conninfo, autocommit=True) as conn:
        svc = tmp_path / "services.json"
        svc.write_text(json.dumps([{"name": "berth.sched"}, {"name": "crane-telemetry"}]), encoding="utf-8")
        run_import(conn, ORG, "services", svc)
    return t


def _ticket(n: int, **more) -> dict:
    return {"id": f"PA-{n}", "subject": f"Gate {n} barrier stuck", "description": "Lorries queueing at the gate.",
            "created_at": "2026-11-20T06:00:00Z", **more}


def _incident(n: int, **more) -> dict:
    return {"id": f"PI-{n}", "title": "Crane feed lagging", "service": "crane-telemetry",
            "started_at": "2026-11-21T02:00:00Z", **more}


def _import(target, tmp_path, kind: str, records: list[dict], name: str = "export.jsonl"):
    f = tmp_path / name
    f.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        return run_import(conn, ORG, kind, f)


def _refused(target, tmp_path, kind: str, records: list[dict]) -> str:
    with pytest.raises(ImportRejected) as exc:
        _import(target, tmp_path, kind, records)
    assert count_rows(target, ["tickets", "incidents"]) == {"tickets": 0, "incidents": 0}
    return str(exc.value)


def test_a_record_with_more_fields_than_a_csv_has_columns_is_refused(port, tmp_path):
    wide = {f"custom_field_{i}": i for i in range(MAX_COLUMNS + 500)}
    message = _refused(port, tmp_path, "tickets", [_ticket(1), _ticket(2, **wide), _ticket(3)])
    assert "line 2:" in message and f"{MAX_COLUMNS + 504:,} fields in one object" in message, message
    assert f"at most {MAX_COLUMNS:,}" in message and "line 1:" not in message, message


def test_a_wide_object_inside_a_record_is_refused_by_its_field(port, tmp_path):
    message = _refused(port, tmp_path, "incidents",
                       [_incident(1, labels={f"k{i}": "v" for i in range(MAX_COLUMNS + 1)})])
    assert "line 1: labels:" in message and "fields in one object" in message, message


def test_a_record_larger_than_a_csv_row_is_refused(port, tmp_path):
    message = _refused(port, tmp_path, "incidents",
                       [_incident(1), _incident(2, summary="x" * (MAX_ROW_CHARS + 10))])
    assert "line 2:" in message and f"at most {MAX_ROW_CHARS:,}" in message, message


def test_a_record_nested_past_the_limit_is_refused_in_a_json_array(port, tmp_path):
    deep: object = "bottom"
    for _ in range(MAX_JSON_DEPTH + 2):
        deep = {"inner": deep}
    f = tmp_path / "tickets.json"
    f.write_text("[\n" + json.dumps(_ticket(1)) + ",\n" + json.dumps(_ticket(2, routing=deep)) + "\n]",
                 encoding="utf-8")
    with psycopg.connect(port.conninfo, autocommit=True) as conn, pytest.raises(ImportRejected) as exc:
        run_import(conn, ORG, "tickets", f)
    assert f"line 3: routing: nested more than {MAX_JSON_DEPTH} levels deep" in str(exc.value), str(exc.value)
    assert count_rows(port, ["tickets"]) == {"tickets": 0}


def test_a_record_at_the_field_limit_still_imports(port, tmp_path):
    at_limit = {f"custom_field_{i}": i for i in range(MAX_COLUMNS - 4)}  # + the ticket's own four fields
    result = _import(port, tmp_path, "tickets", [_ticket(1, **at_limit)])
    assert result.rows == 1
    with psycopg.connect(port.conninfo) as conn:
        kept = conn.execute("SELECT count(*) FROM tickets t, jsonb_object_keys(t.extra) k "  # not the note that
                            "WHERE k <> 'first_response_not_recorded'").fetchone()[0]  # it has no first response
    assert kept == MAX_COLUMNS - 4
