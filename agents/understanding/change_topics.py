"""A question about changes to a *thing* rather than to a service: "did anyone change the retry settings?", "any
changes to the TLS config last week?", "was the connection pool size touched recently?". The thing is searched for
in the change log (keys, descriptions, versions, commit messages — :func:`tools.changes.search.search_changes`);
the plan becomes ``changelog`` with the note ``about:<the thing>`` and, without a period, the last 30 days."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan, Window
from agents.understanding.calendar_words import MON
from agents.understanding.catalog import Catalog
from agents.understanding.vocab import STOP

_I = re.I
_VERB = r"(?:chang|touch|modif|tweak|bump|edit|updat|adjust|alter|rais|lower|flipp|flip|increas|decreas|reduc|turn)\w*"
_DET = r"(?:(?:the|our|any|its|their|a|some)\s+)?"
_TAIL = (r"(?:\s+(?:recently|lately|today|yesterday|this\s+\w+|last\s+\w+|in\s+the\s+(?:last|past)\b.*|since\b.*|"
         r"over\s+the\s+(?:last|past)\b.*|during\b.*|(?:on|in)\s+\w+day\b.*|at\s+all))*\s*[?.!]*$")
_PATTERNS = (
    # "did anyone change the retry settings?", "has somebody touched the cache ttl this month?"
    re.compile(r"^\s*(?:did|has|have|had)\s+(?:any\s*(?:one|body)|some\s*(?:one|body)|we|they|you|people|ops|the\s+team)"
               rf"\s+(?:recently\s+)?{_VERB}\s+{_DET}(?P<topic>.+?){_TAIL}", _I),
    # "any changes to the TLS config last week?", "were there changes to the retry policy?"
    re.compile(r"^\s*(?:(?:were|are|was|is)\s+there\s+)?(?:any|recent|some)?\s*(?:changes?|edits?|updates?|tweaks?)"
               rf"\s+(?:to|of|on|in)\s+{_DET}(?P<topic>.+?){_TAIL}", _I),
    # "was the connection pool size changed recently?", "has the TLS cert been updated?"
    re.compile(rf"^\s*(?:was|were|has|have|did)\s+{_DET}(?P<topic>.+?)\s+(?:been\s+|get\s+|got\s+)?{_VERB}{_TAIL}", _I),
    # "who changed the retry settings?"
    re.compile(rf"^\s*who\s+(?:has\s+)?{_VERB}\s+{_DET}(?P<topic>.+?){_TAIL}", _I),
)
#: A topic made only of these says nothing about which change ("did anyone change anything?").
_VAGUE = re.compile(r"^(?:anything|something|stuff|things?|it|that|this|them|config\w*|settings?|everything|"
                    r"any\s+config\w*|the\s+config\w*|deploy\w*|releases?|code|prod\w*)$", _I)
#: Notes of a change-log plan whose question has its own answer (people ranked, secrets only, one person's, the latest).
_HANDLED = ("rank:", "only:", "person:", "latest:", "asks:")


# "any deploys to payments last week?", "releases of the billing service": the service a deployment went to
_DEPLOYED_TO = re.compile(r"\b(?:deploy\w*|re-?deploy\w*|releases?|released|rollouts?|rolled\s+out|ship\w*|pushe[sd]|"
                          r"pushes)\s+(?:to|on|of|for|in)\s+(?:the\s+|our\s+)?([a-z][\w.-]*)(?:\s+(?:service|svc|api|app)\b)?",
                          _I)
# where a deployment goes that is not a service: environments, clusters, regions of a platform
_NOT_A_SERVICE = frozenset("prod production staging stage live dev development test qa uat preprod pre-prod canary "
                           "main master k8s kubernetes cluster clusters cloud aws gcp azure servers server everything "
                           "anything something all any it them that this these those last yesterday today".split())


def deploy_target(question: str, cat: Catalog) -> str | None:
    """The word a deployment question names as where it went ("deploys to payments") when it is no service, site,
    region or KPI of the organisation and no environment: said as an unknown service, never every service's log."""
    if (m := _DEPLOYED_TO.search(question)) is None:
        return None
    word = m.group(1).lower().rstrip(".")
    known = ({x.lower() for x in cat.services} | {x.lower() for x in cat.stations} | {x.lower() for x in cat.regions}
             | {w.lower() for names in [*cat.stations.values(), *cat.regions.values()] for w in re.findall(r"\w+", names)}
             | {w.lower() for names in cat.kpis.values() for n in names for w in re.findall(r"\w+", n)})
    if (word in _NOT_A_SERVICE or word in known or word in STOP or word in MON  # "on the 24th", "on nov 24"
            or re.fullmatch(r"\d.*|[a-z]+day|week\w*|month\w*|.*\d", word)):
        return None
    return word


