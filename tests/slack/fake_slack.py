"""A local fake of Slack's Web API and of slash-command ``response_url``s, on 127.0.0.1, recording every call.

slack_sdk's ``AsyncWebClient(base_url=fake.api_url)`` talks to it; ``fake.response_url(key)`` makes URLs to put
in slash-command payloads. Also signs requests exactly as Slack does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM_ID = "T0FAKE001"
BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"


@dataclass
class Call:
    kind: str  # "api" | "response_url"
    method: str  # Web API method, or the response_url key
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered

    def blocks_text(self) -> str:
        """Every text of the call's blocks, joined (what a person would read)."""
        out: list[str] = []

        def walk(x: Any) -> None:
            if isinstance(x, dict):
                for k, v in x.items():
                    if k in ("text", "url") and isinstance(v, str):
                        out.append(v)
                    else:
                        walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)

        blocks = self.body.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        walk(blocks or [])
        return "\n".join(out)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.fail: dict[str, str] = {}  # Web API method -> error to answer with ("ok": false)
        self.response_url_status = 200
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._changed = asyncio.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base}/commands/{key}"

    def next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/commands/{key}", self._response_url)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def reset(self) -> None:
        self.calls.clear()
        self.fail.clear()
        self.response_url_status = 200

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if request.content_type == "application/json":
            return json.loads(raw or b"{}")
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._body(request)
        body.update(dict(request.query.items()))
        if method in self.fail:
            answer: dict[str, Any] = {"ok": False, "error": self.fail[method]}
        elif method == "auth.test":
            answer = {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "opsgraph",
                      "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        elif method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            ts = body.get("ts") or self.next_ts()
            answer = {"ok": True, "channel": body.get("channel"), "ts": ts,
                      "message": {"text": body.get("text"), "ts": ts, "bot_id": BOT_ID}}
        else:
            answer = {"ok": True}
        self._record(Call("api", method, body, response=answer))
        return web.json_response(answer)

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._record(Call("response_url", request.match_info["key"], body))
        if self.response_url_status != 200:
            return web.Response(status=self.response_url_status, text="expired_url")
        return web.Response(text="ok")

    # -- queries -----------------------------------------------------------------

    def api(self, method: str, **match: Any) -> list[Call]:
        return [c for c in self.calls if c.kind == "api" and c.method == method
                and all(c.body.get(k) == v for k, v in match.items())]

    def responses(self, key: str) -> list[Call]:
        return [c for c in self.calls if c.kind == "response_url" and c.method == key]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            got = predicate()
            if got:
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; calls so far: {[(c.kind, c.method) for c in self.calls]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=0.1)


def sign(secret: str, body: str | bytes, timestamp: int | str | None = None) -> dict[str, str]:
    """The headers Slack sends: ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` =
    ``v0=`` + hex HMAC-SHA256(secret, ``v0:{timestamp}:{body}``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(text: str, *, response_url: str, team_id: str = TEAM_ID, channel_id: str = "C0OPS0001",
                 user_id: str = "U0USER001", command: str = "/opsgraph") -> str:
    return urllib.parse.urlencode({
        "token": "deprecated", "team_id": team_id, "team_domain": "fake", "channel_id": channel_id,
        "channel_name": "ops", "user_id": user_id, "user_name": "operator", "command": command, "text": text,
        "api_app_id": "A0APP0001", "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": f"{time.time_ns()}.1.abc",
    })


_event_ids = itertools.count(1)


def event_body(event: dict[str, Any], *, team_id: str = TEAM_ID, event_id: str | None = None) -> str:
    return json.dumps({
        "token": "deprecated", "team_id": team_id, "api_app_id": "A0APP0001", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{time.time_ns()}{next(_event_ids)}",
        "event_time": int(time.time()), "authorizations": [{"team_id": team_id, "user_id": BOT_USER_ID,
                                                             "is_bot": True}],
        "is_ext_shared_channel": False, "event_context": "4-abc",
    })
