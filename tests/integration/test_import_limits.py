"""What one CSV import may hold: a glassworks' telemetry and KPI sheets past the limits are refused at once with
``line N: reason`` and nothing is written — a wide sheet of 10,000 columns (before: parsed for ~25 s for 50 rows,
minutes for more, then imported), a cell longer than a spreadsheet cell can be, a row larger than an API request
may be — while a sheet at the column limit still imports. Every file goes through ``opsgraph import``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from store.importers import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROW_CHARS, run_import
from tests.conftest import count_rows
from tests.integration.import_support import cli, org_database

ORG = "lysekil-glass"
TABLES = ["metric_points", "kpi_points", "incidents"]


@pytest.fixture
def glass(fresh_db, tmp_path):
    t = org_database(fresh_db, (ORG, "Lysekil Glassworks"))
    files = {
        "services": ("services.json", json.dumps([{"name": "furnace-ctl"}, {"name": "Annealer.Line2"}])),
        "stations": ("stations.json", json.dumps([{"code": "LYS-F1", "name": "Furnace hall 1", "region": "WEST"}])),
        "kpi-definitions": ("kpis.json", json.dumps([{"code": "CULLET_PCT", "name": "Cullet share",
                                                       "higher_is_better": True, "unit": "%"}])),
    }
    with psycopg.connect(t.conninfo, autocommit=True) as conn:  # the set-up in process; the files under test via the CLI
        for kind, (name, text) in files.items():
            f = tmp_path / name
            f.write_text(text, encoding="utf-8")
            run_import(conn, ORG, kind, f)
    return t


def _import(target, home: Path, kind: str, path: Path) -> subprocess.CompletedProcess[str]:
    return cli(target, home, "import", kind, str(path), "--org", ORG)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_sheet_of_ten_thousand_columns_is_refused_at_once(glass, tmp_path):
    f = tmp_path / "furnace-wide.csv"
    names = [f"zone_{i}_temp_c" for i in range(9_998)]
    rows = [f"2026-11-{d:02d}T06:00:00Z,furnace-ctl," + ",".join(str(1400 + i % 7) for i in range(9_998))
            for d in range(1, 29)]
    f.write_text("ts,service," + ",".join(names) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    before = count_rows(glass, TABLES)
    started = time.monotonic()
    out = _import(glass, tmp_path, "metrics", f)
    took = time.monotonic() - started
    assert out.returncode == 1
    assert "line 1: the header has 10,000 columns; at most 1,000 are read" in _flat(out.stderr), out.stderr
    assert "long layout" in out.stderr and "Traceback" not in out.stderr
    assert took < 15, took  # the CLI's own start-up included; before: ~25 s for 50 rows, then an import
    assert count_rows(glass, TABLES) == before

    kpis = tmp_path / "cullet-by-day.csv"  # a column per period: ~3 years of days, one row per site and KPI
    days = [f"{y}-{m:02d}-{d:02d}" for y in (2021, 2022, 2023, 2024) for m in range(1, 13) for d in range(1, 29)]
    kpis.write_text("station,kpi," + ",".join(days) + "\n"
                    + "LYS-F1,CULLET_PCT," + ",".join("31.5" for _ in days) + "\n", encoding="utf-8")
    out = _import(glass, tmp_path, "kpis", kpis)
    assert out.returncode == 1 and "line 1: the header has 1,346 columns" in _flat(out.stderr), out.stderr
    assert count_rows(glass, TABLES) == before


def test_a_sheet_at_the_column_limit_still_imports(glass, tmp_path):
    f = tmp_path / "furnace-wide.csv"
    names = [f"zone_{i}_temp_c" for i in range(MAX_COLUMNS - 2)]  # with ts and service: exactly the limit
    rows = [f"2026-11-{d:02d}T06:00:00Z,furnace-ctl," + ",".join(str(1400 + i % 7) for i in range(len(names)))
            for d in (1, 2)]
    f.write_text("ts,service," + ",".join(names) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = _import(glass, tmp_path, "metrics", f)
    assert out.returncode == 0, out.stderr
    assert count_rows(glass, ["metric_points"])["metric_points"] == 2 * (MAX_COLUMNS - 2)


def test_a_cell_or_a_row_too_long_is_refused_with_its_line(glass, tmp_path):
    before = count_rows(glass, TABLES)
    f = tmp_path / "annealer.csv"
    note = "x" * (MAX_CELL_CHARS + 1)
    f.write_text("ts;service;strain_mpa;operator_note\n"
                 "2026-11-03T08:00:00Z;Annealer.Line2;4,1;ok\n"
                 "\n"
                 f"2026-11-03T09:00:00Z;Annealer.Line2;4,3;\"{note}\"\n", encoding="utf-8")
    out = _import(glass, tmp_path, "metrics", f)
    assert out.returncode == 1
    assert (f"line 4: column 'operator_note': a cell of {MAX_CELL_CHARS + 1:,} characters; at most "
            f"{MAX_CELL_CHARS:,}") in _flat(out.stderr), out.stderr

    rows = tmp_path / "incidents.csv"  # an export whose one row carries 40 long fields: over 1 MiB
    cells = ",".join("y" * 30_000 for _ in range(40))
    rows.write_text("external_id,title,started_at," + ",".join(f"note_{i}" for i in range(40)) + "\n"
                    "GL-1,Batch house feeder stalled,2026-11-04T02:00:00Z," + ",".join("n" for _ in range(40)) + "\n"
                    f"GL-2,Lehr belt slipping,2026-11-05T03:00:00Z,{cells}\n", encoding="utf-8")
    out = _import(glass, tmp_path, "incidents", rows)
    assert out.returncode == 1
    assert "line 3: the row holds 1,200,0" in _flat(out.stderr) and f"at most {MAX_ROW_CHARS:,}" in _flat(out.stderr)
    assert count_rows(glass, TABLES) == before
