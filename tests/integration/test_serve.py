"""`opsgraph serve` as `make run` starts it: a real uvicorn, a real login link, real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import REPO, count_rows

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=(ogl_[\w-]+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "opsgraph", "serve", "--port", str(self.port), *args],
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.output = ""
        deadline = time.monotonic() + 180
        self.token = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output += line
            if m := URL.search(line):
                self.token = m.group(2)
            if "Uvicorn running" in line:  # printed once the socket is bound ("startup complete" comes before)
                break
        if self.token is None or self.proc.poll() is not None:
            self.stop()
            raise AssertionError(f"serve did not start:\n{self.output}")
        self.base = f"http://127.0.0.1:{self.port}"

    def read_rest(self) -> str:
        """Everything the process printed (call after stop)."""
        if self.proc.stdout is not None:
            self.output += self.proc.stdout.read()
        return self.output

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGRAPH_", "OPENAI_", "SLACK_", "DATABASE_URL"))}
    env.update({"OPSGRAPH_HOME": str(tmp), "OPSGRAPH_LLM": "offline", "PYTHONUNBUFFERED": "1", **extra})
    return env


def test_serve_seeds_once_prints_a_login_link_and_restarts_on_the_same_data(fresh_db, tmp_path):
    target = fresh_db(migrated=False)  # serve must migrate by itself
    env = _env(tmp_path, DATABASE_URL=target.sqlalchemy_url)

    first = Served(env)
    try:
        assert "Loaded the demo data set" in first.output
        health = httpx.get(f"{first.base}/health").json()
        assert health == {"status": "ok", "db": "ok", "database": "external", "llm": "offline", "embeddings": "hash"}

        client = httpx.Client(base_url=first.base)
        assert client.get("/api/me").status_code == 401
        login = client.get(f"/?token={first.token}", follow_redirects=False)
        assert login.status_code == 303 and "opsgraph_session" in login.cookies
        me = client.get("/api/me")
        assert me.status_code == 200 and me.json()["org"] == "demo" and me.json()["role"] == "admin"
        assert client.get("/").status_code == 200
        # The code is single-use and no bearer key; a bogus one is refused.
        assert httpx.get(f"{first.base}/?token={first.token}", follow_redirects=False).status_code == 401
        assert httpx.get(f"{first.base}/api/me", headers={"Authorization": f"Bearer {first.token}"}).status_code == 401
        assert httpx.get(f"{first.base}/?token=ogl_bogus_token", follow_redirects=False).status_code == 401
    finally:
        first.stop()
    access = [line for line in first.read_rest().splitlines() if '"GET /?token=' in line]
    assert access and not [line for line in access if first.token in line], "the login code never reaches the log"
    assert (tmp_path / "demo" / "manifest.json").is_file()
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("SELECT id FROM orgs WHERE slug = 'demo'").fetchone()[0]
    counts = count_rows(target, ["kpi_points", "metric_points", "tickets", "deployments"], org_id)
    assert all(counts.values())

    second = Served(env)
    try:
        assert "Loaded the demo data set" not in second.output
        assert count_rows(target, ["kpi_points", "metric_points", "tickets", "deployments"], org_id) == counts
        # A restart logs nobody out: the session of the first process still works; the new link works too.
        client.base_url = httpx.URL(second.base)
        assert client.get("/api/me").status_code == 200
        assert httpx.get(f"{second.base}/?token={second.token}", follow_redirects=False).status_code == 303
    finally:
        second.stop()
        client.close()


def test_two_processes_share_one_embedded_server(tmp_path):
    env = _env(tmp_path)
    served = Served(env, "--no-seed")
    try:
        assert httpx.get(f"{served.base}/health").json()["database"] == "embedded"
        # A second process on the same home joins the running server and leaves it running.
        out = subprocess.run(
            [sys.executable, "-m", "opsgraph", "keys", "create", "--org", "second", "--role", "viewer"],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert out.returncode == 0, out.stderr
        key = out.stdout.strip()
        me = httpx.get(f"{served.base}/api/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200 and me.json()["org"] == "second"
        assert httpx.get(f"{served.base}/health").json()["db"] == "ok"
    finally:
        served.stop()
    pids = list((tmp_path / "pg").glob("postmaster.pid"))
    assert not pids, "the embedded server should stop with its last process"


@pytest.mark.parametrize("bad", ["mysql://x", "not a url"])
def test_bad_database_url_is_a_clear_cli_error(tmp_path, bad):
    out = subprocess.run(
        [sys.executable, "-m", "opsgraph", "db", "upgrade"],
        env=_env(tmp_path, DATABASE_URL=bad), cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 2
    assert "DATABASE_URL must be a PostgreSQL URL" in out.stderr
