"""Run event streams over real HTTP (uvicorn): format, resume after random drops, cross-process, limits."""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import httpx
import psycopg
import pytest

from agents.runtime import RunRecorder, create_run
from api.events import LISTENER_NAME
from store.db import make_async_engine, make_sessionmaker
from tests.api.helpers import ProcessServer, SSEReader, read_stream

QUESTIONS = [
    "Why did OTP MX rate at DAL drop last week?",
    "How is OTP MX rate at PHX doing over the past 30 days?",
    "Why did OTP MX rate at HOU drop last week?",
    "How is OTP MX rate at DAL doing over the past 30 days?",
    "Classify this ticket: the web proxy blocks our URL filtering report export",
]


def _seqs(demo, run_id) -> list[int]:
    with psycopg.connect(demo.target.conninfo) as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM run_events WHERE run_id = %s ORDER BY seq", (str(run_id),))]


@pytest.fixture(scope="module")
def second_process(api_demo):
    """Another uvicorn process on the same database (started once for the module)."""
    srv = ProcessServer(api_demo)
    srv.wait_ready()
    yield srv
    srv.stop()


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as c:
        yield c


async def _chat(c: httpx.AsyncClient, keys, message: str, **kw):
    return await read_stream(c, "POST", "/api/chat", json={"message": message}, headers=keys.h("member"), **kw)


async def test_chat_streams_the_run_as_server_sent_events(http, keys, api_demo):
    raw = b""
    async with http.stream("POST", "/api/chat", json={"message": QUESTIONS[0]}, headers=keys.h("member")) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        run_id, thread_id = resp.headers["x-run-id"], resp.headers["x-thread-id"]
        async for chunk in resp.aiter_bytes():
            raw += chunk
    text = raw.decode().replace("\r\n", "\n")
    first = text.split("\n\n")[0]
    assert first.startswith("id: 1\nevent: run.started\ndata: {")
    reader = SSEReader()
    reader.feed(text)
    events = reader.events
    assert reader.retry == 2000
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert events[0].data == {"run_id": run_id, "thread_id": thread_id}
    assert events[-1].event == "run.completed"
    assert {"agent.started", "tool.started", "tool.completed", "evidence", "token", "chart", "message"} <= {e.event for e in events}
    assert _seqs(api_demo, run_id) == [e.id for e in events], "what was sent is what was committed"
    _, replay = await read_stream(http, "GET", f"/api/runs/{run_id}/events?follow=false", headers=keys.h("viewer"))
    assert [(e.id, e.event, e.raw) for e in replay.events] == [(e.id, e.event, e.raw) for e in events], \
        "live and replayed events are the same bytes"
    record = (await http.get(f"/api/runs/{run_id}", headers=keys.h("viewer"))).json()
    assert record["status"] == "completed" and record["last_seq"] == len(events)
    assert record["steps"] and record["tool_calls"] and record["evidence"]
    # the next turn continues the thread
    resp, r2 = await read_stream(http, "POST", "/api/chat", json={"message": "and PHX?", "thread_id": thread_id},
                                 headers=keys.h("member"))
    assert r2.events[0].data["thread_id"] == thread_id and r2.events[-1].event == "run.completed"


DROP_TIMES: dict[str, list[float]] = {}


async def _resume_until_done(c: httpx.AsyncClient, keys, rng: random.Random, message: str) -> tuple[str, list[int], int]:
    """Start a run, then keep dropping the connection at random byte offsets and resuming after the last
    complete event, alternating Last-Event-ID and ?after=. Returns (run id, every id received, drops)."""
    resp, reader = await _chat(c, keys, message, stop_after_bytes=rng.randint(1, 500))
    assert resp.status_code == 200
    run_id = resp.headers["x-run-id"]
    received = [e.id for e in reader.events]
    drops = 1
    DROP_TIMES[run_id] = [time.time()]
    done = any(e.event in ("run.completed", "run.failed") for e in reader.events)
    stalls = 0  # a drop point before the end of the next event (a chart is several kB) makes no progress
    while not done:
        last = max(received, default=0)
        if drops % 2:
            kwargs = {"headers": keys.h("viewer") | {"Last-Event-ID": str(last)}}
            url = f"/api/runs/{run_id}/events"
        else:
            kwargs = {"headers": keys.h("viewer")}
            url = f"/api/runs/{run_id}/events?after={last}"
        resp, reader = await read_stream(c, "GET", url, stop_after_bytes=rng.randint(1, 500 * 4**stalls), **kwargs)
        assert resp.status_code == 200, resp.text
        ids = [e.id for e in reader.events]
        stalls = 0 if ids else stalls + 1
        if ids:
            assert ids[0] == last + 1, "a resumed stream starts right after the last id"
            assert ids == list(range(last + 1, last + 1 + len(ids)))
        received += ids
        done = any(e.event in ("run.completed", "run.failed") for e in reader.events)
        if not done:
            drops += 1
            DROP_TIMES[run_id].append(time.time())
    return run_id, received, drops


