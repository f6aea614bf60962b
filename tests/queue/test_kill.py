"""A worker SIGKILLed in the middle of 8 investigations (6 running, 2 queued): every run resumes on the other
worker and ends once.

API without a worker (``serve --no-worker``) + two worker processes on one database. Every stream is opened
before the kill and followed to its end through the API process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

import httpx
import psycopg

from tests.api.helpers import NOW, SSEReader, free_port

RUNS = 8  # more than the two workers' six slots
QUESTION = "Why did OTP MX rate at DAL drop last week? Draft the investigation report."


async def _follow(http: httpx.AsyncClient, headers: dict[str, str], body: dict) -> list:
    reader = SSEReader()
    async with http.stream("POST", "/api/chat", json=body, headers=headers) as resp:
        assert resp.status_code == 200, await resp.aread()
        async for chunk in resp.aiter_text():
            reader.feed(chunk)
    return reader.events


def _runs_on(conninfo: str, pid: int) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT id FROM runs WHERE status = 'running' AND worker LIKE %s", (f"%:{pid}",)).fetchall()
    return [str(r[0]) for r in rows]


async def test_sigkill_mid_way_every_run_completes_once_without_duplicates(qdemo, qkeys, procs):
    port = free_port()
    procs.api(port)
    a = procs.worker(slow=0.01, at_most=4, concurrency=3)
    procs.worker(slow=0.01, at_most=4, concurrency=3)
    conninfo = qdemo.target.conninfo
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        body = {"message": QUESTION, "as_of": NOW.isoformat()}
        streams = [asyncio.create_task(_follow(http, qkeys.h(), body)) for _ in range(RUNS)]
        # Kill worker A as soon as it holds runs in the middle of their work.
        deadline = time.monotonic() + 60
        killed_runs: list[str] = []
        while time.monotonic() < deadline:
            killed_runs = _runs_on(conninfo, a.pid)
            if killed_runs:
                break
            await asyncio.sleep(0.05)
        assert killed_runs, "worker A never picked up a run"
        await asyncio.sleep(0.3)
        killed_runs = _runs_on(conninfo, a.pid) or killed_runs
        killed_at = time.monotonic()
        os.kill(a.pid, signal.SIGKILL)
        results = await asyncio.wait_for(asyncio.gather(*streams), 180)
        resumed_after = time.monotonic() - killed_at

    run_ids = []
    for events in results:
        ids = [e.id for e in events]
        assert ids == list(range(1, len(ids) + 1)), f"gap or duplicate in {ids}"
        terminal = [e for e in events if e.event in ("run.completed", "run.failed")]
        assert len(terminal) == 1 and terminal[0] is events[-1]
        assert terminal[0].event == "run.completed", terminal[0].data
        run_ids.append(events[0].data["run_id"])
        started = [e.data["step_id"] for e in events if e.event == "agent.started"]
        assert len(started) == len(set(started)), "a step started twice"
        tools = [e.data["tool_call_id"] for e in events if e.event == "tool.started"]
        assert len(tools) == len(set(tools))
    assert set(killed_runs) <= set(run_ids)

    with psycopg.connect(conninfo) as conn:
        for run_id in run_ids:
            status, worker = conn.execute("SELECT status, worker FROM runs WHERE id = %s", (run_id,)).fetchone()
            assert status == "completed"
            steps = conn.execute("SELECT agent, status FROM run_steps WHERE run_id = %s ORDER BY position",
                                 (run_id,)).fetchall()
            assert [s[0] for s in steps] == ["coordinator", "kpi_analyst", "change_correlator", "report_writer",
                                             "composer"], steps
            assert all(s[1] == "completed" for s in steps)
            calls = conn.execute("SELECT step_id, tool, arguments::text FROM tool_calls WHERE run_id = %s ORDER BY id",
                                 (run_id,)).fetchall()
            assert max(Counter(calls).values()) == 1, "a tool call was recorded twice"
            assert [c[1] for c in calls] == ["kpi_series", "correlate_changes", "search"]
            events = conn.execute("SELECT seq, type FROM run_events WHERE run_id = %s ORDER BY seq", (run_id,)).fetchall()
            assert [e[0] for e in events] == list(range(1, len(events) + 1))
            assert sum(e[1] in ("run.completed", "run.failed") for e in events) == 1
            if run_id in killed_runs:
                assert not worker.endswith(f":{a.pid}"), "a run of the killed worker finished on another worker"
    print(f"\nkilled runs {len(killed_runs)}, all {RUNS} ended {resumed_after:.1f} s after the kill")


async def test_sigterm_hands_runs_back_and_they_resume_on_the_other_worker(qdemo, qkeys, procs):
    """A worker stopped (SIGTERM) while holding runs, past its grace period (2 s here): the runs resume."""
    port = free_port()
    procs.api(port)
    a = procs.worker(slow=0.08, concurrency=2)
    procs.worker(slow=0.01, concurrency=2)
    conninfo = qdemo.target.conninfo
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        body = {"message": "How is OTP MX rate at PHX doing over the past 30 days?", "as_of": NOW.isoformat()}
        streams = [asyncio.create_task(_follow(http, qkeys.h(), body)) for _ in range(4)]
        deadline = time.monotonic() + 60
        held: list[str] = []
        while time.monotonic() < deadline and not held:
            held = _runs_on(conninfo, a.pid)
            await asyncio.sleep(0.05)
        assert held
        a.send_signal(signal.SIGTERM)
        results = await asyncio.wait_for(asyncio.gather(*streams), 120)
    assert a.wait(30) == 0
    for events in results:
        assert [e.id for e in events] == list(range(1, len(events) + 1))
        assert [e.event for e in events if e.event in ("run.completed", "run.failed")] == ["run.completed"]
    with psycopg.connect(conninfo) as conn:
        for run_id in held:
            worker = conn.execute("SELECT worker FROM runs WHERE id = %s", (run_id,)).fetchone()[0]
            assert not worker.endswith(f":{a.pid}")
