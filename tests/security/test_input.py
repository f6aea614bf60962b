"""Issue 14 items 2 and 6: timestamps outside years 1-9999 (in UTC) are rejected before any write, and bad input
(deep nesting, NUL characters, over-long names, other encodings, BOMs, blank lines, NUL in a path) answers a 4xx
or ``line N: reason`` — never a 500 or a traceback."""

from __future__ import annotations

import json

import psycopg
import pytest

from store.importers import ImportRejected, run_import

POISON = "9999-12-31T23:00:00-05:00"  # year 10000 once in UTC
EARLY = "0001-01-01T01:00:00+05:00"  # year 0 once in UTC


def _count(sec, table: str) -> int:
    return sec.sql(f"SELECT count(*) FROM {table} WHERE org_id = %s", sec.harbour_id)[0][0]


@pytest.mark.parametrize("stamp", [POISON, EARLY])
async def test_out_of_range_timestamps_write_nothing(sec, sec_client, stamp):
    before = {t: _count(sec, t) for t in ("deployments", "tickets", "commits")}
    dep = {"external_id": "HB-DEP-POISON", "service": "berth-planner", "version": "7.1.0",
           "started_at": "2026-11-20T08:00:00Z", "finished_at": stamp}
    r = await sec_client.post("/api/webhooks/deployments", json=dep, headers=sec.h("member"))
    assert r.status_code == 422 and "1-9999" in r.json()["detail"], r.text
    ticket = {"external_id": "HB-T-POISON", "subject": "Crane 4 offline", "content": "No telemetry since noon",
              "created_at": "2026-11-20T08:00:00Z", "updated_at": stamp}
    r = await sec_client.post("/api/tickets", json=ticket, headers=sec.h("member"))
    assert r.status_code == 422 and "1-9999" in r.json()["detail"], r.text
    push = {"repository": {"name": "berth-planner"}, "ref": "refs/heads/main",
            "commits": [{"id": "c0ffee0000000000000000000000000000000001", "timestamp": stamp, "message": "x"}]}
    r = await sec_client.post("/api/webhooks/github", json=push, headers=sec.h("member"))
    assert r.status_code == 422 and "1-9999" in r.json()["detail"], r.text
    assert {t: _count(sec, t) for t in before} == before, "a rejected request writes nothing"
    # Reads of the service still work.
    r = await sec_client.get("/api/services/berth-planner/changes", headers=sec.h("viewer"))
    assert r.status_code == 200, r.text


def test_importers_reject_out_of_range_timestamps(sec, tmp_path):
    rows = [{"external_id": "HB-DEP-1", "service": "berth-planner", "version": "1", "started_at": "2026-11-20T08:00:00Z"},
            {"external_id": "HB-DEP-2", "service": "berth-planner", "version": "2", "started_at": "2026-11-20T08:00:00Z",
             "finished_at": POISON}]
    path = tmp_path / "deps.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    before = _count(sec, "deployments")
    with pytest.raises(ImportRejected) as exc:
        sec.import_file(tmp_path, "deployments", path.read_text(), name="deps.jsonl")
    assert exc.value.errors[0][0] == 2 and "1-9999" in exc.value.errors[0][1]
    assert _count(sec, "deployments") == before


async def test_deeply_nested_status_history_is_rejected_and_reads_stay_fine(sec, sec_client):
    nested: list = []
    for _ in range(300):
        nested = [nested]
    ticket = {"external_id": "HB-T-NEST", "subject": "Gate OCR misreads", "content": "Plates misread at gate 3",
              "created_at": "2026-11-20T08:00:00Z", "status_history": [{"status": "new", "notes": nested}]}
    r = await sec_client.post("/api/tickets", json=ticket, headers=sec.h("member"))
    assert r.status_code == 422 and "nested" in r.json()["detail"], r.text
    ok = {**ticket, "status_history": [{"status": "new", "at": "2026-11-20T08:00:00Z"}]}
    assert (await sec_client.post("/api/tickets", json=ok, headers=sec.h("member"))).status_code == 201
    r = await sec_client.get("/api/tickets/HB-T-NEST", headers=sec.h("viewer"))
    assert r.status_code == 200 and r.json()["ticket"]["status_history"][0]["status"] == "new"


