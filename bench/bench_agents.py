"""Chat-turn latency, offline provider, demo data, everything persisted.

A turn is timed from the call that starts it to the moment its
``run.completed`` event is committed and published. Each turn runs the real graph: routing, specialists, tools, evidence with
embeddings, every event committed before it is published. The table splits
each turn into tool time (the analytics and their queries, from tool_calls
latency) and the framework-plus-persistence share (LangGraph, checkpointer,
run/step/event/evidence writes). The baseline is the same tools called
directly, with no graph and no persistence, measured in the same run.
Targets: p95 < 100 ms for a single KPI question, < 300 ms for a
three-specialist investigation.

    python bench/bench_agents.py [--turns 30]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console
from rich.table import Table

from agents.service import Assistant
from bench._db import machine, scratch_database
from demo.seed import seed_demo
from store.db import make_async_engine, make_sessionmaker
from store.settings import Settings
from tools.base import ToolContext
from tools.changes import correlate_changes
from tools.embeddings import HashEmbedder
from tools.kpis import kpi_series
from tools.retrieval import search

ANCHOR = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(ANCHOR, dt.time(12), dt.UTC)
CASES = {
    "single KPI question": ("How is OTP MX rate at PHX doing?", 100.0),
    "3-specialist investigation": ("Why did OTP MX rate at DAL drop last week? Draft the investigation report.", 300.0),
}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


async def direct(ctx: ToolContext, case: str) -> None:
    if case == "single KPI question":
        await kpi_series(ctx, kpi="OTP_MX_RATE", station="PHX")
        return
    s = (await kpi_series(ctx, kpi="OTP_MX_RATE", station="DAL")).result
    await correlate_changes(ctx, kpi="OTP_MX_RATE", station="DAL", onset=s.shift.onset if s.shift else ANCHOR)
    await search(ctx, query="otp mx rate degradation", k=3, kinds=("runbook",))


async def main(turns: int) -> None:
    console = Console(width=170)
    with scratch_database() as target:
        org = seed_demo(target.conninfo, embedder=HashEmbedder(), anchor=ANCHOR).org_id
        settings = Settings(DATABASE_URL=target.sqlalchemy_url, OPSGRAPH_LLM="offline", OPSGRAPH_EMBEDDINGS="hash")
        assistant = await Assistant.open(settings, target, clock=lambda: NOW)
        engine = make_async_engine(target, pool_size=2)
        ctx = ToolContext(sessions=make_sessionmaker(engine), org_id=org, now=NOW)
        table = Table("turn", "n", "p50 ms", "p95 ms", "tools p50 ms", "framework+persistence p50 ms",
                      "direct tools p50 ms", "events/turn", "target p95", "result",
                      title=f"Chat-turn latency, offline — {machine()}")
        try:
            for case, (question, target_ms) in CASES.items():
                for _ in range(3):  # warm up caches and pools
                    await assistant.ask(org_id=org, question=question)
                    await direct(ctx, case)
                totals, tools, direct_ms, events = [], [], [], []
                for _ in range(turns):
                    # A turn lasts until its run.completed event is committed and published.
                    done = asyncio.get_running_loop().create_future()

                    async def publish(event, done=done):
                        if event.type in ("run.completed", "run.failed") and not done.done():
                            done.set_result(time.perf_counter())

                    t0 = time.perf_counter()
                    started = await assistant.start(org_id=org, question=question, publish=publish)
                    totals.append((await done - t0) * 1000)
                    await started.task
                    record = await assistant.record(org, started.run_id)
                    assert record.status == "completed", record.error
                    tools.append(sum(c.latency_ms or 0 for c in record.tool_calls))
                    events.append(record.last_seq)
                    t0 = time.perf_counter()
                    await direct(ctx, case)
                    direct_ms.append((time.perf_counter() - t0) * 1000)
                framework = [t - u for t, u in zip(totals, tools, strict=True)]
                p95 = pct(totals, 95)
                table.add_row(case, str(turns), f"{statistics.median(totals):.1f}", f"{p95:.1f}",
                              f"{statistics.median(tools):.1f}", f"{statistics.median(framework):.1f}",
                              f"{statistics.median(direct_ms):.1f}", f"{statistics.median(events):.0f}",
                              f"< {target_ms:.0f}", "PASS" if p95 < target_ms else "FAIL")
        finally:
            await assistant.close()
            await engine.dispose()
    console.print(table)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=30)
    asyncio.run(main(ap.parse_args().turns))
