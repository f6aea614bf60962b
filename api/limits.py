"""Per-key limits (concurrent runs, open streams) and the request body size limit.

- Concurrent runs are counted in Postgres (``runs`` of the key that are
  ``queued``/``running``) under a transaction-scoped advisory lock per key, in
  the transaction that creates the run (``store.runs.create_run``): the limit
  holds across any number of API processes.
- Open streams are counted per worker process (a stream is a connection held
  by that process); with N workers a key can hold at most N × the limit.
- Bodies larger than ``max_body_bytes`` answer 413 before the route runs,
  whether the client sent a ``Content-Length`` or a chunked body.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class ApiLimits:
    max_concurrent_runs_per_key: int = 4
    max_streams_per_key: int = 16
    max_body_bytes: int = 1 << 20  # 1 MiB
    stream_ping_seconds: float = 15.0
    stream_send_timeout_seconds: float = 30.0
    # How often a following stream re-reads ``runs.last_seq`` (token events are not NOTIFYed).
    poll_interval_seconds: float = 0.25


class LimitExceeded(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KeyCounters:
    """Open streams per API key in this process."""

    def __init__(self) -> None:
        self._streams: dict[int, int] = defaultdict(int)

    def streams(self, key_id: int) -> int:
        return self._streams.get(key_id, 0)

    def acquire_stream(self, key_id: int, limit: int) -> None:
        if self._streams[key_id] >= limit:
            raise LimitExceeded(
                f"too many open streams for this API key ({self._streams[key_id]} of {limit}); close one and retry"
            )
        self._streams[key_id] += 1

    def release_stream(self, key_id: int) -> None:
        n = self._streams.get(key_id, 0) - 1
        if n <= 0:
            self._streams.pop(key_id, None)
        else:
            self._streams[key_id] = n


class BodySizeLimit:
    """ASGI middleware: 413 for request bodies over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reject(send, 400, "Content-Length is not a number")
                    return
        if declared is not None and declared > self.max_bytes:
            await _reject(send, 413, self._message(declared))
            return
        # Read the body (bounded) before the app sees it, so an over-long chunked body is refused cleanly.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                # Let the client finish sending (up to a bound) so it can read the answer instead of a reset.
                more, drained = message.get("more_body", False), 0
                while more and drained < 8 * self.max_bytes:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    drained += len(message.get("body", b""))
                    more = message.get("more_body", False)
                await _reject(send, 413, self._message(size, streamed=True))
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self, size: int, *, streamed: bool = False) -> str:
        what = "more than" if streamed else ""
        return f"request body too large: {what} {size:,} bytes, at most {self.max_bytes:,}".replace("  ", " ")


async def _reject(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
