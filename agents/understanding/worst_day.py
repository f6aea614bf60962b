""""What was the worst day for X in november?" names that day, not a site; "… and why?" explains that day: the
question is an explanation anchored on the extreme day of the asked window (``anchor:extreme`` with the ``q:extreme_*``
notes the KPI analyst's first line answers)."""

from __future__ import annotations

import re

from agents.plan import Operation, QueryPlan
from agents.understanding.asks import EXPLAIN_ASKED
from agents.understanding.cues import _PLACE, _PLACE_NOUN

_I = re.IGNORECASE
_WORST_DAY = re.compile(r"\b(worst|best|highest|lowest|peak)\s+(?:single\s+)?(?:[a-z-]+\s+){0,3}?day\b|"
                        r"\b(?:which|what)\s+day\s+(?:was|had)\s+(?:the\s+)?(worst|best|highest|lowest)\b", _I)
_WHICH_PLACE = re.compile(rf"\b(?:which|what)\s+(?:\w+\s+)?{_PLACE}\b|\b{_PLACE_NOUN}s\b", _I)


def worst_day_asked(q: str, plan: QueryPlan) -> Operation:
    """Sets the plan for a question about the extreme day of one KPI; returns the (possibly new) operation."""
    op = plan.operation
    m = _WORST_DAY.search(q)
    if m is None:
        return op
    word = (m.group(1) or m.group(2)).lower()
    if op == "rank" and plan.kpis and not plan.subjects.scopes and not _WHICH_PLACE.search(q):
        op = plan.operation = "lookup"  # "what was the worst day for X in november?": that day, not a site
        plan.group_by, plan.order, plan.limit = None, None, None
    if op in ("lookup", "explain") and plan.kpis and len(plan.subjects.scopes) <= 1 and EXPLAIN_ASKED.search(q):
        op = plan.operation = "explain"  # "… and why?": that day named first, then what explains it
        plan.notes[:] = [n for n in plan.notes if not n.startswith(("day:", "q:extreme"))]
        plan.notes += [f"q:extreme_{word}", "q:extreme_unit_day", "anchor:extreme"]
    elif op == "lookup" and not any(n.startswith("day:") for n in plan.notes):
        plan.notes.append(f"day:{word}")  # "the worst day for lates this month": named
    return op
