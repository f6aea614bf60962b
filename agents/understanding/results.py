"""Follow-ups that refer to what the last turn *found*, not to what it was asked: "why?" after "how is <site>
doing?" (the one KPI found in trouble there), "who deployed it?" / "who made that change?" after "what caused
<incident>?" (the top-ranked change), "what else changed?" after a story (the service's changes around its onset).
The specialists leave those results in the thread's context (``kpi``, ``top_hypothesis``, ``onset``); this turns
them into the plan's subjects."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan, Window
from agents.state import ThreadContext
from agents.understanding.catalog import Catalog
from agents.understanding.incident_times import RESOLVE_TIME_NOTE

_I = re.I
_WHY = re.compile(r"\b(why|caus\w*|root[- ]cause|what\s+changed|explain\w*|behind|reasons?|what\s+happened)\b", _I)
_IT = re.compile(r"\b(it|that|this|them|those|the\s+(?:change|deploy\w*|release|culprit|cause))\b", _I)
_WHO = re.compile(r"\bwho\b|\bwhen\s+was\b|\bwhat\s+was\s+in\b|\bwhat\s+did\s+it\s+change\b|\bdetails?\b", _I)
# the change itself named ("that change", "the deploy"): "tell me more about that change" is about it, not the story
_THE_CHANGE = re.compile(r"\b(?:that|this|the)\s+(?:change|config\s+change|deploy\w*|release|culprit)\b", _I)
# "what else changed?", "any other deploys around then?" after a story: the service's change log around its onset
_ELSE = re.compile(r"^\W*(?:and\s+|so\s+|ok(?:ay)?,?\s+)?(?:what\s+else\s+(?:changed|was\s+(?:changed|deployed|released|"
                   r"rolled\s+out)|went\s+out|got\s+(?:changed|deployed))|(?:were\s+there\s+|was\s+there\s+|any\s+)(?:other|"
                   r"more)\s+(?:changes?|deploy\w*|releases?|config\s+changes?)|"
                   r"(?:did\s+)?anything\s+else\s+(?:change|changed|get\s+changed|deployed|go\s+out|went\s+out)|"
                   r"what\s+other\s+(?:changes?|deploy\w*|releases?|config\s+changes?)\s+(?:were\s+there|happened|"
                   r"went\s+out|were\s+made))(?:\s+(?:then|around\s+then|around\s+that\s+time|at\s+that\s+time|that\s+day|"
                   r"before\s+(?:it|that)))?\W*$", _I)
_MORE = re.compile(r"\bmore\b|\bdetails?\b|\bshow\b|\bwho\b|\bwhen\b", _I)


# "show the evidence", "where did that come from?", "what are your sources?" after an answer
EVIDENCE_ASKED = re.compile(r"\b(?:show|see|give|list|where(?:'s|\s+is|\s+are)?)\b.*\b(?:evidence|sources?|proof|data)\b|"
                            r"\bwhere\s+did\s+(?:that|this|it|you)\b.*\b(?:come|get)\b|\bhow\s+do\s+you\s+know\b|"
                            r"\bsources?\s*\?\s*$|^\W*evidence\W*$", _I)
EVIDENCE_NOTE = ("Every fact in the answer above cites its evidence as [E:id]: a stored record of the query or "
                 "computation that produced it (the tool, its arguments and its result). In the chat panel, click an "
                 "[E:id] to open it; over HTTP, GET /api/evidence/{id}; `opsgraph ask --json` prints them with the run.")
_ONE_OF_THEM = re.compile(r"\b(?:the\s+)?(?:latest|last|most\s+recent|newest|that|this|the)\s+one\b|\bit\b|\bthat\b|"
                          r"\b(?:the\s+)?(?:latest|last|most\s+recent|newest)\b", _I)


def resolve_from_results(plan: QueryPlan, prior: QueryPlan | None, ctx: ThreadContext, question: str,
                         cat: Catalog, today: dt.date | None = None) -> None:
    """Fill ``plan`` in place from the last turn's results when the question points back at them."""
    if prior is None:
        return
    first = ctx.get("incident")  # the incident the list showed first (the latest), left by the last turn
    if (prior.operation == "incident_list" and not plan.subjects.incidents and today is not None and first
            and first in cat.incidents and plan.operation in ("incident_list", "incident_cause", "incident_status", "report")
            and RESOLVE_TIME_NOTE not in plan.notes):  # "what's our MTTR?" after a list of one: a statistic still
        listed = [r.external_id for r in cat.incident_refs  # about what the list showed (today's may be later)
                  if r.started < today and (not prior.filters.status or r.status in prior.filters.status)
                  and (not prior.subjects.services or r.service in prior.subjects.services)
                  and (prior.window is None or r.started <= prior.window.end)]
        if _ONE_OF_THEM.search(question) or listed == [first]:
            plan.subjects.incidents = [first]  # "what caused the latest one?", "draft the postmortem" after a list
            if plan.operation == "report":
                plan.report_kind = "incident"
            else:
                plan.operation = "incident_cause" if _WHY.search(question) else "incident_status"
            plan.filters = type(plan.filters)()
            plan.follow_up = True
            plan.inherited.append("the incident listed first")
            return
    kpi = ctx.get("kpi")
    flagged = prior.operation == "explain" and "explain:flagged" in prior.notes  # "how is <site> doing and why?"
    if (plan.operation in ("attention", "explain") and not plan.kpis and (prior.operation == "attention" or flagged)
            and not prior.kpis and kpi in cat.kpis and _WHY.search(question)
            and [x.code for x in plan.subjects.scopes] == [x.code for x in prior.subjects.scopes]
            and len(plan.subjects.scopes) == 1 and not plan.subjects.services):
        plan.operation, plan.kpis = "explain", [kpi]  # "why?" after "how is <site> doing?": the KPI found there
        plan.follow_up = True
        plan.inherited.append("kpis (found by the last turn)")
        return
    if (plan.operation in ("attention", "explain") and not plan.kpis and prior.operation == "attention"
            and not prior.kpis and not kpi and _WHY.search(question) and len(prior.subjects.scopes) == 1
            and prior.subjects.scopes[0].level == "station"
            and [x.code for x in plan.subjects.scopes] in ([], [x.code for x in prior.subjects.scopes])
            and not plan.subjects.services):
        plan.operation = "explain"  # "why?" after "how is <site> doing?" with several flagged: the worst explained
        plan.subjects.scopes = list(prior.subjects.scopes)
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")] + ["explain:flagged"]
        plan.follow_up = True
        plan.inherited.append("the site (the worst KPI flagged there)")
        return
    first_flagged = str(ctx.get("flagged_first") or "")
    if (plan.operation in ("attention", "explain") and not plan.kpis and prior.operation == "attention"
            and not prior.kpis and not prior.subjects.scopes and not plan.subjects.scopes and _WHY.search(question)
            and "@" in first_flagged and not plan.subjects.services):
        code, site = first_flagged.split("@", 1)
        if code in cat.kpis and site in cat.stations:  # "why?" after "anything I should know?": the first one listed
            from agents.plan import ScopeRef

            plan.operation, plan.kpis = "explain", [code]
            plan.subjects.scopes = [ScopeRef(level="station", code=site, name=cat.stations[site])]
            plan.notes = [n for n in plan.notes if n != "attention:incidents"]
            plan.follow_up = True
            plan.inherited.append("the KPI and station listed first")
            return
    if (prior.operation == "compare" and "all_kpis" in prior.notes and not plan.kpis and _WHY.search(question)
            and "@" in first_flagged and plan.operation in ("clarify", "compare", "explain", "attention", "out_of_scope")
            and not plan.subjects.services):
        code, site = first_flagged.split("@", 1)
        if code in cat.kpis and site in cat.stations and [x.code for x in plan.subjects.scopes] in ([], [site]):
            from agents.plan import ScopeRef  # "why?" after "<site> this week vs the week before": its most worsened

            plan.operation, plan.kpis, plan.clarification = "explain", [code], None
            plan.subjects.scopes = [ScopeRef(level="station", code=site, name=cat.stations[site])]
            plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "all_kpis"))]
            plan.follow_up = True
            plan.inherited.append("the KPI that got most worse in the comparison")
            return
    if flagged and plan.operation == "explain" and not plan.kpis and "explain:flagged" not in plan.notes:
        plan.notes.append("explain:flagged")  # "why?" again, nothing found there: the same answer, not a question
    onset, service = ctx.get("onset"), ctx.get("service")
    if (onset and prior.operation in ("explain", "incident_cause", "report") and _ELSE.match(question)
            and (not plan.kpis or "kpis" in plan.inherited)):  # with no service behind the story (a KPI without related services): every service's
        day = dt.date.fromisoformat(str(onset)[:10])
        plan.operation, plan.clarification, plan.kpis = "changelog", None, []
        plan.subjects.services, plan.subjects.incidents = [service] if service else [], []
        if "scopes" in plan.inherited:  # the story's site is not where its changes were made
            plan.subjects.scopes = []
        plan.inherited = [x for x in plan.inherited if x not in ("kpis", "scopes")]
        plan.subjects.deployments, plan.subjects.config_changes = [], []
        plan.window = Window(start=day - dt.timedelta(days=1), end=day, label=f"the day before {day} (when it moved) "
                             "and that day")
        plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "yesno"))]
        plan.follow_up = True
        plan.inherited.append("the service and onset of the last answer" if service else "the onset of the last answer "
                              "(every service: no service is recorded behind it)")
        return
    if (prior.operation == "changelog" and prior.subjects.services and _ELSE.match(question) and not plan.kpis
            and today is not None):  # "what else changed?" after a service's change log: every service, that window
        plan.operation, plan.clarification, plan.kpis = "changelog", None, []
        plan.subjects = type(plan.subjects)()
        plan.window = prior.window or Window(start=today - dt.timedelta(days=6), end=today, label="the last 7 days")
        plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "yesno"))]
        plan.follow_up = True
        plan.inherited = [x for x in plan.inherited if x not in ("services", "window")] + [
            "the window of the last change log (every service)"]
        return
    one = (prior.subjects.deployments + prior.subjects.config_changes)[:1]
    if (prior.operation == "changelog" and one and one[0] in cat.change_services and _ELSE.match(question)
            and not plan.kpis):  # "what else changed?" after one change's record: every service's, around that day
        day = cat.change_services[one[0]][1]
        plan.operation, plan.clarification, plan.kpis = "changelog", None, []
        plan.subjects = type(plan.subjects)()
        plan.window = Window(start=day - dt.timedelta(days=1), end=day + dt.timedelta(days=1),
                             label=f"the day before {one[0]} ({day}), that day and the day after")
        plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "yesno"))]
        plan.follow_up = True
        plan.inherited.append(f"the day of {one[0]} (every service)")
        return
    top = ctx.get("top_hypothesis")
    named = bool(_THE_CHANGE.search(question) and _MORE.search(question))  # "tell me more about that change"
    if (top and prior.operation in ("incident_cause", "explain", "report") and _IT.search(question)
            and (_WHO.search(question) or named) and (plan.operation in ("clarify", "changelog", "out_of_scope") or (
                (plan.operation.startswith("incident") or plan.operation == "explain")
                and (re.match(r"\W*who\b", question, _I) or named)))
            and not (plan.subjects.deployments or plan.subjects.config_changes)
            and not (plan.subjects.services and "services" not in plan.inherited)
            and "asks:who_handled" not in plan.notes):  # "who was on it?": the incident's people, not the change's
        if top in cat.deployments:
            plan.subjects.deployments = [top]
        elif top in cat.config_changes:
            plan.subjects.config_changes = [top]
        else:
            return
        plan.operation, plan.clarification = "changelog", None  # "who deployed it?": the change ranked first
        plan.subjects.services, plan.subjects.incidents = [], []
        plan.notes = [n for n in plan.notes if not n.startswith("pending:")]
        plan.follow_up = True
        plan.inherited.append("the top-ranked change")
