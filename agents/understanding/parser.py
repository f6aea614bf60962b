"""Question → :class:`QueryPlan` for the offline provider (and the hint and fallback for a model's plan)."""

from __future__ import annotations

import datetime as dt
import re

from rapidfuzz import fuzz

from agents.plan import (
    Clarification,
    Filters,
    Operation,
    QueryPlan,
    ScopeRef,
    ServiceMetric,
    ServiceMetricRole,
    Subjects,
    TicketText,
    UnknownName,
)
from agents.understanding.catalog import Catalog
from agents.understanding.linking import Links, link
from agents.understanding.timewords import TimeParse, parse_time
from agents.understanding.vocab import STOP

_I = re.IGNORECASE
# What organisations call their places (plain English nouns): "which depot", "per hospital".
_PLACE_NOUN = (r"(?:station|region|site|location|depot|hospital|clinic|airport|branch|store|warehouse|plant|facility|"
               r"office|hub|yard|terminal|base|route|area|zone)")
_PLACE = _PLACE_NOUN + "s?"
_CLASSIFY = re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:classify|triage|categori[sz]e|label)\b|\bclassify\s+this\b", _I)
_REPORT = re.compile(r"\b(draft|write|generate|prepare|produce|create|make)\b.*\b(report|post-?mortem|write[- ]?up|rca)\b"
                     r"|\b(post-?mortem|incident report|investigation report)\b", _I)
_ATTENTION = re.compile(r"\battention\b|\bneeds?\s+(?:a\s+)?look|\bwhat(?:'s| is)\s+(?:red|on fire|burning|alarming)\b|"
                        r"\b(?:in|on)\s+(?:a\s+)?(?:warning|critical|alarm)\b|\bwarnings?\b|\bsignals?\b|\bflagged\b|"
                        r"\bproblems?\b|\bwhat(?:'s| is)\s+wrong\b|\banything\s+(?:wrong|unusual|off|alarming)\b|\bout of control\b", _I)
_WHY = re.compile(r"\b(why|caus\w*|root[- ]cause|what changed|what happened|explain\w*|behind|due to|reason|"
                  r"drop\w*|fell|fall\w*|decline\w*|rose|rise|rising|spik\w*|jump\w*|surg\w*|worse\w*|degrad\w*|"
                  r"tank\w*|plummet\w*|went (?:up|down)|deteriorat\w*|broke|broken)\b", _I)
_CHANGELOG = re.compile(r"\b(deploy\w*|releas\w*|rollouts?|roll(?:ed)? out|rollbacks?|rolled back|shipped|ship|"
                        r"commits?|committed|merged|config(?:uration)?\s+changes?|changed\s+(?:the\s+)?config\w*|"
                        r"changelog|change log|who changed|what changed in|depend\w*|"
                        r"upstream|downstream|calls)\b", _I)
_BLAME = re.compile(r"\b(broke|break|breaking|caus\w*|responsible|led to|culprit|blame\w*|why)\b", _I)  # → correlate
_DEPENDS = re.compile(r"\b(depend\w*|upstream|downstream|calls)\b", _I)
_COMPARE = re.compile(r"\b(vs\.?|versus|compare\w*|comparison|against|between|relative to|differ\w*)\b", _I)
_RANK = re.compile(r"\b(worst|best|top\s*\d*|bottom\s*\d*|lowest|highest|least|most|fewest|rank\w*|leaderboard|"
                   rf"which\s+{_PLACE}|{_PLACE}\s+(?:with|has|had|have)\s+the|"
                   rf"(?:by|per|each|every|across)\s+{_PLACE})\b", _I)
_CHART = re.compile(r"\b(chart|plot|graph|visuali[sz]e|draw)\b", _I)
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b", _I)
_TICKETS = re.compile(r"\b(tickets?|support cases?|cases|sla|slas|backlog|queue|breach\w*|at[- ]risk|first response)\b", _I)
_INCIDENT_WORDS = re.compile(r"\b(incidents?|outages?|failures?|downtime|disruptions?|sev ?[1-4])\b", _I)
_LATEST = re.compile(r"\b(latest|most recent|last|newest|current|ongoing)\b", _I)
_STATUS = re.compile(r"\b(status|resolved|fixed|mitigated|still open|closed|over|remediat\w*|resolution|what fixed|"
                     r"how (?:was|did) .* (?:fix|resolv)\w*)\b", _I)
