"""Coordinator nodes: route the question, hand off to specialists in order, compose the answer."""

from __future__ import annotations

import asyncio
import importlib
import time
from types import ModuleType
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.deps import deps_of
from agents.plan import QueryPlan
from agents.registry import REGISTRY
from agents.state import GraphState, ThreadContext


async def coordinator(state: GraphState, config: RunnableConfig) -> dict[str, Any]:
    deps = deps_of(config)
    question = state["question"]
    t0 = time.monotonic()
    step_id = await deps.recorder.start_step("coordinator", {"question": question})
    raw_prior = state.get("thread_plan")
    prior = QueryPlan.model_validate(raw_prior) if raw_prior else None
    plan = await deps.provider.route(question, state.get("context") or ThreadContext(), deps, prior)
    query = plan.query.model_dump(mode="json") if plan.query else None
    arrow = " → ".join(plan.specialists) or "answer directly"
    output = {"intent": plan.intent, "plan": plan.specialists, "context": plan.context, "notices": plan.notices,
              "query": query, "summary": f"{plan.query.summary() if plan.query else plan.intent}: {arrow}"}
    await deps.recorder.finish_step(step_id, "coordinator", output, t0)
    update: dict[str, Any] = {"context": plan.context, "plan": list(plan.specialists), "route": [], "findings": [],
                              "notices": plan.notices, "evidence_ids": [], "answer": "", "query": query}
    if query is not None and (plan.specialists or plan.intent in ("clarify", "unknown")):
        update["thread_plan"] = query  # what the next turn's follow-up inherits from
    return update


def next_node(state: GraphState) -> str:
    plan = state.get("plan") or []
    return plan[0] if plan else "compose"


async def _load(path: str) -> ModuleType:
    """The module at ``path``, imported (on first use) in a thread, so a serving event loop does not stall on it;
    ``import_module`` also waits for a module another run is importing at that moment."""
    return await asyncio.to_thread(importlib.import_module, path)


def specialist_node(name: str):
    """The graph node of specialist ``name``. Its module (with its tools) is imported on the node's first run, so a
    process loads only the specialists its questions are routed to; the tool-calling runner
    (:mod:`agents.specialists.llm`, which imports every tool) only with a provider that calls tools."""
    path = REGISTRY[name].path

    async def node(state: GraphState, config: RunnableConfig) -> dict[str, Any]:
        deps = deps_of(config)
        module = await _load(path)
        llm = await _load("agents.specialists.llm") if getattr(deps.provider, "tool_calling", False) else None
        if llm is not None and name in llm.SPECS:
            update = await llm.run(name, state, deps, fallback=module)
        else:
            update = await module.run(state, deps)
        update["plan"] = [p for p in (state.get("plan") or []) if p != name]
        return update

    node.__name__ = name
    return node


async def compose(state: GraphState, config: RunnableConfig) -> dict[str, Any]:
    deps = deps_of(config)
    t0 = time.monotonic()
    step_id = await deps.recorder.start_step("composer", {"findings": len(state.get("findings", []))})
    answer = await deps.provider.compose(state, deps)
    await deps.recorder.finish_step(step_id, "composer", {"summary": answer[:200]}, t0)
    return {"answer": answer,
            "turns": [{"question": state["question"], "answer": answer[:2000], "route": state.get("route", [])}]}
