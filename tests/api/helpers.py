"""Test helpers: a slow offline provider, uvicorn servers (thread or process), an SSE reader."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from agents.providers.offline import OfflineProvider, assemble
from tests.conftest import DEMO_ANCHOR, REPO

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)


class SlowProvider(OfflineProvider):
    """The offline provider, streaming its answer word by word with a pause: runs last long enough to drop
    connections in the middle of them, and produce many (never NOTIFYed) token events."""

    def __init__(self, delay: float = 0.005, *, at_most: float | None = None) -> None:
        self.delay, self.at_most = delay, at_most  # at_most: seconds one answer may stream for (long reports)

    async def compose(self, state: dict[str, Any], deps: Any) -> str:
        answer = assemble(state)
        words = answer.split(" ")
        delay = self.delay if self.at_most is None else min(self.delay, self.at_most / len(words))
        for i, w in enumerate(words):
            await asyncio.sleep(delay)
            await deps.recorder.emit("token", {"text": w + (" " if i < len(words) - 1 else "")})
        return answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadServer:
    """uvicorn serving an app built by ``factory`` in a thread of this process (its own event loop)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.port = free_port()
        self.app = factory()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> Any:
        return self.app.state.opsgraph

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


class ProcessServer:
    """``python -m tests.api.serve`` — a separate uvicorn process on the same database."""

    def __init__(self, demo: Any, *, slow: float = 0.004) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.api.serve", "--url", demo.target.sqlalchemy_url, "--conninfo",
             demo.target.conninfo, "--home", str(demo.settings.home), "--port", str(self.port), "--slow", str(slow)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = ""

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.proc.stdout.read()}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Event:
    id: int | None
    event: str
    data: Any
    raw: str = ""  # the data as sent


@dataclass
class SSEReader:
    """Parses an event stream; only complete events (ended by a blank line) are reported."""

    events: list[Event] = field(default_factory=list)
    comments: int = 0
    retry: int | None = None
    _buf: str = ""

    def feed(self, chunk: str) -> list[Event]:
        self._buf += chunk.replace("\r\n", "\n")
        out = []
        while "\n\n" in self._buf:
            block, self._buf = self._buf.split("\n\n", 1)
            fields: dict[str, list[str]] = {}
            only_comments = True
            for line in block.split("\n"):
                if line.startswith(":"):
                    self.comments += 1
                    continue
                only_comments = False
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
            if only_comments:
                continue
            if "retry" in fields:
                self.retry = int(fields["retry"][0])
            if "data" not in fields:
                continue
            raw = "\n".join(fields["data"])
            e = Event(id=int(fields["id"][0]) if "id" in fields else None, event=fields.get("event", ["message"])[0],
                      data=json.loads(raw), raw=raw)
            self.events.append(e)
            out.append(e)
        return out


async def read_stream(
    client: httpx.AsyncClient, method: str, url: str, *, stop_after_bytes: int | None = None,
    until: Callable[[Event], bool] | None = None, **kwargs: Any,
) -> tuple[httpx.Response, SSEReader]:
    """Read an SSE response; drop the connection after ``stop_after_bytes`` (maybe mid-event) or ``until``."""
    reader = SSEReader()
    async with client.stream(method, url, **kwargs) as resp:
        if resp.status_code != 200:
            await resp.aread()
            return resp, reader
        received = 0
        async for chunk in resp.aiter_text():
            if stop_after_bytes is not None and received + len(chunk) > stop_after_bytes:
                reader.feed(chunk[: stop_after_bytes - received])
                break
            received += len(chunk)
            new = reader.feed(chunk)
            if until is not None and any(until(e) for e in new):
                break
    return resp, reader


async def events_of(client: httpx.AsyncClient, url: str, **kwargs: Any) -> AsyncIterator[Event]:
    reader = SSEReader()
    async with client.stream("GET", url, **kwargs) as resp:
        resp.raise_for_status()
        async for chunk in resp.aiter_text():
            for e in reader.feed(chunk):
                yield e