async def test_resume_after_100_random_drops_loses_and_repeats_nothing(http, keys, api_demo):
    rng = random.Random(20261120)
    results: list[tuple[str, list[int], int]] = []
    i = 0
    while sum(d for _, _, d in results) < 120 or len(results) < 4:  # rounds of three concurrent runs
        batch = [QUESTIONS[(i + j) % len(QUESTIONS)] for j in range(3)]
        i += 3
        results += await asyncio.gather(*[_resume_until_done(http, keys, random.Random(rng.random()), q) for q in batch])
    total_drops = sum(d for _, _, d in results)
    assert total_drops >= 100, total_drops
    with psycopg.connect(api_demo.target.conninfo) as conn:
        finished = {str(r): f.timestamp() for r, f in conn.execute(
            "SELECT id, finished_at FROM runs WHERE id = ANY(%s)", ([r for r, _, _ in results],))}
    live = sum(t < finished[r] for r, _, _ in results for t in DROP_TIMES[r])
    print(f"{total_drops} drops over {len(results)} runs, {live} of them while the run was still going")
    assert live >= total_drops // 3, (live, total_drops)
    for run_id, received, _ in results:
        n = len(_seqs(api_demo, run_id))
        assert sorted(set(received)) == list(range(1, n + 1)), "ids 1..N, no gap"
        assert len(received) == len(set(received)), "nothing was sent twice"
    # once the run has ended, asking for more answers 204 (an EventSource stops reconnecting)
    run_id, received, _ = results[0]
    resp = await http.get(f"/api/runs/{run_id}/events", headers=keys.h("viewer") | {"Last-Event-ID": str(max(received))})
    assert resp.status_code == 204


async def test_a_run_in_one_process_is_followed_from_another(http, keys, api_demo, second_process, server):
    async with httpx.AsyncClient(base_url=second_process.base, timeout=60) as other:
        # Started through the second process (its job runs on whichever worker takes it: any process of the
        # cluster); we read a few events there and drop the connection ...
        resp, reader = await _chat(other, keys, QUESTIONS[0], until=lambda e: e.id == 3)
        run_id = resp.headers["x-run-id"]
        assert [e.id for e in reader.events] == [1, 2, 3]
        # ... and resume on this process, which learns of new events by NOTIFY (and polling, for tokens).
        notifies_before = server.state.hub.stats["notifies"]
        arrivals: list[tuple[int, str, float]] = []
        reader = SSEReader()
        async with http.stream("GET", f"/api/runs/{run_id}/events",
                               headers=keys.h("viewer") | {"Last-Event-ID": "3"}) as resp:
            assert resp.status_code == 200
            async for chunk in resp.aiter_text():
                for e in reader.feed(chunk):
                    arrivals.append((e.id, e.event, time.monotonic()))
        ids = [a[0] for a in arrivals]
        assert ids == list(range(4, len(ids) + 4)) and arrivals[-1][1] == "run.completed"
        assert ids[-1] == len(_seqs(api_demo, run_id))
        assert any(a[1] == "token" for a in arrivals)
        # This process learnt of the run's progress by NOTIFY (which worker ran it, and so how long the stream
        # stayed live, depends on the queue; the ids above prove nothing was lost or repeated across processes).
        assert server.state.hub.stats["notifies"] > notifies_before

        # The other way round: run here, follow there.
        resp, reader = await _chat(http, keys, QUESTIONS[1], until=lambda e: e.id == 2)
        run_id = resp.headers["x-run-id"]
        resp, rest = await read_stream(other, "GET", f"/api/runs/{run_id}/events?after=2", headers=keys.h("viewer"))
        ids = [e.id for e in rest.events]
        assert ids == list(range(3, len(_seqs(api_demo, run_id)) + 1)) and rest.events[-1].event == "run.completed"