_KPI_WORDS = re.compile(r"\b(kpis?|metrics?|dashboard|doing|perform\w*|numbers|health|how\s+(?:is|are|was|were|did)|"
                        r"what(?:'s| is| was)\s+the|value|trend|show)\b", _I)
_FOLLOW = re.compile(r"^\s*(and|what about|how about|same(?: thing)?(?: for)?|also|now|ok(?:ay)?|then|for)\b", _I)
_COMPANY = re.compile(r"\b(company[- ]wide|overall|(?:vs\.?|versus|against|to|with)\s+(?:the\s+)?(?:company|network|rest)"
                      r"(?:\s+average)?|(?:company|network)\s+average|across (?:all|the (?:whole )?(?:company|network|org\w*))|all stations|"
                      r"whole (?:company|network|org\w*)|network[- ]wide|everywhere|in total)\b", _I)
_ROLE: list[tuple[ServiceMetricRole, re.Pattern[str]]] = [("errors", re.compile(r"\b(errors?|error rate|5\d\d|failures?|failing|exceptions?)\b", _I)),
         ("latency", re.compile(r"\b(latency|p9\d|p50|slow\w*|response time|lag\w*)\b", _I)),
         ("throughput", re.compile(r"\b(throughput|traffic|rps|qps|requests? per|volume)\b", _I)),
         ("saturation", re.compile(r"\b(cpu|memory|saturat\w*|utili[sz]ation|load)\b", _I))]
_TOPN = re.compile(r"\b(?:top|bottom|worst|best|first|lowest|highest|which)\s+(\d{1,3}|three|five|ten|two)\b", _I)
_WORDN = {"two": 2, "three": 3, "five": 5, "ten": 10}
_ACTION = re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)?(delete|remove|erase|wipe|truncate|drop\s+(?:the\s+)?table|"
                     r"modify|insert|book|buy|purchase|reassign|assign|reopen|escalate|restart|reboot|deploy|"
                     r"roll\s*back|rollback|revert|approve|merge|cancel)\b(?!\s+(?:history|log|logs|list|status|report|"
                     r"count|rate|trend|timeline|details|s\b))", _I)
_OOS_HINT = "That is outside what I can answer from this organisation's data."

TICKET_STATUS = {"open": ["new", "open"], "new": ["new"], "pending": ["pending"], "resolved": ["resolved"],
                 "closed": ["closed"], "unresolved": ["new", "open", "pending"], "waiting": ["pending"]}
TIERS = ("enterprise", "business", "standard", "free")
PRIORITIES = ("critical", "high", "medium", "low")


def help_text(cat: Catalog, *, asked: bool = False) -> str:
    """What the assistant can do, in this organisation's own names (``asked``: the user asked for help)."""
    ex = cat.examples()
    parts = []
    if ex["kpi"]:
        where = f" at {ex['station']}" if ex["station"] else ""
        parts.append(f"analyse KPIs (e.g. “why did {ex['kpi']}{where} drop last week?”, “which station is worst for "
                     f"{ex['kpi']} this month?”)")
    if ex["service"]:
        parts.append(f"find what changed before a service moved (e.g. “any deploys to {ex['service']} this week?”)")
    if ex["incident"]:
        parts.append(f"look into incidents (e.g. “what caused {ex['incident']}?”)")
    if ex["ticket"]:
        parts.append(f"triage tickets and their SLAs (e.g. “classify {ex['ticket']}”, “how many open tickets?”)")
    parts.append("draft incident and investigation reports")
    return ("" if asked else f"{_OOS_HINT} ") + "I can " + ", ".join(parts) + "."


HELP = re.compile(r"^\W*(help|what can you do|what do you do|how do i use|what can i ask|hi|hello|hey|"
                  r"good (?:morning|afternoon|evening)|thanks?(?: you)?|thank you|cheers)\b", _I)


def _scopes(links: Links, cat: Catalog, q: str) -> list[ScopeRef]:
    out = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in links.stations]
    out += [ScopeRef(level="region", code=c, name=cat.regions.get(c)) for c in links.regions]
    if _COMPANY.search(q) and (not out or _COMPARE.search(q)):
        out.append(ScopeRef(level="company", name="company"))
    return out


