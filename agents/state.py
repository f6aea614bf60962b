"""Graph state. ``context`` and ``turns`` persist across a thread's turns (checkpointer);
the rest is reset by the coordinator at the start of each turn."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class Finding(TypedDict):
    agent: str
    lines: list[dict[str, Any]]  # {"text": str, "evidence_ids": [int]}
    data: dict[str, Any]


class GraphState(TypedDict, total=False):
    question: str
    context: dict[str, Any]  # entities and results the thread has established (kpi, station, onset, incident…)
    plan: list[str]  # specialists still to run, in order
    route: list[str]  # specialists run this turn
    findings: list[Finding]
    notices: list[str]  # unknown entities, out-of-scope, tool errors: said plainly in the answer
    answer: str
    evidence_ids: list[int]
    turns: Annotated[list[dict[str, Any]], operator.add]  # [{"question", "answer", "route"}]
