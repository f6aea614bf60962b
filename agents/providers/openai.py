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
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from agents.deps import RunDeps
from agents.plan import QueryPlan
from agents.providers.offline import assemble
from agents.providers.pricing import cost_usd
from agents.registry import describe, specialists_for
from agents.router import RoutePlan, legacy_context, route
from agents.state import GraphState, ThreadContext
from agents.understanding import Catalog, help_text
from prompts import render
from store.settings import Settings
from tools.reports import CITATION

_TOKEN_FLUSH_CHARS = 24


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

    async def route(self, question: str, context: ThreadContext, deps: RunDeps,
                    prior: QueryPlan | None = None) -> RoutePlan:
        """The model fills the QueryPlan (structured output) with the parser's plan as a hint; a plan that
        does not validate against the organisation's catalog is replaced by the parser's."""
        baseline = route(question, context, deps.catalog, deps.now.date(), prior)
        if baseline.intent in ("unknown", "clarify", "catalog") or baseline.query is None:
            return baseline  # never let a model guess what an unknown station or id meant
        structured = self.chat.with_structured_output(QueryPlan, method="function_calling", include_raw=True)
        out = await structured.ainvoke([
            SystemMessage(render("route", question=question, context=context, specialists=describe(),
                                 catalog=catalog_summary(deps.catalog), hint=baseline.query.model_dump(mode="json"))),
            HumanMessage("Fill the query plan for this question."),
        ])
        self.count(out.get("raw"), deps)
        plan = out.get("parsed")
        if not isinstance(plan, QueryPlan) or validate_plan(plan, deps.catalog):
            return baseline
        if plan.operation == "out_of_scope":
            return RoutePlan("out_of_scope", [], context, baseline.notices or [help_text(deps.catalog)], plan)
        if plan.operation == baseline.query.operation:  # what the question asks (yes/no, "since when"…): the parser's
            plan.notes += [n for n in baseline.query.notes if n not in plan.notes]
        specialists = specialists_for(plan)
        if not specialists:
            return baseline
        ctx = legacy_context(plan, context)
        return RoutePlan(ctx["intent"], specialists, ctx, [], plan)

    # -- composition ------------------------------------------------------------

    async def compose(self, state: GraphState, deps: RunDeps) -> str:
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


def catalog_summary(cat: Catalog, limit: int = 60) -> dict[str, Any]:
    """The names a plan may use (trimmed: ids are checked against the full catalog afterwards)."""
    return {"stations": dict(list(cat.stations.items())[:limit]), "regions": cat.regions,
            "kpis": {c: v[0] for c, v in cat.kpis.items()}, "services": cat.services[:limit],
            "incidents": cat.incidents[:20]}


def validate_plan(plan: QueryPlan, cat: Catalog) -> list[str]:
    """Why a model's plan cannot be used (names not in the organisation's catalog); empty when it is valid."""
    errors: list[str] = []
    s = plan.subjects
    errors += [f"unknown KPI {k}" for k in plan.kpis if k not in cat.kpis]
    for sc in s.scopes:
        known = cat.stations if sc.level == "station" else cat.regions if sc.level == "region" else None
        if known is not None and sc.code not in known:
            errors.append(f"unknown {sc.level} {sc.code}")
    for name, values, pool in (("service", s.services, cat.services), ("incident", s.incidents, cat.incidents),
                               ("ticket", s.tickets, cat.tickets), ("deployment", s.deployments, cat.deployments),
                               ("config change", s.config_changes, cat.config_changes)):
        have = set(pool)
        errors += [f"unknown {name} {v}" for v in values if v not in have]
    errors += [f"unknown commit {c}" for c in s.commits if not any(x.startswith(c) for x in cat.commits)]
    try:
        QueryPlan.model_validate(plan.model_dump())
    except ValidationError as exc:  # pragma: no cover - parsed plans are already validated
        errors.append(str(exc))
    return errors
