"""Rank every station by a KPI over a year of daily points (the ``rank_kpi`` tool), on the demo data.

One grouped query per call (per-station daily values aggregated by the KPI's own rule, this year and the
same window a year earlier). The baseline is the obvious way: load each station's daily series with the
``kpi_series`` machinery and aggregate in Python. Target: p95 < 50 ms.

    python bench/bench_rank.py [--calls 50]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from rich.console import Console
from rich.table import Table

from bench._db import machine, scratch_database
from demo.seed import seed_demo
from store.db import make_async_engine, make_sessionmaker
from tools.base import ToolContext
from tools.kpis import kpi_series
from tools.kpis.questions import rank_kpi
from tools.kpis.views import aggregate

ANCHOR = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(ANCHOR, dt.time(12), dt.UTC)
END = ANCHOR - dt.timedelta(days=1)
START = END - dt.timedelta(days=364)
KPIS = ("OTP_MX_RATE", "AOG_EVENTS", "MX_DELAY_MINUTES")  # a mean KPI and two sum KPIs


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


async def baseline(ctx: ToolContext, kpi: str, stations: list[str]) -> list[str]:
    values = {}
    for code in stations:
        s = (await kpi_series(ctx, kpi=kpi, station=code, start=START, end=END, chart=False)).result
        values[code] = aggregate([p.value for p in s.points], s.kpi.aggregation)
    return sorted(values, key=lambda c: values[c] or 0.0)


async def main(calls: int) -> None:
    with scratch_database() as target:
        org = seed_demo(target.conninfo, embedder=None, anchor=ANCHOR).org_id
        with psycopg.connect(target.conninfo) as conn:
            stations = [r[0] for r in conn.execute("SELECT code FROM stations WHERE org_id = %s", (org,))]
            n_points = conn.execute("SELECT count(*) FROM kpi_points WHERE org_id = %s AND day BETWEEN %s AND %s",
                                    (org, START, END)).fetchone()[0]
        engine = make_async_engine(target, pool_size=2)
        ctx = ToolContext(sessions=make_sessionmaker(engine), org_id=org, now=NOW)
        table = Table(title=f"rank over all {len(stations)} stations, {START}–{END} ({n_points:,} KPI points in the "
                            f"year, all KPIs) — {machine()}")
        for col in ("path", "calls", "p50 ms", "p95 ms", "target p95"):
            table.add_column(col, justify="right" if col != "path" else "left")
        for group_by in ("station", "region"):
            for kpi in KPIS[:1]:
                await rank_kpi(ctx, kpi=kpi, group_by=group_by, start=START, end=END)  # warm
            times = []
            for i in range(calls):
                kpi = KPIS[i % len(KPIS)]
                t0 = time.perf_counter()
                await rank_kpi(ctx, kpi=kpi, group_by=group_by, order="worst" if i % 2 else "best", limit=5,
                               start=START, end=END)
                times.append((time.perf_counter() - t0) * 1000)
            table.add_row(f"rank_kpi by {group_by} (one grouped query)", str(calls), f"{pct(times, 50):.1f}",
                          f"{pct(times, 95):.1f}", "< 50 ms")
        times = []
        for i in range(max(3, calls // 10)):
            t0 = time.perf_counter()
            await baseline(ctx, KPIS[i % len(KPIS)], stations)
            times.append((time.perf_counter() - t0) * 1000)
        table.add_row("baseline: kpi_series per station + aggregate", str(len(times)), f"{pct(times, 50):.1f}",
                      f"{pct(times, 95):.1f}", "")
        await engine.dispose()
        Console().print(table)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=50)
    asyncio.run(main(ap.parse_args().calls))
