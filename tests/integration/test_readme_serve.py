"""Stopping `make run` / `opsgraph serve` the ways a newcomer (or systemd, or docker) stops it: the embedded
PostgreSQL it started stops with it, not only on Ctrl+C."""

from __future__ import annotations

import os
import signal
import time

import httpx

from tests.integration.test_serve import Served, _env


def _postmaster(home) -> int | None:
    try:
        pid = int((home / "pg" / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def test_sigterm_stops_serve_and_its_embedded_postgres(tmp_path):
    served = Served(_env(tmp_path), "--no-seed")
    try:
        assert httpx.get(f"{served.base}/health").json()["database"] == "embedded"
        assert _postmaster(tmp_path) is not None
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(60)
        deadline = time.monotonic() + 30
        while _postmaster(tmp_path) is not None and time.monotonic() < deadline:
            time.sleep(0.5)
        left = _postmaster(tmp_path)
        assert left is None, f"the embedded PostgreSQL (pid {left}) outlived `opsgraph serve` stopped by SIGTERM"
        assert "Traceback" not in served.read_rest()
    finally:
        served.stop()
        if (pid := _postmaster(tmp_path)) is not None:  # do not leak the server of a failed run
            os.kill(pid, signal.SIGINT)
