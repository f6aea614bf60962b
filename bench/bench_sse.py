"""Benchmark: run event streams (SSE) — time to first event and delivery lag with 200 concurrent streams.

What is built
-------------
A scratch database with the demo data set and two uvicorn processes (one worker
each) serving ``create_app`` with the offline provider: **A** serves the
streams, **B** is "another worker". Each process also mounts a few
``/bench/...`` routes (benchmark only):

* ``POST /bench/naive/chat`` and ``GET /bench/naive/runs/{id}/events`` — the
  **baseline**: the same run and the same SSE framing, but each stream polls
  ``run_events`` every 500 ms (no hub, no LISTEN/NOTIFY, no local publish);
* ``POST /bench/produce`` — ``--runs`` synthetic runs in that process, each
  emitting ``--events`` events (every other one a ``token``) every
  ``--interval`` seconds through ``agents.runtime.RunRecorder`` — the same
  commit-then-publish path as a real run; ``GET /bench/produced`` returns, per
  event, the wall-clock time its commit returned.

What is measured
----------------
* **time to first event** — ``POST /api/chat`` until the first complete SSE
  event (``run.started``) is parsed by the client, ``--chats`` sequential chats
  (each stream read to its end before the next); the baseline does the same
  through ``/bench/naive/chat``;
* **delivery lag** — ``--runs`` (200) concurrent streams on worker A, one per
  synthetic run, all connected before the runs start emitting: lag = time the
  client parsed the event − time the producer's commit returned (recorded right
  after ``RunRecorder.emit`` returns, which for a run on the same worker is also
  when the event is published). The event's ``created_at`` (its transaction's
  start) gives an upper bound that also contains the producer's own transaction
  — on a loaded machine most of the tail. Three set-ups: the runs execute on A
  itself (the usual single-process deployment: every event is published in
  process), the runs execute on B (A learns of non-token events by NOTIFY and of
  tokens by its 250 ms poll), and the baseline (500 ms polling per stream).

Targets: time to first event p95 < 50 ms; 200 streams, delivery lag p99 < 100 ms.

    python bench/bench_sse.py [--runs 200] [--events 20] [--interval 0.5] [--chats 60]
"""


import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from rich.console import Console
from rich.table import Table

console = Console(width=150)
REPO = Path(__file__).resolve().parents[1]
ANCHOR = dt.date(2026, 11, 20)
NOW = dt.datetime.combine(ANCHOR, dt.time(12, 0), dt.UTC)
TERMINAL = ("run.completed", "run.failed")


# ------------------------------------------------------------------ the server side (a subprocess)


