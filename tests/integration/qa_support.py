"""What the stranger's-test suites share: a chat thread pinned to a date, the pandas checks of KPI answers, an
organisation's fixture imported into a database of its own, an assistant on a demo copy and the SQL its answers are
checked against."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg

from agents.service import Assistant
from store import migrate
from store.importers import run_import
from tests.conftest import DEMO_ANCHOR, _create_database, _drop_database, settings_for


def import_org(pg_server: Any, out: Path, database: str, slug: str, name: str, kinds: dict[str, str],
               extra: Sequence[tuple[str, Path]] = ()) -> tuple[Any, int, pd.DataFrame, pd.DataFrame]:
    """A generated fixture folder imported as a user would (every kind, then ``extra`` files, then the runbooks one
    Markdown file at a time) into a new database: ``(target, org id, its KPI rows, its sites)``."""
    target = _create_database(pg_server, database)
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, %s) RETURNING id", (slug, name)).fetchone()[0]
        conn.commit()
        for kind, file in kinds.items():
            run_import(conn, slug, kind, out / file)
        for kind, path in extra:
            run_import(conn, slug, kind, path)
        for md in sorted((out / "runbooks").glob("*.md")):
            run_import(conn, slug, "runbooks", md)
    kpis = pd.read_csv(out / "kpis.csv", parse_dates=["date"])
    sites = pd.DataFrame(json.loads((out / "stations.json").read_text(encoding="utf-8")))
    return target, org_id, kpis, sites


def load_org(conn: psycopg.Connection, slug: str, name: str, files: dict[str, Any], tmp: Path) -> int:
    """A new organisation whose records (by import kind, in order) are written as JSON files under ``tmp`` and
    imported as a user would: its id."""
    org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, %s) RETURNING id", (slug, name)).fetchone()[0]
    for kind, records in files.items():
        f = tmp / f"{slug}-{kind}.json"
        f.write_text(json.dumps(records), encoding="utf-8")
        run_import(conn, slug, kind, f)
    return int(org_id)


def load_kpis(conn: psycopg.Connection, slug: str, points: Iterable[tuple[dt.date, str, str, float]], tmp: Path) -> None:
    """KPI values ``(day, site code, KPI code, value)`` written as the CSV a user imports, and imported."""
    f = tmp / f"{slug}-kpis.csv"
    f.write_text("date,station,kpi,value\n" + "".join(f"{d},{s},{k},{v}\n" for d, s, k, v in points), encoding="utf-8")
    run_import(conn, slug, "kpis", f)


def ticket(ext: str, subject: str, content: str, *, created_at: str, customer: str, priority: str = "medium",
           tier: str = "standard", status: str = "open") -> dict[str, str]:
    """One ticket record as a helpdesk export gives it (for ``load_org(..., {"tickets": [...]})``)."""
    return {"external_id": ext, "subject": subject, "content": content, "priority": priority,
            "created_at": created_at, "customer": customer, "customer_tier": tier, "status": status}


@dataclass
class GeneratedOrg:
    target: Any
    org_id: int
    kpis: pd.DataFrame
    sites: pd.DataFrame
    out: Path  # the generated files


@contextlib.contextmanager
def generated_org(pg_server: Any, tmp_path_factory: Any, generator: Path, database: str, slug: str, name: str,
                  kinds: dict[str, str], extra: Sequence[tuple[str, str | Path]] = ()) -> Iterator[GeneratedOrg]:
    """A fixture organisation: its ``generate.py`` run into a fresh folder, imported by :func:`import_org` into a
    database of its own (``extra`` files by name in that folder, or by path), dropped afterwards."""
    out = tmp_path_factory.mktemp(database)
    subprocess.run([sys.executable, str(generator), str(out)], check=True, capture_output=True)
    target, org_id, kpis, sites = import_org(pg_server, out, database, slug, name, kinds,
                                             [(k, out / p if isinstance(p, str) else p) for k, p in extra])
    try:
        yield GeneratedOrg(target, org_id, kpis, sites, out)
    finally:
        _drop_database(pg_server, target)


@contextlib.asynccontextmanager
async def org_assistant(target: Any, pg_server: Any, clock: dt.datetime) -> AsyncIterator[Assistant]:
    """An assistant on an organisation's own database whose clock is ``clock``."""
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: clock)
    try:
        yield a
    finally:
        await a.close()


@contextlib.asynccontextmanager
async def org_thread(target: Any, org_id: int, pg_server: Any, clock: dt.datetime) -> AsyncIterator[Thread]:
    """A conversation on an organisation's own database, the assistant's clock ``clock`` and each turn asked as of
    its date."""
    async with org_assistant(target, pg_server, clock) as a:
        yield Thread(a, org_id, clock.date())


class Thread:
    """One conversation with the assistant, every turn asked "as of" the same date (the graders' way)."""

    def __init__(self, a: Assistant, org_id: int, as_of: dt.date) -> None:
        self.a, self.org_id, self.as_of, self.thread_id = a, org_id, as_of, None

    async def ask_alone(self, q: str) -> str:
        """``q`` as the first question of a new conversation (nothing asked before it counts)."""
        self.thread_id = None
        return await self.ask(q)

    async def ask(self, q: str) -> str:
        r = await self.a.ask(org_id=self.org_id, question=q, thread_id=self.thread_id, as_of=self.as_of)
        assert r.status == "completed", r.error
        self.thread_id = r.thread_id
        assert r.answer and "Traceback" not in r.answer and "internal error" not in r.answer, r.answer
        return r.answer


def kpi_rows(kpis: pd.DataFrame, kpi: str, codes: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """The generator's KPI points of ``kpi`` at ``codes`` between ``start`` and ``end`` (inclusive)."""
    return kpis[(kpis.kpi == kpi) & kpis.station.isin(codes) & (kpis.date >= pd.Timestamp(start))
                & (kpis.date <= pd.Timestamp(end))]


def first_line(answer: str) -> str:
    return next(x for x in answer.splitlines() if x.startswith("- "))


@contextlib.asynccontextmanager
async def demo_assistant(demo: Any) -> AsyncIterator[Assistant]:
    """An assistant on a copy of the demo whose clock is noon of the demo's anchor day."""
    clock = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
    a = await Assistant.open(demo.settings, demo.target, clock=lambda: clock)
    try:
        yield a
    finally:
        await a.close()


def sql(demo: Any, q: str, *args: Any) -> list[Any]:
    """Rows of a query on the demo copy (the numbers an answer is checked against)."""
    with psycopg.connect(demo.target.conninfo) as conn:
        return conn.execute(q, args).fetchall()
