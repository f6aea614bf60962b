"""Turns that only make sense against the thread's last plan (round 8): a correction ("no, I meant PHX", "sorry, MX
not ops", "I meant last month") re-asks the same question with the named part replaced — the same operation,
period and notes — "since when?" asks when the thread's KPI entered its current state and "compared to what?" its
normal range; "when was the worst day?" names that day (week, month) of the thread's KPI and site. Plain English
only."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan
from agents.understanding.catalog import Catalog

_I = re.IGNORECASE
_MEANT = re.compile(r"^\W*(?:no+|nope|sorry|oops|actually|wait|ah)?[\s,.!-]*(?:no+[\s,.!-]+)?"
                    r"(?:i\s+meant|i\s+mean|meant|make\s+(?:that|it)|i\s+said|i\s+was\s+asking\s+about|should\s+be)\s+"
                    r"(?P<new>.+?)(?:\s*,?\s+(?:not|instead\s+of|rather\s+than)\s+(?P<old>.+?))?\W*$", _I)
# "sorry, curtailment not inverter faults", "no, MRW rather than KX1": a short correction without "I meant"
_X_NOT_Y = re.compile(r"^\W*(?:no+|nope|sorry|oops|actually|wait|ah)[\s,.!-]+(?:no+[\s,.!-]+)?"
                      r"(?P<new>(?:[\w'’&/.-]+\s+){0,3}[\w'’&/.-]+?)\s*,?\s+(?:not|instead\s+of|rather\s+than)\s+"
                      r"(?P<old>.+?)\W*$", _I)
_SINCE_WHEN = re.compile(r"^\W*(?:and\s+|so\s+|ok(?:ay)?,?\s+)?(?:since\s+when|from\s+when|how\s+long\s+(?:has\s+(?:it|that|this)\s+"
                         r"been(?:\s+\w+)?|for)|when\s+did\s+(?:it|that|this)\s+(?:start|begin|happen))\W*$", _I)
_AGAINST_WHAT = re.compile(r"^\W*(?:and\s+|but\s+)?(?:compared\s+(?:to|with)|against|relative\s+to|vs\.?)\s+what\W*$|"
                           r"^\W*(?:and\s+)?what(?:'s|\s+is)\s+(?:normal|usual|typical)(?:\s+for\s+(?:it|that))?\W*$", _I)
_KPI_OPS = ("lookup", "explain", "compare", "rank", "attention")
# "when was the worst day?", "which week was best?", "what was the peak day?" after a KPI at a site: that day (week…)
_EXTREME = "worst|best|highest|lowest|busiest|quietest|peak"
_WHICH_DAY = re.compile(rf"^\W*(?:and\s+|so\s+|ok(?:ay)?,?\s+)?(?:(?:when|what)\s+(?:was|were|is)\s+(?:the|its|it['’]?s)\s+"
                        rf"(?P<w1>{_EXTREME})\s+(?P<u1>day|week|month)|(?:which|what)\s+(?P<u2>day|week|month|date)\s+"
                        rf"(?:was|were|is|had)\s+(?:(?:it|the)\s+)?(?P<w2>{_EXTREME})|when\s+(?:was|were)\s+(?:it|that|this)\s+"
                        rf"(?:at\s+its\s+)?(?P<w3>{_EXTREME})|(?:what\s+about\s+|(?:show|give|tell)\s+(?:me\s+|us\s+)?|(?:find|pull\s+up)\s+)?(?:the|its)\s+(?P<w4>{_EXTREME})\s+(?P<u4>day|week|month))\b(?:\s+(?:one|so\s+far|of\s+(?:them|it)))?\W*$", _I)


# "tl;dr", "in one sentence?", "summarise that", "give me the short version": the last answer again, its gist only
_BRIEF = re.compile(r"^\W*(?:ok(?:ay)?,?\s+|and\s+|so\s+|can\s+you\s+|could\s+you\s+|pls\s+|please\s+)?(?:tl;?\s?dr|"
                    r"(?:in\s+)?(?:one|a\s+single|1)\s+(?:sentence|line)|(?:summari[sz]e|sum\s+up|condense|shorten)"
                    r"(?:\s+(?:that|it|this|the\s+(?:answer|report)))?(?:\s+up)?(?:\s+(?:for\s+me|briefly))?|"
                    r"(?:give\s+me\s+|what['’]?s\s+|just\s+)?(?:the\s+)?(?:short|quick)\s+version|(?:give\s+me\s+)?the\s+gist|"
                    r"(?:in\s+)?short(?:er)?|briefly|keep\s+it\s+short|too\s+long(?:,?\s*didn['’]?t\s+read)?)"
                    r"(?:\s+(?:please|pls|thanks))?\W*$", re.I)


def thread_turn(question: str, cat: Catalog, today: dt.date, prior: QueryPlan | None) -> QueryPlan | None:
    """The plan of a correction or of "since when?" in a thread, or None (then the usual parse and merge)."""
    if prior is None or prior.operation in ("unknown", "out_of_scope", "clarify"):
        return None
    if _BRIEF.match(question):
        out = prior.model_copy(deep=True)  # the same question, its first line (a report: its summary)
        out.notes = [n for n in out.notes if n != "form:brief"] + ["form:brief"]
        out.follow_up, out.inherited = True, ["kpis", "scopes", "window", "subjects"]
        return out
    asked = "q:since" if _SINCE_WHEN.match(question) else "q:normal" if _AGAINST_WHAT.match(question) else None
    if asked and prior.kpis and prior.operation in _KPI_OPS:
        out = prior.model_copy(deep=True)
        out.operation, out.window = "lookup", None  # the current stage's start / range, whatever period was asked
        out.kpis = out.kpis[:1]
        out.notes = [n for n in out.notes if not n.startswith(("q:", "yesno"))] + [asked]
        out.follow_up, out.inherited = True, ["kpis", "scopes"]
        return out
    if (d := _WHICH_DAY.match(question)) and prior.kpis and prior.operation in _KPI_OPS and len(prior.subjects.scopes) <= 1:
        word = d.group("w1") or d.group("w2") or d.group("w3") or d.group("w4")
        unit = (d.group("u1") or d.group("u2") or d.group("u4") or "day").lower().replace("date", "day")
        out = prior.model_copy(deep=True)
        out.operation, out.kpis, out.group_by, out.order = "lookup", out.kpis[:1], None, None
        out.notes = [n for n in out.notes if not n.startswith(("q:", "yesno", "day:"))]
        out.notes += [f"q:extreme_{word.lower()}", f"q:extreme_unit_{unit}"] + ([f"day:{word.lower()}"] if unit == "day" else [])
        out.follow_up, out.inherited = True, ["kpis", "scopes", "window"]
        return out
    m = _MEANT.match(question) or _X_NOT_Y.match(question)
    if m is None:
        return None
    from agents.understanding.parser import parse  # (the parser's modules do not import this one)

    new = parse(m.group("new"), cat, today)
    s, out = new.subjects, prior.model_copy(deep=True)
    changed: list[str] = []
    stations = [x for x in s.scopes if x.level in ("station", "region")]
    if stations:
        keep = [x for x in out.subjects.scopes if x.level not in ("station", "region")]
        if len(out.subjects.scopes) > 1 and len(stations) == 1:  # "no, PHX" in a comparison: the one replaced
            old = parse(m.group("old"), cat, today).subjects.scopes if m.group("old") else []
            drop = {x.code for x in old} or {out.subjects.scopes[-1].code}
            keep = [x for x in out.subjects.scopes if x.code not in drop]
        out.subjects.scopes = [*keep, *stations]
        changed.append("scopes")
    if new.kpis and prior.kpis:
        out.kpis = [*new.kpis[:1], *prior.kpis[1:]] if len(prior.kpis) > 1 and len(new.kpis) == 1 else list(new.kpis)
        changed.append("kpis")
    if s.services and prior.subjects.services:
        out.subjects.services = list(s.services)
        changed.append("services")
    if new.window is not None and new.window.explicit:
        out.window = new.window
        changed.append("window")
    if not changed:
        return None
    out.follow_up, out.inherited = True, [f"corrected: {', '.join(changed)}"]
    return out
