"""The operation a question asks for (rank, lookup, explain, ticket_search, changelog…), chosen from its cue words
and what the linker found; :mod:`agents.understanding.parser` builds the rest of the plan around it."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import (
    Clarification,
    Operation,
    QueryPlan,
    ScopeRef,
    Subjects,
    TicketText,
    Window,
)
from agents.understanding.asks import _COMPLAINT_TOPIC, _TICKET_TOPIC, _TICKETS_LIKE, two_periods
from agents.understanding.catalog import Catalog
from agents.understanding.change_named import SEVERAL, name_change
from agents.understanding.cues import (
    _ACTION,
    _ATTENTION,
    _BLAME,
    _CHANGELOG,
    _CLASSIFY,
    _COMPARE,
    _COUNT,
    _DEPENDS,
    _I,
    _INCIDENT_WORDS,
    _LATEST,
    _LIKE_INCIDENT,
    _PLACE,
    _PLACE_NOUN,
    _RANK,
    _REPORT,
    _STATUS,
    _TICKETS,
    _TOPN,
    _WHY,
    _WORDN,
    _pasted_ticket,
    _ticket_filters,
)
from agents.understanding.excluding import region_stations_ranked
from agents.understanding.hints import ODD
from agents.understanding.incident_voice import incident_voice
from agents.understanding.linking import Links
from agents.understanding.lookups import _commit_by_words, _incident_by_words, _incident_of_service, incident_over_kpis
from agents.understanding.not_in_data import site_word
from agents.understanding.op_cues import (
    _BROKE,
    _CHANGE_WORDS,
    _MOVED,
    _NOW_WORDS,
    _OK_EVERYWHERE,
    _ORG_CHANGED,
    _OVERVIEW,
    _RANK_WHY,
    _RELATION,
    _RUNBOOK,
    _RUNBOOK_WORDS,
    _STORY,
    _TICKET_ABOUT,
    _TICKET_BY,
    _TICKET_TIME,
    MADE_WORSE,
    _change_kinds,
    _service_queue,
    _site_queue,
    _trouble_topic,
)
from agents.understanding.phrasings import (
    FROM_GROUP,
    HEALTHY,
    REPLY_ASKED,
    SHARE_OF,
    TICKET_SHARE,
    customer_message,
)
from agents.understanding.timewords import TimeParse

# "tickets from Brightwell Retail", "open tickets for Oak & Fern": a customer's name as written (capitalised words)
_FROM_CUSTOMER = re.compile(r"\b(?:from|for|by|raised\s+by|opened\s+by|customer)\s+(?:(?:the\s+)?customer\s+)?((?:[A-Z][\w'&.-]*|&)(?:\s+(?:[A-Z][\w'&.-]*|&|of|and))*)")


# "did anyone change anything during the peak freeze?": the freeze's name, its dates from the runbook page later
_FREEZE = re.compile(r"\b(?:during|in|within|through|over|inside)\s+(?:the\s+|our\s+)?((?:[\w'-]+\s+){0,3}?)"
                     r"(?:change\s+|code\s+|deploy(?:ment)?\s+|release\s+)?freeze\b", _I)
_FREEZE_ASK = re.compile(r"\b(?:chang\w*|deploy\w*|push\w*|releas\w*|ship\w*|flip\w*|toggl\w*|anything|anyone|"
                         r"somebody|someone|break\w*|broke|violat\w*)\b", _I)
_INCIDENT_TICKETS = re.compile(r"\b(?:tickets?|support\s+(?:cases?|requests?)|cases|complaints?)\b", _I)


def _operation(q: str, plan: QueryPlan, links: Links, cat: Catalog, tp: TimeParse) -> Operation:
    s = plan.subjects
    if _ACTION.search(q):
        return "out_of_scope"  # read-only: actions (deleting, booking, deploying…) are not something it does
    if re.search(r"\bon[- ]?call\b|\bpager\s*duty\s+rota\b|\bwho\s+(?:owns|is\s+responsible\s+for)\b", q, _I) and not plan.kpis:
        return "out_of_scope"  # "who is on call for <service>?": people and rotas are not in the data
    if not s.tickets and (pasted := customer_message(q)) is not None:
        plan.ticket_text = pasted  # "customer says: “…” what do I do?": the quoted message triaged, its names are data
        plan.notes.append("ticket:pasted")
        if REPLY_ASKED.search(q):
            plan.notes.append("asks:reply")
        return "ticket_classify"
    if _RUNBOOK.search(q) and not s.tickets and not _REPORT.search(q):
        topic = " ".join(_RUNBOOK_WORDS.sub(" ", _RUNBOOK.sub(" ", q)).split()).strip(" ?.!\"'“”:") or q
        plan.ticket_text = TicketText(subject=topic[:200], content=q)
        return "runbook_search"  # "find the runbook for a burst main": the organisation's runbooks, by meaning
    # Ticket text to classify is data: read it first and never look for names in it.
    named_first = any(re.match(r"\W*" + r"[-_. ]?".join(map(re.escape, re.split(r"[-_. ]+", svc))) + r"\b", q, _I)
                      for svc in s.services)
    if _CLASSIFY.search(q) and not s.tickets and not named_first:  # "label api errors": a service, not "label this"
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
        if re.search(r"\bsimilar\b|\blike this\b|\bsuggest\w*\b|\breply\b|\brespond\b", q, _I) or REPLY_ASKED.search(q):
            if REPLY_ASKED.search(q):
                plan.notes.append("asks:reply")  # "customer on <ticket> wants an update, what do I tell them?"
            return "ticket_similar"
        if re.search(r"\bsla\b|\bbreach|\bdeadline|\bdue\b|\boverdue|\bat[- ]risk", q, _I) and not re.search(r"classif|triage", q, _I):
            return "ticket_sla"
        if _TICKET_ABOUT.search(q) and not re.search(r"classif|triage|categor|which\s+product|what\s+product|urgen", q, _I):
            plan.notes.append("ticket:about")  # "what's <ticket> about?": what it says, not a classification
        return "ticket_classify"
    if not s.commits and re.search(r"\bcommits?\b", q, _I) and (found := _commit_by_words(q, cat)):
        s.commits = found  # "was the retry-backoff commit deployed?"
    name_change(q, plan, cat, tp)  # "is the <svc> deploy on the 24th related to <KPI move>?": that change
    if (s.deployments or s.config_changes) and plan.kpis and (_RELATION.search(q) or re.search(r"\b(?:reason|caus\w*|because|behind|why|"
                                                                       r"explain\w*|responsible|blame\w*|help\w*|hurt\w*|"
                                                                       r"improv\w*|worsen\w*|affect\w*|impact\w*|effect\w*|"
                                                                       r"difference|boost\w*|harm\w*|worse|better|before\s+and\s+after)\b", q, _I)):
        ext = (s.deployments or s.config_changes)[0]  # "is the rise related to <change>?": that change, yes or no, first
        if (hit := cat.change_services.get(ext)) and SEVERAL not in plan.notes and (_RELATION.search(q) or not re.search(
                r"\b(?:reason|caus\w*|because|behind|why|explain\w*|responsible|blame\w*)\b", q, _I)):
            plan.notes.append(f"change:effect:{ext}:{hit[1].isoformat()}")  # what the KPI did around it, first
        return "explain"  # "was the STOCK_SYNC change the reason fill rate dropped?": the KPI's changes ranked
    if (s.deployments and not s.config_changes and not plan.kpis and _BROKE.search(q)
            and (again := next((x for v, x in cat.version_deployments.items()
                                if s.deployments[0] in x and v.lower() in q.lower()), None))):  # named by its version
        plan.clarification = Clarification(kind="deployment", candidates=again, question=(  # the same version twice
            f"That version was deployed {len(again)} times: {', '.join(again)}. Which one did you mean?"))
        return "clarify"
    if ((s.deployments or s.config_changes) and not plan.kpis and plan.service_metrics and not s.commits
            and (_BROKE.search(q) or _RELATION.search(q) or MADE_WORSE.search(q))
            and (hit := cat.change_services.get((s.deployments or s.config_changes)[0])) and len(s.services) <= 1):
        s.services = s.services or [hit[0]]  # "did raising <KEY> hurt <svc> latency?": that metric before vs after
        plan.notes.append("change:metric")
        return "explain"
    if ((s.deployments or s.config_changes) and not plan.kpis and not s.services and not s.commits and _BROKE.search(q)
            and (hit := cat.change_services.get((s.deployments or s.config_changes)[0]))):
        s.services = [hit[0]]  # "did the freeradius upgrade break anything": its service on that day and the next
        plan.notes.append("change:impact")  # the change is named first, its service examined from the day before
        if not (tp.window is not None and tp.window.explicit):
            plan.window = Window(start=hit[1], end=min(hit[1] + dt.timedelta(days=1), tp.today or hit[1] + dt.timedelta(days=1)),
                                 label=f"after {(s.deployments or s.config_changes)[0]}")
        return "explain"
    if s.deployments or s.config_changes or s.commits:
        return "changelog"
    if s.services and not s.incidents and _CHANGELOG.search(q) and not re.search(
            r"\bbefore\b.*\b(jump|spik|drop|r[io]se|fell|went|start|began|broke)|\bchang\w*\b.*\bbefore\b", q, _I) \
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
    if ((m := _FREEZE.search(q)) and not (s.deployments or s.config_changes or s.services)
            and _FREEZE_ASK.search(q[: m.start()] + q[m.end():])):
        plan.notes.append("freeze:" + " ".join(m.group(1).split()))
        if plan.window is None or not plan.window.explicit:
            today = tp.today or dt.date.today()
            plan.window = Window(start=today - dt.timedelta(days=90), end=today, label="the last 90 days", explicit=False)
        return "changelog"
    if incident_voice(q, plan, cat, tp):  # "any complaints related to the card payment incident?": its tickets
        return "ticket_stats"  # (and a complaints KPI over its days), never the KPI alone
    if (_TICKETS.search(q) and not plan.kpis and not s.tickets and re.search(r"\b(?:outage|incident|failure|downtime|"
                                                                          r"disruption)\b", q, _I)
            and (incs := s.incidents[:1] or _incident_by_words(q, cat, tp, s.services))
            and (ref := next((r for r in cat.incident_refs if r.external_id == incs[0]), None))):
        end = ref.started + dt.timedelta(days=1)  # "tickets about the label outage": opened that day and the next
        plan.window = Window(start=ref.started, end=min(end, tp.today) if tp.today else end,
                             label=f"{ref.started} and the day after")
        plan.filters, plan.count = _ticket_filters(q), bool(_COUNT.search(q))
        plan.notes.append(f"tickets:incident:{ref.external_id}")
        s.incidents, s.services = [], []
        return "ticket_stats"
    if (not s.incidents and not plan.kpis and not _TICKETS.search(q)
            and (m := re.search(r"\b(?:p|sev)\s?([1-4])s\b", q, _I))):  # "any open P1s?": paged incidents of that severity
        plan.filters.severity = [f"sev{m.group(1)}"]
        plan.filters.status = ["open", "mitigated"] if re.search(r"\b(open|ongoing|still|active|unresolved)\b", q, _I) else []
        plan.count = bool(_COUNT.search(q))
        return "incident_list"
    if not s.incidents and plan.kpis and (incs := incident_over_kpis(q, cat, tp, s.services, plan.kpis)):
        s.incidents, plan.kpis = incs, []  # "what caused the courier scans outage?": that incident, not the KPI
    if (not s.incidents and _INCIDENT_WORDS.search(q) and not plan.kpis and not (s.services and _MOVED.search(q))
            and not (s.services and any(m.name for m in plan.service_metrics))):  # "sync failures on <svc>": a metric
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
        if _LIKE_INCIDENT.search(q) and (ref := next((r for r in cat.incident_refs if r.external_id == s.incidents[0]), None)):
            plan.ticket_text = TicketText(subject=ref.title[:200], content=ref.title)  # "similar past incidents to
            plan.notes.append(f"like:{ref.external_id}")  # <incident>": runbooks and summaries nearest to its title
            return "runbook_search"
        if _INCIDENT_TICKETS.search(q) and not s.tickets and not re.search(r"\bcaus|\bwhy\b|\broot\b", q, _I):
            plan.notes.append("tickets:of_incident")  # "which tickets came in during <incident>?": the linked ones
            return "ticket_stats"
        if _STATUS.search(q) and not re.search(r"\bcaus|\bwhy\b|\broot\b|\broll\s*back|\brollback|\brevert", q, _I):
            return "incident_status"  # ("what should we roll back for <incident>": its changes ranked, below)
        if re.search(r"\bcaus|\bwhy\b|\broot\b|\bchang\w*|\bbehind\b|\bexplain|\bbefore\b|\bled to\b|\broll\s*back|"
                     r"\brollback|\brevert", q, _I):
            return "incident_cause"
        return "incident_status"
    if (m := _TICKET_TOPIC.search(q) or _COMPLAINT_TOPIC.search(q)) and (
            not plan.kpis or len(q[: m.start()].split()) <= 4):  # "tickets about the radius outage", "how many
        # tickets mention packet loss", "why are customers complaining about X": a KPI's words in it are the topic
        tm = _TICKET_TOPIC.search(tp.text) or _COMPLAINT_TOPIC.search(tp.text)  # without its time words
        topic = " ".join(next(g for g in (tm or m).groups() if g).split()).strip(" ?.!\"'“”")
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
    if (_TICKETS.search(q) or (_TICKET_TIME.search(q) and not s.services and not s.scopes)) and not plan.kpis \
            and not _service_queue(q, plan) and not _site_queue(q, plan):
        plan.filters = _ticket_filters(q)
        plan.count = bool(_COUNT.search(q))
        if s.scopes and (m := _FROM_CUSTOMER.search(tp.text)) and len(m.group(1).split()) >= 2 and not any(
                x.name and x.name.lower() == " ".join(m.group(1).split()).lower() for x in s.scopes):
            s.scopes = []  # "tickets from Siemens Berlin": a customer whose name has a place in it, not Berlin's
        if (not s.scopes and (m := _FROM_CUSTOMER.search(tp.text))  # "tickets from Brightwell Retail": whose tickets
                and not re.fullmatch(r"[A-Z0-9]{1,6}", who := " ".join(m.group(1).split()))  # "for CASB", "from P1"
                and who.lower() not in {str(v).lower() for vs in plan.filters.model_dump().values()
                                        if isinstance(vs, list) for v in vs}):
            plan.notes.append("customer:" + who)
        elif not s.scopes and not plan.filters.customer_tier and (m := FROM_GROUP.search(tp.text)):
            plan.ticket_text, plan.subjects = TicketText(subject=m.group(1), content=m.group(1)), Subjects()
            return "ticket_search"  # "tickets from schools": who they are from, in the tickets' words
        if m := _TICKET_BY.search(q):  # "tickets by product this month": split by that field
            word = m.group(1).lower()
            plan.notes.append("ticket_by:" + next(f for f in ("product", "priorit", "tier", "status", "urgency")
                                                   if word.startswith(f)).replace("priorit", "priority")
                              .replace("tier", "customer_tier"))
        if TICKET_SHARE.search(q) and (field := next((k for k in ("priority", "product", "customer_tier")
                                                        if getattr(plan.filters, k)), None)):
            values = getattr(plan.filters, field)  # "what % of tickets this month were critical": the share of all
            setattr(plan.filters, field, [])
            plan.notes += [f"ticket_by:{field}", "share:" + ",".join(values)]
            plan.count = True
            return "ticket_stats"
        if m := _TICKET_TIME.search(q):  # "average first response time this week": how long tickets waited
            plan.notes.append("ticket_time:" + ("resolution" if re.search(r"resol|clos", m.group(0), _I) else "response"))
            return "ticket_stats"
        if re.search(r"\bmet\b|\bcompliance\b|\b(?:meeting|hitting|making|missing)\b.*\bslas?\b|"
                     r"\b(?:sla|response|resolution|hit|attainment|success)\s+rate\b|"
                     r"\bon[- ]time\b|\bpercent|%", q, _I):
            plan.rate = "sla_resolution" if plan.filters.sla_clock == "resolution" else "sla_response"
        return "ticket_stats"
    if s.services and not plan.kpis and s.scopes and not plan.service_metrics and not _WHY.search(q) and links.kpi_words:
        return "attention"  # "basket abandonment rate at <site>": a metric it does not have, named with a service's word
    if s.services and not plan.kpis:
        w = tp.window  # "auth timeouts on radius last night" / "… today": the latest value too, not a story
        recent = w is not None and w.label.lower() in _NOW_WORDS  # ("the last 24 hours" stays a story: when it moved)
        if (plan.service_metrics and not _WHY.search(q) and not _MOVED.search(q) and not _STORY.search(q)
                and not (w is not None and w.explicit and not recent)):
            plan.notes.append("metric:now")  # "p99 latency of <service> now": its value and its usual range first
        if not plan.service_metrics and HEALTHY.search(q) and not _WHY.search(q) and not _STORY.search(q):
            plan.notes.append("metric:health")  # "is search ok?": each of its metrics now, against its usual range
        if not plan.service_metrics and (inc := _incident_of_service(q, cat, s.services)):
            s.incidents = [inc]  # "what caused the lab results delay": an incident's title, not a metric
            return "incident_cause" if _WHY.search(q) else "incident_status"
        return "explain"
    if plan.kpis or s.scopes:
        if region_stations_ranked(q, plan, cat):
            return "rank"  # "compare OTP across all central stations": the stations of that region, ranked
        if len(s.scopes) >= 2 or (_COMPARE.search(q) and len(s.scopes) >= 1 and re.search(r"\b(compan|overall|network)", q, _I)
                                   and not (all(x.level == "company" for x in s.scopes) and tp.window is not None
                                            and tp.window.grain == "month" and " vs " in f" {tp.window.label} ")):
            return "compare"
        if plan.kpis and re.search(r"\b(?:in\s+)?total\b|\baltogether\b|\bcombined\b|\bsum\s+of\b|"
                                   r"^\W*(?:what(?:'s|\s+is|\s+was)\s+(?:the\s+|our\s+)?)?(?:average|mean|overall)\b", q, _I) and re.search(
                rf"\b(?:all|every|each)\s+(?:the\s+|our\s+|of\s+the\s+)?{_PLACE}\b", q, _I) and not s.scopes[1:]:
            s.scopes = s.scopes or [ScopeRef(level="company", name="company")]  # "how many X in total across all stations"
            return "lookup"
        if plan.kpis and (m := re.search(rf"\b(?:all|every|each)\s+(?:the\s+|our\s+|of\s+the\s+)?({_PLACE})\b", q, _I) or (
                None if s.scopes or not _COMPARE.search(q) else re.search(rf"\b(?:the|our)\s+({_PLACE_NOUN})s\b", q, _I))):
            s.scopes = [x for x in s.scopes if x.level == "region"]  # "at all stations", "compare the stations": each one
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
        if (not plan.kpis and len(s.scopes) == 1 and s.scopes[0].level == "station" and tp.window is not None
                and tp.window.explicit and not two_periods(tp.window) and not s.services
                and re.search(r"\bhow\s+(?:did|was|were)\b", q, _I) and not _WHY.search(q)):
            plan.notes += ["all_kpis", "period:one"]  # "how did <site> do yesterday": every KPI there, that period
            return "compare"
        if not plan.kpis and len(s.scopes) == 1 and tp.window is not None and two_periods(tp.window):
            plan.notes.append("all_kpis")  # "dallas this week vs the week before": every KPI there, period on period
            return "compare"
        if not plan.kpis:
            if _RANK.search(q) and not s.scopes:
                return _rank(q, plan, cat)
            if re.match(r"\W*who(?:'s|\s+is|\s+are|\s+was)?\b", q, _I) and not _ATTENTION.search(q):
                return "out_of_scope"  # "who is on call at <site>?": people are not in the data
            if (_RANK_WHY.search(q) or re.search(r"\bwhat(?:'s|\s+has|\s+is)?\s+changed\b", q, _I)) and len(
                    s.scopes) == 1 and s.scopes[0].level == "station" and not s.services:
                w = tp.window
                if w is not None and w.explicit and w.single_day and tp.today is not None and w.end < tp.today:
                    return "attention"  # "what happened at <site> on 12 November": what was flagged there that day
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
    if _RANK.search(q) and re.search(rf"\b{_PLACE}\b", q, _I) and not re.search(
            r"\battention\b|\bneeds?\s+(?:a\s+)?look|\bworr(?:y|ied)\b|\bconcern\w*|\bfocus\b|\bprioriti[sz]e\b", q, _I):
        return _rank(q, plan, cat)
    if _COMPARE.search(q) and re.search(rf"\b{_PLACE_NOUN}s\b", q, _I):
        return "compare"  # "compare the hospitals": on which KPI is asked next
    if not s.scopes and not s.services and not s.incidents and not links.kpi_words and (trouble := _trouble_topic(tp.text)):
        plan.ticket_text = TicketText(subject=trouble, content=trouble)  # "which wards had cabinet problems": the
        plan.subjects = Subjects()                                    # organisation's tickets on that topic
        return "ticket_search"
    if _ATTENTION.search(q) or re.search(r"\b(kpis?|dashboard)\b", q, _I) or (_OVERVIEW.search(q) and not (
            s.services or s.incidents or s.tickets or _TICKETS.search(q) or _INCIDENT_WORDS.search(q))):
        if not re.search(rf"\b(?:kpis?|metrics?|dashboard|{_PLACE})\b", q, _I):
            plan.notes.append("attention:incidents")  # "anything on fire?": the open incidents too, not only KPIs
        return "attention"  # "a one-liner on how the company is doing", "summarise the week for the execs"
    return "out_of_scope"


def _rank(q: str, plan: QueryPlan, cat: Catalog) -> Operation:
    bare = q  # the KPI's own words are no level: "which gym was worst on route freshness" ranks the gyms
    for n in sorted({n for k in plan.kpis for n in cat.kpis.get(k, []) if n}, key=len, reverse=True):
        bare = re.sub(rf"(?<![\w-]){re.escape(n)}(?![\w-])", " ", bare, flags=_I)
    plan.group_by = "region" if re.search(r"\b(regions?|routes?|areas?|zones?|divisions?)\b", bare, _I) else "station"
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
    elif re.search(rf"\bwhich\s+{_PLACE_NOUN}\b|\b(?:the\s+)?(?:worst|best|top|bottom)\s+{_PLACE_NOUN}\b", low) or (
            (m := re.search(r"\b(?:which|(?:the\s+)?(?:worst|best|top|bottom))\s+([a-z]+)\b", low)) and site_word(m.group(1), cat)
            and not m.group(1).endswith("s")):  # "which park is worst …": the organisation's own word for a site
        plan.limit = 1
    elif (re.search(rf"\b(?:per|by|each|every|for\s+each)\s+{_PLACE_NOUN}\b", low) or SHARE_OF.search(q)
          or re.search(r"\b(?:rank|ranked|ranking|rankings|leaderboard|sort|sorted)\b", bare, _I)):  # "rank the X by Y": all
        plan.limit = max(1, min(len(cat.regions if plan.group_by == "region" else cat.stations), 1000))  # "per station"
    if SHARE_OF.search(q):
        plan.notes.append("q:share")  # "share of AOG events by region": each one's part of the total
    return "rank"
