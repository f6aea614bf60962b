"""Coordinator nodes: route the question, hand off to specialists in order, compose the answer."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.runnables import RunnableConfig

from agents.deps import deps_of
from agents.specialists import SPECIALISTS, llm


async def coordinator(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    deps = deps_of(config)
    question = state["question"]
    t0 = time.monotonic()
    step_id = await deps.recorder.start_step("coordinator", {"question": question})
    plan = await deps.provider.route(question, state.get("context") or {}, deps)
    output = {"intent": plan.intent, "plan": plan.specialists, "context": plan.context, "notices": plan.notices,
              "summary": f"{plan.intent}: " + (" → ".join(plan.specialists) or "answer directly")}
    await deps.recorder.finish_step(step_id, "coordinator", output, t0)
    return {"context": plan.context, "plan": list(plan.specialists), "route": [], "findings": [], "notices": plan.notices,
            "evidence_ids": [], "answer": ""}


def next_node(state: dict[str, Any]) -> str:
    plan = state.get("plan") or []
    return plan[0] if plan else "compose"


def specialist_node(name: str):  # noqa: ANN201 - a LangGraph node
    module = SPECIALISTS[name]

    async def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        deps = deps_of(config)
        if getattr(deps.provider, "tool_calling", False) and name in llm.SPECS:
            update = await llm.run(name, state, deps, fallback=module)
        else:
            update = await module.run(state, deps)
        update["plan"] = [p for p in (state.get("plan") or []) if p != name]
        return update

    node.__name__ = name
    return node


async def compose(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    deps = deps_of(config)
    t0 = time.monotonic()
    step_id = await deps.recorder.start_step("composer", {"findings": len(state.get("findings", []))})
    answer = await deps.provider.compose(state, deps)
    await deps.recorder.finish_step(step_id, "composer", {"summary": answer[:200]}, t0)
    return {"answer": answer,
            "turns": [{"question": state["question"], "answer": answer[:2000], "route": state.get("route", [])}]}
