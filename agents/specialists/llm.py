"""Specialists driven by a model's tool calls (OpenAI provider).

The model sees the specialist's read-only tools, calls them (each call is
recorded like any other, with its evidence), and writes short findings citing
the evidence ids the tools returned. If the model calls no tool, the
deterministic specialist runs instead: numbers always come from tools.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import StructuredTool
from pydantic import ValidationError, create_model

from agents.deps import RunDeps
from agents.specialists.common import StepScope, step, update
from agents.state import GraphState, ThreadContext
from prompts import render
from tools.changes import correlate_changes, metric_onset, service_changes
from tools.changes.changelog import change_log, change_lookup, service_links
from tools.changes.org_changes import org_change_log
from tools.incidents import incident_list, incident_status
from tools.incidents.record_notes import incident_record_notes
from tools.incidents.resolve_times import incident_resolve_times
from tools.kpis import active_signals, kpi_series
from tools.kpis.questions import attention, compare_kpi, kpi_last_shift, kpi_values, rank_kpi
from tools.tickets import classify_ticket, classify_ticket_by_id, sla_overview, suggest_response, ticket_sla
from tools.tickets.listing import list_tickets
from tools.tickets.search import search_tickets
from tools.tickets.stats import sla_list, sla_rate, ticket_counts

MAX_ROUNDS = 4

SPECS: dict[str, tuple[str, dict[str, Callable[..., Awaitable[Any]]]]] = {
    "kpi_analyst": (
        "You analyse Tech Ops KPI series: values, stage limits, shifts, signals and year-over-year change; you "
        "compare scopes, rank stations or regions, list what needs attention and give values by day, week or month.",
        {"kpi_series": kpi_series, "active_signals": active_signals, "compare_kpi": compare_kpi, "rank_kpi": rank_kpi,
         "attention": attention, "kpi_values": kpi_values, "kpi_last_shift": kpi_last_shift},
    ),
    "change_correlator": (
        "You find what changed (deployments, config changes) before an onset and rank the hypotheses; you list a "
        "service's changes and dependencies (or every service's changes in a period: org_change_log), look changes up "
        "by id, and report incidents, their status, what their own record says of the cause (incident_record_notes, quoted "
        "as the record's words) and how long they took to resolve (incident_resolve_times: mean/median, MTTR).",
        {"correlate_changes": correlate_changes, "metric_onset": metric_onset, "service_changes": service_changes,
         "change_log": change_log, "org_change_log": org_change_log, "change_lookup": change_lookup,
         "service_links": service_links,
         "incident_list": incident_list, "incident_status": incident_status,
         "incident_resolve_times": incident_resolve_times, "incident_record_notes": incident_record_notes},
    ),
    "ticket_triager": (
        "You triage support tickets: product, urgency, SLA state, similar tickets and a suggested response; you find "
        "the organisation's tickets about a topic or like a given ticket (search_tickets), or by tier / priority / "
        "status alone (list_tickets).",
        {"classify_ticket": classify_ticket, "classify_ticket_by_id": classify_ticket_by_id, "ticket_sla": ticket_sla,
         "sla_overview": sla_overview, "suggest_response": suggest_response, "ticket_counts": ticket_counts,
         "sla_rate": sla_rate, "sla_list": sla_list, "search_tickets": search_tickets, "list_tickets": list_tickets},
    ),
}


def _args_model(name: str, fn: Callable[..., Any]) -> type:
    fields: dict[str, Any] = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind is not inspect.Parameter.KEYWORD_ONLY or p.name in ("chart", "charts"):
            continue
        ann = p.annotation if p.annotation is not inspect.Parameter.empty else Any
        if isinstance(ann, str):
            ann = eval(ann, fn.__globals__ | {"dt": dt})  # noqa: S307 - annotations of our own functions
        fields[p.name] = (ann, ... if p.default is inspect.Parameter.empty else p.default)
    return create_model(f"{name}_args", **fields)


def _hooks(ctx: ThreadContext, name: str, result: Any) -> None:
    """Carry what a tool established into the thread context (as the deterministic specialists do)."""
    shift = getattr(result, "shift", None)
    if name == "kpi_series" and shift is not None:
        ctx["onset"] = shift.onset.isoformat()
    if name == "kpi_last_shift" and getattr(result, "onset", None) is not None:
        ctx["onset"] = result.onset.isoformat()
    if name == "metric_onset" and getattr(result, "onset", None) is not None:
        ctx["onset"] = result.onset.isoformat()
    if name == "correlate_changes" and getattr(result, "hypotheses", None):
        ctx["top_hypothesis"] = result.hypotheses[0].subject


def _tool(scope: StepScope, ctx: ThreadContext, name: str, fn: Callable[..., Awaitable[Any]]) -> StructuredTool:
    from agents.providers.openai import tool_result_json

    model = _args_model(name, fn)

    async def call(**kwargs: Any) -> str:
        try:
            args = model(**kwargs).model_dump(exclude_unset=True)
        except ValidationError as exc:
            return f"invalid arguments: {exc.errors()[:3]}"
        got = await scope.tool(name, fn, **args)
        if got is None:
            return f"error: {scope.notices[-1] if scope.notices else 'the tool failed'}"
        result, records = got
        _hooks(ctx, name, result)
        return tool_result_json(result, records)

    doc = (inspect.getdoc(fn) or name).split("\n\n")[0]
    return StructuredTool.from_function(coroutine=call, name=name, description=doc, args_schema=model)


async def run(name: str, state: GraphState, deps: RunDeps, fallback: Any) -> dict[str, Any]:
    description, fns = SPECS[name]
    ctx = state.get("context", ThreadContext()).copy()
    provider: Any = deps.provider
    async with step(deps, name, {"mode": "tool_calling", "context": ctx}) as s:
        tools = {n: _tool(s, ctx, n, fn) for n, fn in fns.items()}
        llm = provider.chat.bind_tools(list(tools.values()))
        messages: list[Any] = [
            SystemMessage(render("specialist", name=name, description=description, context=ctx,
                                 question=state.get("question", ""))),
            HumanMessage("Investigate with your tools, then state your findings with citations."),
        ]
        reply = None
        for _ in range(MAX_ROUNDS):
            reply = await llm.ainvoke(messages)
            provider.count(reply, deps)
            messages.append(reply)
            if not reply.tool_calls:
                break
            for call in reply.tool_calls:
                tool = tools.get(call["name"])
                if tool is None or tool.coroutine is None:
                    content = f"unknown tool {call['name']}"
                else:
                    content = await tool.coroutine(**call["args"])
                messages.append(ToolMessage(content=content, tool_call_id=call["id"]))
        if not s.evidence:
            used_model = False
        else:
            used_model = True
            text = reply.content if reply is not None and isinstance(reply.content, str) else ""
            from agents.providers.openai import strip_unknown_citations

            text = strip_unknown_citations(text.strip(), {r.id for r in deps.recorder.evidence})
            if text:
                s.lines.append({"text": text, "evidence_ids": []})
    if not used_model:
        return await fallback.run(state, deps)
    return update(state, s, ctx)
