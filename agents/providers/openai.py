"""The OpenAI-compatible provider (OpenAI, Azure, vLLM, Ollama… via ``OPENAI_BASE_URL``).

The model routes (structured output), chooses the specialists' tool calls and
writes the prose, streaming tokens. It never supplies numbers or entities:
entities are matched against the organisation's data first (an unknown station
is reported, not guessed), tools compute every figure, and citations in the
final answer are checked against the run's evidence — unknown ids are removed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from agents.deps import RunDeps
from agents.providers.offline import assemble
from agents.providers.pricing import cost_usd
from agents.router import SPECIALISTS, RoutePlan, route
from prompts import render
from store.settings import Settings
from tools.reports import CITATION

_TOKEN_FLUSH_CHARS = 24


class RouteDecision(BaseModel):
    """The coordinator's plan."""

    intent: Literal["kpi", "why_kpi", "service_change", "incident", "ticket", "sla", "report", "chart", "out_of_scope"]
    specialists: list[Literal["kpi_analyst", "change_correlator", "ticket_triager", "report_writer"]] = Field(
        description="specialists to run, in order; empty for out-of-scope questions"
    )
    reason: str = Field(description="one short sentence")


class OpenAIProvider:
    name = "openai"
    tool_calling = True

    def __init__(self, settings: Settings) -> None:
        self.model = settings.model
        self.chat = ChatOpenAI(
            model=settings.model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            temperature=0,
            timeout=60,
            max_retries=2,
            stream_usage=True,
        )

    # -- accounting -----------------------------------------------------------

    def count(self, message: Any, deps: RunDeps) -> None:
        usage = getattr(message, "usage_metadata", None) or {}
        prompt, completion = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
        if prompt or completion:
            deps.recorder.record_usage(prompt, completion, cost_usd(self.model, prompt, completion))

    # -- routing ----------------------------------------------------------------

    async def route(self, question: str, context: dict[str, Any], deps: RunDeps) -> RoutePlan:
        baseline = route(question, context, deps.catalog, deps.now.date())
        if baseline.intent == "unknown":
            return baseline  # never let a model guess what an unknown station or id meant
        entities = {k: v for k, v in baseline.context.items() if k not in ("intent",)}
        structured = self.chat.with_structured_output(RouteDecision, method="function_calling", include_raw=True)
        out = await structured.ainvoke([
            SystemMessage(render("route", question=question, context=context, entities=entities)),
            HumanMessage("Decide the plan for this question."),
        ])
        self.count(out.get("raw"), deps)
        decision: RouteDecision | None = out.get("parsed")
        if decision is None:
            return baseline
        specialists = [s for s in dict.fromkeys(decision.specialists) if s in SPECIALISTS]
        if decision.intent == "out_of_scope" and not specialists:
            return RoutePlan("out_of_scope", [], context, baseline.notices or [
                "That is outside what I can answer from this organisation's data."])
        if not specialists:
            return baseline
        ctx = dict(baseline.context) | {"intent": decision.intent}
        return RoutePlan(decision.intent, specialists, ctx, baseline.notices)

    # -- composition ------------------------------------------------------------

    async def compose(self, state: dict[str, Any], deps: RunDeps) -> str:
        findings = [
            {"agent": f["agent"], "lines": [line["text"] + "".join(f" [E:{i}]" for i in line.get("evidence_ids", []))
                                            for line in f["lines"]]}
            for f in state.get("findings", [])
        ]
        lines = [line for f in state.get("findings", []) for line in f["lines"]]
        if not lines or any(line.get("markdown") for line in lines):
            # Nothing computed (unknown entity, out of scope): say so as is — a model has nothing to write from.
            # A drafted report is shown as written.
            return await _stream_text(assemble(state), deps)
        messages = [SystemMessage(render("compose", question=state["question"], findings=findings,
                                         notices=state.get("notices", []))),
                    HumanMessage("Write the answer.")]
        parts: list[str] = []
        buffer = ""
        last: AIMessage | None = None
        async for chunk in self.chat.astream(messages):
            text = chunk.content if isinstance(chunk.content, str) else ""
            if getattr(chunk, "usage_metadata", None):
                last = chunk  # the final chunk carries the usage
            if not text:
                continue
            parts.append(text)
            buffer += text
            if len(buffer) >= _TOKEN_FLUSH_CHARS or "\n" in buffer:
                await deps.recorder.emit("token", {"text": buffer})
                buffer = ""
        if buffer:
            await deps.recorder.emit("token", {"text": buffer})
        if last is not None:
            self.count(last, deps)
        answer = "".join(parts).strip()
        return strip_unknown_citations(answer, {r.id for r in deps.recorder.evidence})


def strip_unknown_citations(text: str, known: set[int]) -> str:
    """Remove ``[E:n]`` citations that point at no evidence of this run (a model's invention)."""
    bad = [m for m in CITATION.findall(text) if int(m) not in known]
    for m in bad:
        text = text.replace(f"[E:{m}]", "")
    return re.sub(r"[ \t]+([.,;])", r"\1", text)


async def _stream_text(text: str, deps: RunDeps) -> str:
    await deps.recorder.emit_many("token", [{"text": line} for line in text.splitlines(keepends=True)])
    return text


def tool_result_json(result: Any, evidence: list[Any], limit: int = 3000) -> str:
    """What a tool call returns to the model: the evidence ids to cite and a trimmed result."""
    body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("chart", "points", "neighbours")}
    text = json.dumps({"evidence": [{"id": e.id, "kind": e.kind, "summary": e.summary} for e in evidence],
                       "result": body}, default=str)
    return text if len(text) <= limit else text[:limit] + "…(truncated)"