async def test_the_run_keeps_going_when_the_client_leaves(http, keys):
    _resp, reader = await _chat(http, keys, QUESTIONS[3], until=lambda e: e.id == 1)
    run_id = reader.events[0].data["run_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = (await http.get(f"/api/runs/{run_id}", headers=keys.h("viewer"))).json()
        if record["status"] in ("completed", "failed"):
            break
        await asyncio.sleep(0.2)
    assert record["status"] == "completed" and record["answer"]


@pytest.fixture
async def external_run(api_demo):
    """A run written by a recorder that publishes to no hub (like another worker): the server only hears of its
    events through NOTIFY (non-token events) and polling (token events)."""
    engine = make_async_engine(api_demo.target, pool_size=2)
    sessions = make_sessionmaker(engine)
    run_id, thread_id = await create_run(sessions, org_id=api_demo.org_id, question="external", trigger="api",
                                         provider="offline", model=None)
    rec = RunRecorder(sessions=sessions, org_id=api_demo.org_id, run_id=run_id, embedder=None)  # type: ignore[arg-type]
    await rec.start(thread_id)
    yield rec
    if _status(api_demo, run_id) != "failed":
        await rec.fail("test over")
    await engine.dispose()


def _status(demo, run_id):
    with psycopg.connect(demo.target.conninfo) as conn:
        return conn.execute("SELECT status FROM runs WHERE id = %s", (str(run_id),)).fetchone()[0]


async def test_events_written_elsewhere_arrive_by_notify_and_poll_with_keepalive_pings(http, keys, external_run):
    rec = external_run
    got: list[tuple[int, str, float]] = []
    reader = SSEReader()
    sent: dict[int, float] = {}

    async def produce():
        await asyncio.sleep(1.2)  # silence: the server pings every 0.5 s in this configuration
        for i in range(6):
            kind = "token" if i % 2 else "agent.started"
            sent[(await rec.emit(kind, {"agent": "x", "text": str(i)})).seq] = time.monotonic()
            await asyncio.sleep(0.1)
        await rec.fail("done here")

    task = asyncio.create_task(produce())
    async with http.stream("GET", f"/api/runs/{rec.run_id}/events", headers=keys.h("viewer")) as resp:
        async for chunk in resp.aiter_text():
            for e in reader.feed(chunk):
                got.append((e.id, e.event, time.monotonic()))
    await task
    assert [g[0] for g in got] == list(range(1, 9))
    assert got[-1][1] == "run.failed"
    assert reader.comments >= 2, "keep-alive pings while nothing happened"
    lags = [t - sent[i] for i, kind, t in got if i in sent]
    token_lags = [t - sent[i] for i, kind, t in got if i in sent and kind == "token"]
    assert max(lags) < 1.0 and max(token_lags) < 1.0, lags  # polled every 250 ms


async def test_resume_parameters_and_errors(http, keys, external_run, api_demo):
    rec = external_run
    for i in range(4):
        await rec.emit("agent.started", {"agent": str(i)})
    url = f"/api/runs/{rec.run_id}/events"
    # follow=false: replay and close; Last-Event-ID wins over a smaller ?after=
    resp, r = await read_stream(http, "GET", f"{url}?follow=false&after=1", headers=keys.h("viewer") | {"Last-Event-ID": "3"})
    assert resp.status_code == 200 and [e.id for e in r.events] == [4, 5]
    resp, r = await read_stream(http, "GET", f"{url}?follow=false&after=4", headers=keys.h("viewer") | {"Last-Event-ID": "2"})
    assert [e.id for e in r.events] == [5]
    resp = await http.get(url, headers=keys.h("viewer") | {"Last-Event-ID": "abc"})
    assert resp.status_code == 422 and "Last-Event-ID" in resp.json()["detail"]
    assert (await http.get(f"{url}?after=-1", headers=keys.h("viewer"))).status_code == 422
    assert (await http.get(url)).status_code == 401
    assert (await http.get(url, headers=keys.h("other_admin"))).status_code == 404
    assert (await http.get(f"/api/runs/{uuid.uuid4()}/events", headers=keys.h("viewer"))).status_code == 404
    assert (await http.get("/api/runs/not-a-uuid/events", headers=keys.h("viewer"))).status_code == 422
    await rec.fail("finished")
    resp = await http.get(f"{url}?after=6", headers=keys.h("viewer"))
    assert resp.status_code == 204


async def test_per_key_limits_on_streams_runs_and_body_size(http, keys, external_run, api_demo, server):
    rec = external_run
    limit = server.state.limits.max_streams_per_key
    url = f"/api/runs/{rec.run_id}/events"
    opened = []
    for _ in range(limit):
        cm = http.stream("GET", url, headers=keys.h("admin"))
        opened.append((cm, await cm.__aenter__()))
    try:
        assert all(r.status_code == 200 for _, r in opened)
        resp = await http.get(url, headers=keys.h("admin"))
        assert resp.status_code == 429 and "open streams" in resp.json()["detail"]
        assert resp.headers["retry-after"]
        assert (await http.post("/api/chat", json={"message": "hi"}, headers=keys.h("admin"))).status_code == 429
        assert (await http.get(url, headers=keys.h("viewer"), params={"follow": "false"})).status_code == 200  # per key
    finally:
        for cm, _ in opened:
            await cm.__aexit__(None, None, None)
    for _ in range(50):  # the server notices the disconnects
        if server.state.counters.streams(keys_id(server, keys.admin)) == 0:
            break
        await asyncio.sleep(0.05)
    assert (await http.get(url, headers=keys.h("admin"), params={"follow": "false"})).status_code == 200

    # concurrent runs: counted in Postgres, across processes
    with psycopg.connect(api_demo.target.conninfo, autocommit=True) as conn:
        key_id = keys.member_id
        n = server.state.limits.max_concurrent_runs_per_key
        ids = [str(uuid.uuid4()) for _ in range(n)]
        for i in ids:
            conn.execute("""INSERT INTO runs (id, org_id, api_key_id, trigger, status, question, provider, worker)
                            VALUES (%s, %s, %s, 'chat', 'running', 'q', 'offline', 'elsewhere:1')""",
                         (i, api_demo.org_id, key_id))
        try:
            resp = await http.post("/api/chat", json={"message": QUESTIONS[0]}, headers=keys.h("member"))
            assert resp.status_code == 429 and "runs in progress" in resp.json()["detail"]
        finally:
            conn.execute("UPDATE runs SET status = 'failed' WHERE id = ANY(%s)", (ids,))

    # body size (64 KiB in this configuration), declared or chunked
    big = {"message": "x" * 70_000}
    resp = await http.post("/api/chat", json=big, headers=keys.h("member"))
    assert resp.status_code == 413 and "too large" in resp.json()["detail"]

    async def chunks():
        for _ in range(20):
            yield b"x" * 8192

    resp = await http.post("/api/tickets", content=chunks(), headers=keys.h("member") | {"content-type": "application/json"})
    assert resp.status_code == 413


def keys_id(server, key: str) -> int:
    import hashlib

    with psycopg.connect(server.state.target.conninfo) as conn:
        return conn.execute("SELECT id FROM api_keys WHERE key_hash = %s", (hashlib.sha256(key.encode()).hexdigest(),)).fetchone()[0]


async def test_the_listen_connection_comes_back_and_nothing_is_lost_meanwhile(http, keys, external_run, server, api_demo):
    rec = external_run
    hub = server.state.hub
    with psycopg.connect(api_demo.target.conninfo, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s", (LISTENER_NAME,)).fetchall()
    assert killed
    reader = SSEReader()

    async def produce():
        for i in range(5):
            await rec.emit("agent.started", {"agent": str(i)})
            await asyncio.sleep(0.05)
        await rec.fail("done")

    task = asyncio.create_task(produce())
    async with http.stream("GET", f"/api/runs/{rec.run_id}/events", headers=keys.h("viewer")) as resp:
        async for chunk in resp.aiter_text():
            reader.feed(chunk)
    await task
    assert [e.id for e in reader.events] == list(range(1, 8))
    for _ in range(100):
        if hub.listening and hub.stats["reconnects"] >= 1:
            break
        await asyncio.sleep(0.05)
    assert hub.listening and hub.stats["reconnects"] >= 1
