"""A local OpenAI-compatible server (POST /v1/chat/completions) for tests: the only stand-in for the outside world.

It plays a plausible model: routes by structured output (the ``RouteDecision``
function), calls one relevant tool per specialist, answers citing the evidence
ids the tool returned, and streams the final answer with a usage chunk. It also
cites one id that does not exist, which the service must strip. Every request
is recorded for assertions.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

BOGUS_ID = 987654321


def _usage(p: int = 120, c: int = 30) -> dict[str, int]:
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _message(content: str | None = None, tool_call: tuple[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_call:
        name, args = tool_call
        msg["tool_calls"] = [{"id": f"call_{int(time.time() * 1e6)}", "type": "function",
                              "function": {"name": name, "arguments": json.dumps(args)}}]
    return msg


def _completion(model: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": _usage()}


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("content") or "" for m in messages if isinstance(m.get("content"), str))


class Stub:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.plan_override: dict[str, Any] = {}  # merged into the QueryPlan the stub "model" returns
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.completions)
        self.port = self._free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Stub:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    async def completions(self, request: Request) -> Any:
        body = await request.json()
        self.requests.append(body)
        model = body.get("model", "stub")
        messages = body.get("messages", [])
        tools = {t["function"]["name"] for t in body.get("tools", [])}
        prompt = _text(messages)
        if "QueryPlan" in tools:
            # Plays a model that agrees with the parser's hint (plus whatever a test overrides).
            hint = re.search(r"plan below\..*?<<<DATA\n(.*?)\nDATA>>>", prompt, re.S)
            plan = (json.loads(hint.group(1)) if hint else {"operation": "out_of_scope"}) | self.plan_override
            return JSONResponse(_completion(model, _message(tool_call=("QueryPlan", plan))))
        if "RouteDecision" in tools:
            plan = (["kpi_analyst", "change_correlator"], "why_kpi") if re.search(r"why|drop", prompt, re.I) else (["kpi_analyst"], "kpi")
            return JSONResponse(_completion(model, _message(tool_call=("RouteDecision", {
                "intent": plan[1], "specialists": plan[0], "reason": "the question asks about a KPI"}))))
        tool_results = [m for m in messages if m.get("role") == "tool"]
        if tools and not tool_results:
            if "kpi_series" in tools:
                return JSONResponse(_completion(model, _message(tool_call=("kpi_series", {"kpi": "OTP_MX_RATE", "station": "DAL"}))))
            if "correlate_changes" in tools:
                onset = re.search(r'"onset": "(\d{4}-\d{2}-\d{2})', prompt)
                args = {"kpi": "OTP_MX_RATE", "station": "DAL"} | ({"onset": onset.group(1)} if onset else {})
                return JSONResponse(_completion(model, _message(tool_call=("correlate_changes", args))))
        if tools:
            ids = re.findall(r'"id": (\d+)', tool_results[-1]["content"]) if tool_results else []
            cite = f" [E:{ids[0]}]" if ids else ""
            return JSONResponse(_completion(model, _message(content=f"The tool results show the finding.{cite}")))
        # Final answer: stream it.
        ids = re.findall(r"\[E:(\d+)\]", prompt)
        text = (f"OTP MX rate at DAL dropped; the most likely cause is the one ranked first [E:{ids[-1] if ids else 0}]. "
                f"An invented citation is removed [E:{BOGUS_ID}].")
        words = re.findall(r"\S+\s*", text)

        def stream():  # noqa: ANN202
            for w in words:
                chunk = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": model,
                         "choices": [{"index": 0, "delta": {"role": "assistant", "content": w}, "finish_reason": None}]}
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: " + json.dumps({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": model,
                                         "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}) + "\n\n"
            yield "data: " + json.dumps({"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": model,
                                         "choices": [], "usage": _usage(300, len(words))}) + "\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")
