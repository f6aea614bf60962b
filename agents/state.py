"""Graph state. ``context``, ``thread_plan`` and ``turns`` persist across a thread's turns (checkpointer);
the rest is reset by the coordinator at the start of each turn."""

from __future__ import annotations

import operator
from typing import Annotated, Any, NotRequired, TypedDict


class Finding(TypedDict):
    agent: str
    lines: list[dict[str, Any]]  # {"text": str, "evidence_ids": [int]}
    data: dict[str, Any]
    title: NotRequired[str]  # the answer's heading when not the specialist's own ("Incidents" from the correlator)


class TimeWindow(TypedDict):
    start: str  # ISO dates
    end: str
    label: str


class ThreadContext(TypedDict, total=False):
    """What a thread carries from turn to turn for the specialists (checkpointed with the graph state).

    The router sets the subjects of the turn (codes, ids, the window and the legacy intent) from the question's
    plan; specialists add what they found for the next ones and for follow-ups (``onset``, ``top_hypothesis``).
    """

    station: str
    region: str
    kpi: str
    service: str
    incident: str
    ticket: str
    time: TimeWindow
    intent: str
    onset: str  # ISO date of the shift a specialist found
    top_hypothesis: str  # subject of the best-ranked change hypothesis
    flagged_first: str  # "KPI@station" an attention list showed first (what "why?" after it explains)


class GraphState(TypedDict, total=False):
    question: str
    query: dict[str, Any]  # this turn's QueryPlan (model_dump(mode="json")); see agents.plan.plan_of
    thread_plan: dict[str, Any]  # the last plan that ran specialists: what follow-ups inherit from
    context: ThreadContext  # the keys the specialists read (kpi, station, onset, incident, time, intent…)
    plan: list[str]  # specialists still to run, in order
    route: list[str]  # specialists run this turn
    findings: list[Finding]
    notices: list[str]  # unknown entities, out-of-scope, tool errors: said plainly in the answer
    answer: str
    evidence_ids: list[int]
    turns: Annotated[list[dict[str, Any]], operator.add]  # [{"question", "answer", "route"}]
