"""Processes for the queue tests: an API without a worker, and workers, on one database.

``python -m tests.queue.procs api --port P …`` serves the API only (``serve --no-worker``);
``python -m tests.queue.procs worker …`` runs what ``opsgraph worker`` runs (same code path) with the
test's provider and a fast heartbeat, so a SIGKILLed worker is declared dead within seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO

FAST = {"OPSGRAPH_WORKER_HEARTBEAT_SECONDS": "0.5", "OPSGRAPH_WORKER_STALLED_SECONDS": "3",
        "OPSGRAPH_WORKER_SHUTDOWN_SECONDS": "2"}


def _settings(a: argparse.Namespace):
    from store.db import DatabaseTarget
    from tests.conftest import settings_for

    target = DatabaseTarget(sqlalchemy_url=a.url, conninfo=a.conninfo, embedded=False)
    extra = dict(FAST)
    return target, settings_for(target, Path(a.home), **extra)


def _provider(slow: float, at_most: float):
    from tests.api.helpers import SlowProvider

    return SlowProvider(slow, at_most=at_most or None) if slow > 0 else None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["api", "worker"])
    p.add_argument("--url", required=True)
    p.add_argument("--conninfo", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--slow", type=float, default=0.0)
    p.add_argument("--slow-at-most", type=float, default=0.0)
    p.add_argument("--concurrency", type=int, default=3)
    p.add_argument("--max-runs", type=int, default=50)
    a = p.parse_args()
    target, settings = _settings(a)
    if a.role == "api":
        import uvicorn

        from api.app import create_app
        from api.limits import ApiLimits

        app = create_app(settings, target=target, run_migrations=False, provider=_provider(a.slow, a.slow_at_most), worker=False,
                         limits=ApiLimits(max_concurrent_runs_per_key=a.max_runs, max_streams_per_key=50))
        uvicorn.run(app, host="127.0.0.1", port=a.port, log_level="warning")
        return

    from agents import jobs
    from agents.service import Assistant
    from api.jobs import make_app

    async def run() -> None:
        assistant = await Assistant.open(settings, target, provider=_provider(a.slow, a.slow_at_most), queue=make_app(target.conninfo))
        w = jobs.worker(assistant.queue, settings, assistant=assistant, concurrency=a.concurrency)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, w.stop)
        print("WORKER READY", os.getpid(), flush=True)
        try:
            await w.run()
        finally:
            await assistant.close()

    asyncio.run(run())


class Procs:
    """Start/stop the processes of one test (all stopped at the end, SIGKILL as a last resort)."""

    def __init__(self, demo, home: Path) -> None:
        self.demo, self.home, self.procs = demo, home, []

    def _args(self) -> list[str]:
        t = self.demo.target
        return ["--url", t.sqlalchemy_url, "--conninfo", t.conninfo, "--home", str(self.home)]

    def api(self, port: int, *, slow: float = 0.0, max_runs: int = 50) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "tests.queue.procs", "api", *self._args(), "--port", str(port),
                                 "--slow", str(slow), "--max-runs", str(max_runs)], cwd=REPO)
        self.procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "the API process exited"
            time.sleep(0.2)
        raise AssertionError("the API did not start")

    def worker(self, *, slow: float = 0.0, at_most: float = 0.0, concurrency: int = 3) -> subprocess.Popen:
        """``slow``: seconds between answer words; ``at_most``: seconds one answer may stream for (0: no cap)."""
        proc = subprocess.Popen([sys.executable, "-m", "tests.queue.procs", "worker", *self._args(), "--slow",
                                 str(slow), "--slow-at-most", str(at_most), "--concurrency", str(concurrency)],
                                cwd=REPO, stdout=subprocess.PIPE, text=True)
        self.procs.append(proc)
        line = proc.stdout.readline() if proc.stdout else ""
        assert "WORKER READY" in line, line
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


if __name__ == "__main__":
    main()
