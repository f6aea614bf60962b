"""Helpers shared by the specialists: one recorded step, cited finding lines, tool errors as notices."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from agents.deps import RunDeps
from agents.state import Finding, GraphState, ThreadContext
from store.evidence import EvidenceRecord
from tools.base import ToolError, ToolOutput


@dataclass
class StepScope:
    deps: RunDeps
    agent: str
    step_id: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    evidence: list[EvidenceRecord] = field(default_factory=list)
    title: str | None = None  # a heading for what this step answered, when the specialist's title would mislead

    async def tool(self, name: str, fn: Callable[..., Awaitable[ToolOutput[Any]]], **kwargs: Any) -> tuple[Any, list[EvidenceRecord]] | None:
        """Call a tool; a ToolError becomes a notice (with close matches) and returns None."""
        try:
            result, records = await self.deps.recorder.call_tool(self.step_id, name, fn, self.deps.tools, **kwargs)
        except ToolError as exc:
            hint = f" Did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            self.notices.append(f"{str(exc)[:1].upper()}{str(exc)[1:]}.{hint}")
            return None
        self.evidence.extend(records)
        return result, records

    def say(self, text: str, *records: EvidenceRecord | None) -> None:
        ids = [r.id for r in records if r is not None]
        self.lines.append({"text": text, "evidence_ids": ids})

    def finding(self) -> Finding:
        out = Finding(agent=self.agent, lines=self.lines, data=self.data)
        if self.title:
            out["title"] = self.title
        return out


@asynccontextmanager
async def step(deps: RunDeps, agent: str, task: dict[str, Any]) -> AsyncIterator[StepScope]:
    t0 = time.monotonic()
    step_id = await deps.recorder.start_step(agent, task)
    scope = StepScope(deps=deps, agent=agent, step_id=step_id)
    try:
        yield scope
    except Exception as exc:
        await deps.recorder.finish_step(step_id, agent, {"error": f"{type(exc).__name__}: {exc}"}, t0, status="failed")
        raise
    summary = scope.lines[0]["text"] if scope.lines else (scope.notices[0] if scope.notices else "nothing found")
    await deps.recorder.finish_step(
        step_id, agent,
        {"summary": summary, "lines": scope.lines, "notices": scope.notices,
         "evidence_ids": [r.id for r in scope.evidence]},
        t0,
    )


def first(records: list[EvidenceRecord], kind: str) -> EvidenceRecord | None:
    return next((r for r in records if r.kind == kind), None)


def update(state: GraphState, scope: StepScope, context: ThreadContext | None = None) -> dict[str, Any]:
    """The state update a specialist returns."""
    out: dict[str, Any] = {
        "findings": [*state.get("findings", []), scope.finding()],
        "notices": [*state.get("notices", []), *scope.notices],
        "evidence_ids": [*state.get("evidence_ids", []), *(r.id for r in scope.evidence)],
        "route": [*state.get("route", []), scope.agent],
    }
    if context is not None:
        out["context"] = context
    return out
