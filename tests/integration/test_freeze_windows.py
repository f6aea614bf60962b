"""An online grocer's change-freeze calendar: imported from JSON (whole days) and CSV (times, a zone given with
``--tz``, services listed in one cell, "all"); a file with any bad row (an end before its start, an unknown
service, a time without a zone, the same window twice) is refused with ``line N: reason`` and writes nothing.
The change correlator then says when a change was made inside a freeze — as evidence, with the ranking and
confidences exactly as without the calendar — and not for a change outside one or on a service the freeze does
not cover. Another organisation's calendar never applies."""

from __future__ import annotations

import datetime as dt
import json
import re

import psycopg
import pytest

from agents.service import Assistant
from store.importers import ImportRejected, run_import
from tests.conftest import DEMO_ANCHOR, count_rows, demo_database, settings_for
from tests.integration.import_support import cli

ORG = "larder-direct"
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

SERVICES = [{"name": "basket.api"}, {"name": "promo-rules", "depends_on": []}, {"name": "picking-app"}]
CHANGES = {
    "deployments": [
        {"external_id": "rel-88", "service": "promo-rules", "version": "5.2.0", "started_at": "2026-11-27T06:50:00Z",
         "finished_at": "2026-11-27T07:00:00Z", "deployed_by": "mira"},
        {"external_id": "rel-90", "service": "picking-app", "version": "1.9.1", "started_at": "2026-11-27T06:40:00Z",
         "finished_at": "2026-11-27T06:45:00Z"},
    ],
    "incidents": [
        {"id": "LD-INC-14", "title": "Discounts applied twice", "service": "promo-rules", "severity": "sev2",
         "status": "resolved", "started_at": "2026-11-27T07:20:00Z", "resolved_at": "2026-11-27T09:00:00Z"},
        {"id": "LD-INC-15", "title": "Pickers see empty lists", "service": "picking-app", "severity": "sev3",
         "status": "resolved", "started_at": "2026-11-27T07:10:00Z", "resolved_at": "2026-11-27T08:00:00Z"},
    ],
}
FREEZES_JSON = [
    {"title": "Black Friday peak", "start": "2026-11-26", "end": "2026-11-30", "scope": ["promo-rules", "basket.api"],
     "description": "Peak trading: emergency fixes only", "approver": "cab@larder"},
    {"title": "Year-end close", "start": "2026-12-28", "end": "2027-01-02", "scope": "all"},
]


def _write(tmp_path, name: str, content: object) -> object:
    f = tmp_path / name
    f.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return f


@pytest.fixture
def grocer(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Larder Direct') RETURNING id",
                              (ORG,)).fetchone()[0]
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('other-shop', 'Other')")
        run_import(conn, ORG, "services", _write(tmp_path, "services.json", SERVICES))
        run_import(conn, "other-shop", "services", _write(tmp_path, "services2.json", [{"name": "picking-app"}]))
        for kind, records in CHANGES.items():
            run_import(conn, ORG, kind, _write(tmp_path, f"{kind}.json", records))
    return target, settings_for(target, pg_server.home), org_id


def _windows(target, slug: str = ORG) -> list[tuple]:
    with psycopg.connect(target.conninfo) as conn:
        return conn.execute(
            "SELECT f.name, f.starts_at, f.ends_at, f.services, f.reason, f.extra FROM freeze_windows f "
            "JOIN orgs o ON o.id = f.org_id WHERE o.slug = %s ORDER BY f.starts_at", (slug,)).fetchall()


def test_import_json_days_and_csv_times(grocer, tmp_path):
    target, _, _ = grocer
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        result = run_import(conn, ORG, "freeze-windows", _write(tmp_path, "freezes.json", FREEZES_JSON))
        assert result.rows == 2 and result.details == {"whole_organisation": 1, "some_services": 1}
        csv = ("name,from,until,services,notes\n"
               "Warehouse migration,2026-12-05 22:00,2026-12-06 06:00,PICKING-APP; basket.api,WMS cut-over\n")
        run_import(conn, ORG, "freeze-windows", _write(tmp_path, "wms.csv", csv), tz="Europe/London")
        again = run_import(conn, ORG, "freeze-windows", _write(tmp_path, "freezes.json", FREEZES_JSON))
        assert again.rows == 2  # the same file twice: upserted, not doubled
    rows = _windows(target)
    assert [r[0] for r in rows] == ["Black Friday peak", "Warehouse migration", "Year-end close"]
    peak, wms, year_end = rows
    assert peak[1] == dt.datetime(2026, 11, 26, tzinfo=dt.UTC) and peak[2] == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert peak[3] == ["promo-rules", "basket.api"] and peak[4] == "Peak trading: emergency fixes only"
    assert peak[5] == {"approver": "cab@larder"}  # a field with no column kept as metadata
    assert wms[1] == dt.datetime(2026, 12, 5, 22, 0, tzinfo=dt.UTC) and wms[3] == ["picking-app", "basket.api"]
    assert year_end[3] == [] and year_end[2] == dt.datetime(2027, 1, 3, tzinfo=dt.UTC)