def _ticket_filters(q: str) -> Filters:
    f = Filters()
    low = q.lower()
    for word, statuses in TICKET_STATUS.items():
        if re.search(rf"\b{word}\b", low) and not re.search(rf"\b{word}\s+(?:incident|outage)", low):
            f.status.extend(s for s in statuses if s not in f.status)
    f.customer_tier = [t for t in TIERS if re.search(rf"\b{t}\b", low)]
    f.priority = [p for p in PRIORITIES if re.search(rf"\b{p}(?:[- ]priority)?\b", low) and p != "free"]
    from store.models import PRODUCTS  # the ticket products the data model knows

    f.product = [p for p in PRODUCTS if re.search(rf"\b{p}\b", q, _I) and p != "GENERAL"]
    if re.search(r"\bat[- ]risk\b|\babout to breach\b|\bclose to breach", low):
        f.sla = "at_risk"
    elif re.search(r"\bbreach\w*|\bmissed\b|\bviolat\w*|\bover(?:due)?\b", low):
        f.sla = "breached"
    if re.search(r"\bfirst response\b|\bresponse\b", low):
        f.sla_clock = "response"
    elif re.search(r"\bresolution\b|\bresolve\b", low):
        f.sla_clock = "resolution"
    return f


def _pasted_ticket(q: str) -> TicketText | None:
    m = re.search(r"(?:ticket|this|text|case)?\s*[:\-–]\s*(.+)$", q, re.DOTALL) or re.search(
        r"^\s*(?:please\s+)?(?:classify|triage|categori[sz]e|label)\s+(?:this\s+)?(?:ticket\s+)?(.+)$", q, re.DOTALL | _I)
    body = (m.group(1) if m else q).strip().strip('"“”')
    if len(body) < 8:
        return None
    first = re.split(r"(?<=[.!?])\s+|\n", body, maxsplit=1)
    return TicketText(subject=first[0][:200], content=body)


def _incident_by_words(q: str, cat: Catalog, tp: TimeParse, services: list[str]) -> list[str]:
    """"the latest incident", "the orders db outage", "the checkout failures on November 8"."""
    refs = cat.incident_refs
    if not refs:
        return []
    narrowed = False
    if tp.window and tp.window.explicit:
        refs = [r for r in refs if tp.window.start <= r.started <= tp.window.end]
        narrowed = True
    if services:
        refs = [r for r in refs if r.service in services] or ([] if narrowed else refs)
        narrowed = narrowed or bool(refs)
    if re.search(r"\b(latest|most recent|last|newest)\s+(?:\w+\s+)?(incident|outage|failure)", q, _I):
        return [refs[0].external_id] if refs else []
    if narrowed and len(refs) == 1:
        return [refs[0].external_id]
    words = re.sub(r"\b(the|what|caused|cause|why|did|was|on|of|in|for|incident|outage|failures?|report|draft|write|"
                   r"status|is|it|resolved|happen\w*)\b", " ", q.lower())
    scored = sorted(((fuzz.token_set_ratio(words, f"{r.title} {r.service or ''}".lower()), r) for r in refs),
                    key=lambda x: -x[0])
    if scored and scored[0][0] >= 70 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return [scored[0][1].external_id]
    return []


def _commit_by_words(q: str, cat: Catalog) -> list[str]:
    """Commits whose message uses the question's distinctive words (hyphenated or 5+ letters)."""
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9_-]{3,}", q.lower())
             if w not in STOP and (("-" in w) or len(w) >= 5) and w not in ("commit", "commits", "deployed")]
    if not words or not cat.commit_messages:
        return []
    hits = [sha for sha, msg in cat.commit_messages.items() if all(w in msg.lower() for w in words[:2])]
    return hits[:1] if len(hits) == 1 else []


def _incident_of_service(q: str, cat: Catalog, services: list[str]) -> str | None:
    """An incident of the named service whose title's own words the question uses."""
    svc_words = {w for sv in services for w in re.split(r"[^a-z0-9]+", sv.lower())}
    words = [w for w in re.findall(r"[a-z]{4,}", q.lower()) if w not in STOP and w not in svc_words]
    hits = []
    for r in cat.incident_refs:
        if r.service not in services:
            continue
        title = [w for w in re.findall(r"[a-z]{4,}", r.title.lower()) if w not in svc_words and w not in STOP]
        if any(fuzz.ratio(a, b) >= 80 for a in words for b in title):
            hits.append(r.external_id)
    return hits[0] if len(hits) == 1 else None


