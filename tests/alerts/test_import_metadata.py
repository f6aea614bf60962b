"""Every JSON import kind accepts real exports: fields opsgraph has no column for are kept (``extra``) with one
warning; line numbers still point into the user's file; a bad file still writes nothing."""

from __future__ import annotations

import json

import pytest

from store.importers import ImportRejected
from tests.alerts.conftest import ORG


def test_unknown_fields_are_kept_with_a_warning(alerts_org, tmp_path):
    org = alerts_org
    deploys = [
        {"external_id": "argo-sync-5512", "service": "quay-router", "version": "2.8.0",
         "started_at": "2026-09-01T10:00:00Z", "finished_at": "2026-09-01T10:04:00Z",
         "argo_app": "edge-prod", "sync_revision": "4f1e9a0", "health": {"status": "Healthy"}},
        {"external_id": "argo-sync-5513", "service": "quay-router", "version": "2.8.1",
         "started_at": "2026-09-02T10:00:00Z"},
    ]
    result = org.import_records("deployments", deploys, tmp_path)
    assert result.rows == 2
    assert result.warnings == [("unknown field(s) kept as metadata: 'argo_app' (line 1), 'health' (line 1), "
                                "'sync_revision' (line 1)")]
    rows = dict(org.rows("SELECT external_id, extra FROM deployments WHERE external_id LIKE 'argo-sync-551%%'"))
    assert rows == {"argo-sync-5512": {"argo_app": "edge-prod", "sync_revision": "4f1e9a0",
                                       "health": {"status": "Healthy"}},
                    "argo-sync-5513": {}}

    tickets = [{"external_id": "ZD#88121", "subject": "Manifests stuck", "content": "Since the update, none load.",
                "created_at": "2026-09-03T08:00:00Z", "via": "email", "satisfaction_rating": None}]
    out = org.import_records("tickets", tickets, tmp_path)
    assert out.rows == 1 and "'via'" in out.warnings[0]
    assert org.rows("SELECT extra FROM tickets WHERE external_id = 'ZD#88121'") == [  # the export has no
        ({"via": "email", "satisfaction_rating": None, "first_response_not_recorded": True},)]  # first-response field
    # Without unknown fields nothing is said.
    assert org.import_records("services", [{"name": "quay-router", "team": "edge"}], tmp_path).warnings == []


def test_bad_rows_keep_their_line_numbers_and_nothing_is_written(alerts_org, tmp_path):
    org = alerts_org
    # A JSON array, two objects on one line, unknown fields everywhere, bad rows on lines 3 and 5.
    lines = [
        "[",
        ('{"external_id": "cfg-901", "service": "ledger", "key": "pool.size", "new_value": "40", '
         '"changed_at": "2026-09-05T09:00:00Z", "ticket": "CHG-1"}, {"external_id": "cfg-902", "service": "ledger", '
         '"key": "pool.idle", "new_value": "5", "changed_at": "2026-09-05T09:01:00Z", "ticket": "CHG-2"},'),
        '{"external_id": "cfg-903", "service": "ledgr", "key": "x", "changed_at": "2026-09-05T09:02:00Z", "ticket": 1},',
        '{"external_id": "cfg-904", "service": "ledger", "key": "y", "changed_at": "2026-09-05T09:03:00Z"},',
        '{"external_id": "cfg-905", "service": "ledger", "key": "z", "changed_at": "not a time", "approver": "ops"}',
        "]",
    ]
    text = "\n".join(lines)
    path = tmp_path / "changes.json"
    path.write_text(text)
    import psycopg

    from store.importers import run_import

    with psycopg.connect(org.target.conninfo, autocommit=True) as conn, pytest.raises(ImportRejected) as info:
        run_import(conn, ORG, "config-changes", path)
    lines = dict(info.value.errors)
    assert set(lines) == {3, 5} and "ledger" in lines[3] and "changed_at" in lines[5]
    assert str(path) in str(info.value)
    assert org.rows("SELECT count(*) FROM config_changes WHERE external_id LIKE 'cfg-90%%'")[0][0] == 0

    path.write_text(text.replace('"ledgr"', '"ledger"').replace('"not a time"', '"2026-09-05T09:04:00Z"'))
    with psycopg.connect(org.target.conninfo, autocommit=True) as conn:
        result = run_import(conn, ORG, "config-changes", path)
    assert result.rows == 5 and "'ticket' (3 rows from line 2)" in result.warnings[0]
    kept = dict(org.rows("SELECT external_id, extra FROM config_changes WHERE external_id LIKE 'cfg-90%%'"))
    assert kept["cfg-902"] == {"ticket": "CHG-2"} and kept["cfg-905"] == {"approver": "ops"} and kept["cfg-904"] == {}
    assert json.dumps(kept["cfg-903"]) == '{"ticket": 1}'
