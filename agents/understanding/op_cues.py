"""The cue words the operation is chosen by (changes, stories, ticket shapes, trouble topics, a service's own queue
metric, overviews, runbooks) and their small helpers; :mod:`agents.understanding.operation` decides with them."""

from __future__ import annotations

import re

from agents.plan import QueryPlan, ServiceMetric
from agents.understanding.asks import SECRET_CHANGED
from agents.understanding.cues import _I, _PLACE, _PLACE_NOUN, _TICKETS
from agents.understanding.phrasings import GOAL_ANYWHERE

_CHANGE_WORDS = re.compile(r"\b(deploy\w*|releases?|released|firmware|upgrade[ds]?|rollouts?|rolled\s+out|rollbacks?|roll(?:ed|ing|s)?\s+back|"
                           r"(?:chang|touch|edit|modif|tweak|updat)\w*\s+(?:the\s+|any\s+|its\s+)?config\w*|"
                           r"config(?:uration)?\s+changes?|commits?|depend\w*|"
                           r"(?:chang|touch|edit)\w*\s+(?:the\s+)?(?:most|more)\s+config\w*|"
                           r"what\s+(?:did|has|have)\s+[a-z][\w.@-]*\s+(?:chang|deploy|push|ship|releas|touch|roll)\w*|"
                           r"(?:changes?|deploy\w*|releases?)\s+(?:that\s+)?[a-z][\w.@-]*\s+(?:has\s+|have\s+|had\s+)?"
                           r"(?:made|did|done|pushed|shipped|deployed)|"
                           r"(?:did|has|have)\s+[a-z][\w.@-]*[._@][\w.@-]+\s+(?:chang|deploy|push|ship|releas|touch|roll|edit|modif)\w*)\b", _I)
# "what changed yesterday?", "anything changed this morning?", "any changes on Thursday?": the org-wide change log
_ORG_CHANGED = (r"\b(?:what|anything|something)\s+(?:has\s+|got\s+|was\s+|were\s+)?changed\b|"
                r"\b(?:which|what)\s+services?\s+(?:have\s+|has\s+|were\s+|was\s+|got\s+)?(?:been\s+)?"
                r"(?:changed|deployed|released|updated|touched)\b|\b(?:most|more|fewest|busiest)\s+(?:changes|deploy\w*|releases)\b|"
                r"\b(?:did|has)\s+anything\s+(?:been\s+)?chang\w*|"
                r"\b(?:any|which|what|all(?:\s+the)?|list(?:\s+the)?)\s+changes\b|" + SECRET_CHANGED)


# "<service> alloc failures jumped": a service's metric moved (explained from its onset), not a list of incidents
_MOVED = re.compile(r"\b(jump\w*|spik\w*|surg\w*|r[io]se|rising|went\s+up|increas\w*|climb\w*|doubl\w*|tripl\w*)\b", _I)
# a service metric's story rather than its value: "when did it start", "what's going on with", "any anomalies"
_STORY = re.compile(r"\bwhen\b|\bsince\b|\bonset\b|\bgoing\s+on\b|\bwrong\b|\banomal\w*|\bchang\w*|\bmov(?:e|ed|ing)\b|"
                    r"\bhappen\w*|\bissues?\b|\bproblems?\b|\bincidents?\b|\bstart\w*\b", _I)
# tickets split by a field, and how long they waited ("average first response time", "time to resolve by priority")
_TICKET_BY = re.compile(r"\b(?:by|per|for\s+each|broken\s+down\s+by|split\s+by|across)\s+(?:customer\s+)?"
                        r"(products?|priorit(?:y|ies)|tiers?|status(?:es)?|urgency)\b", _I)
_TICKET_TIME = re.compile(r"\b(?:first[- ]response|response|resolution|resolve|handling|turnaround)\s+times?\b|"
                          r"\btime\s+to\s+(?:first\s+)?(?:respond|response|resolve|resolution|close)\b|"
                          r"\bhow\s+(?:long|fast|quickly)\b.*\b(?:respond|answer|resolv|clos)\w*", _I)
# "what's <ticket> about", "tell me about <ticket>", "show me <ticket>", "details of <ticket>"
_TICKET_ABOUT = re.compile(r"\babout\b|\bdetails?\b|\bstatus\b|\bupdate\s+on\b|\bwhere\s+(?:is|are|does)\b|\bsummar\w*|\bsays?\b|\bdescri\w*|\bshow\b|\blook\s+at\b|"
                           r"\bopen\s+up\b|\bpull\s+up\b|^\W*what(?:'s|\s+is|\s+was)\s+(?:with\s+|in\s+)?(?:the\s+)?"
                           r"(?:ticket\s+)?[\w.-]+\W*$", _I)
# "… and why?", "what's behind it": a ranking question that also asks for the reason ("worst" alone does not)
_RANK_WHY = re.compile(r"\bwhy\b|\bwhat(?:'s|\s+is)\s+behind\b|\bexplain\b|\breasons?\b|\bcaus\w*|\bwhat\s+happened\b", _I)