def parse(question: str, cat: Catalog, today: dt.date) -> QueryPlan:
    """One question → one plan (follow-ups are merged by :func:`agents.understanding.followup.merge`)."""
    q = question.strip()
    tp = parse_time(q, today)
    links = link(tp.text, cat)
    subjects = Subjects(services=links.services, incidents=links.incidents, tickets=links.tickets,
                        deployments=links.deployments, config_changes=links.config_changes, commits=links.commits)
    subjects.scopes = _scopes(links, cat, q)
    kpis = list(links.kpis)
    if (not kpis and len(links.weak_kpis) == 1 and len(links.weak_kpis[0]) == 1
            and (links.stations or links.regions or _RANK.search(q))):
        kpis = list(links.weak_kpis[0])
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
    op = _operation(q, plan, links, cat, tp)
    plan.operation = op
    unknown = list(links.unknown)
    if op in ("lookup", "explain", "compare", "rank", "attention", "report") or (op == "out_of_scope" and kpis):
        unknown += links.maybe_unknown
    if op in ("ticket_classify",) and plan.ticket_text is not None:
        unknown = [u for u in unknown if u.kind in ("ticket",)]
        plan.subjects, plan.kpis, plan.service_metrics = Subjects(), [], []  # the pasted text is data, not names
    if op == "ticket_stats":
        unknown = [u for u in unknown if u.kind not in ("station",)]
    if op == "attention" and not _ATTENTION.search(q) and links.kpi_words and not links.weak_kpis:
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
    if unknown:
        plan.unknown = unknown
        plan.operation = "unknown"
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
    asks_kpi = op in ("rank", "compare", "lookup", "explain") or (op == "attention" and not _ATTENTION.search(q))
    if op in ("rank", "compare", "lookup", "explain", "attention") and not plan.kpis and not any(
            n.startswith("wanted:") for n in plan.notes):
        plan.notes.append(f"wanted:{'lookup' if op == 'attention' else op}")  # a follow-up fills the KPI from the thread instead of asking
    if asks_kpi and not plan.kpis and links.weak_kpis and not plan.subjects.services:
        cands = links.weak_kpis[0]
        plan.clarification = Clarification(kind="KPI", candidates=cands, question=(
            "Which KPI do you mean: " + ", ".join(f"{c} ({cat.kpis[c][0]})" for c in cands if c in cat.kpis) + "?"))
        plan.operation = "clarify"
    elif op in ("rank", "compare") and not plan.kpis:
        verb = "Rank" if op == "rank" else "Compare"
        plan.clarification = Clarification(kind="KPI", candidates=list(cat.kpis), question=(
            f"{verb} by which KPI? " + ", ".join(f"{v[0]} ({c})" for c, v in list(cat.kpis.items())[:8])))
        plan.operation = "clarify"
    return plan


