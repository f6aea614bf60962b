"""Evaluation runs started through the API hook: POST /api/evals/runs, progress as run events."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import psycopg
import pytest
from sqlalchemy.orm import Session

from evals.launcher import DemoDataMissing, Launcher


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


async def test_post_evals_runs_starts_a_background_run_with_run_events(demo, settings_with_manifest):
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


async def test_the_launcher_accepts_a_plain_org_and_request(demo, settings_with_manifest):
    """The two call forms: launcher(org_id, request) and launcher(request, org_id=…, state=…)."""
    from api.state import AppState
    from store.db import make_async_engine, make_sessionmaker

    engine = make_async_engine(demo.target, pool_size=2)
    state = AppState(settings=settings_with_manifest, target=demo.target, engine=engine,
                     sessions=make_sessionmaker(engine))

    launcher = Launcher(state)
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
    finally:
        await launcher.shutdown()
        await engine.dispose()