_TROUBLE = r"(?:problems?|issues?|trouble|troubles|faults?|complaints?|glitch\w*)"
_TOPIC = r"([a-z][\w.-]*(?:\s+[a-z][\w.-]*)?)"
_NOT_TOPIC = {"any", "some", "the", "a", "an", "big", "bigger", "biggest", "major", "minor", "what", "which", "no",
              "other", "these", "those", "our", "my", "their", "its", "recent", "open", "new", "known", "current",
              "serious", "main", "top", "real", "similar", "more", "many", "few", "last", "this", "that", "had", "have",
              "has", "were", "was", "there", "are", "is", "any other", "all", "of", "with", "in", "at", "we", "us",
              "worst", "most", "common", "recurring", "ongoing", "outstanding", "unresolved", "people", "users"}


def _trouble_topic(q: str) -> str | None:
    """"which wards had cabinet problems", "any issues with the badge printer": the thing people had trouble with,
    when it is a word the data's names do not know (the caller checks that), else None."""
    m = (re.search(rf"\b{_TROUBLE}\s+(?:with|about|regarding|on|in)\s+(?:the\s+|our\s+|their\s+)?{_TOPIC}", q, _I)
         or re.search(rf"\b{_TOPIC}\s+{_TROUBLE}\b", q, _I))
    if m is None:
        return None
    words = [w for w in m.group(1).lower().split() if w not in _NOT_TOPIC]
    return " ".join(words) if words and len(" ".join(words)) >= 3 else None


# "queue depth of <service> now", "<service> job backlog": a service's own metric named by a ticket-ish word
_QUEUE_METRIC = re.compile(r"\b(?:(?:job|jobs|message|messages|task|tasks|work|event|events|retry|dead[- ]letter)\s+)?"
                           r"(?:queue|backlog)(?:\s+(?:depth|length|size|age|lag|wait))?\b", _I)


def _service_queue(q: str, plan: QueryPlan) -> bool:
    """A named service and a queue/backlog phrase as the only ticket word: the service's metric of that name
    (the tool matches it to the service's own metric names), not the ticket queue."""
    cues = {m.group(0).lower() for m in _TICKETS.finditer(q)}
    if not plan.subjects.services or not cues <= {"queue", "backlog"} or not (m := _QUEUE_METRIC.search(q)):
        return False
    plan.service_metrics = [ServiceMetric(name=" ".join(m.group(0).lower().split()))]
    return True


# "avg queue time at <site>", "queue length at <site>": how long people queue at a place, not the ticket queue
_PLACE_QUEUE = re.compile(r"\b(?:(?:avg|average|mean|median|typical)\s+queue|queue)\s+(?:times?|lengths?|minutes?|mins?|"
                          r"waits?|waiting|sizes?|duration)\b", _I)


def _site_queue(q: str, plan: QueryPlan) -> bool:
    """A place named, no service, and "queue" only as a measure of people waiting there ("avg queue time at <site>"):
    a metric of that place (a KPI, or one it does not have), not the organisation's ticket queue."""
    cues = {m.group(0).lower() for m in _TICKETS.finditer(q)}
    return (bool(plan.subjects.scopes) and not plan.subjects.services and cues == {"queue"}
            and _PLACE_QUEUE.search(q) is not None)


def _change_kinds(q: str) -> list[str]:
    """Which kinds of change an org-wide change question asks about, as plan notes (both when it says "changes")."""
    deploys = re.search(r"\b(deploy\w*|releas\w*|rollouts?|rolled\s+out|rollbacks?|roll(?:ed|ing|s)?\s+back|shipped)\b", q, _I)
    configs = re.search(r"\bconfig\w*|\bsettings?\b|\bparameters?\b", q, _I)
    if bool(deploys) == bool(configs):
        return []
    return ["kinds:deployment" if deploys else "kinds:config_change"]


_NOW_WORDS = frozenset({"today", "tonight", "last night", "overnight", "this morning", "this afternoon", "this evening"})
_BROKE = re.compile(r"\b(?:broke|break\w*|impact\w*|affect\w*|harm\w*|hurt)\b", _I)
# "did <change> make <svc> slower?", "did it slow <svc> down / degrade its latency?": a metric's before and after
MADE_WORSE = re.compile(r"\b(?:make|made|makes|making)\s+(?:[\w'-]+\s+){0,4}?(?:slower|faster|worse|better|flakier|"
                        r"(?:less|more)\s+(?:reliable|stable))\b|\bslow(?:ed|s)?\s+(?:[\w'-]+\s+){0,3}?down\b|"
                        r"\b(?:degrad|worsen)\w*", _I)
# "is the increase related to / due to / caused by <change>?", "did <change> cause the jump?": a yes/no about that change
_RELATION = re.compile(r"\b(?:related|linked|tied|connected|attributable|down)\s+to\b|\bdue\s+to\b|\bcaused\s+by\b|"
                       r"\bbecause\s+of\b|\bresult\s+of\b|^\W*(?:did|does|could|can|might|would|was|is)\b.*\bcaus\w*", _I)