def _operation(q: str, plan: QueryPlan, links: Links, cat: Catalog, tp: TimeParse) -> Operation:
    s = plan.subjects
    if _ACTION.search(q):
        return "out_of_scope"  # read-only: actions (deleting, booking, deploying…) are not something it does
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
        if re.search(r"\bsimilar\b|\blike this\b|\bsuggest\w*\b|\breply\b|\brespond\b", q, _I):
            return "ticket_similar"
        if re.search(r"\bsla\b|\bbreach|\bdeadline|\bdue\b|\boverdue|\bat[- ]risk", q, _I) and not re.search(r"classif|triage", q, _I):
            return "ticket_sla"
        return "ticket_classify"
    if not s.commits and re.search(r"\bcommits?\b", q, _I) and (found := _commit_by_words(q, cat)):
        s.commits = found  # "was the retry-backoff commit deployed?"
    if s.deployments or s.config_changes or s.commits:
        return "changelog"
    if s.services and _CHANGELOG.search(q) and not re.search(r"\bbefore\b.*\b(jump|spik|drop|r[io]se|fell|went)", q, _I) \
            and not _BLAME.search(q):
        plan.include_dependencies = bool(_DEPENDS.search(q))
        return "changelog"
    if (not s.services and not plan.kpis and not s.scopes and not s.incidents and not s.tickets
            and re.search(r"\b(deploy\w*|releases?|rollouts?|rollbacks?|config(?:uration)?\s+changes?|commits?|"
                          r"depend\w*)\b", q, _I) and not _INCIDENT_WORDS.search(q) and not _TICKETS.search(q)):
        plan.include_dependencies = bool(_DEPENDS.search(q))
        plan.notes.append("wanted:changelog")
        plan.clarification = Clarification(kind="service", candidates=list(cat.services), question=(
            "Which service? " + ", ".join(cat.services[:15]) + ("…" if len(cat.services) > 15 else "")))
        return "clarify"
    if not s.incidents and _INCIDENT_WORDS.search(q) and not plan.kpis:
        plural = re.search(r"\b(incidents|outages|failures)\b", q, _I) and not re.search(r"\bthe\s+\w+\s+failures\b", q, _I)
        if plural and not re.search(r"\bwhat caused the\b", q, _I) or re.search(r"\b(which|list|any|how many|all)\b.*\b(incident|outage)", q, _I):
            plan.filters.status = ["open", "mitigated"] if re.search(r"\b(open|ongoing|still|active|unresolved)\b", q, _I) else (
                ["resolved"] if re.search(r"\bresolved\b", q, _I) else [])
            plan.filters.severity = [f"sev{n}" for n in re.findall(r"\bsev ?([1-4])\b", q, _I)]
            plan.count = bool(_COUNT.search(q))
            return "incident_list"
        s.incidents = _incident_by_words(q, cat, tp, s.services)
        if not s.incidents and _LATEST.search(q):
            plan.limit = 1  # incidents are listed latest first
            return "incident_list"
        if not s.incidents:
            return "incident_list"
    if s.incidents:
        if _STATUS.search(q) and not re.search(r"\bcaus|\bwhy\b|\broot\b", q, _I):
            return "incident_status"
        if re.search(r"\bcaus|\bwhy\b|\broot\b|\bchang\w*|\bbehind\b|\bexplain|\bbefore\b|\bled to\b", q, _I):
            return "incident_cause"
        return "incident_status"
    if _TICKETS.search(q) and not plan.kpis:
        plan.filters = _ticket_filters(q)
        plan.count = bool(_COUNT.search(q))
        if re.search(r"\bmet\b|\bcompliance\b|\b(?:sla|response|resolution|hit|attainment|success)\s+rate\b|"
                     r"\bon[- ]time\b|\bpercent|%", q, _I):
            plan.rate = "sla_resolution" if plan.filters.sla_clock == "resolution" else "sla_response"
        return "ticket_stats"
    if s.services and not plan.kpis:
        if not plan.service_metrics and (inc := _incident_of_service(q, cat, s.services)):
            s.incidents = [inc]  # "what caused the lab results delay": an incident's title, not a metric
            return "incident_cause" if _WHY.search(q) else "incident_status"
        return "explain"
    if plan.kpis or s.scopes:
        if len(s.scopes) >= 2 or (_COMPARE.search(q) and len(s.scopes) >= 1 and re.search(r"\b(compan|overall|network)", q, _I)):
            return "compare"
        if plan.kpis and (m := re.search(rf"\b(?:all|every|each)\s+(?:the\s+|our\s+|of\s+the\s+)?({_PLACE})\b", q, _I)):
            s.scopes = [x for x in s.scopes if x.level == "region"]  # "at all stations": each one, ranked
            plan.group_by = "region" if re.match(r"(region|route|area|zone)", m.group(1), _I) else "station"
            plan.order = "worst"
            plan.limit = max(1, min(len(cat.stations if plan.group_by == "station" else cat.regions), 1000))
            return "rank"
        if plan.kpis and _RANK.search(q) and len(s.scopes) <= 1 and not (s.scopes and s.scopes[0].level == "station"):
            return _rank(q, plan, cat)
        if not plan.kpis:
            if _RANK.search(q) and not s.scopes:
                return _rank(q, plan, cat)
            return "attention"
        if _WHY.search(q):
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
    if _ATTENTION.search(q) or re.search(r"\b(kpis?|dashboard)\b", q, _I):
        return "attention"
    return "out_of_scope"


def _rank(q: str, plan: QueryPlan, cat: Catalog) -> Operation:
    plan.group_by = "region" if re.search(r"\b(regions?|routes?|areas?|zones?|divisions?)\b", q, _I) else "station"
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
    elif re.search(rf"\bwhich\s+{_PLACE_NOUN}\b|\b(?:the\s+)?(?:worst|best)\s+{_PLACE_NOUN}\b", low):
        plan.limit = 1
    return "rank"
