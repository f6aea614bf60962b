"""One place against all the others (round 7): "how does <site> compare to the other stations on X", "where does
<site> rank on X", "is <site> worse than average on X", "how are we doing at <site> vs everyone else?".

With a KPI the question is a ranking of every place on it with the one asked about pointed out (``highlight:``);
without one, every KPI measured there is ranked that way (``vs:rest``). Plain English only."""

from __future__ import annotations

import re

from agents.plan import QueryPlan, ScopeRef
from agents.understanding.cues import _I, _PLACE

_OTHERS = (rf"(?:(?:all\s+)?(?:the\s+|our\s+)?(?:other|rest\s+of\s+the|remaining)\s+{_PLACE}|"
           r"every(?:one|body)(?:\s+else)?|the\s+others|all\s+the\s+others|(?:the\s+)?average|the\s+pack|"
           r"(?:its|their|our)\s+peers|peers)")
VS_REST = re.compile(
    rf"\b(?:vs\.?|versus|against|compared?\s+(?:to|with)|comparison\s+(?:to|with)|relative\s+to|than|next\s+to|"
    rf"stack\s+up\s+(?:against|to|with))\s+{_OTHERS}\b|"
    r"\bwhere\s+(?:does|do|did|is|are|would)\s+(?:[\w.-]+\s+){1,3}(?:rank|ranks|ranked|stand|stands|place|placed|sit|sits)\b|"
    r"\bhow\s+(?:does|do|did|is|are)\b.*\b(?:rank|ranks|ranked|ranking|stack(?:s|ing)?\s+up)\b|"
    r"\bwhat(?:'s|\s+is)\s+(?:the\s+)?(?:rank|ranking|position)\s+of\b|\b(?:rank|ranking|position)\s+(?:of|for)\s+\w+\s+(?:on|in|for)\b",
    _I)


def against_the_rest(q: str, plan: QueryPlan, *, asked: bool = False) -> bool:
    """Turn a question about one station against all the others into the ranking that answers it; True when it did
    (``asked``: the thread already asks that, as in "what about on <KPI>?" after one)."""
    s = plan.subjects
    stations = [x for x in s.scopes if x.level == "station" and x.code]
    which_kpi = plan.operation == "clarify" and plan.clarification is not None and plan.clarification.kind == "KPI"
    if (len(stations) != 1 or s.services or s.incidents or s.tickets
            or any(x.level in ("region", "company") for x in s.scopes) or not (asked or VS_REST.search(q))
            or (plan.operation not in ("lookup", "explain", "compare", "attention", "rank")
            and not (which_kpi and not plan.kpis))):
        return False
    code = stations[0].code
    assert code is not None
    if plan.kpis:  # every station ranked on the KPI, the one asked about pointed out
        plan.operation, plan.group_by, plan.order, plan.limit = "rank", "station", "worst", 1000
        if re.match(r"\W*(?:is|are|was|were|does|do|did|has|have)\b", q, _I) and (
                m := re.search(r"\b(better|worse|higher|lower|above|below)\s+(?:than|the)\b", q, _I)):
            plan.notes.append(f"vs:{m.group(1).lower()}")  # "is <site> worse than average on X?": Yes/No first
        plan.notes.append(f"highlight:{code}:asked")
        s.scopes = []
    else:  # every KPI measured there, that station's place among all of them
        plan.operation = "compare"
        s.scopes = [stations[0]]
        plan.notes += ["all_kpis", "vs:rest"]
    plan.notes = [n for n in plan.notes if not n.startswith(("wanted:", "pending:"))]
    plan.clarification = None
    return True


def rest_in_thread(q: str, plan: QueryPlan, prior: QueryPlan | None) -> bool:
    """In a thread: "and compared to the other stations?" after "how is <site> doing?" (the thread's station against
    the rest), and "what about on <KPI>?" after such an answer (that KPI, the same station)."""
    if prior is None or plan.subjects.services:
        return False
    was = next((n.split(":")[1] for n in prior.notes if n.startswith("highlight:") and n.endswith(":asked")), None)
    if was is None and "vs:rest" in prior.notes:
        was = next((x.code for x in prior.subjects.scopes if x.level == "station" and x.code), None)
    if was is None and VS_REST.search(q) and ("scopes" in plan.inherited
                                              or not any(x.level == "station" for x in plan.subjects.scopes)):
        was = next((x.code for x in prior.subjects.scopes if x.level == "station" and x.code), None)
        asked = False
    else:
        asked = was is not None and plan.kpis != prior.kpis and not VS_REST.search(q)
    if was is None or any(x.level == "station" and x.code != was for x in plan.subjects.scopes):
        return False
    if not any(x.level == "station" for x in plan.subjects.scopes):
        plan.subjects.scopes = [ScopeRef(level="station", code=was, name=None)]
    plan.follow_up = True
    return against_the_rest(q, plan, asked=asked)
