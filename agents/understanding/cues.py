"""The words that decide what a question asks (plain English, never an organisation's names), the ticket
filters read from a question, and the help text built from the organisation's own catalog."""

from __future__ import annotations

import re

from agents.plan import Filters, ServiceMetricRole, TicketText
from agents.understanding.catalog import Catalog

_I = re.IGNORECASE
# What organisations call their places (plain English nouns): "which depot", "per hospital".
_PLACE_NOUN = (r"(?:station|region|site|location|depot|hospital|clinic|airport|branch|store|warehouse|plant|facility|"
               r"office|hub|yard|terminal|base|route|area|zone|port|pier|dock|marina|quay)")
_PLACE = _PLACE_NOUN + "s?"
_CLASSIFY = re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:classify|triage|categori[sz]e|label)\b|"
                       r"\bclassify\s+this\b|\bwhat\s+(?:product|category|urgency|priority)\b[^:]*:", _I)
_REPORT = re.compile(r"\b(draft|write|generate|prepare|produce|create|make)\b.*\b(report|post-?mortem|write[- ]?up|rca)\b"
                     r"|\b(post-?mortem|incident report|investigation report)\b|\bwrite\s+up\s+(?:the|that|this|an?)\s+(?:incident|outage)", _I)
_ATTENTION = re.compile(r"\battention\b|\bneeds?\s+(?:a\s+)?look|\bwhat(?:'s| is)\s+(?:red|on fire|burning|alarming)\b|"
                        r"\b(?:in|on)\s+(?:a\s+)?(?:warning|critical|alarm)\b|\bwarnings?\b|\bsignals?\b|\bflagged\b|\bred\s+flags?\b|"
                        r"\b(?:active|open|current|any)\s+(?:alerts?|alarms?)\b|"
                        r"\bproblems?\b|\bwhat(?:'s| is)\s+wrong\b|\bworr(?:y|ied|ying|ies)\b|\bconcern(?:ed|ing|s)?\b|\bkeep an eye\b|"
                        r"\bheads[- ]?up\b|\bissues?\b(?!\s+(?:a|the)\b)|\banything\s+(?:wrong|unusual|off|alarming|weird|odd|strange|abnormal|funny|out\s+of\s+the\s+ordinary)\b|\bout of control\b", _I)
# "is the spike related to a deploy?", "was the drop down to the config change?": a cause asked after
RELATED_TO_CHANGE = (r"\b(?:related|linked|connected|tied|down|attributable)\s+to\s+(?:a|an|the|any|some|that|this|our)?"
                     r"\s*(?:deploy\w*|releas\w*|change\w*|config\w*|updat\w*|rollouts?|push\w*|upgrade\w*)")
_WHY = re.compile(RELATED_TO_CHANGE + r"|\b(why|caus\w*|root[- ]cause|what changed|what happened|explain\w*|behind|due to|reason|"
                  r"(?:affected|impacted|hit|knocked|dragged\s+down)\s+by|"
                  r"drop\w*|fell|fall\w*|decline\w*|rose|rise|rising|spik\w*|jump\w*|surg\w*|worse\w*|degrad\w*|"
                  r"tank\w*|plummet\w*|went (?:up|down)|go(?:es|ne|ing)?\s+(?:up|down)|climb\w*|increas\w*|decreas\w*|"
                  r"deteriorat\w*|broke|broken)\b", _I)
_CHANGELOG = re.compile(r"\b(deploy\w*|releas\w*|firmware|upgrade[ds]?|rollouts?|roll(?:ed)? out|rollbacks?|rolled back|roll(?:ed|ing|s)? back|shipped|ship|pushed|"
                        r"commits?|committed|merged|config(?:uration)?\s+changes?|changed\s+(?:the\s+)?config\w*|"
                        r"(?:chang|touch|edit|modif|tweak|updat)\w*\s+(?:the\s+|any\s+|its\s+)?config\w*|"
                        r"changelog|change log|who changed|what changed in|depend\w*|call|revert\w*|undone|undid|approv\w*|"
                        r"(?:any(?:thing)?|recent|latest|last|new)\s+changes?|changes|history|changed\s+(?:in|on|to)|changes\s+(?:to|in|on)|"
                        r"upstream|downstream|calls)\b", _I)
