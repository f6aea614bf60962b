""""Is anything getting worse?", "any stations trending the wrong way?", "what's slipping at <site>?", "is anything
trending down?": no KPI named, a direction asked — every KPI series checked for a move that way
(``attention:moving_<worse|better|up|down>``), not "which KPI?" nor out of scope."""

from __future__ import annotations

import re

from agents.plan import QueryPlan
from agents.understanding.cues import _I, _INCIDENT_WORDS, _TICKETS
from agents.understanding.op_cues import _RANK_WHY

_WORSE = re.compile(r"\b(?:getting|got|gotten|going|grown|grow\w*|become|becoming|turn\w*)\s+worse\b|\bworsen\w*|"
                    r"\bdeteriorat\w*|\bslipp\w*|\bdeclin\w*|\bregress\w*|\bon\s+the\s+slide\b|\bgo\w*\s+downhill\b|"
                    r"\bgoing\s+backwards?\b|\b(?:trend\w*|going|moving|heading|headed)\s+(?:the\s+wrong\s+way|in\s+the\s+"
                    r"wrong\s+direction|badly|worse|negative\w*|south)\b", _I)
_BETTER = re.compile(r"\b(?:getting|got|gotten|going|become|becoming)\s+better\b|\bimproving\b|\b(?:trend\w*|going|"
                     r"moving|heading)\s+(?:the\s+right\s+way|in\s+the\s+right\s+direction|well|positive\w*)\b", _I)
_NOT_KPIS = re.compile(r"\b(?:mtt[adrf]|resol\w+|response\s+times?|on[- ]?call|pages?|paging|alerts?|deploy\w*|releases?|"
                       r"latency|errors?|p\d\d)\b", _I)  # incidents' times, services' metrics: not the KPIs
_BACK = re.compile(r"\b(?:it|its|they|them|those|these)\b|\b(?:that|this)\b(?!\s+(?:week|month|year|quarter|morning|"
                   r"afternoon|evening|weekend|fortnight)\b)", _I)  # "is it getting better?": the thread's subject
_UP_DOWN = re.compile(r"\b(?:trend\w*|going|creep\w*|drift\w*|heading|climb\w*)\s+(up|down)(?:wards?)?\b|"
                      r"\b(climbing|rising|falling|dropping)\b", _I)


def moving_asked(q: str, plan: QueryPlan, kpi_words: list[str]) -> bool:
    """Turn a question with no KPI and a direction into the every-series check (True when it did); not when words
    that may name a KPI it does not know are there too ("did dwell time start rising?": dwell time is unknown)."""
    s = plan.subjects
    if (kpi_words and not is_direction_word(" ".join(kpi_words))) or (plan.kpis or s.services or s.incidents or s.tickets or s.deployments or s.config_changes or s.commits
            or len(s.scopes) > 1 or plan.operation not in ("out_of_scope", "attention", "rank", "lookup", "explain")
            or _RANK_WHY.search(q) or _TICKETS.search(q) or _INCIDENT_WORDS.search(q) or _NOT_KPIS.search(q)
            or _BACK.search(q)):
        return False
    if _WORSE.search(q):
        how = "worse"
    elif _BETTER.search(q):
        how = "better"
    elif m := _UP_DOWN.search(q):
        word = (m.group(1) or m.group(2)).lower()
        how = "up" if word in ("up", "climbing", "rising") else "down"
    else:
        return False
    plan.operation = "attention"
    plan.group_by = plan.order = plan.limit = None
    plan.clarification = None
    plan.notes = [n for n in plan.notes if not n.startswith(("q:", "rank:"))] + [f"attention:moving_{how}"]
    return True


def is_direction_word(text: str) -> bool:
    """Whether what the linker could not place ("slipping", "trending the wrong way") is only the direction asked
    (not "slipping bike sales", where a KPI it does not know is named too)."""
    rest = _UP_DOWN.sub(" ", _BETTER.sub(" ", _WORSE.sub(" ", text)))
    return not re.sub(r"\b(?:is|are|anything|any|at|on|in|the)\b|\W", "", rest, flags=_I)


_GOAL_MISSED = re.compile(r"\b(?:missing|miss(?:es|ed)?|below|under|short\s+of|off|behind|not\s+(?:meeting|hitting|making|"
                          r"reaching|on))\s+(?:the\s+|their\s+|its\s+|our\s+)?(?:goals?|targets?)\b|"
                          r"\b(?:goals?|targets?)\s+(?:missed|not\s+met|we(?:'re|\s+are)\s+missing)\b", _I)


# "how long has it been below goal?", "is that under target?": the thread's one series, not every series
_ONE_SERIES = re.compile(r"\b(?:is|has|was|does|did|had)\s+(?:it|that|this)\b|\b(?:it|that)\s+(?:is|was|has|'s|’s)\b", _I)


def goal_missed_asked(q: str, plan: QueryPlan) -> bool:
    """"Which KPIs are missing their goal?", "what's below target?": with no KPI named, every series whose level
    misses its KPI's goal (``attention:goal``), signalled or not — not only the in-control ones beside the signals."""
    s = plan.subjects
    if (plan.kpis or s.services or s.incidents or s.tickets or len(s.scopes) > 1 or not _GOAL_MISSED.search(q) or _ONE_SERIES.search(q)
            or plan.operation not in ("out_of_scope", "attention", "rank", "lookup") or _TICKETS.search(q)):
        return False
    plan.operation = "attention"
    plan.group_by = plan.order = plan.limit = None
    plan.notes = [n for n in plan.notes if not n.startswith(("q:", "rank:", "goal_count:"))] + ["attention:goal"]
    return True
