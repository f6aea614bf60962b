"""The command line of the queue: ``opsgraph worker`` executes queued runs and stops cleanly on SIGTERM;
``opsgraph schedules create|list|delete`` (second organisation, its own names)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

import psycopg

from agents.service import Assistant
from tests.api.helpers import NOW
from tests.conftest import REPO


def _env(demo) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": demo.target.sqlalchemy_url, "OPSGRAPH_HOME": str(demo.settings.home),
                         "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}


def _cli(demo, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "opsgraph", *args], env=_env(demo), cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)


def test_schedules_cli(qdemo, qkeys):
    org = "harbour-freight"
    made = _cli(qdemo, "schedules", "create", "berth-digest", "--cron", "30 6 * * 1-5", "--timezone",
                "Australia/Perth", "--question", "Which berths had crane outages yesterday?", "--org", org)
    assert made.returncode == 0, made.stderr
    assert "berth-digest" in made.stdout and "next run" in made.stdout
    listed = json.loads(_cli(qdemo, "schedules", "list", "--org", org, "--json").stdout)
    (item,) = [i for i in listed if i["name"] == "berth-digest"]
    assert item["timezone"] == "Australia/Perth" and item["cron"] == "30 6 * * 1-5"
    # 06:30 in Perth (UTC+8) is 22:30 UTC the day before.
    assert item["next_run_at"].endswith("22:30:00Z") or "22:30:00" in item["next_run_at"]
    dup = _cli(qdemo, "schedules", "create", "berth-digest", "--cron", "0 7 * * *", "--question", "x", "--org", org)
    assert dup.returncode == 2 and "already exists" in dup.stderr
    bad = _cli(qdemo, "schedules", "create", "nightly", "--cron", "every night", "--question", "x", "--org", org)
    assert bad.returncode == 2 and "not a cron expression" in bad.stderr and "Traceback" not in bad.stderr
    assert not [i for i in json.loads(_cli(qdemo, "schedules", "list", "--org", org, "--json").stdout)
                if i["name"] == "nightly"]
    # Not visible from the demo organisation.
    assert "berth-digest" not in _cli(qdemo, "schedules", "list", "--org", "demo", "--json").stdout
    assert _cli(qdemo, "schedules", "delete", "berth-digest", "--org", "demo").returncode == 2
    gone = _cli(qdemo, "schedules", "delete", "berth-digest", "--org", org)
    assert gone.returncode == 0, gone.stderr
    assert _cli(qdemo, "schedules", "delete", "berth-digest", "--org", org).returncode == 2


async def test_opsgraph_worker_executes_queued_runs_and_stops_on_sigterm(qdemo):
    a = await Assistant.open(qdemo.settings, qdemo.target)  # no worker in this process
    try:
        started = [await a.start(org_id=qdemo.org_id, question=q, trigger="api", as_of=NOW)
                   for q in ("How is OTP MX rate at PHX doing over the past 30 days?", "What changed before the drop?")]
        with psycopg.connect(qdemo.target.conninfo) as conn:
            waiting = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND "
                                   "task_name = 'opsgraph.run'").fetchone()[0]
        assert waiting >= 2, "the runs wait on the queue until a worker takes them"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "opsgraph", "worker", "--concurrency", "2", env=_env(qdemo), cwd=REPO,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            records = [await a.wait(qdemo.org_id, s.run_id, timeout=90) for s in started]
        finally:
            await asyncio.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            _, errbytes = await asyncio.wait_for(proc.communicate(), 30)
            errtext = errbytes.decode()
        assert all(r.status == "completed" for r in records), [r.error for r in records]
        assert proc.returncode == 0, errtext[-2000:]
        assert "Traceback" not in errtext
    finally:
        await a.close()