_BLAME = re.compile(r"\b(broke|break|breaking|caus\w*|responsible|led to|culprit|blame\w*|why)\b", _I)  # → correlate
_DEPENDS = re.compile(r"\b(depend\w*|upstream|downstream|calls?)\b", _I)
_COMPARE = re.compile(r"\b(vs\.?|versus|compare\w*|comparison|against|between|relative to|differ\w*)\b", _I)
_RANK = re.compile(r"\b(worst|best|top\s*\d*|bottom\s*\d*|lowest|highest|least|most|fewest|rank\w*|leaderboard|"
                   rf"which\s+{_PLACE}|{_PLACE}\s+(?:with|has|had|have)\s+the|"
                   rf"(?:by|per|each|every|across)\s+{_PLACE})\b", _I)
_CHART = re.compile(r"\b(chart|plot|graph|visuali[sz]e|draw)\b", _I)
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b", _I)
# "similar past incidents to <incident>", "have we seen anything like it before"
_LIKE_INCIDENT = re.compile(r"\b(?:similar|resembl\w*|comparable|(?<!look\s)(?<!looks\s)like|seen\s+(?:this|it|that|anything|"
                            r"something)\b.*\bbefore|happened\s+before|precedents?)\b", re.I)
_TICKETS = re.compile(r"\b(tickets?|support cases?|cases|sla|slas|backlog|queue|breach\w*|at[- ]risk|first response)\b", _I)
_INCIDENT_WORDS = re.compile(r"\b(incidents?|outages?|failures?|downtime|disruptions?|sev ?[1-4]s?|p[0-4]s|"
                             r"still\s+(?:broken|down|failing)|what(?:'s| is)\s+(?:broken|down))\b", _I)
# "the last incident", never "last week" / "the last 3 days" / "last monday" (a period, not the latest incident)
_LATEST = re.compile(r"\b(latest|most recent|last(?!\s+(?:\d+\s+|few\s+|couple\s+(?:of\s+)?)?(?:weeks?|months?|years?|nights?|quarters?|fortnights?|weekends?|days?|hours?|\w+day|january|february|march|april|may|june|july|august|september|october|november|december)\b)|newest|current|ongoing)\b", _I)
_STATUS = re.compile(r"\b(status|resolved|fixed|mitigated|still open|closed|over|remediat\w*|resolution|what fixed|"
                     r"how (?:was|did) .* (?:fix|resolv)\w*)\b", _I)
_KPI_WORDS = re.compile(r"\b(kpis?|metrics?|dashboard|doing|perform\w*|numbers|health|how\s+(?:is|are|was|were|did)|"
                        r"what(?:'s| is| was)\s+the|value|trend|show)\b", _I)
_FOLLOW = re.compile(r"^\s*(and|what about|how about|same(?: thing)?(?: for)?|also|now|ok(?:ay)?|then|for)\b", _I)
_COMPANY = re.compile(r"\b(company[- ]wide|overall|(?:vs\.?|versus|against|to|with)\s+(?:the\s+)?(?:company|network|rest|group|org\w*)"
                      r"(?:\s+average)?|(?:company|network|group)\s+average|across (?:all|the (?:whole )?(?:company|network|group|org\w*))|all stations|"
                      r"whole (?:company|network|group|org\w*)|network[- ]wide|group[- ]wide|everywhere|in total)\b", _I)
_ROLE: list[tuple[ServiceMetricRole, re.Pattern[str]]] = [("errors", re.compile(r"\b(errors?|errs?|err rate|error rate|5\d\d|5xx|failures?|failing|"
                                                                                   r"err{2,}(?:or)?s?|erro?r{2,}s?|eror+s?|err?r?os|"  # typos
                                                                                   r"exceptions?|time[sd]?[- ]?outs?|timing out|timed out|rejects?)\b", _I)),
         ("latency", re.compile(r"\b(latency|latncy|latecny|lantency|latnecy|latenc|p9\d|p50|slow\w*|response time|"
                                r"lag\w*)\b", _I)),
         ("throughput", re.compile(r"\b(throughput|traffic|rps|qps|requests? per|volume)\b", _I)),
         ("saturation", re.compile(r"\b(cpu|memory|saturat\w*|utili[sz]ation|load)\b", _I))]
_TOPN = re.compile(r"\b(?:top|bottom|worst|best|first|lowest|highest|which)\s+(\d{1,3}|three|five|ten|two)\b", _I)
_WORDN = {"two": 2, "three": 3, "five": 5, "ten": 10}
_ACTION = re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)?(delete|remove|erase|wipe|truncate|drop\s+(?:the\s+)?table|"
                     r"modify|insert|book|buy|purchase|reassign|assign|reopen|escalate|restart|reboot|deploy|e-?mail|forward|phone|"
                     r"roll\s*back|rollback|revert|approve|merge|cancel)\b(?!\s+(?:history|log|logs|list|status|report|candidates?|"
                     r"options?|plan|targets?|count|rate|trend|timeline|details|s\b)|\s*\?+\s*$|s\b)", _I)  # "rollback?" at 3 am is a question
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


