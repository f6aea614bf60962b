"""A dental chain imports its clinics under its own word for them ("Clinic ID", "Clinic Name", a "clinic" column in its
KPI values) and, by mistake, its KPI values before its clinics: the clinics land as sites; the values are refused as
rows of unknown clinics — not as duplicates — and the count says every bad row, not only those listed. Nothing is
written by a refused file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest

from store.importers import ImportRejected, run_import
from tests.conftest import count_rows
from tests.integration.import_support import org_database, write_file

ORG = "brightsmile"


@pytest.fixture
def dental(fresh_db):
    return org_database(fresh_db, (ORG, "Brightsmile Dental"))



def _values(d: Path, clinics: list[str], days: int) -> Path:
    rows = ["date,clinic,kpi,value"]
    for i in range(days):
        day = dt.date(2027, 1, 1) + dt.timedelta(days=i)
        rows += [f"{day},{c},CHAIR_UTIL,{70 + i % 5}" for c in clinics]
    return write_file(d / "values.csv", "\n".join(rows) + "\n")


def test_clinics_under_their_own_word_and_values_of_unknown_clinics(dental, tmp_path):
    conn = psycopg.connect(dental.conninfo)
    run_import(conn, ORG, "kpi-definitions", write_file(tmp_path / "defs.csv", "code,name,unit,higher_is_better\n"
                                                                           "CHAIR_UTIL,Chair utilisation,%,true\n"))
    with pytest.raises(ImportRejected) as err:  # the clinics are not imported yet
        run_import(conn, ORG, "kpis", _values(tmp_path, ["HOV", "LEW"], 150))
    text = str(err.value)
    assert "300 bad row(s)" in text, text[:300]  # every bad row counted (before: the 200 listed, "400" with repeats)
    assert "unknown station 'LEW'" in text and "import stations first" in text, text[:600]
    assert "duplicate point" not in text, text[:600]  # before: each clinic's second row onwards, "duplicate"
    assert count_rows(dental, ["kpi_points"]) == {"kpi_points": 0}

    got = run_import(conn, ORG, "stations", write_file(tmp_path / "clinics.csv",
                                                   "Clinic ID,Clinic Name,Region,Region Name\n"
                                                   "HOV,Hove Seafront Dental,SX,Sussex\nLEW,Lewes High Street Dental,SX,Sussex\n"))
    assert got.rows == 2  # before: "line 2: code: Field required; name: Field required"
    names = dict(conn.execute("SELECT code, name FROM stations").fetchall())
    assert names == {"HOV": "Hove Seafront Dental", "LEW": "Lewes High Street Dental"}
    assert run_import(conn, ORG, "kpis", _values(tmp_path, ["HOV", "LEW"], 150)).rows == 300
    conn.close()