def serve(url: str, conninfo: str, home: str, port: int) -> None:
    import uvicorn
    from fastapi import Body
    from sse_starlette import EventSourceResponse, ServerSentEvent

    from agents.runtime import RunRecorder, create_run
    from api.app import create_app
    from api.deps import Member, State, Viewer
    from api.events import read_events
    from api.limits import ApiLimits
    from store.db import DatabaseTarget
    from store.settings import Settings

    target = DatabaseTarget(sqlalchemy_url=url, conninfo=conninfo, embedded=False)
    settings = Settings(DATABASE_URL=url, OPSGRAPH_HOME=home, OPSGRAPH_LLM="offline", OPSGRAPH_EMBEDDINGS="hash")
    app = create_app(settings, target=target, run_migrations=False, clock=lambda: NOW,
                     limits=ApiLimits(max_concurrent_runs_per_key=1000, max_streams_per_key=2000))
    produced: dict[str, dict[int, float]] = {}

    async def naive(sessions, org_id: int, run_id, after: int):
        last = after
        while True:
            for e in await read_events(sessions, org_id, run_id, last):
                yield ServerSentEvent(data=e.data, event=e.type, id=str(e.seq))
                last = e.seq
                if e.terminal:
                    return
            await asyncio.sleep(0.5)

    @app.post("/bench/naive/chat", include_in_schema=False)
    async def naive_chat(state: State, principal: Member, body: dict = Body(...)):  # noqa: B008
        started = await state.assistant.start(org_id=principal.org_id, question=body["message"], trigger="api",
                                              api_key_id=principal.id)
        return EventSourceResponse(naive(state.sessions, principal.org_id, started.run_id, 0),
                                   headers={"X-Run-Id": str(started.run_id)})

    @app.get("/bench/naive/runs/{run_id}/events", include_in_schema=False)
    async def naive_follow(run_id: str, state: State, principal: Viewer):
        return EventSourceResponse(naive(state.sessions, principal.org_id, run_id, 0))

    go = asyncio.Event()
    producers: set[asyncio.Task[None]] = set()  # the loop only keeps weak references to running tasks

    @app.post("/bench/produce", include_in_schema=False)
    async def produce(state: State, principal: Member, body: dict = Body(...)):  # noqa: B008
        """Create and start the runs (``run.started``); the other events wait for ``POST /bench/go``."""
        n, events, interval = int(body["runs"]), int(body["events"]), float(body["interval"])
        go.clear()
        runs = [await create_run(state.sessions, org_id=principal.org_id, question="synthetic", trigger="api",
                                 provider="offline", model=None) for _ in range(n)]

        async def one(run_id, thread_id, offset: float) -> None:
            rec = RunRecorder(sessions=state.sessions, org_id=principal.org_id, run_id=run_id,
                              embedder=None, publish=state.hub.publish)  # type: ignore[arg-type]
            times = produced.setdefault(str(run_id), {})
            await rec.start(thread_id)
            times[1] = time.time()
            await go.wait()
            await asyncio.sleep(offset)  # spread the runs over one interval
            for i in range(events):
                await asyncio.sleep(interval)
                e = await rec.emit("token" if i % 2 else "agent.started", {"agent": "bench", "text": f"t{i}"})
                times[e.seq] = time.time()
            await rec.complete(thread_id, "done", [], [])
            times[events + 2] = time.time()

        for i, (run_id, thread_id) in enumerate(runs):
            task = asyncio.create_task(one(run_id, thread_id, interval * i / max(n, 1)))
            producers.add(task)
            task.add_done_callback(producers.discard)
        return {"runs": [str(r) for r, _ in runs]}

    @app.post("/bench/go", include_in_schema=False)
    async def start_events(principal: Member):
        go.set()
        return {"ok": True}

    @app.get("/bench/produced", include_in_schema=False)
    async def get_produced(principal: Viewer):
        return produced

    @app.get("/bench/stats", include_in_schema=False)
    async def stats(state: State, principal: Viewer):
        return state.hub.stats

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# ------------------------------------------------------------------ the client side


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, target, home: Path) -> None:
        self.port = _port()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", target.sqlalchemy_url, target.conninfo, str(home), str(self.port)],
            cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _parse(buf: str) -> tuple[list[tuple[int, str]], str]:
    out = []
    buf = buf.replace("\r\n", "\n")  # a chunk may end between \r and \n: the \r stays, harmlessly, until the next
    while "\n\n" in buf:
        block, buf = buf.split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line and not line.startswith(":"))
        if "id" in fields:
            out.append((int(fields["id"]), fields.get("event", "")))
    return out, buf


async def first_event_times(base: str, headers: dict[str, str], path: str, n: int, questions: list[str]) -> list[float]:
    out = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        for i in range(n + 3):
            t0 = time.perf_counter()
            first = None
            buf = ""
            async with c.stream("POST", path, json={"message": questions[i % len(questions)]}, headers=headers) as r:
                assert r.status_code == 200, r.status_code
                async for chunk in r.aiter_text():
                    events, buf = _parse(buf + chunk)
                    if events and first is None:
                        first = time.perf_counter() - t0
                    if any(t in TERMINAL for _, t in events):
                        break
            if i >= 3:  # warm-up
                out.append(first * 1000)
    return out


