""""What's our average time to resolve incidents?", "MTTR this month by priority", "how long do outages take to fix
on <service>?": how long incidents took to resolve (``incident_list`` with the note ``incident:resolve_time``, and
``incident:by:service|severity|month`` for a split, ``incident:trend`` for "is it getting worse?"), never the tickets' resolution times unless tickets are named."""

from __future__ import annotations

import re

from agents.plan import Operation, QueryPlan
from agents.understanding.catalog import Catalog
from agents.understanding.cues import _I, _INCIDENT_WORDS, _TICKETS

RESOLVE_TIME_NOTE = "incident:resolve_time"

# MTTR and its spelled-out forms: incidents' measure wherever tickets are not named
_MTTR = re.compile(r"\bmttr\b|\bmean\s+time\s+to\s+(?:resol\w*|recover\w*|restor\w*|repair\w*|fix\w*|"
                   r"clos\w*|mitigat\w*)", _I)
# a time to resolve said in other words: needs an incident word beside it
_RESOLVE_TIME = re.compile(r"\b(?:resolution|resolve|fix|repair|recovery|restore|restoration|mitigation|close|closure)\s+"
                           r"times?\b|\btime\s+(?:it\s+takes?\s+)?to\s+(?:resolv\w*|fix\w*|repair\w*|recover\w*|"
                           r"restor\w*|clos\w*|mitigat\w*)|\bhow\s+(?:long|fast|quickly)\b.*\b(?:resolv|fix|repair|"
                           r"recover|restor|clos|mitigat|sort)\w*|\b(?:fix|resolv|clos|restor|recover|repair)\w*\s+(?:them|"
                           r"incidents|outages|issues)\s+(?:fast|quick|slow)\w*", _I)
# the question is about many incidents: a statistic, a general "how long do …", plural incident words
_MANY = re.compile(r"\b(?:average|avg|mean|median|typical(?:ly)?|usual(?:ly)?|normally|generally|in\s+general|overall)\b|"
                   r"\bhow\s+(?:long|fast|quickly)\s+(?:do|does)\b|\b(?:incidents|outages|failures|disruptions|"
                   r"sev\s?[1-4]s|p[0-4]s)\b", _I)
# one incident named by words ("the checkout outage", "the last incident"): its own length, not a statistic
_ONE = re.compile(r"\b(?:the|this|that|last|latest|yesterday's|today's)\s+(?:[\w'-]+\s+){0,4}?(?:incident|outage|"
                  r"failure|disruption)\b", _I)
_PLURAL = re.compile(r"\b(?:incidents|outages|failures|disruptions|sev\s?[1-4]s|p[0-4]s)\b", _I)
# "is our MTTR getting worse?", "are we resolving incidents faster than before?": the months side by side, the last
# against the ones before
_TREND = re.compile(r"\b(?:getting|got|gotten|becoming|trending)\s+(?:any\s+)?(?:worse|better|longer|shorter|slower|"
                    r"faster|quicker)\b|\b(?:improv|deteriorat|trend)\w*|\b(?:changed|changing)\s+over\b|"
                    r"\b(?:worse|better|slower|faster|quicker|longer|shorter)\s+than\s+(?:before|it\s+was|they\s+were|"
                    r"last|previous|earlier)\b|\bover\s+time\b", _I)


def _split_by(nouns: str, *, more: str = "") -> re.Pattern[str]:
    """"by|per|each|split by|broken down by … <nouns>" (``more``: further forms of the same split)."""
    return re.compile(r"\b(?:by|per|for\s+each|each|every|across|split\s+by|broken\s+down\s+by)\s+(?:the\s+)?"
                      rf"(?:{nouns})\b{more}", _I)


# the split a time-to-resolve question asks for, by its note ("by service" only where no service is named)
_SPLITS = (("incident:by:month", _split_by(r"months?", more=r"|\bmonth\s+(?:by|on|over)\s+month\b|\bmonthly\b")),
           ("incident:by:severity", _split_by(r"priorit(?:y|ies)|severit(?:y|ies)|sev(?:erity)?\s*levels?|sevs?|"
                                              r"p-?levels?")),
           ("incident:by:service", _split_by(r"services?|systems?|components?|apps?|applications?")))
_SEVERITY = re.compile(r"\b(?:sev(?:erity)?|p|s)[ -]?([0-4])s?\b", _I)


def incident_time_asked(q: str, plan: QueryPlan, cat: Catalog) -> Operation | None:
    """"incident_list" (with the notes above) when ``q`` asks how long incidents take to resolve, else None."""
    if plan.kpis or plan.subjects.incidents or plan.subjects.tickets or _TICKETS.search(q):
        return None  # a KPI named "MTTR", one incident's length, or the tickets' resolution times
    if _ONE.search(q) and not _PLURAL.search(q):
        return None  # "how long did the checkout outage take to fix?": that incident's status and length
    if not (_MTTR.search(q) and (cat.incidents or cat.incident_refs)) and not (
            _RESOLVE_TIME.search(q) and _INCIDENT_WORDS.search(q) and _MANY.search(q)):
        return None
    plan.notes.append(RESOLVE_TIME_NOTE)
    if _TREND.search(q):
        plan.notes += ["incident:by:month", "incident:trend"]
    elif split := _split_asked(q, service_named=bool(plan.subjects.services)):
        plan.notes.append(split)
    plan.filters.severity = list(dict.fromkeys(f"sev{max(1, int(n))}" for n in _SEVERITY.findall(q)))
    plan.subjects.services = plan.subjects.services[:1]
    return "incident_list"


def _split_asked(q: str, *, service_named: bool = False) -> str | None:
    """The note of the split ``q`` asks for, if any."""
    return next((note for note, said in _SPLITS if said.search(q)
                 and not (service_named and note == "incident:by:service")), None)


def keep_resolve_time(plan: QueryPlan, prior: QueryPlan, question: str) -> None:
    """A follow-up to a time-to-resolve answer ("and by priority?", "what about last month?") asks the same of the
    split or period it names: the prior's notes kept, its split replaced by the one named."""
    if plan.operation != "incident_list" or RESOLVE_TIME_NOTE not in prior.notes or RESOLVE_TIME_NOTE in plan.notes:
        return
    if _TREND.search(question):
        plan.notes += [RESOLVE_TIME_NOTE, "incident:by:month", "incident:trend"]  # "and is it getting better?"
        return
    by = _split_asked(question) or next((n for n in prior.notes if n.startswith("incident:by:")), None)
    plan.notes += [RESOLVE_TIME_NOTE] + ([by] if by else [])