def anything_changed(question: str) -> bool:
    """"Did anyone change anything yesterday?", "did someone change something last night?": the change log of the
    period asked, every service (a vague topic names no one change)."""
    q = question.strip()
    if (m := _PATTERNS[0].match(q)) is None:
        return False
    topic = re.sub(r"\s+(?:on|to|in|for|with|at)\s+.*$", "", re.sub(r"\s+", " ", m.group("topic")).strip(" ,;:"))
    return bool(_VAGUE.fullmatch(re.sub(r"^(?:the|our|any|its|their|a|some)\s+", "", topic, flags=_I)))


def change_topic(question: str, plan: QueryPlan, cat: Catalog) -> str | None:
    """The thing a "did anyone change X?" question is about, when it names no KPI, site, incident or change id
    (those have their own answers); None otherwise. With one service named ("did anyone touch the slot ttl?" where
    "slot" names ``slot.allocator``), the thing is what is left once the service's words are taken out, searched in
    that service's changes — unless nothing is left ("any changes to checkout-api?": its change log)."""
    s = plan.subjects
    if any(u.kind not in ("station", "KPI") for u in plan.unknown):
        return None  # "any changes to chekout-api?": an unknown service is said so, with suggestions
    if plan.operation == "changelog" and any(n.startswith(_HANDLED) for n in plan.notes):
        return None  # "who changed the most config?", "were any passwords changed?": the change log answers those
    if plan.kpis or s.scopes or len(s.services) > 1 or s.incidents or s.deployments or s.config_changes or s.commits or s.tickets:
        return None
    q = question.strip()
    for i, pat in enumerate(_PATTERNS):
        m = pat.match(q)
        if m is None or (s.services and i == 2):
            continue  # "has the error rate on <service> changed?": its metric, not who changed a setting
        topic = re.sub(r"\s+", " ", m.group("topic")).strip(" ,;:")
        if s.services:
            topic = _without_service(topic, s.services[0])
        topic = re.sub(r"^(?:the|our|any|its|their|a|some)\s+", "", topic, flags=_I)
        if not topic or _VAGUE.fullmatch(topic) or len(topic) > 60:
            return None
        if any(w.lower() in {x.lower() for x in cat.services} for w in topic.split()):
            return None  # a service's changes are listed by the change log itself
        return topic
    return None


def _without_service(topic: str, service: str) -> str:
    """``topic`` without the words of ``service``'s name ("the slot ttl" of slot.allocator → "the ttl") or a
    "on/of/for <service>" tail."""
    parts = {w.lower() for w in re.split(r"[-_.\s]+|(?<=[a-z])(?=[A-Z])", service) if w}
    topic = re.sub(rf"\s*\b(?:on|of|for|in)\s+(?:the\s+)?{re.escape(service)}(?:\s+(?:service|svc))?\b", "", topic,
                   flags=_I)
    kept = [w for w in topic.split() if w.lower() not in parts and w.lower() != service.lower()]
    # "the connection timeout on the csms" of ocpp-csms: "connection timeout", not "… on the"
    return re.sub(r"(?:\s+(?:on|of|for|in|at|to|the|a|an|our))+$", "", " ".join(kept), flags=_I).strip(" ,;:")


def as_topic_search(plan: QueryPlan, topic: str, today: dt.date) -> None:
    """Make ``plan`` a change-log search for ``topic`` (the last 30 days when no period was given)."""
    plan.operation, plan.clarification, plan.unknown = "changelog", None, []
    if plan.window is None:
        plan.window = Window(start=today - dt.timedelta(days=29), end=today, label="in the last 30 days")
    plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "kinds:", "wanted:"))] + [f"about:{topic}"]