def _ticket_filters(q: str) -> Filters:
    f = Filters()
    low = q.lower()
    for word, statuses in TICKET_STATUS.items():
        if re.search(rf"\b{word}\b", low) and not re.search(rf"\b{word}\s+(?:incident|outage)", low) and not (
                word == "open" and re.search(r"\b(?:did|do|does|will|who|customers?|users?|clients?|accounts?|people|"
                                             r"they|we|you)\s+(?:(?!have\b|has\b|got\b|still\b|currently\b)\w+\s+)?open\b(?!\s+(?:tickets?|cases?)\b)", low)):
            # "how many tickets did enterprise customers open last week": "open" is what they did, not a status
            f.status.extend(s for s in statuses if s not in f.status)
    if re.search(r"\b(?:not|never|isn'?t|aren'?t|wasn'?t|weren'?t)\s+(?:yet\s+|been\s+)?(?:resolv\w*|clos\w*|solv\w*|fix\w*|done|"
                 r"finish\w*|answer\w*)|\bun(?:resolved|solved|answered|finished)\b", low):
        f.status = list(TICKET_STATUS["unresolved"])  # "tickets of high priority not resolve"
    f.customer_tier = [t for t in TIERS if re.search(rf"\b{t}\b", low)]
    f.priority = [p for p in PRIORITIES if re.search(rf"\b{p}(?:[- ]priority)?\b", low) and p != "free"]
    if not f.priority and re.search(r"\burgent\b", low):
        f.priority = ["critical", "high"]
    for n in re.findall(r"\bp([1-4])s?\b", low):  # helpdesk priorities as people say them: P1 … P4
        if (p := PRIORITIES[int(n) - 1]) not in f.priority:
            f.priority.append(p)
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


# "list stations", "which stations are in the West region?", "what KPIs do you track?": the catalog itself.
CATALOG_ASK = re.compile(r"^\W*(?:list|show|which|what|name|how\s+many)\b(?:\s+(?:me|all|are|the|our|of|do|you|we|have|track|"
                         r"there))*\s+(stations|regions|kpis|metrics|services|sites|depots|locations)\b", _I)


def catalog_answer(q: str, cat: Catalog) -> str | None:
    """The organisation's own lists, when that is what was asked (no tool needed: it is the catalog)."""
    m = CATALOG_ASK.search(q)
    if not m or re.search(r"\b(attention|need\w*|warning|critical|red|worst|best|wrong|signals?|alert\w*|breach\w*|"
                          r"drop\w*|why|chang\w*|deploy\w*|releas\w*|goals?|targets?|below|above|under|short\s+of|missing)\b", q, _I):
        return None
    what = m.group(1).lower()
    if re.match(r"\W*how\s+many\b", q, _I):  # "how many stations are there?": the count, then the list
        sizes = {"kpis": len(cat.kpis), "metrics": len(cat.kpis), "regions": len(cat.regions),
                 "services": len(cat.services)}
        n = sizes.get(what, len(cat.stations))
        listed = catalog_answer(re.sub(r"^\W*how\s+many\b", "list", q, flags=_I), cat) or ""
        head = f"There is 1 {'KPI' if what == 'kpis' else what[:-1]}." if n == 1 else f"There are {n} {what}."
        return f"{head} {listed}".strip()
    if what in ("kpis", "metrics"):
        return "The KPIs I track: " + "; ".join(f"{v[0]} ({c})" for c, v in cat.kpis.items()) + "."
    if what == "regions":
        return "The regions: " + "; ".join(f"{n} ({c})" for c, n in cat.regions.items()) + "."
    if what == "services":
        return "The services: " + ", ".join(cat.services) + "."
    region = next((c for c, n in cat.regions.items() if re.search(rf"\b({re.escape(c)}|{re.escape(n)})\b", q, _I)), None)
    items = [(c, n) for c, n in cat.stations.items() if region is None or cat.station_regions.get(c) == region]
    where = f" in {cat.regions[region]}" if region else ""
    return f"The stations{where}: " + "; ".join(f"{n} ({c})" for c, n in items) + "."