async def follow_all(base: str, headers: dict[str, str], paths: list[str], on_all_connected) -> dict[str, dict[int, float]]:
    """Follow every path; once each stream has received its first event, call ``on_all_connected``."""
    got: dict[str, dict[int, float]] = {}
    connected = 0
    all_connected = asyncio.Event()
    limits = httpx.Limits(max_connections=len(paths) + 10, max_keepalive_connections=len(paths) + 10)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(120, connect=60), limits=limits) as c:

        async def one(path: str) -> None:
            nonlocal connected
            run_id = path.split("/")[-2]
            times = got.setdefault(run_id, {})
            buf = ""
            async with c.stream("GET", path, headers=headers) as r:
                assert r.status_code == 200, r.status_code
                async for chunk in r.aiter_text():
                    now = time.time()
                    events, buf = _parse(buf + chunk)
                    for seq, kind in events:
                        times[seq] = now
                        if seq == 1:
                            connected += 1
                            if connected == len(paths):
                                all_connected.set()
                        if kind in TERMINAL:
                            return

        async def trigger() -> None:
            await all_connected.wait()
            await on_all_connected()

        await asyncio.gather(trigger(), *[one(p) for p in paths])
    return got


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


async def fanout(producer: str, server: str, headers: dict[str, str], args, naive: bool, conninfo: str):
    """Follow ``--runs`` synthetic runs produced on ``producer`` through ``server``; lag = receipt − commit.

    The commit time is the event's ``created_at`` (``now()`` of its transaction, on the same machine's clock),
    which precedes the commit by the transaction's own duration (~1 ms).
    """
    import psycopg

    async with httpx.AsyncClient(timeout=120) as c:
        runs = (await c.post(f"{producer}/bench/produce", headers=headers, json={
            "runs": args.runs, "events": args.events, "interval": args.interval})).json()["runs"]
    prefix = "/bench/naive/runs" if naive else "/api/runs"

    async def go() -> None:
        async with httpx.AsyncClient(timeout=60) as c:
            await c.post(f"{producer}/bench/go", headers=headers)

    received = await follow_all(server, headers, [f"{prefix}/{r}/events" for r in runs], go)
    async with httpx.AsyncClient(timeout=120) as c:
        produced = (await c.get(f"{producer}/bench/produced", headers=headers)).json()
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT run_id::text, seq, type, extract(epoch FROM created_at) FROM run_events WHERE run_id = ANY(%s::uuid[])",
            (runs,)).fetchall()
    out: dict[str, list[float]] = {"all": [], "token": [], "other": [], "upper": [], "txn": []}
    for run_id, seq, kind, created in rows:
        if seq == 1:  # sent when the stream connected (a replay): not delivery lag
            continue
        t_recv = received.get(run_id, {}).get(seq)
        t_done = produced.get(run_id, {}).get(str(seq))
        if t_recv is None or t_done is None:
            continue
        lag = (t_recv - t_done) * 1000
        out["all"].append(lag)
        out["token" if kind == "token" else "other"].append(lag)
        out["upper"].append((t_recv - float(created)) * 1000)
        out["txn"].append((t_done - float(created)) * 1000)
    expected = args.runs * (args.events + 1)
    if len(out["all"]) != expected:
        console.print(f"[red]received {len(out['all'])} of {expected} events[/]")
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=200, help="concurrent streams (one synthetic run each)")
    p.add_argument("--events", type=int, default=20, help="events per synthetic run (besides start and end)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between a run's events")
    p.add_argument("--chats", type=int, default=60, help="chats for time to first event")
    args = p.parse_args()

    from sqlalchemy.orm import Session

    from bench._db import machine, scratch_database
    from demo.seed import seed_demo
    from store.db import make_sync_engine
    from store.keys import create_key
    from tools.embeddings import HashEmbedder

    with scratch_database() as target:
        home = Path(os.environ.get("TMPDIR", "/tmp")) / f"opsgraph-bench-sse-{random.randrange(1 << 30)}"
        seed_demo(target.conninfo, embedder=HashEmbedder(), anchor=ANCHOR, status=console.status)
        engine = make_sync_engine(target)
        with Session(engine) as s, s.begin():
            key = create_key(s, org_slug="demo", role="admin", name="bench")[0].key
        engine.dispose()
        headers = {"Authorization": f"Bearer {key}"}
        # One after the other: the checkpointer's first-start migrations must not run twice at once.
        a = Server(target, home)
        b = None
        try:
            with console.status("Starting two uvicorn workers…"):
                a.wait()
                b = Server(target, home)
                b.wait()
            questions = ["What's the weather like in Paris tomorrow?", "How is OTP MX rate at PHX doing over the past 30 days?"]
            with console.status(f"Time to first event: {args.chats} chats through the hub…"):
                ttfe_hub = asyncio.run(first_event_times(a.base, headers, "/api/chat", args.chats, questions))
            with console.status(f"Time to first event: {args.chats} chats through 500 ms polling…"):
                ttfe_naive = asyncio.run(first_event_times(a.base, headers, "/bench/naive/chat", args.chats, questions))
            lag = {}
            with console.status(f"{args.runs} streams, runs on the same worker (hub)…"):
                lag["local"] = asyncio.run(fanout(a.base, a.base, headers, args, naive=False, conninfo=target.conninfo))
                stats_a = httpx.get(f"{a.base}/bench/stats", headers=headers).json()
            with console.status(f"{args.runs} streams, runs on another worker (hub: NOTIFY + 250 ms poll)…"):
                lag["remote"] = asyncio.run(fanout(b.base, a.base, headers, args, naive=False, conninfo=target.conninfo))
            with console.status(f"{args.runs} streams, 500 ms polling per stream…"):
                lag["naive"] = asyncio.run(fanout(a.base, a.base, headers, args, naive=True, conninfo=target.conninfo))
        finally:
            a.stop()
            if b is not None:
                b.stop()

    table = Table(title=f"Run event streams — {machine()}; {args.runs} streams × {args.events + 2} events, "
                        f"one every {args.interval:g} s per run")
    table.add_column("metric")
    table.add_column("hub: runs on the same worker", justify="right")
    table.add_column("hub: runs on another worker", justify="right")
    table.add_column("baseline: each stream polls every 500 ms", justify="right")
    table.add_column("target", justify="right")
    f = lambda v: f"{v:.1f} ms"  # noqa: E731
    table.add_row("time to first event p50 (POST /api/chat)", f(pct(ttfe_hub, 50)), "—", f(pct(ttfe_naive, 50)), "")
    table.add_row("time to first event p95", f(pct(ttfe_hub, 95)), "—", f(pct(ttfe_naive, 95)), "< 50 ms")
    cols = ("local", "remote", "naive")
    for q in (50, 95, 99):
        table.add_row(f"delivery lag p{q} (commit → client)", *(f(pct(lag[k]["all"], q)) for k in cols),
                      "< 100 ms" if q == 99 else "")
    table.add_row("  token events p99", *(f(pct(lag[k]["token"], 99)) for k in cols), "")
    table.add_row("  other events p99", *(f(pct(lag[k]["other"], 99)) for k in cols), "")
    table.add_row("transaction start → client p99 (upper bound)", *(f(pct(lag[k]["upper"], 99)) for k in cols), "")
    table.add_row("  producer's own emit transaction p99", *(f(pct(lag[k]["txn"], 99)) for k in cols), "")
    table.add_row("events measured", *(f"{len(lag[k]['all']):,}" for k in cols), "")
    console.print(table)
    console.print(f"hub of worker A after the same-worker fan-out: {stats_a}")
    console.print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = pct(ttfe_hub, 95) < 50 and pct(lag["local"]["all"], 99) < 100
    console.print("[green]targets met[/]" if ok else "[red]targets missed[/]")


if __name__ == "__main__":
    main()