def test_a_bad_row_rejects_the_file_by_line_and_writes_nothing(grocer, tmp_path):
    target, _, _ = grocer
    lines = [
        {"name": "Fine", "start": "2026-12-01", "end": "2026-12-02"},
        {"name": "Backwards", "start": "2026-12-10T10:00:00Z", "end": "2026-12-09T10:00:00Z"},
        {"name": "Typo", "start": "2026-12-01", "end": "2026-12-02", "services": ["promo-rule"]},
        {"name": "No zone", "start": "2026-12-01 10:00", "end": "2026-12-01 12:00"},
        {"name": "fine", "start": "2026-12-01", "end": "2026-12-03"},
        {"name": "Not a date", "start": "2026-13-01", "end": "2026-12-03"},
    ]
    f = _write(tmp_path, "bad.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    with psycopg.connect(target.conninfo, autocommit=True) as conn, pytest.raises(ImportRejected) as exc:
        run_import(conn, ORG, "freeze-windows", f)
    msg = str(exc.value)
    assert "line 2:" in msg and "is not after starts_at" in msg, msg
    assert "line 3:" in msg and "promo-rule" in msg and "promo-rules" in msg, msg
    assert "line 4:" in msg and "timezone" in msg, msg
    assert "line 5:" in msg and "line 6:" in msg and "line 1:" not in msg, msg
    assert count_rows(target, ["freeze_windows"]) == {"freeze_windows": 0}


def test_the_cli_imports_a_calendar(grocer, tmp_path):
    target, _, _ = grocer
    f = _write(tmp_path, "freezes.json", FREEZES_JSON)
    done = cli(target, tmp_path, "import", "freeze-windows", str(f), "--org", ORG)
    assert done.returncode == 0, done.stderr + done.stdout
    assert len(_windows(target)) == 2 and _windows(target, "other-shop") == []


def _confidences(answer: str) -> list[str]:
    return re.findall(r"\b(\S+) on \S+ \(confidence (\d\.\d\d)\)", answer)


async def test_the_correlator_says_a_change_was_made_in_a_freeze(grocer, tmp_path):
    target, settings, org_id = grocer
    a = await Assistant.open(settings, target, clock=lambda: NOW)
    try:
        before = await a.ask(org_id=org_id, question="what caused LD-INC-14?")
        assert before.status == "completed" and "rel-88" in before.answer and "freeze" not in before.answer
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            run_import(conn, ORG, "freeze-windows", _write(tmp_path, "freezes.json", FREEZES_JSON))
            # another organisation's freeze over the picking app never applies to ours
            run_import(conn, "other-shop", "freeze-windows", _write(tmp_path, "f2.json", [
                {"name": "Their freeze", "start": "2026-11-20", "end": "2026-12-31"}]))
        after = await a.ask(org_id=org_id, question="what caused LD-INC-14?")
        assert after.status == "completed", after.error
        line = next(x for x in after.answer.splitlines() if "rel-88" in x)
        assert "made during the Black Friday peak change freeze (2026-11-26 00:00 – 2026-12-01 00:00 UTC" in line, line
        assert "emergency fixes only" in line, line
        assert _confidences(after.answer) == _confidences(before.answer)  # evidence, not a cause: same ranking
        ev = next(e for e in after.evidence if e.kind == "change" and "rel-88" in e.summary)
        assert "Black Friday peak" in ev.summary and f"[E:{ev.id}]" in line
        other = await a.ask(org_id=org_id, question="what caused LD-INC-15?")  # picking-app: not in our freeze
        assert other.status == "completed" and "rel-90" in other.answer and "freeze" not in other.answer, other.answer
    finally:
        await a.close()


async def test_on_the_demo_the_true_cause_is_said_to_be_made_in_a_freeze(pg_server, demo_template, tmp_path):
    with demo_database(pg_server, demo_template, "opsgraph_freeze") as demo:
        inc = demo.manifest["incidents"][0]
        cause = inc["cause"]["external_id"]
        with psycopg.connect(demo.target.conninfo, autocommit=True) as conn:
            at, service = conn.execute(
                "SELECT COALESCE(d.finished_at, d.started_at), s.name FROM deployments d JOIN services s "
                "ON s.id = d.service_id WHERE d.org_id = %s AND d.external_id = %s", (demo.org_id, cause)).fetchone()
            run_import(conn, "demo", "freeze-windows", _write(tmp_path, "demo-freeze.json", [
                {"name": "Holiday peak", "start": (at - dt.timedelta(hours=6)).isoformat(),
                 "end": (at + dt.timedelta(hours=6)).isoformat(), "services": [service]}]))
        clock = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
        a = await Assistant.open(demo.settings, demo.target, clock=lambda: clock)
        try:
            r = await a.ask(org_id=demo.org_id, question=f"What caused {inc['external_id']}?")
        finally:
            await a.close()
        assert r.status == "completed", r.error
        top = re.search(r"Most likely cause for [^:]+: (\S+)", r.answer)
        assert top and top.group(1) == cause, r.answer  # the ranking is the same as without the calendar
        line = next(x for x in r.answer.splitlines() if "Most likely cause" in x)
        assert "made during the Holiday peak change freeze" in line, line


# ----------------------------------------------------------------- one source: the calendar and the runbook pages

FREEZE_PAGE = """---
id: RB-LARDER-FREEZES
tags: [change freeze]
---
# Larder release freezes

- Black Friday: 2026-11-25 00:00 to 2026-11-29 23:59 UTC — emergency fixes only.
- Warehouse move: 2026-11-27 06:00 to 2026-11-27 12:00 UTC for the picking app's depot.
"""


async def test_the_calendar_and_the_runbook_page_are_one_freeze_evidence(grocer, tmp_path):
    target, settings, org_id = grocer
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        run_import(conn, ORG, "runbooks", _write(tmp_path, "freezes.md", FREEZE_PAGE))
    a = await Assistant.open(settings, target, clock=lambda: NOW)
    try:
        # only the page speaks: its freeze is the correlator's evidence too, said to come from the page
        r = await a.ask(org_id=org_id, question="what caused LD-INC-15?")
        assert r.status == "completed", r.error
        line = next(x for x in r.answer.splitlines() if "rel-90" in x)
        assert ("the Warehouse move change freeze (2026-11-27 06:00 – 2026-11-27 12:00 UTC; from the runbook page "
                "RB-LARDER-FREEZES)") in line, line
        r = await a.ask(org_id=org_id, question="did anyone change anything during the black friday freeze?")
        assert "The runbook page RB-LARDER-FREEZES sets the freeze: “Black Friday: 2026-11-25 00:00" in r.answer, r.answer
        assert "rel-88" in r.answer and "freeze_windows" in [c.tool for c in r.tool_calls], r.answer
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            run_import(conn, ORG, "freeze-windows", _write(tmp_path, "freezes.json", FREEZES_JSON))
        # both speak of Black Friday: the calendar wins (its days, its name, said to come from it)
        r = await a.ask(org_id=org_id, question="did anyone change anything during the black friday freeze?")
        assert ("The freeze calendar sets the Black Friday peak freeze: 2026-11-26 00:00 to 2026-12-01 00:00 UTC, "
                "for promo-rules, basket.api") in r.answer, r.answer
        assert "RB-LARDER-FREEZES" not in r.answer and "rel-88" in r.answer, r.answer
        r = await a.ask(org_id=org_id, question="what caused LD-INC-14?")
        line = next(x for x in r.answer.splitlines() if "rel-88" in x)
        assert "made during the Black Friday peak change freeze" in line and "from the freeze calendar" in line, line
        assert "the Black Friday change freeze" not in line, line  # the page's range of the same freeze: left out
        r = await a.ask(org_id=org_id, question="what caused LD-INC-15?")  # another freeze the calendar lacks: kept
        line = next(x for x in r.answer.splitlines() if "rel-90" in x)
        assert "the Warehouse move change freeze" in line and "from the runbook page RB-LARDER-FREEZES" in line, line
        assert "Black Friday" not in line, line  # the calendar's Black Friday covers promo-rules and basket.api only
    finally:
        await a.close()
