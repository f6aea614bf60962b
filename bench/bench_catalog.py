"""Per-turn catalog cost: the vocabulary every turn loads (``Catalog.load``) against the lookups only some
questions need (``Catalog.load_for``: the KPI/ticket data spans, every config change's key and new value).

"eager" is what every turn paid before gaps21 (both lookups on every turn); "lazy" is a turn whose question needs
neither. Timed on the demo and on an organisation with 5,000 config changes; then whole chat turns (offline
provider, everything persisted) with the lookups forced on against lazy.

    python bench/bench_catalog.py [--reps 30] [--turns 15]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from rich.console import Console
from rich.table import Table

from agents.service import Assistant
from agents.understanding.catalog import Catalog
from bench._db import machine, scratch_database
from demo.seed import seed_demo
from store.db import make_async_engine, make_sessionmaker
from store.importers import run_import
from store.settings import Settings
from tools.embeddings import HashEmbedder

ANCHOR = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(ANCHOR, dt.time(12), dt.UTC)
QUESTIONS = {"demo": "How is OTP MX rate at PHX doing?", "configs": "what changed on ledger-7 last week?"}


def big_config_org(conninfo: str, n: int = 5000) -> int:
    """An organisation with 20 services and ``n`` config changes (flags flipped, limits tuned) over 90 days."""
    with psycopg.connect(conninfo, autocommit=True) as conn, tempfile.TemporaryDirectory() as tmp:
        org = conn.execute("INSERT INTO orgs (slug, name) VALUES ('tallyho', 'Tallyho Payments') RETURNING id").fetchone()[0]
        services = [{"name": f"ledger-{i}"} for i in range(20)]
        Path(tmp, "s.json").write_text(json.dumps(services))
        run_import(conn, "tallyho", "services", Path(tmp, "s.json"))
        start = NOW - dt.timedelta(days=90)
        changes = [{"external_id": f"CHG-{i:05d}", "service": f"ledger-{i % 20}", "key": f"ledger.feature_{i % 400}.enabled",
                    "old_value": str(i % 2 == 0).lower(), "new_value": str(i % 2 == 1).lower(),
                    "changed_at": (start + dt.timedelta(minutes=25 * i)).isoformat(), "changed_by": f"eng{i % 9}"}
                   for i in range(n)]
        Path(tmp, "c.json").write_text(json.dumps(changes))
        run_import(conn, "tallyho", "config-changes", Path(tmp, "c.json"))
    return int(org)


async def time_catalog(sessions, org: int, question: str | None, reps: int) -> list[float]:
    out = []
    for _ in range(reps + 3):
        t0 = time.perf_counter()
        async with sessions() as s:
            await (await Catalog.load(s, org)).load_for(s, org, question)
        out.append((time.perf_counter() - t0) * 1000)
    return out[3:]


async def time_turns(assistant: Assistant, org: int, question: str, turns: int) -> tuple[list[float], list[float]]:
    """Whole turns, eager and lazy interleaved (the machine's load hits both alike)."""
    lazy_for = Catalog.load_for

    async def forced(self, session, org_id, question):  # the old way: both lookups on every turn
        return await lazy_for(self, session, org_id, None)

    out: dict[bool, list[float]] = {True: [], False: []}
    try:
        for i in range(2 * (turns + 2)):
            eager = i % 2 == 0
            Catalog.load_for = forced if eager else lazy_for  # type: ignore[method-assign]
            t0 = time.perf_counter()
            r = await assistant.ask(org_id=org, question=question)
            assert r.status == "completed", r.error
            if i >= 4:
                out[eager].append((time.perf_counter() - t0) * 1000)
    finally:
        Catalog.load_for = lazy_for  # type: ignore[method-assign]
    return out[True], out[False]


async def main(reps: int, turns: int) -> None:
    console = Console(width=160)
    with scratch_database() as target:
        orgs = {"demo": seed_demo(target.conninfo, embedder=HashEmbedder(), anchor=ANCHOR).org_id,
                "configs": big_config_org(target.conninfo)}
        engine = make_async_engine(target, pool_size=2)
        sessions = make_sessionmaker(engine)
        table = Table("organisation", "catalog eager p50 ms", "catalog lazy p50 ms", "turn eager p50 ms",
                      "turn lazy p50 ms", title=f"Per-turn catalog cost — {machine()}")
        settings = Settings(DATABASE_URL=target.sqlalchemy_url, OPSGRAPH_LLM="offline", OPSGRAPH_EMBEDDINGS="hash")
        assistant = await Assistant.open(settings, target, clock=lambda: NOW)
        try:
            for name, org in orgs.items():
                eager = await time_catalog(sessions, org, None, reps)
                lazy = await time_catalog(sessions, org, QUESTIONS[name], reps)
                turn_eager, turn_lazy = await time_turns(assistant, org, QUESTIONS[name], turns)
                table.add_row(name, *(f"{statistics.median(x):.1f}" for x in (eager, lazy, turn_eager, turn_lazy)))
        finally:
            await assistant.close()
            await engine.dispose()
    console.print(table)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--turns", type=int, default=15)
    args = ap.parse_args()
    asyncio.run(main(args.reps, args.turns))
