"""Cancel, double-texting, the per-key limit across two API processes, schedules fired once, the reaper.

Two API processes without a worker and two worker processes on one database (a small cluster per module).
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import psycopg
import pytest

from tests.api.helpers import NOW, SSEReader, free_port
from tests.queue.procs import Procs

QUESTION = "Why did OTP MX rate at DAL drop last week? Draft the investigation report."


@pytest.fixture(scope="module")
def cluster(qdemo, tmp_path_factory):
    p = Procs(qdemo, tmp_path_factory.mktemp("cluster"))
    ports = [free_port(), free_port()]
    try:
        for port in ports:
            p.api(port, max_runs=2)
        # Answers stream word by word for up to 4 s: runs last long enough to cancel, queue behind or interrupt.
        p.worker(slow=0.03, at_most=4, concurrency=4)
        p.worker(slow=0.03, at_most=4, concurrency=4)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        p.close()


async def _start(http: httpx.AsyncClient, url: str, headers, body) -> tuple[asyncio.Task, dict]:
    """POST /api/chat; returns (task finishing with every event of the stream, the run.started payload)."""
    first: asyncio.Future = asyncio.get_running_loop().create_future()

    async def follow() -> list:
        reader = SSEReader()
        async with http.stream("POST", f"{url}/api/chat", json=body, headers=headers) as resp:
            if resp.status_code != 200:
                first.set_result({"status": resp.status_code, "body": (await resp.aread()).decode()})
                return []
            async for chunk in resp.aiter_text():
                for e in reader.feed(chunk):
                    if not first.done() and e.event == "run.started":
                        first.set_result(e.data)
        return reader.events

    task = asyncio.create_task(follow())
    return task, await asyncio.wait_for(first, 30)


def _run(conninfo: str, run_id: str):
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT status, error, started_at, finished_at FROM runs WHERE id = %s",
                            (run_id,)).fetchone()


def _check_log(events: list, terminal: str) -> None:
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    ends = [e for e in events if e.event in ("run.completed", "run.failed")]
    assert len(ends) == 1 and ends[0] is events[-1] and ends[0].event == terminal, ends


async def test_cancel_ends_a_running_run_within_a_second_on_the_worker_holding_it(cluster, qdemo, qkeys):
    api1, api2 = cluster
    async with httpx.AsyncClient(timeout=60) as http:
        task, started = await _start(http, api1, qkeys.h(), {"message": QUESTION, "as_of": NOW.isoformat()})
        run_id = started["run_id"]
        deadline = time.monotonic() + 30
        while _run(qdemo.target.conninfo, run_id)[0] != "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # in the middle of its steps
        other = await http.post(f"{api2}/api/runs/{run_id}/cancel", headers=qkeys.h("other_member"))
        assert other.status_code == 404, "another organisation cannot cancel (or see) the run"
        t0 = time.monotonic()
        resp = await http.post(f"{api2}/api/runs/{run_id}/cancel", headers=qkeys.h())
        took = time.monotonic() - t0
        assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == "failed" and "cancelled" in resp.json()["error"]
        assert took < 1.5, took
        events = await asyncio.wait_for(task, 30)
        again = await http.post(f"{api1}/api/runs/{run_id}/cancel", headers=qkeys.h())
        assert again.status_code == 409
    _check_log(events, "run.failed")
    assert "cancelled" in events[-1].data["error"]
    await asyncio.sleep(1.5)  # the worker's own late write adds nothing
    with psycopg.connect(qdemo.target.conninfo) as conn:
        n = conn.execute("SELECT count(*) FROM run_events WHERE run_id = %s AND type IN ('run.failed', "
                         "'run.completed')", (run_id,)).fetchone()[0]
    assert n == 1


async def test_double_texting_reject_enqueue_interrupt(cluster, qdemo, qkeys):
    api1, api2 = cluster
    conninfo = qdemo.target.conninfo
    async with httpx.AsyncClient(timeout=90) as http:
        t1, s1 = await _start(http, api1, qkeys.h(), {"message": QUESTION, "as_of": NOW.isoformat()})
        thread = s1["thread_id"]
        follow = {"message": "and what changed before it?", "thread_id": thread, "as_of": NOW.isoformat()}
        rejected = await http.post(f"{api2}/api/chat", json=follow | {"multitask": "reject"}, headers=qkeys.h())
        assert rejected.status_code == 409 and "in progress" in rejected.json()["detail"]
        t2, s2 = await _start(http, api2, qkeys.h(), follow)  # default: enqueue
        e1 = await asyncio.wait_for(t1, 90)
        _check_log(e1, "run.completed")
        # The queued follow-up starts only after the first run ended, then gets interrupted by a third message.
        deadline = time.monotonic() + 30
        while _run(conninfo, s2["run_id"])[0] != "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        r1, r2 = _run(conninfo, s1["run_id"]), _run(conninfo, s2["run_id"])
        assert r2[2] >= r1[3], "enqueue: the second run started after the first ended"
        t3, s3 = await _start(http, api1, qkeys.h(),
                              {"message": "what about the weekly view?", "thread_id": thread, "multitask": "interrupt",
                               "as_of": NOW.isoformat()})
        e2, e3 = await asyncio.wait_for(asyncio.gather(t2, t3), 90)
    _check_log(e2, "run.failed")
    assert "interrupted" in e2[-1].data["error"]
    _check_log(e3, "run.completed")
    assert s3["thread_id"] == thread


async def test_per_key_limit_holds_across_two_api_processes(cluster, qdemo, qkeys):
    """Second organisation, its own phrasing; limit 2 on each API process, 6 chats at once over both."""
    api1, api2 = cluster
    body = {"message": "How has berth crane availability trended this month?"}
    async with httpx.AsyncClient(timeout=60) as http:

        async def one(url: str) -> int:
            async with http.stream("POST", f"{url}/api/chat", json=body, headers=qkeys.h("other_member")) as resp:
                if resp.status_code == 200:
                    async for _ in resp.aiter_text():
                        pass
                return resp.status_code

        codes = await asyncio.gather(*(one(api1 if i % 2 else api2) for i in range(6)))
    assert sorted(codes) == [200, 200, 429, 429, 429, 429], codes


async def test_a_schedule_fires_once_per_tick_with_two_workers(cluster, qdemo, qkeys):
    api1, _ = cluster
    name = f"yard-check-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(timeout=30) as http:
        bad = await http.post(f"{api1}/api/schedules", headers=qkeys.h("admin"),
                              json={"name": name, "question": "q", "cron": "every monday", "timezone": "UTC"})
        assert bad.status_code == 422 and "cron" in bad.json()["detail"]
        bad_tz = await http.post(f"{api1}/api/schedules", headers=qkeys.h("admin"),
                                 json={"name": name, "question": "q", "cron": "0 8 * * 1", "timezone": "Mars/Base"})
        assert bad_tz.status_code == 422
        denied = await http.get(f"{api1}/api/schedules", headers=qkeys.h("member"))
        assert denied.status_code == 403
        made = await http.post(f"{api1}/api/schedules", headers=qkeys.h("admin"), json={
            "name": name, "question": "What needs attention across all stations?", "cron": "* * * * * */2",
            "timezone": "Asia/Kolkata"})
        assert made.status_code == 201, made.text
        created = time.time()
        await asyncio.sleep(7.0)
        listed = (await http.get(f"{api1}/api/schedules", headers=qkeys.h("admin"))).json()
        assert any(s["name"] == name for s in listed)
        assert (await http.delete(f"{api1}/api/schedules/{made.json()['id']}", headers=qkeys.h("admin"))).status_code == 204
        deleted = time.time()
    await asyncio.sleep(1.0)
    with psycopg.connect(qdemo.target.conninfo) as conn:
        rows = conn.execute("SELECT t.title, r.trigger FROM runs r JOIN threads t ON t.id = r.thread_id "
                            "WHERE t.title LIKE %s", (f"{name} · %",)).fetchall()
    titles = [r[0] for r in rows]
    assert titles and all(r[1] == "schedule" for r in rows)
    assert len(titles) == len(set(titles)), "a firing ran twice"
    expected = len([t for t in range(int(created) + 1, int(deleted) + 1) if t % 2 == 0])
    assert abs(len(titles) - expected) <= 1, (titles, expected)


async def test_a_run_whose_job_is_gone_is_failed_by_a_live_worker(cluster, qdemo, qkeys):
    from agents.service import Assistant

    a = await Assistant.open(qdemo.settings, qdemo.target)
    try:  # queued where no worker listens, then its job fails for good (e.g. its task was not found)
        started = await a.start(org_id=qkeys.other_org_id, question="Which berths are idle?", trigger="api",
                                queue="nobody-listens-here")
    finally:
        await a.close()
    run_id = started.run_id
    with psycopg.connect(qdemo.target.conninfo, autocommit=True) as conn:
        conn.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE args->>'run_id' = %s", (str(run_id),))
        conn.execute("UPDATE runs SET status = 'running', created_at = now() - interval '40 seconds' WHERE id = %s",
                     (run_id,))
    t0 = time.monotonic()
    while time.monotonic() - t0 < 20:
        status, error, _, _ = _run(qdemo.target.conninfo, str(run_id))
        if status == "failed":
            break
        await asyncio.sleep(0.2)
    assert status == "failed" and "stopped" in error
    assert time.monotonic() - t0 < 12  # maintenance runs every 5 s
    with psycopg.connect(qdemo.target.conninfo) as conn:
        types = [r[0] for r in conn.execute("SELECT type FROM run_events WHERE run_id = %s ORDER BY seq", (run_id,))]
    assert types == ["run.started", "run.failed"]
