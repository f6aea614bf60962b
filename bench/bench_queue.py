"""Benchmark: runs on the job queue (procrastinate) against executing them in process.

What is measured (a scratch database with the demo data set, offline provider, hash embeddings):

* **queue overhead per turn** — one process, one in-process worker. The same short turn
  (``--turns`` times, interleaved) two ways: *in process* = create the run and call
  ``Assistant.execute`` directly; *queued* = ``Assistant.start`` (commit + defer) and the worker picks the
  job up (LISTEN/NOTIFY). Time from the request to the published terminal event. Target: p95 extra ≤ 20 ms.
* **throughput** — ``--investigations`` concurrent three-specialist investigations deferred at once, executed
  by 1 and then 2 ``opsgraph worker`` processes (``--concurrency`` each); wall time until all ended.
* **death → resume** — 2 workers, one SIGKILLed while it holds runs: time until its runs are running again on
  the other worker, and until all ended (heartbeat ``OPSGRAPH_WORKER_HEARTBEAT_SECONDS``, a worker is dead
  after ``OPSGRAPH_WORKER_STALLED_SECONDS``; maintenance every 5 s).

    python bench/bench_queue.py [--turns 30] [--investigations 12] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

console = Console(width=140)
REPO = Path(__file__).resolve().parents[1]
ANCHOR = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(ANCHOR, dt.time(12, 0), dt.UTC)
SHORT = "What's the weather like in Paris tomorrow?"
INVESTIGATION = "Why did OTP MX rate at DAL drop last week? Draft the investigation report."


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


async def overhead(settings, target, org_id: int, turns: int) -> dict:
    from agents import jobs
    from agents.service import Assistant
    from store import runs as db

    done: dict[str, asyncio.Event] = {}

    async def publish(e) -> None:
        if e.type in db.TERMINAL_EVENTS and str(e.run_id) in done:
            done[str(e.run_id)].set()

    a = await Assistant.open(settings, target, clock=lambda: NOW)
    w = jobs.worker(a.queue, settings, assistant=a, publish=publish, concurrency=2)
    wt = asyncio.create_task(w.run())
    await asyncio.sleep(1.0)
    inproc, queued = [], []
    try:
        for i in range(turns * 2 + 2):
            t0 = time.perf_counter()
            if i % 2 == 0:
                async with a.sessions() as s, s.begin():
                    run_id, _, _ = await db.create_run(s, org_id=org_id, question=SHORT, trigger="api",
                                                       provider="offline", model=None)
                done[str(run_id)] = asyncio.Event()
                await a.execute(run_id, publish=publish)
                await done[str(run_id)].wait()
                (inproc if i >= 2 else []).append((time.perf_counter() - t0) * 1000)
            else:
                started = await a.start(org_id=org_id, question=SHORT, trigger="api")
                ev = done.setdefault(str(started.run_id), asyncio.Event())
                await asyncio.wait_for(ev.wait(), 30)
                (queued if i >= 2 else []).append((time.perf_counter() - t0) * 1000)
    finally:
        w.stop()
        await wt
        await a.close()
    return {"in_process": inproc, "queued": queued}


def _worker_env(target, home: Path) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(home), "OPSGRAPH_LLM": "offline",
                         "OPSGRAPH_EMBEDDINGS": "hash"}


def spawn_worker(target, home: Path, concurrency: int) -> subprocess.Popen:
    exe = str(Path(sys.executable).with_name("opsgraph"))
    return subprocess.Popen([exe, "worker", "--concurrency", str(concurrency)], cwd=REPO,
                            env=_worker_env(target, home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def batch(settings, target, org_id: int, n: int, *, kill_one_of=None) -> dict:
    """Defer n investigations (no worker here) and wait until all ended; optionally SIGKILL a worker mid-way."""
    import psycopg

    from agents.service import Assistant

    a = await Assistant.open(settings, target)
    try:
        t0 = time.perf_counter()
        started = [await a.start(org_id=org_id, question=INVESTIGATION, trigger="api", as_of=NOW) for _ in range(n)]
        out: dict = {}
        if kill_one_of is not None:
            victim = kill_one_of
            held: list[str] = []
            while not held:
                with psycopg.connect(target.conninfo) as conn:
                    held = [str(r[0]) for r in conn.execute(
                        "SELECT id FROM runs WHERE status = 'running' AND worker LIKE %s", (f"%:{victim.pid}",))]
                await asyncio.sleep(0.05)
            os.kill(victim.pid, signal.SIGKILL)
            tk = time.perf_counter()
            while True:
                with psycopg.connect(target.conninfo) as conn:
                    moved = conn.execute("SELECT count(*) FROM runs WHERE id = ANY(%s::uuid[]) AND "
                                         "(worker NOT LIKE %s OR status IN ('completed', 'failed'))",
                                         (held, f"%:{victim.pid}")).fetchone()[0]
                if moved == len(held):
                    break
                await asyncio.sleep(0.1)
            out["resumed_s"] = time.perf_counter() - tk
            out["killed_runs"] = len(held)
        records = [await a.wait(org_id, s.run_id, timeout=600) for s in started]
        out["wall_s"] = time.perf_counter() - t0
        out["completed"] = sum(r.status == "completed" for r in records)
        if kill_one_of is not None:
            out["all_ended_after_kill_s"] = time.perf_counter() - tk
        return out
    finally:
        await a.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--turns", type=int, default=30)
    p.add_argument("--investigations", type=int, default=12)
    p.add_argument("--concurrency", type=int, default=4)
    args = p.parse_args()


    from bench._db import machine, scratch_database
    from demo.seed import seed_demo
    from store.settings import Settings
    from tools.embeddings import HashEmbedder

    with scratch_database() as target:
        home = Path(os.environ.get("TMPDIR", "/tmp")) / f"opsgraph-bench-queue-{random.randrange(1 << 30)}"
        result = seed_demo(target.conninfo, embedder=HashEmbedder(), anchor=ANCHOR, status=console.status)
        settings = Settings(DATABASE_URL=target.sqlalchemy_url, OPSGRAPH_HOME=str(home), OPSGRAPH_LLM="offline",
                            OPSGRAPH_EMBEDDINGS="hash")
        org = result.org_id
        console.print(f"[bold]machine[/]: {machine()}")
        o = asyncio.run(overhead(settings, target, org, args.turns))
        ip, q = o["in_process"], o["queued"]
        console.print(f"turn, in process: p50 {statistics.median(ip):.1f} ms, p95 {pct(ip, .95):.1f} ms (n={len(ip)})")
        console.print(f"turn, queued:     p50 {statistics.median(q):.1f} ms, p95 {pct(q, .95):.1f} ms (n={len(q)})")
        console.print(f"queue overhead:   p50 {statistics.median(q) - statistics.median(ip):+.1f} ms, "
                      f"p95 {pct(q, .95) - pct(ip, .95):+.1f} ms")
        for n_workers in (1, 2):
            procs = [spawn_worker(target, home, args.concurrency) for _ in range(n_workers)]
            try:
                time.sleep(4.0)
                r = asyncio.run(batch(settings, target, org, args.investigations))
            finally:
                for w in procs:
                    w.send_signal(signal.SIGTERM)
                for w in procs:
                    w.wait(30)
            console.print(f"{args.investigations} investigations, {n_workers} worker(s) × {args.concurrency}: "
                          f"{r['wall_s']:.1f} s, {args.investigations / r['wall_s']:.2f} runs/s, "
                          f"{r['completed']} completed")
        procs = [spawn_worker(target, home, args.concurrency) for _ in range(2)]
        try:
            time.sleep(4.0)
            r = asyncio.run(batch(settings, target, org, args.investigations, kill_one_of=procs[0]))
        finally:
            for w in procs:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in procs:
                w.wait(30)
        console.print(f"worker killed holding {r['killed_runs']} run(s): running again elsewhere after "
                      f"{r['resumed_s']:.1f} s, all {args.investigations} ended {r['all_ended_after_kill_s']:.1f} s "
                      f"after the kill ({r['completed']} completed; heartbeat {settings.worker_heartbeat_seconds:g} s, "
                      f"dead after {settings.worker_stalled_seconds:g} s)")


if __name__ == "__main__":
    main()
