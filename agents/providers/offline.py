"""The offline provider: deterministic routing and an answer assembled from the findings.

Every sentence of the answer is a finding line produced by a specialist from a
tool result, followed by the evidence ids it rests on, so nothing is said that
a tool did not compute.
"""

from __future__ import annotations

import re
from typing import Any

from agents.deps import RunDeps
from agents.plan import QueryPlan
from agents.registry import TITLES as _REGISTRY_TITLES
from agents.router import RoutePlan, route
from agents.state import GraphState, ThreadContext

# Headings in the offline answer (kept as they were); a new specialist gets its registry title.
TITLES = _REGISTRY_TITLES | {
    "kpi_analyst": "KPI analysis",
    "change_correlator": "What changed",
    "ticket_triager": "Ticket triage",
    "report_writer": "Report",
}


def cited(line: dict[str, Any]) -> str:
    ids = line.get("evidence_ids") or []
    if line.get("markdown"):
        return line["text"]
    return line["text"] + ("".join(f" [E:{i}]" for i in dict.fromkeys(ids)) if ids else "")


def gist(markdown: str) -> str:
    """A report's "## Summary" section (else its first paragraph after the title), for "tl;dr"."""
    if m := re.search(r"^##\s+Summary\s*\n(.*?)(?=^##\s|\Z)", markdown, re.M | re.S):
        return m.group(1).strip()
    paragraphs = [b.strip() for b in re.split(r"\n\s*\n", markdown) if b.strip() and not b.lstrip().startswith("#")]
    return paragraphs[0] if paragraphs else markdown.strip()


def assemble(state: GraphState) -> str:
    parts: list[str] = []
    for notice in state.get("notices", []):
        parts.append(notice)
    brief = "form:brief" in ((state.get("query") or {}).get("notes") or [])  # "in one sentence", "tl;dr"
    for f in state.get("findings", []):
        if not f["lines"]:
            continue
        if brief and not any(line.get("markdown") for line in f["lines"]):
            parts.append(cited(f["lines"][0]))  # the first line is each specialist's direct answer
            break
        if brief:  # a report: its summary section
            parts.append(gist("\n".join(line["text"] for line in f["lines"] if line.get("markdown"))))
            break
        if any(line.get("markdown") for line in f["lines"]):
            parts.extend(cited(line) for line in f["lines"])
            continue
        title = f.get("title") or TITLES.get(f["agent"], f["agent"])
        parts.append(f"**{title}**\n" + "\n".join(f"- {cited(line)}" for line in f["lines"]))
    return "\n\n".join(parts).strip() or "I found nothing to report for that question."


class OfflineProvider:
    name = "offline"
    model: str | None = None

    async def route(self, question: str, context: ThreadContext, deps: RunDeps,
                    prior: QueryPlan | None = None) -> RoutePlan:
        return route(question, context, deps.catalog, deps.now.date(), prior)

    async def compose(self, state: GraphState, deps: RunDeps) -> str:
        answer = assemble(state)
        # Stream it line by line like a model would; the whole answer is known, so one commit holds all the tokens.
        await deps.recorder.emit_many("token", [{"text": chunk} for chunk in answer.splitlines(keepends=True)])
        return answer
