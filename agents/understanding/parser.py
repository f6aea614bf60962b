"""Question → :class:`QueryPlan` for the offline provider (and the hint and fallback for a model's plan)."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import (
    Clarification,
    Operation,
    QueryPlan,
    ScopeRef,
    ServiceMetric,
    Subjects,
    TicketText,
    UnknownName,
)
from agents.understanding.asks import _TICKET_TOPIC, _TICKETS_LIKE, _TWO_PERIODS, annotate
from agents.understanding.catalog import Catalog, fold
from agents.understanding.cues import (
    _ACTION,
    _ATTENTION,
    _BLAME,
    _CHANGELOG,
    _CHART,
    _CLASSIFY,
    _COMPANY,
    _COMPARE,
    _COUNT,
    _DEPENDS,
    _I,
    _INCIDENT_WORDS,
    _LATEST,
    _PLACE,
    _PLACE_NOUN,
    _RANK,
    _REPORT,
    _ROLE,
    _STATUS,
    _TICKETS,
    _TOPN,
    _WHY,
    _WORDN,
    _pasted_ticket,
    _ticket_filters,
)
from agents.understanding.excluding import (
    excluded_codes,
    not_a_kpi_of,
    qualified_weak_kpi,
    region_stations_ranked,
    split_excluded,
)
from agents.understanding.hints import ODD, WEEKDAYS, cue_text, fullness_kpi, metric_words
from agents.understanding.linking import Links, link
from agents.understanding.lookups import (
    _commit_by_words,
    _incident_by_words,
    _incident_of_service,
)
from agents.understanding.ticket_values import unknown_ticket_values
from agents.understanding.timewords import TimeParse, parse_time

_CHANGE_WORDS = re.compile(r"\b(deploy\w*|releases?|released|rollouts?|rolled\s+out|rollbacks?|roll(?:ed|ing|s)?\s+back|"
                           r"(?:chang|touch|edit|modif|tweak|updat)\w*\s+(?:the\s+|any\s+|its\s+)?config\w*|"
                           r"config(?:uration)?\s+changes?|commits?|depend\w*|"
                           r"(?:chang|touch|edit)\w*\s+(?:the\s+)?(?:most|more)\s+config\w*|"
                           r"what\s+(?:did|has|have)\s+[a-z][\w.@-]*\s+(?:chang|deploy|push|ship|releas|touch|roll)\w*)\b", _I)
# "what changed yesterday?", "anything changed this morning?", "any changes on Thursday?": the org-wide change log
_ORG_CHANGED = (r"\b(?:what|anything|something)\s+(?:has\s+|got\s+|was\s+|were\s+)?changed\b|"
                r"\b(?:which|what)\s+services?\s+(?:have\s+|has\s+|were\s+|was\s+|got\s+)?(?:been\s+)?"
                r"(?:changed|deployed|released|updated|touched)\b|\b(?:most|more|fewest|busiest)\s+(?:changes|deploy\w*|releases)\b|"
                r"\b(?:did|has)\s+anything\s+(?:been\s+)?chang\w*|"
                r"\b(?:any|which|what|all(?:\s+the)?|list(?:\s+the)?)\s+changes\b")


# "<service> alloc failures jumped": a service's metric moved (explained from its onset), not a list of incidents
_MOVED = re.compile(r"\b(jump\w*|spik\w*|surg\w*|r[io]se|rising|went\s+up|increas\w*|climb\w*|doubl\w*|tripl\w*)\b", _I)
_NOW = re.compile(r"\b(?:right\s+now|currently|at\s+the\s+moment|at\s+present|presently|as\s+(?:of|things\s+stand)\s+"
                  r"(?:now|today)|as\s+it\s+stands)\b", _I)
# "… and why?", "what's behind it": a ranking question that also asks for the reason ("worst" alone does not)
_RANK_WHY = re.compile(r"\bwhy\b|\bwhat(?:'s|\s+is)\s+behind\b|\bexplain\b|\breasons?\b|\bcaus\w*|\bwhat\s+happened\b", _I)


def _change_kinds(q: str) -> list[str]:
    """Which kinds of change an org-wide change question asks about, as plan notes (both when it says "changes")."""
    deploys = re.search(r"\b(deploy\w*|releas\w*|rollouts?|rolled\s+out|rollbacks?|roll(?:ed|ing|s)?\s+back|shipped)\b", q, _I)
    configs = re.search(r"\bconfig\w*|\bsettings?\b|\bparameters?\b", q, _I)
    if bool(deploys) == bool(configs):
        return []
    return ["kinds:deployment" if deploys else "kinds:config_change"]


def _scopes(links: Links, cat: Catalog, q: str) -> list[ScopeRef]:
    out = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in links.stations]
    out += [ScopeRef(level="region", code=c, name=cat.regions.get(c)) for c in links.regions]
    if _COMPANY.search(q) and (not out or _COMPARE.search(q)):
        out.append(ScopeRef(level="company", name="company"))
    return out


def parse(question: str, cat: Catalog, today: dt.date) -> QueryPlan:
    """One question → one plan (follow-ups are merged by :func:`agents.understanding.followup.merge`)."""
    blanked, out_stations, out_regions = split_excluded(question, cat)
    if out_stations or out_regions:  # "top 3 stations by X excluding <site>": ranked without the places left out
        plan = _parse(blanked, cat, today)
        if plan.operation in ("rank", "explain") and plan.group_by and (
                codes := excluded_codes(out_stations, out_regions, cat, plan.group_by)):
            plan.notes.append("exclude:" + ",".join(codes))
            return plan
    return _parse(question, cat, today)


def _parse(question: str, cat: Catalog, today: dt.date) -> QueryPlan:
    q = question.strip()
    tp = parse_time(q, today)
    links = link(tp.text, cat)
    qualified_weak_kpi(links, cat)  # "fleet availability at <site>": not the KPI whose name has "availability"
    subjects = Subjects(services=links.services, incidents=links.incidents, tickets=links.tickets,
                        deployments=links.deployments, config_changes=links.config_changes, commits=links.commits)
    subjects.scopes = _scopes(links, cat, q)
    kpis = list(links.kpis)
    if (not kpis and len(links.weak_kpis) == 1 and len(links.weak_kpis[0]) == 1
            and (links.stations or links.regions or links.maybe_unknown or links.ambiguous or _RANK.search(q)
                 or _COMPANY.search(q) or re.search(r"\b(?:the\s+)?(?:whole\s+)?company\b", q, _I)
                 or (_HOW_DOING.search(q) and not links.services)  # "how are we doing on effluent?"
                 or len(re.findall(r"\w+", q)) <= 2)):  # the question is that word ("bursts?")
        kpis = list(links.weak_kpis[0])
    if not kpis and (full := fullness_kpi(q, cat)):
        kpis = [full]  # "how full is the main campus": its occupancy
    plan = QueryPlan(operation="out_of_scope", subjects=subjects, kpis=kpis, window=tp.window)
    if tp.relative:
        plan.notes.append(f"relative:{tp.relative}")
    if tp.grain and tp.window is None:
        plan.notes.append(f"grain:{tp.grain}")
    plan.chart = bool(_CHART.search(q))
    plan.service_metrics = [ServiceMetric(role=role) for role, rx in _ROLE if rx.search(q)] if links.services else []
    if links.services:  # a metric named as the organisation stores it ("p99_ms", "error_rate")
        for name in re.findall(r"(?<![\w-])([a-z][a-z0-9]*_[a-z0-9_]+)(?![\w-])", q):
            role = next((r for r, rx in _ROLE if rx.search(name.replace("_", " "))), None)
            plan.service_metrics = [m for m in plan.service_metrics if m.role != role] + [ServiceMetric(role=role, name=name)]
    if links.services and not plan.service_metrics and (named := metric_words(tp.text, links.services)):
        plan.service_metrics = [ServiceMetric(name=named)]  # "ehr gateway nack ratio jumped": the tool finds the name
    op = _operation(cue_text(q, kpis, cat), plan, links, cat, tp)
    plan.operation = op
    op = plan.operation = annotate(cue_text(q, kpis, cat), plan, cat, today)  # what a yes/no, "since when", "who most"… question asks
    if (op == "lookup" and not any(n.startswith("day:") for n in plan.notes)
            and (m := re.search(r"\b(worst|best|highest|lowest|peak)\s+(?:single\s+)?day\b", q, _I))):
        plan.notes.append(f"day:{m.group(1).lower()}")  # "what was the worst day for lates this month": that day named
    if op == "lookup" and plan.kpis and re.search(r"\btrend(?:s|ing)?\b", q, _I):
        plan.notes.append("trend")  # "how is X trending at <site>": a steady drift named, or none
    if op in ("lookup", "explain") and plan.kpis and WEEKDAYS.search(q):
        plan.notes.append("dow")  # "why is discharge before noon so bad on weekends?": weekdays against weekends
    if op in ("rank", "compare", "lookup") and plan.window is None and _NOW.search(q):
        plan.notes.append("now")  # "right now": the state, which for a stock-like KPI is its latest value
    unknown = list(links.unknown)
    if plan.subjects.commits and op == "changelog":  # "the MQTT ack batching commit": MQTT is a word of its message
        said = " ".join(cat.commit_messages.get(c, "") for c in plan.subjects.commits).lower()
        unknown = [u for u in unknown if not (u.kind == "station" and u.text.lower() in said)]
    if op in ("lookup", "explain", "compare", "rank", "attention", "report") or (op == "out_of_scope" and kpis):
        unknown += links.maybe_unknown
    if op in ("ticket_classify", "ticket_similar", "runbook_search", "ticket_search") and plan.ticket_text is not None:
        unknown = [u for u in unknown if u.kind in ("ticket",)]
        plan.subjects, plan.kpis, plan.service_metrics = Subjects(), [], []  # the pasted text is data, not names
    if op == "ticket_stats":
        unknown = [u for u in unknown if u.kind not in ("station",)]
    if op in ("ticket_stats", "ticket_search"):
        unknown += unknown_ticket_values(q)  # "gold tier", "P7 tickets": not values tickets have
    if (op == "attention" and not _ATTENTION.search(q) and links.kpi_words and not links.weak_kpis
            and not any(u.kind == "KPI" for u in unknown)):
        names = {n.lower(): c for c, v in cat.kpis.items() for n in v[:1]} | {c.lower(): c for c in cat.kpis}
        text = " ".join(links.kpi_words)
        from agents.understanding.linking import _suggest

        unknown.append(UnknownName(kind="KPI", text=text, suggestions=_suggest(text, names)))
    if op == "out_of_scope" and _CHANGELOG.search(q) and not unknown:
        for word in re.findall(r"(?<![\w-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![\w-])", q.lower()):
            if word not in cat.services and not re.fullmatch(r"[a-z]+-\d+", word):
                from agents.understanding.linking import _suggest

                unknown.append(UnknownName(kind="service", text=word,
                                           suggestions=_suggest(word, {x.lower(): x for x in cat.services})))
                break
    if op == "attention" and not unknown and (asked := not_a_kpi_of(q, cat)):
        unknown.append(asked)  # "what's the weather in <site>?": a thing the data does not have, said so
    if unknown:
        plan.unknown = unknown
        if op not in ("out_of_scope", "clarify", "unknown"):
            wanted = "lookup" if op == "attention" and any(u.kind == "KPI" for u in unknown) else op
            plan.notes.append(f"pending:{wanted}")  # "I meant <station>" then answers the question that was asked
        plan.operation = "unknown"
        return plan
    if links.ambiguous and links.ambiguous[0][0] == "station" and plan.kpis and not links.stations and cat.kpi_stations:
        reporting = [c for c in links.ambiguous[0][2] if cat.unmeasured(plan.kpis[0], c) is None]
        if len(reporting) == 1:  # "ed wait at kingston": of the Kingston sites, only the one that reports it
            plan.subjects.scopes.insert(0, ScopeRef(level="station", code=reporting[0], name=cat.stations.get(reporting[0])))
            links.stations.append(reporting[0])
            links.ambiguous = links.ambiguous[1:]
    several = bool(links.ambiguous and links.ambiguous[0][0] == "station" and len(links.ambiguous[0][2]) >= 2
                   and not links.stations and re.search(
                       rf"\b(?:all|every|each|both)\s+(?:of\s+)?(?:the\s+|our\s+)?{re.escape(links.ambiguous[0][1])}|"
                       rf"\b{re.escape(links.ambiguous[0][1])}s\b", fold(q), _I))
    if links.ambiguous and links.ambiguous[0][0] == "station" and len(links.ambiguous[0][2]) >= 2 and not links.stations and (
            (plan.kpis and (op in ("rank", "compare") or (op == "lookup" and several)))
            or op == "attention"):  # "anything to worry about in <a city two sites share>": both
        # "which reservoir had the most bursts", "anything wrong at the reservoirs?": the places that word names
        plan.subjects.scopes = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in links.ambiguous[0][2]]
        plan.operation = "attention" if op == "attention" else "compare"
        if op == "rank" and _RANK_WHY.search(q):  # "which fc is worst on X and why": those compared, the worst explained
            plan.operation, plan.group_by, plan.order = "explain", "station", plan.order or "worst"
        return plan
    if links.ambiguous and op not in ("ticket_classify",):
        kind, text, cands = links.ambiguous[0]
        labels = [f"{c} ({cat.stations[c]})" if kind == "station" and c in cat.stations else c for c in cands]
        if op in ("rank", "compare", "lookup", "explain", "attention"):
            plan.notes.append(f"wanted:{'lookup' if op == 'attention' else op}")
        plan.clarification = Clarification(kind=kind, candidates=cands,
                                           question=f"“{text}” matches several {kind}s: {', '.join(labels)}. Which one did you mean?")
        plan.operation = "clarify"
        return plan
    if op in ("lookup", "explain", "compare", "report") and plan.kpis and (missing := _not_measured(plan, cat)):
        return missing
    asks_kpi = op in ("rank", "compare", "lookup", "explain") or (op == "attention" and not _ATTENTION.search(q))
    if op in ("rank", "compare", "lookup", "explain", "attention") and not plan.kpis and not any(
            n.startswith("wanted:") or n == "all_kpis" for n in plan.notes):
        plan.notes.append(f"wanted:{'lookup' if op == 'attention' else op}")  # a follow-up fills the KPI from the thread instead of asking
    if asks_kpi and not plan.kpis and links.weak_kpis and not plan.subjects.services:
        cands = list(dict.fromkeys(c for group in links.weak_kpis for c in group))  # every KPI a word named
        plan.clarification = Clarification(kind="KPI", candidates=cands, question=(
            "Which KPI do you mean: " + ", ".join(f"{c} ({cat.kpis[c][0]})" for c in cands if c in cat.kpis) + "?"))
        plan.operation = "clarify"
    elif op in ("rank", "compare") and not plan.kpis and "all_kpis" not in plan.notes:
        verb = "Rank" if op == "rank" else "Compare"
        plan.clarification = Clarification(kind="KPI", candidates=list(cat.kpis), question=(
            f"{verb} by which KPI? " + ", ".join(f"{v[0]} ({c})" for c, v in list(cat.kpis.items())[:8])))
        plan.operation = "clarify"
    return plan


def _operation(q: str, plan: QueryPlan, links: Links, cat: Catalog, tp: TimeParse) -> Operation:
    s = plan.subjects
    if _ACTION.search(q):
        return "out_of_scope"  # read-only: actions (deleting, booking, deploying…) are not something it does
    if re.search(r"\bon[- ]?call\b|\bpager\s*duty\s+rota\b|\bwho\s+(?:owns|is\s+responsible\s+for)\b", q, _I) and not plan.kpis:
        return "out_of_scope"  # "who is on call for <service>?": people and rotas are not in the data
    if _RUNBOOK.search(q) and not s.tickets and not _REPORT.search(q):
        topic = " ".join(_RUNBOOK_WORDS.sub(" ", _RUNBOOK.sub(" ", q)).split()).strip(" ?.!\"'“”:") or q
        plan.ticket_text = TicketText(subject=topic[:200], content=q)
        return "runbook_search"  # "find the runbook for a burst main": the organisation's runbooks, by meaning
    # Ticket text to classify is data: read it first and never look for names in it.
    if _CLASSIFY.search(q) and not s.tickets:
        plan.ticket_text = _pasted_ticket(q)
        if plan.ticket_text or re.fullmatch(r"\W*(?:please\s+)?\w+(?:\s+(?:this|the|a|my))?(?:\s+ticket)?\s*[:\-–]?\s*", q, _I):
            return "ticket_classify"  # with no text, the triager asks for it
    if _REPORT.search(q):
        if not s.incidents and (_INCIDENT_WORDS.search(q) or s.services):
            s.incidents = _incident_by_words(q, cat, tp, s.services)
        plan.report_kind = "incident" if s.incidents else "investigation" if plan.kpis else None
        return "report"
    if s.tickets:
        if _TICKETS_LIKE.search(q) and not re.search(r"\bsuggest\w*\b|\breply\b|\brespond\b|\banswer\b", q, _I):
            s.tickets = s.tickets[:1]  # "tickets like KD-1", "find tickets similar to KD-1": the org's tickets, by example
            return "ticket_search"
        if re.search(r"\bsimilar\b|\blike this\b|\bsuggest\w*\b|\breply\b|\brespond\b", q, _I):
            return "ticket_similar"
        if re.search(r"\bsla\b|\bbreach|\bdeadline|\bdue\b|\boverdue|\bat[- ]risk", q, _I) and not re.search(r"classif|triage", q, _I):
            return "ticket_sla"
        return "ticket_classify"
    if not s.commits and re.search(r"\bcommits?\b", q, _I) and (found := _commit_by_words(q, cat)):
        s.commits = found  # "was the retry-backoff commit deployed?"
    if (s.deployments or s.config_changes) and plan.kpis and re.search(r"\b(?:reason|caus\w*|because|behind|why|"
                                                                       r"explain\w*|responsible|blame\w*)\b", q, _I):
        return "explain"  # "was the STOCK_SYNC change the reason fill rate dropped?": the KPI's changes ranked
    if s.deployments or s.config_changes or s.commits:
        return "changelog"
    if s.services and not s.incidents and _CHANGELOG.search(q) and not re.search(
            r"\bbefore\b.*\b(jump|spik|drop|r[io]se|fell|went)|\bchang\w*\b.*\bbefore\b", q, _I) \
            and not _BLAME.search(q):
        plan.include_dependencies = bool(_DEPENDS.search(q))
        return "changelog"
    if (not s.services and not plan.kpis and not s.scopes and not s.incidents and not s.tickets
            and (_CHANGE_WORDS.search(q) or re.search(_ORG_CHANGED, q, _I))
            and not _INCIDENT_WORDS.search(q) and not _TICKETS.search(q)):
        plan.include_dependencies = bool(_DEPENDS.search(q))
        if not _CHANGE_WORDS.search(q):
            plan.notes.append("changes:any")  # "what changed …": in a thread about something, about that (merge)
        if plan.window and plan.window.explicit and not _DEPENDS.search(q):
            plan.notes += _change_kinds(q)  # "which deploys happened on Thursday?": all services, that window
            return "changelog"
        plan.notes.append("wanted:changelog")
        plan.clarification = Clarification(kind="service", candidates=list(cat.services), question=(
            "Which service? " + ", ".join(cat.services[:15]) + ("…" if len(cat.services) > 15 else "")))
        return "clarify"
    if (not s.incidents and not plan.kpis and not _TICKETS.search(q)
            and (m := re.search(r"\b(?:p|sev)\s?([1-4])s\b", q, _I))):  # "any open P1s?": paged incidents of that severity
        plan.filters.severity = [f"sev{m.group(1)}"]
        plan.filters.status = ["open", "mitigated"] if re.search(r"\b(open|ongoing|still|active|unresolved)\b", q, _I) else []
        plan.count = bool(_COUNT.search(q))
        return "incident_list"
    if not s.incidents and _INCIDENT_WORDS.search(q) and not plan.kpis and not (s.services and _MOVED.search(q)):
        plural = re.search(r"\b(incidents|outages|failures|sev ?[1-4]s|p[0-4]s)\b", q, _I) and not re.search(
            r"\bthe\s+\w+\s+failures\b", q, _I)
        if ((plural and not re.search(r"\bwhat caused the\b", q, _I))
                or re.search(r"\b(which|list|any|how many|all)\b.*\b(incident|outage|sev)", q, _I)
                or _COUNT.search(q) or re.search(r"\bstill\s+(?:broken|down|failing)|what(?:'s| is)\s+(?:broken|down)", q, _I)):
            plan.filters.status = ["open", "mitigated"] if re.search(r"\b(open|ongoing|still|active|unresolved|broken|down)\b", q, _I) else (
                ["resolved"] if re.search(r"\bresolved\b", q, _I) else [])
            plan.filters.severity = list(dict.fromkeys(  # "sev2", "SEV-1", "P1 incidents" (P0 is the worst: sev1)
                f"sev{max(1, int(n))}" for n in re.findall(r"\b(?:sev(?:erity)?|p|s)[ -]?([0-4])s?\b", q, _I)))
            plan.count = bool(_COUNT.search(q))
            return "incident_list"
        s.incidents = _incident_by_words(q, cat, tp, s.services)
        if not s.incidents and _LATEST.search(q):
            plan.limit = 1  # incidents are listed latest first
            return "incident_list"
        if not s.incidents:
            if re.search(r"\b(?:is|are)\s+there\b.*\b(?:open|ongoing|active|unresolved)\b|"
                         r"\b(?:open|ongoing|active|unresolved)\s+(?:incident|outage)", q, _I):
                plan.filters.status = ["open", "mitigated"]  # "is there an open incident right now?"
            return "incident_list"
    if s.incidents:
        if _STATUS.search(q) and not re.search(r"\bcaus|\bwhy\b|\broot\b", q, _I):
            return "incident_status"
        if re.search(r"\bcaus|\bwhy\b|\broot\b|\bchang\w*|\bbehind\b|\bexplain|\bbefore\b|\bled to\b", q, _I):
            return "incident_cause"
        return "incident_status"
    if (m := _TICKET_TOPIC.search(q)) and not plan.kpis:
        tm = _TICKET_TOPIC.search(tp.text)  # the topic without its time words ("… about login this week")
        topic = " ".join((tm or m).group(1).split()).strip(" ?.!\"'“”")
        topic = re.sub(r"^(?:this|these|that|the\s+following)(?:\s+one)?\s*[:\-–]\s*", "", topic, flags=_I) or topic
        tail = re.search(r"\s+(?:that|which|who)?\s*(?:are|is|were|was)\s+(?:still\s+|now\s+)?(?:open|pending|new|"
                         r"resolved|closed|unresolved|waiting)\b.*$|\s+(?:for|from)\s+(?:enterprise|business|standard|"
                         r"free)\s+(?:customers?|tier|accounts?)\b.*$", topic, _I)
        if tail:  # "tickets mentioning invoices that are still open": a status, not words of the topic
            topic = topic[: tail.start()].strip() or topic
        plan.ticket_text = TicketText(subject=topic[:200], content=topic)
        plan.subjects = Subjects()
        plan.filters = _ticket_filters(q[: m.start(1)] + (" " + tail.group(0) if tail else ""))  # "open tickets about …"
        plan.count = bool(_COUNT.search(q))
        return "ticket_search"  # "show me tickets about VPN": the organisation's tickets on that topic
    if _TICKETS.search(q) and not plan.kpis:
        plan.filters = _ticket_filters(q)
        plan.count = bool(_COUNT.search(q))
        if re.search(r"\bmet\b|\bcompliance\b|\b(?:meeting|hitting|making|missing)\b.*\bslas?\b|"
                     r"\b(?:sla|response|resolution|hit|attainment|success)\s+rate\b|"
                     r"\bon[- ]time\b|\bpercent|%", q, _I):
            plan.rate = "sla_resolution" if plan.filters.sla_clock == "resolution" else "sla_response"
        return "ticket_stats"
    if s.services and not plan.kpis and s.scopes and not plan.service_metrics and not _WHY.search(q) and links.kpi_words:
        return "attention"  # "basket abandonment rate at <site>": a metric it does not have, named with a service's word
    if s.services and not plan.kpis:
        if not plan.service_metrics and (inc := _incident_of_service(q, cat, s.services)):
            s.incidents = [inc]  # "what caused the lab results delay": an incident's title, not a metric
            return "incident_cause" if _WHY.search(q) else "incident_status"
        return "explain"
    if plan.kpis or s.scopes:
        if region_stations_ranked(q, plan, cat):
            return "rank"  # "compare OTP across all central stations": the stations of that region, ranked
        if len(s.scopes) >= 2 or (_COMPARE.search(q) and len(s.scopes) >= 1 and re.search(r"\b(compan|overall|network)", q, _I)):
            return "compare"
        if plan.kpis and re.search(r"\b(?:in\s+)?total\b|\baltogether\b|\bcombined\b|\bsum\s+of\b", q, _I) and re.search(
                rf"\b(?:all|every|each)\s+(?:the\s+|our\s+|of\s+the\s+)?{_PLACE}\b", q, _I) and not s.scopes[1:]:
            s.scopes = s.scopes or [ScopeRef(level="company", name="company")]  # "how many X in total across all stations"
            return "lookup"
        if plan.kpis and (m := re.search(rf"\b(?:all|every|each)\s+(?:the\s+|our\s+|of\s+the\s+)?({_PLACE})\b", q, _I)):
            s.scopes = [x for x in s.scopes if x.level == "region"]  # "at all stations": each one, ranked
            plan.group_by = "region" if re.match(r"(region|route|area|zone)", m.group(1), _I) else "station"
            plan.order = "worst"
            plan.limit = max(1, min(len(cat.stations if plan.group_by == "station" else cat.regions), 1000))
            return "rank"
        if plan.kpis and not s.scopes and ODD.search(q):  # "anything weird with falls": the worst site, explained
            plan.group_by, plan.order, plan.limit = "station", "worst", 1
            return "explain"
        if plan.kpis and _OK_EVERYWHERE.search(q) and not (s.scopes and s.scopes[0].level == "station"):
            return "attention"  # "is fleet availability ok everywhere?", "which stations are below goal": each checked
        if plan.kpis and _RANK.search(q) and len(s.scopes) <= 1 and not (s.scopes and s.scopes[0].level == "station"):
            op = _rank(q, plan, cat)
            if plan.limit == 1 and _RANK_WHY.search(q):
                return "explain"  # "which site is worst on X and why?": the ranking, then the worst one explained
            return op
        if not plan.kpis and len(s.scopes) == 1 and tp.window is not None and _TWO_PERIODS.match(tp.window.label):
            plan.notes.append("all_kpis")  # "dallas this week vs the week before": every KPI there, period on period
            return "compare"
        if not plan.kpis:
            if _RANK.search(q) and not s.scopes:
                return _rank(q, plan, cat)
            if re.match(r"\W*who(?:'s|\s+is|\s+are|\s+was)?\b", q, _I) and not _ATTENTION.search(q):
                return "out_of_scope"  # "who is on call at <site>?": people are not in the data
            if (_RANK_WHY.search(q) or re.search(r"\bwhat(?:'s|\s+has|\s+is)?\s+changed\b", q, _I)) and len(
                    s.scopes) == 1 and s.scopes[0].level == "station" and not s.services:
                plan.notes.append("explain:flagged")  # "how is <site> doing and why?": what is flagged there, explained
                return "explain"
            return "attention"
        if _WHY.search(q) and not (_COUNT.search(q) and not _RANK_WHY.search(q)):  # "how many patients fell": a count
            return "explain"
        return "lookup"
    if _WHY.search(q) and tp.window is not None and not _TICKETS.search(q):
        on_day = [r.external_id for r in cat.incident_refs if tp.window.start <= r.started <= tp.window.end]
        if len(on_day) == 1:  # "what broke on November 12"
            s.incidents = on_day
            return "incident_cause"
        if on_day:
            return "incident_list"
    if _RANK.search(q) and re.search(rf"\b{_PLACE}\b", q, _I):
        return _rank(q, plan, cat)
    if _COMPARE.search(q) and re.search(rf"\b{_PLACE_NOUN}s\b", q, _I):
        return "compare"  # "compare the hospitals": on which KPI is asked next
    if _ATTENTION.search(q) or re.search(r"\b(kpis?|dashboard)\b", q, _I) or (_OVERVIEW.search(q) and not (
            s.services or s.incidents or s.tickets or _TICKETS.search(q) or _INCIDENT_WORDS.search(q))):
        return "attention"  # "a one-liner on how the company is doing", "summarise the week for the execs"
    return "out_of_scope"


def _not_measured(plan: QueryPlan, cat: Catalog) -> QueryPlan | None:
    """A KPI asked at a station that does not report it (a sewage plant has no supply availability): say so and ask
    which of the stations that do report it was meant, instead of an empty series."""
    kpi = plan.kpis[0]
    for scope in plan.subjects.scopes:
        if scope.level != "station" or not scope.code or (where := cat.unmeasured(kpi, scope.code)) is None:
            continue
        name = cat.kpis.get(kpi, [kpi])[0]
        here = f"{scope.code} ({cat.stations.get(scope.code, scope.code)})"
        if not where:
            question = f"There is no {name} data at {here} (nor anywhere else yet)."
        else:
            listed = ", ".join(f"{c} ({cat.stations.get(c, c)})" for c in where[:12]) + ("…" if len(where) > 12 else "")
            question = f"There is no {name} data at {here}; it is reported at {listed}. Which one did you mean?"
        plan.notes.append(f"pending:{plan.operation}")
        plan.subjects.scopes = [x for x in plan.subjects.scopes if x is not scope]
        plan.clarification = Clarification(kind="station", candidates=list(where), question=question)
        plan.operation = "clarify"
        return plan
    return None


_HOW_DOING = re.compile(r"\bhow\s+(?:is|are|was|were|did|has|have)\b.*\b(doing|going|looking|perform\w*|trend\w*)\b|"
                        r"\b(?:doing|performing)\s+(?:on|with)\b|\btrends?\b", _I)
_RUNBOOK = re.compile(r"\b(run\s?books?|playbooks?|sops?|standard operating procedures?|procedures?\s+(?:for|to|when|on)|"
                      r"how\s+(?:do|should|can)\s+(?:i|we)\s+(?:handle|deal\s+with|respond\s+to|fix|troubleshoot)|"
                      r"what\s+(?:do|should)\s+(?:i|we)\s+do\s+(?:when|if|about))\b", _I)
_RUNBOOK_WORDS = re.compile(r"\b(find|show|give|get|me|the|a|an|is|there|any|which|what|our|for|to|about|on|please|"
                            r"run\s?books?|playbooks?|sops?|procedures?|documents?|docs?)\b", _I)


_OVERVIEW = re.compile(r"\bone[- ]?liner\b|\b(?:summar(?:y|ise|ize)|overview|rundown|recap|snapshot|tl;?dr|briefing|"
                       r"status\s+(?:report|update))\b|\bhow\s+(?:is\s+|are\s+)?(?:the\s+)?(?:company|business|"
                       r"operation|ops|we|things|everything)\s+(?:is\s+|are\s+)?(?:doing|going|looking|performing)\b", _I)
_OK_EVERYWHERE = re.compile(r"\b(?:ok|okay|fine|healthy|on\s+(?:target|track))\s+(?:everywhere|across|at\s+all|in\s+all|"
                            r"for\s+all)\b|\b(?:below|under|above|over|short\s+of|missing|off|behind|meeting|"
                            r"miss(?:es|ed)?)\s+(?:the\s+|its\s+|our\s+|their\s+)?(?:[\w.%-]+\s+){0,4}(?:goal|target)s?\b", _I)


def _rank(q: str, plan: QueryPlan, cat: Catalog) -> Operation:
    plan.group_by = "region" if re.search(r"\b(regions?|routes?|areas?|zones?|divisions?)\b", q, _I) else "station"
    if plan.group_by == "region" and any(x.level == "region" for x in plan.subjects.scopes) and re.search(
            rf"\b(?!regions?\b|routes?\b|areas?\b|zones?\b){_PLACE}\b", q, _I):
        plan.group_by = "station"  # "top station for X in the east region": its stations, not the regions
    if plan.subjects.scopes and plan.subjects.scopes[0].level == "region" and plan.group_by == "station":
        pass  # stations within that region
    low = q.lower()
    higher_better = cat.kpi_higher_is_better.get(plan.kpis[0], True) if plan.kpis else True
    if re.search(r"\bworst\b|\bbottom\b|\bweakest\b|\bpoorest\b|\b(?:biggest|largest|most)\s+(?:drop|decline|fall|"
                 r"deterioration|increase in|jump in|rise in|spike in)\b", low):
        plan.order = "worst"
    elif re.search(r"\bbest\b|\bstrongest\b", low):
        plan.order = "best"
    elif re.search(r"\blowest\b|\bleast\b|\bfewest\b|\bsmallest\b", low):
        plan.order = "worst" if higher_better else "best"
    elif re.search(r"\bhighest\b|\bmost\b|\btop\b|\bbiggest\b|\blargest\b", low):
        plan.order = "best" if higher_better else "worst"
    else:
        plan.order = "worst"
    if m := _TOPN.search(q):
        plan.limit = int(m.group(1)) if m.group(1).isdigit() else _WORDN[m.group(1).lower()]
    elif re.search(rf"\bwhich\s+{_PLACE_NOUN}\b|\b(?:the\s+)?(?:worst|best|top|bottom)\s+{_PLACE_NOUN}\b", low):
        plan.limit = 1
    return "rank"