async def test_nul_in_a_static_path_is_404(sec_client):
    for path in ("/static/index.html%00.js", "/static/%00", "/static/a%00b/app.js"):
        r = await sec_client.get(path)
        assert r.status_code == 404, (path, r.status_code)
    assert (await sec_client.get("/static/app.js")).status_code == 200


async def test_nul_and_overlong_values_in_the_api_are_422(sec, sec_client):
    base = {"external_id": "HB-T-NUL", "subject": "Reefer alarm", "content": "Reefer 12 alarm",
            "created_at": "2026-11-20T08:00:00Z"}
    for bad in ({"content": "bad\u0000text"}, {"customer": "c" * 201}):
        r = await sec_client.post("/api/tickets", json={**base, **bad}, headers=sec.h("member"))
        assert r.status_code == 422, r.text
        assert "Traceback" not in r.text and "SQL" not in r.text
    assert not sec.sql("SELECT 1 FROM tickets WHERE org_id = %s AND external_id = 'HB-T-NUL'", sec.harbour_id)


def _reject(sec, tmp_path, kind: str, data: bytes, name: str) -> list[tuple[int, str]]:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportRejected) as exc, psycopg.connect(sec.demo.target.conninfo, autocommit=True) as conn:
        run_import(conn, "harbour", kind, path)
    assert "Traceback" not in str(exc.value)
    return exc.value.errors


def test_import_files_report_line_numbers(sec, tmp_path):
    ok = {"external_id": "HB-T-{}", "subject": "Crane {} jammed", "content": "Spreader stuck",
          "created_at": "2026-11-20T08:00:00Z"}

    def line(i: int, **extra) -> str:
        return json.dumps({k: (v.format(i) if isinstance(v, str) else v) for k, v in ok.items()} | extra, ensure_ascii=False)

    before = _count(sec, "tickets")
    # A NUL character (JSON escape) on line 3; an over-long customer on line 2.
    text = "\n".join([line(1), line(2, customer="x" * 300), line(3, content="a\u0000b")])
    errors = _reject(sec, tmp_path, "tickets", text.encode(), "t.jsonl")
    assert [e[0] for e in errors] == [2, 3] and "NUL" in errors[1][1] and "200" in errors[0][1]
    # A raw NUL byte in the file.
    errors = _reject(sec, tmp_path, "tickets", (line(1) + "\n" + line(2) + "\x00\n").encode(), "n.jsonl")
    assert errors[0][0] == 2 and "NUL" in errors[0][1]
    # latin-1: rejected with the line of the first byte that is not UTF-8.
    errors = _reject(sec, tmp_path, "tickets", (line(1) + "\n" + line(2, content="Grúa atascada")).encode("latin-1"),
                     "l.jsonl")
    assert errors[0][0] == 2 and "UTF-8" in errors[0][1]
    assert _count(sec, "tickets") == before

    # UTF-16 (with a BOM) and UTF-8 with a BOM are read properly.
    for i, (enc, name) in enumerate((("utf-16", "u16.jsonl"), ("utf-8-sig", "bom.jsonl"))):
        path = tmp_path / name
        path.write_bytes((line(10 + i, content="Grúa atascada") + "\n").encode(enc))
        with psycopg.connect(sec.demo.target.conninfo, autocommit=True) as conn:
            assert run_import(conn, "harbour", "tickets", path).rows == 1
    assert sec.sql("SELECT content FROM tickets WHERE org_id = %s AND external_id = 'HB-T-10'", sec.harbour_id) == \
        [("Grúa atascada",)]


def test_blank_csv_lines_do_not_shift_line_numbers(sec, tmp_path):
    csv = ("ts,service,metric,value\n"
           "2026-11-20T08:00:00Z,berth-planner,queue_depth,4\n"
           "\n"
           "\n"
           "2026-11-20T08:05:00Z,berth-planner,queue_depth,not-a-number\n")
    errors = _reject(sec, tmp_path, "metrics", ("\ufeff" + csv).encode(), "m.csv")
    assert errors == [(5, "value 'not-a-number' is not a number")]
