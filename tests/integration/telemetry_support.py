"""Shared setup of the telemetry test organisations (test_telemetry_*.py): each builds its own organisation —
its own names, metrics and changes — through the importers, in a database of its own."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from store import migrate
from store.importers import run_import
from tests.conftest import _create_database, _drop_database


def zulu(t: dt.datetime) -> str:
    """A UTC moment as the importers' files write it (``2027-03-09T15:20:00Z``)."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def telemetry_org(pg_server: Any, tmp: Path, *, db: str, slug: str, name: str, team: str, services: Sequence[str],
                  metrics: Sequence[str], changes: Mapping[str, list[dict[str, Any]]]) -> Iterator[tuple[Any, int]]:
    """A migrated database holding one organisation: ``services`` (of ``team``), the ``metrics`` CSV lines
    (header first) and each kind of ``changes`` imported as a user would; yields ``(target, org_id)``, then drops it."""
    target = _create_database(pg_server, db)
    try:
        migrate.upgrade(target)
        with psycopg.connect(target.conninfo) as conn:
            row = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, %s) RETURNING id", (slug, name)).fetchone()
            assert row is not None
            conn.commit()
            (tmp / "services.json").write_text(json.dumps([{"name": n, "team": team} for n in services]))
            run_import(conn, slug, "services", tmp / "services.json")
            (tmp / "metrics.csv").write_text("\n".join(metrics) + "\n")
            run_import(conn, slug, "metrics", tmp / "metrics.csv")
            for kind, rows in changes.items():
                (tmp / f"{kind}.json").write_text(json.dumps(rows))
                run_import(conn, slug, kind, tmp / f"{kind}.json")
        yield target, row[0]
    finally:
        _drop_database(pg_server, target)


def ranked_onset(record: Any, conninfo: str) -> dt.datetime | None:
    """The onset the run correlated (its ranking's), else the last one its ``metric_onset`` evidence found."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT kind, payload FROM evidence WHERE run_id = %s AND kind IN "
                            "('metric_onset', 'hypotheses') ORDER BY id", (record.id,)).fetchall()
    ranked = [p["onset"] for k, p in rows if k == "hypotheses" and p.get("onset_source") in ("given", "metric_onset")]
    found = ranked or [p["onset"] for k, p in rows if k == "metric_onset" and p.get("onset")]
    return dt.datetime.fromisoformat(found[-1]) if found else None


def first_line_with(answer: str, *subjects: str) -> str:
    """The first line of an answer naming any of ``subjects`` ("" when none does)."""
    return next((line for line in answer.splitlines() if any(s in line for s in subjects)), "")
