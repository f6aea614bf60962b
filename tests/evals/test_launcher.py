"""Evaluation runs started through the API hook: POST /api/evals/runs queues an ``opsgraph.evals.run`` job that a
worker executes (the one inside ``serve``, or ``opsgraph worker``); progress as run events; a job whose worker died
fails the evaluation with a reason instead of leaving it "running"."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid

import httpx
import psycopg
import pytest
from sqlalchemy.orm import Session

from evals.launcher import EVAL_QUEUE, EVAL_TASK, DemoDataMissing, Launcher
from tests.conftest import REPO


@pytest.fixture
def settings_with_manifest(demo, tmp_path):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "manifest.json").write_text(json.dumps(demo.manifest))
    return demo.settings.model_copy(update={"home": tmp_path})


def _admin_key(demo) -> str:
    from store.db import make_sync_engine
    from store.keys import create_key

    engine = make_sync_engine(demo.target)
    with Session(engine) as s, s.begin():
        created, _ = create_key(s, org_slug="demo", role="admin", name=f"eval-test-{uuid.uuid4().hex[:6]}")
    engine.dispose()
    return created.key


async def _wait_done(demo, eval_id: uuid.UUID, timeout: float = 60) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with psycopg.connect(demo.target.conninfo) as conn:
            status = conn.execute("SELECT status FROM eval_runs WHERE id = %s", (eval_id,)).fetchone()[0]
            run_status = conn.execute("SELECT status FROM runs WHERE id = %s", (eval_id,)).fetchone()[0]
        if status != "running" and run_status in ("completed", "failed"):
            return status
        assert asyncio.get_running_loop().time() < deadline, "the evaluation run did not finish"
        await asyncio.sleep(0.2)


def _events(demo, run_id):
    with psycopg.connect(demo.target.conninfo) as conn:
        return conn.execute("SELECT seq, type, payload FROM run_events WHERE run_id = %s ORDER BY seq",
                            (run_id,)).fetchall()


async def test_post_evals_runs_runs_as_a_job_on_the_serve_worker_with_run_events(demo, settings_with_manifest):
    from opsgraph.cli import create_app

    # what `opsgraph serve` builds: the composition root hands the launcher to api.app.create_app
    app = create_app(settings_with_manifest, target=demo.target, run_migrations=False)
    assert isinstance(app.state.eval_launcher, Launcher)
    key = _admin_key(demo)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            r = await client.post("/api/evals/runs", json={"suite": "out_of_scope", "tags": ["smoke"]})
            assert r.status_code == 202, r.text
            eval_id = uuid.UUID(r.json()["id"])
            assert await _wait_done(demo, eval_id) == "completed"
            got = (await client.get(f"/api/evals/runs/{eval_id}")).json()
            bad = await client.post("/api/evals/runs", json={"suite": "no-such-suite"})
            assert bad.status_code == 422 and "unknown suite" in bad.text
    assert got["status"] == "completed" and got["pass_rate"] == 1.0 and got["n_cases"] == 1
    with psycopg.connect(demo.target.conninfo) as conn:
        trigger, status, question = conn.execute("SELECT trigger, status, question FROM runs WHERE id = %s",
                                                 (eval_id,)).fetchone()
        report = conn.execute("SELECT report_markdown FROM eval_runs WHERE id = %s", (eval_id,)).fetchone()[0]
    assert (trigger, status) == ("eval", "completed") and "Evaluation run" in question
    assert f"# Evaluation run `{eval_id}`" in report and f"GET /api/runs/{eval_id}/events" in report
    events = _events(demo, eval_id)
    assert [e[0] for e in events] == list(range(1, len(events) + 1)), "gapless sequence numbers"
    types = [e[1] for e in events]
    assert types == ["run.started", "agent.started", "agent.completed", "message", "run.completed"]
    started, completed = events[1][2], events[2][2]
    assert started["agent"] == "out_of_scope/001_weather" and started["input"]["total"] == 1
    assert completed["status"] == "completed" and completed["summary"].startswith("passed (100/100)")
    assert "1 of 1 items passed" in events[3][2]["content"]


def _jobs(demo, eval_id):
    with psycopg.connect(demo.target.conninfo) as conn:
        return conn.execute("SELECT task_name, queue_name, status::text, attempts FROM procrastinate_jobs "
                            "WHERE args->>'run_id' = %s ORDER BY id", (str(eval_id),)).fetchall()


def _statuses(demo, eval_id):
    with psycopg.connect(demo.target.conninfo) as conn:
        return (conn.execute("SELECT status FROM eval_runs WHERE id = %s", (eval_id,)).fetchone()[0],
                conn.execute("SELECT status FROM runs WHERE id = %s", (eval_id,)).fetchone()[0])


async def _worker(env, *extra: str):
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "opsgraph", "worker", "--concurrency", "2", *extra, env=env, cwd=REPO,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def _stop(proc) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _, errbytes = await asyncio.wait_for(proc.communicate(), 60)
    return errbytes.decode()


async def test_an_api_without_a_worker_queues_the_evaluation_and_opsgraph_worker_runs_it(
        demo, settings_with_manifest, cli_env):
    from opsgraph.cli import create_app

    # `opsgraph serve --no-worker`: the API only commits the runs and the job; nothing runs in its process
    app = create_app(settings_with_manifest, target=demo.target, run_migrations=False, worker=False)
    key = _admin_key(demo)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            r = await client.post("/api/evals/runs", json={"suite": "unknown", "tags": ["smoke"]})
            assert r.status_code == 202, r.text
            eval_id = uuid.UUID(r.json()["id"])
            await asyncio.sleep(1.5)
            assert _jobs(demo, eval_id) == [(EVAL_TASK, EVAL_QUEUE, "todo", 0)], "the evaluation waits on the queue"
            assert _statuses(demo, eval_id) == ("running", "queued")
            assert [t for _, t, _ in _events(demo, eval_id)] == ["run.started"], "no in-process execution"
            proc = await _worker(cli_env)  # `opsgraph worker`: the composition root registers the eval task
            try:
                assert await _wait_done(demo, eval_id, timeout=120) == "completed"
            finally:
                errtext = await _stop(proc)
            got = (await client.get(f"/api/evals/runs/{eval_id}")).json()
    assert proc.returncode == 0 and "Traceback" not in errtext, errtext[-2000:]
    assert got["status"] == "completed" and got["n_cases"] == 1 and got["pass_rate"] == 1.0
    assert _jobs(demo, eval_id) == [], "the finished job is removed from the queue"
    types = [t for _, t, _ in _events(demo, eval_id)]
    assert types == ["run.started", "agent.started", "agent.completed", "message", "run.completed"]


async def test_an_evaluation_whose_worker_is_killed_is_failed_with_a_reason(demo, settings_with_manifest, cli_env):
    """SIGKILL the worker mid-evaluation: the maintenance job of another worker puts the job back on the queue,
    and the retried attempt fails the evaluation with a clear reason (it is never left "running")."""
    from opsgraph.cli import create_app

    fast = cli_env | {"OPSGRAPH_WORKER_HEARTBEAT_SECONDS": "0.5", "OPSGRAPH_WORKER_STALLED_SECONDS": "3"}
    app = create_app(settings_with_manifest, target=demo.target, run_migrations=False, worker=False)
    key = _admin_key(demo)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            r = await client.post("/api/evals/runs", json={"suite": "kpi"})
            assert r.status_code == 202, r.text
            eval_id = uuid.UUID(r.json()["id"])
            first = await _worker(fast)
            try:
                deadline = asyncio.get_running_loop().time() + 90
                while "agent.started" not in [t for _, t, _ in _events(demo, eval_id)]:
                    assert asyncio.get_running_loop().time() < deadline, "the evaluation did not start"
                    await asyncio.sleep(0.1)
                assert _jobs(demo, eval_id) == [(EVAL_TASK, EVAL_QUEUE, "doing", 0)]
            finally:
                first.kill()
                await first.wait()
            second = await _worker(fast)
            try:
                assert await _wait_done(demo, eval_id, timeout=120) == "failed"
            finally:
                await _stop(second)
            got = (await client.get(f"/api/evals/runs/{eval_id}")).json()
    assert got["status"] == "failed"
    assert "worker executing this evaluation stopped" in (got.get("report_markdown") or ""), got
    assert _statuses(demo, eval_id) == ("failed", "failed")
    events = _events(demo, eval_id)
    assert [e[1] for e in events].count("run.failed") == 1 and events[-1][1] == "run.failed"
    assert [e[0] for e in events] == list(range(1, len(events) + 1))


async def test_the_launcher_accepts_a_plain_org_and_request(demo, settings_with_manifest):
    """The two call forms: launcher(org_id, request) and launcher(request, org_id=…, state=…); the job runs on
    a worker of a job app that has the evaluation task registered."""
    from agents import jobs
    from agents.service import Assistant
    from api.state import AppState
    from evals.launcher import register
    from store.db import make_async_engine, make_sessionmaker

    engine = make_async_engine(demo.target, pool_size=2)
    state = AppState(settings=settings_with_manifest, target=demo.target, engine=engine,
                     sessions=make_sessionmaker(engine))
    assistant = await Assistant.open(settings_with_manifest, demo.target,
                                     queue=jobs.make_queue(demo.target.conninfo, extra=[register]))
    state.assistant = assistant
    launcher = Launcher(state)
    worker = jobs.worker(assistant.queue, settings_with_manifest, assistant=assistant, concurrency=2,
                         queues=[EVAL_QUEUE, jobs.RUNS_QUEUE])
    task = asyncio.create_task(worker.run())
    try:
        eval_id = await launcher(demo.org_id, {"suite": ["unknown"], "tags": "smoke", "concurrency": 1})
        assert await _wait_done(demo, eval_id) == "completed"
        types = [t for _, t, _ in _events(demo, eval_id)]
        assert types.count("agent.started") == types.count("agent.completed") == 1
        with pytest.raises(ValueError, match="unknown suite"):
            await launcher(demo.org_id, {"suite": "nope"})
        with pytest.raises(ValueError, match="Extra inputs"):
            await launcher({"suite": "smoke", "colour": "blue"}, org_id=demo.org_id, state=state)
        with pytest.raises(ValueError, match="no evaluation case matches"):
            await launcher(demo.org_id, {"suite": "unknown", "tags": ["injection"]})
        state.settings = demo.settings  # a home without the demo manifest
        with pytest.raises(DemoDataMissing, match="opsgraph seed"):
            await launcher(demo.org_id, {"suite": "unknown"})
        with pytest.raises(RuntimeError, match="not started"):
            await Launcher()(demo.org_id, {"suite": "unknown"})
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)
        await assistant.close()
        await engine.dispose()