_HOW_DOING = re.compile(r"\bhow\s+(?:is|are|was|were|did|has|have)\b.*\b(doing|going|looking|perform\w*|trend\w*)\b|"
                        r"\b(?:doing|performing)\s+(?:on|with)\b|\btrends?\b", _I)
_RUNBOOK = re.compile(r"\b(run\s?books?|playbooks?|sops?|standard operating procedures?|procedures?\s+(?:for|to|when|on)|"
                      r"how\s+(?:do|should|can)\s+(?:i|we)\s+(?:handle|deal\s+with|respond\s+to|fix|troubleshoot)|"
                      r"what\s+(?:do|should)\s+(?:i|we)\s+do\s+(?:when|if|about))\b", _I)
_RUNBOOK_WORDS = re.compile(r"\b(find|show|give|get|me|the|a|an|is|there|any|which|what|our|for|to|about|on|please|"
                            r"run\s?books?|playbooks?|sops?|procedures?|documents?|docs?)\b", _I)


_OVERVIEW = re.compile(rf"\bhow\s+are\s+(?:the\s+|all\s+(?:of\s+)?(?:the\s+|our\s+)?|our\s+)?(?:other\s+)?{_PLACE_NOUN}s\s+"
                       r"(?:doing|going|looking|performing)\b|\bon\s+fire\b|\bburning\b|\bbig\s+picture\b|\bwhat\s+should\s+(?:i|we)\s+(?:look\s+at|check|"
                       r"focus\s+on|start\s+with|prioriti[sz]e|worry\s+about)\b|\bwhere\s+(?:do|should)\s+(?:i|we)\s+"
                       r"(?:start|begin)\b|\b(?:is\s+)?anything\s+(?:broken|down|failing|burning|red)\b|"  # a first shift
                       r"\bone[- ]?liner\b|"
                       # a shift handing over: "anything I should know before I hand over?", "hand-over notes"
                       r"\bhand(?:ing)?[- ]?overs?\b|\bhand(?:ing)?\s+(?:it\s+)?over\b|\bshift\s+(?:change|notes|report)\b|"
                       r"\b(?:anything|what)\s+(?:should|do|must|would)\s+(?:i|we|they|the\s+next\s+shift)\s+(?:need\s+to\s+)?"
                       r"(?:know|be\s+aware\s+of|watch|flag)\b|"
                       r"\b(?:what(?:'s| is)|anything)\s+(?:new|going\s+on)\s+(?:today|tonight|this\s+(?:morning|shift))\b|\b(?:summar(?:y|ise|ize)|overview|rundown|recap|snapshot|tl;?dr|briefing|"
                       r"status\s+(?:report|update))\b|\bhow\s+(?:is\s+|are\s+)?(?:the\s+)?(?:company|business|"
                       r"operation|ops|we|things|everything)\s+(?:is\s+|are\s+)?(?:doing|going|looking|performing)\b|"
                       # "how's the network tonight", "one line: how did the network do last week": the whole estate
                       r"^\W*(?:(?:in\s+)?one\s+line\W+|[^:?]{0,40}:\s*)?how(?:['’]?s|\s+is|\s+are|\s+was|\s+were|\s+did)\s+(?:the\s+|our\s+)?"
                       r"(?:network|estate|fleet|organi[sz]ation|org|operations?|business|company)\b(?!\s+(?:of|for)\b)", _I)
# "any station below 90 on otp today?", "which sites are over 450 on delays": the places counted against that number
PLACES_BEYOND = (rf"\b(?:any|which|what|how\s+many)\s+(?:of\s+(?:the\s+|our\s+)?)?{_PLACE}\s+(?:is\s+|are\s+|was\s+|were\s+)?"
                 r"(below|under|less\s+than|lower\s+than|above|over|more\s+than|higher\s+than)\s+(\d+(?:\.\d+)?)\b")
_OK_EVERYWHERE = re.compile(r"\b(?:ok|okay|fine|healthy|on\s+(?:target|track))\s+(?:everywhere|across|at\s+all|in\s+all|"
                            r"for\s+all)\b|\b(?:below|under|above|over|short\s+of|missing|off|behind|meeting|"
                            r"miss(?:es|ed)?)\s+(?:the\s+|its\s+|our\s+|their\s+)?(?:[\w.%-]+\s+){0,4}(?:goal|target)s?\b|"
                            # "are any stations in the red on X?": each one checked
                            rf"\b(?:any|which|what)\s+{_PLACE}\s+(?:are\s+|is\s+)?(?:in\s+the\s+red|red|in\s+trouble|"
                            r"struggling|off[- ]track|flagged)\b|"
                            # "how many hubs hit the availability goal?", "which sites made target?": the places counted
                            rf"\b(?:how\s+many|which|what|any)\s+(?:of\s+(?:the\s+|our\s+)?)?{_PLACE}\b.*?\b(?:hitting|hit|hits|"
                            r"making|made|makes|reach\w*|met|meets?)\s+(?:the\s+|its\s+|our\s+|their\s+)?(?:[\w.%-]+\s+){0,4}?"
                            r"(?:goal|target)s?\b|" + PLACES_BEYOND + "|" + GOAL_ANYWHERE, _I)
