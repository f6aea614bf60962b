"""Follow-ups: a turn inherits from the thread's last plan only what it does not name itself."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import Clarification, QueryPlan, ScopeRef, ServiceMetric, Window
from agents.understanding.cues import (
    _CHANGELOG,
    _COMPANY,
    _COMPARE,
    _COUNT,
    _DEPENDS,
    _FOLLOW,
    _PLACE_NOUN,
    _RANK,
    _ROLE,
    _STATUS,
    _TOPN,
    _WORDN,
    _ticket_filters,
)
from agents.understanding.incident_times import keep_resolve_time
from agents.understanding.metric_asks import STILL, still_now
from agents.understanding.timeshift import default_shift, shift_back

_KPI_OPS = ("lookup", "explain", "compare", "rank", "attention")
_CUE = re.compile(r"^\s*(and|what about|how about|same|also|now|ok(?:ay)?|then|for|instead|vs)\b|"
                  r"\b(same (?:thing|question|for)|there|that one|instead|too|as well|the chart|the week before|"
                  r"the day before|the month before|that period|then|it|its|that|this one|them|those|which one|which is|"
                  r"worse|better|higher|lower)\b", re.IGNORECASE)
_BREAKDOWN = re.compile(r"\b(break(?:\s+it)?\s+down|by station|per station|each station|by region|per region|"
                        r"each region|split by)\b", re.IGNORECASE)
_WHY_ASKED = re.compile(r"\b(why|caus\w*|root[- ]cause|what changed|explain\w*|behind|reason|what happened)\b", re.IGNORECASE)
_ALL_OF_THEM = re.compile(r"^\W*(?:(?:yes|ok(?:ay)?|sure)\W+)?(?:all|both|each|every\s*one|every|the\s+lot|them\s+all)\b", re.I)
_CAUSE = re.compile(r"\b(caus\w*|why|root|behind|changed)\b", re.IGNORECASE)


_INCIDENT_NOUN = re.compile(r"\b(?:incidents?|outages?|downtime|disruptions?|sev ?[1-4]s?|p[0-4]s)\b", re.IGNORECASE)


def _relative(plan: QueryPlan) -> str | None:
    return next((n.split(":", 1)[1] for n in plan.notes if n.startswith("relative:")), None)


def _grain(plan: QueryPlan) -> str | None:
    return next((n.split(":", 1)[1] for n in plan.notes if n.startswith("grain:")), None)


def merge(new: QueryPlan, prior: QueryPlan | None, question: str, today: dt.date) -> QueryPlan:
    """Fill what this turn leaves open from the thread's last plan; resolve "the week before"."""
    rel, grain = _relative(new), _grain(new)
    plan = new  # parse() made it for this turn alone: filled in place
    wanted = next((n.split(":", 1)[1] for n in plan.notes if n.startswith("wanted:")), None)
    changes_any = "changes:any" in plan.notes  # "what changed …" with no subject (the parser)
    plan.notes = [n for n in plan.notes if not n.startswith(("relative:", "grain:", "wanted:")) and n != "changes:any"]
    if rel and plan.window is None:
        plan.window = shift_back(prior.window, rel) if prior and prior.window else default_shift(rel, today)
        if prior and prior.window:
            plan.inherited.append("window")
    if plan.operation == "clarify" and wanted:
        plan.notes.append(f"pending:{wanted}")  # what to do once the user answers
    if prior is not None and prior.operation == "unknown" and plan.operation not in ("unknown",) and (
            answered := _answer(plan, prior, question)):
        return _with_grain(answered, grain, today)  # "sorry, I meant <station>"
    if prior is None or prior.operation in ("unknown", "out_of_scope"):
        return _with_grain(_subject_asked(plan, question), grain, today)
    if changes_any and (prior.kpis or prior.subjects.services or prior.subjects.incidents):
        plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "kinds:"))]
        plan.operation, plan.clarification = "out_of_scope", None  # "what changed?" in a thread: about its subject
        return merge(plan, prior, question, today)
    if (prior.operation == "changelog" and not prior.subjects.services and prior.window and plan.subjects.services
            and plan.operation in ("explain", "changelog") and not plan.kpis and not plan.subjects.incidents
            and not _WHY_ASKED.search(question) and not (plan.operation == "explain" and plan.service_metrics)
            and "metric:health" not in plan.notes):  # "err rate payments" after "rollback?": its metric now
        plan.operation = "changelog"  # "fare-engine" after "what changed yesterday?": that service, that window
        if plan.window is None or not plan.window.explicit:
            plan.window = prior.window
            plan.inherited.append("window")
        plan.notes += [n for n in prior.notes if n.startswith("kinds:") and n not in plan.notes]
        plan.follow_up = True
        return _with_grain(plan, grain, today)
    if (prior.subjects.services and not plan.subjects.services and not plan.subjects.incidents and not plan.kpis
            and plan.operation in ("incident_list", "incident_status") and STILL.search(question)
            and not _INCIDENT_NOUN.search(question) and still_now(plan, question)):
        plan.subjects.services = list(prior.subjects.services)  # "is it still failing?": the service, not incidents
        plan.filters = type(plan.filters)()
        plan.follow_up = True
        plan.inherited.append("services")
        return _with_grain(plan, grain, today)
    if prior.operation == "clarify" and prior.clarification:
        if answered := _answer(plan, prior, question):
            return _with_grain(answered, grain, today)
        if plan.operation == "out_of_scope":
            return prior.model_copy(deep=True)  # not an answer: ask again
        return _with_grain(plan, grain, today)  # a new question
    s, ps = plan.subjects, prior.subjects
    names_something = bool(s.scopes or s.services or s.incidents or s.tickets or plan.kpis or s.deployments
                           or s.config_changes or s.commits)
    cue = bool(_CUE.search(question) or _FOLLOW.search(question))
    if (plan.operation == "clarify" and wanted == "changelog" and prior.subjects.services and plan.clarification
            and plan.clarification.kind == "service"):
        plan.operation, plan.clarification = "changelog", None  # "any deploys to it?": the thread's service
        plan.subjects.services = list(prior.subjects.services)
        plan.inherited.append("services")
        plan.follow_up = True
    if plan.operation == "clarify" and wanted and prior.kpis and plan.clarification and plan.clarification.kind == "KPI":
        plan.operation, plan.clarification = wanted, None  # type: ignore[assignment]
        plan.kpis = list(prior.kpis)
        plan.inherited.append("kpis")
        plan.follow_up = True
    why = bool(_WHY_ASKED.search(question))
    ranks = bool(_RANK.search(question) or _BREAKDOWN.search(question))
    if plan.operation == "out_of_scope":
        if not (names_something or cue or rel or plan.window or plan.chart or grain or why or ranks
                or (ps.services and STILL.search(question))):
            return _with_grain(plan, grain, today)
        plan.operation = prior.operation if prior.operation != "clarify" else "lookup"
        keep_resolve_time(plan, prior, question)  # "and by priority?" after "what's our MTTR?"
        if prior.kpis and plan.operation in _KPI_OPS and why:
            plan.operation = "explain"
        elif prior.kpis and plan.operation in _KPI_OPS and ranks and not s.scopes:
            plan.operation = "rank"
            plan.group_by = "region" if re.search(r"\bregions?\b", question, re.IGNORECASE) else "station"
        if plan.operation == "ticket_stats":
            new_f, old_f = _ticket_filters(question), prior.filters
            plan.filters = old_f.model_copy(update={k: v for k, v in new_f.model_dump().items() if v})
            plan.count = plan.count or bool(_COUNT.search(question))
        if ps.incidents and not s.incidents and plan.operation.startswith("incident"):
            plan.operation = "incident_cause" if _CAUSE.search(question) else (
                "incident_status" if _STATUS.search(question) else plan.operation)
        if (ps.services and _CHANGELOG.search(question) and not s.incidents
                and plan.operation in ("explain", "changelog")):
            plan.operation = "changelog"
            plan.include_dependencies = bool(_DEPENDS.search(question))
        if ps.services and not s.incidents and not plan.kpis:
            still_now(plan, question)  # "is it still slow?" after the service's story or its change log: it now
        plan.follow_up = True
        if plan.chart and plan.operation in ("explain", "attention", "rank"):
            plan.operation = "lookup"
        for field in ("order", "limit", "group_by", "report_kind", "rate", "count", "include_dependencies"):
            if getattr(plan, field) in (None, False) and getattr(prior, field) not in (None, False):
                setattr(plan, field, getattr(prior, field))
                plan.inherited.append(field)
        if plan.filters == type(plan.filters)() and prior.filters != type(prior.filters)() and plan.operation != "ticket_stats":
            plan.filters = prior.filters.model_copy(deep=True)
            plan.inherited.append("filters")
    if (plan.operation == "ticket_stats" and ps.tickets and not s.tickets
            and re.search(r"\b(its|it|this ticket|that ticket|the ticket|that one)\b", question, re.IGNORECASE)):
        plan.operation = "ticket_sla" if plan.filters.sla or re.search(r"\bsla\b", question, re.IGNORECASE) else "ticket_classify"
        s.tickets = list(ps.tickets)
        plan.filters = type(plan.filters)()
        plan.rate, plan.count = None, False
        plan.inherited.append("tickets")
        plan.follow_up = True
    if (plan.operation == "ticket_stats" and prior.operation == "ticket_stats" and not plan.follow_up
            and re.search(r"\b(those|them|these|of them|of those|and|also|what about|how about)\b", question, re.IGNORECASE)):
        plan.filters = prior.filters.model_copy(update={k: v for k, v in plan.filters.model_dump().items() if v})
        plan.window = plan.window or prior.window
        plan.follow_up = True
        plan.inherited.append("filters")
    if plan.operation == "lookup" and not s.scopes and prior.operation in ("compare", "rank") and plan.kpis:
        plan.operation = prior.operation  # "what about <another KPI>?" after a comparison or a ranking
        for field in ("order", "limit", "group_by"):
            if getattr(plan, field) is None and getattr(prior, field) is not None:
                setattr(plan, field, getattr(prior, field))
        plan.follow_up = True
    if plan.operation == "rank" and (m := _TOPN.search(question)):
        plan.limit = int(m.group(1)) if m.group(1).isdigit() else _WORDN[m.group(1).lower()]
    if plan.operation == "rank" and plan.follow_up:
        if re.search(r"\b(best|strongest)\b", question, re.IGNORECASE):
            plan.order = "best"
        elif re.search(r"\b(worst|weakest)\b", question, re.IGNORECASE):
            plan.order = "worst"
        plan.order = plan.order or prior.order or "worst"
        plan.group_by = plan.group_by or prior.group_by or "station"
    if (plan.operation in ("lookup", "attention") and _COMPARE.search(question) and len(s.scopes) == 1 and ps.scopes
            and s.scopes[0] not in ps.scopes and (plan.kpis or prior.kpis)):
        plan.operation = "compare"
        s.scopes = [*ps.scopes[:1], *s.scopes]
    if plan.operation in _KPI_OPS and not (s.services or s.incidents or s.tickets) and (
        plan.operation != "attention" or s.scopes or plan.follow_up
    ) and not (plan.operation == "explain" and ps.services and not prior.kpis and not names_something):
        if not plan.kpis and prior.kpis:
            plan.kpis = list(prior.kpis)
            plan.inherited.append("kpis")
            plan.follow_up = True
            if plan.operation == "attention" and s.scopes:
                plan.operation = prior.operation if prior.operation in ("lookup", "explain", "compare") else "lookup"
                if prior.operation == "rank" and all(x.level == "region" for x in s.scopes):
                    plan.operation = "rank"  # "what about the southern route": its stations, ranked
        keep = [x for x in ps.scopes if plan.operation != "rank" or (x.level == "region" and plan.group_by == "station")]
        if not s.scopes and keep and not _COMPANY.search(question):
            s.scopes = [x.model_copy() for x in keep]
            plan.inherited.append("scopes")
            plan.follow_up = True
        if plan.operation == "compare" and len(s.scopes) == 1 and ps.scopes and s.scopes[0] not in ps.scopes:
            s.scopes = [*ps.scopes[:1], *s.scopes]
    elif (plan.operation in ("explain", "changelog") and not names_something and ps.services
          and (not any(n.startswith("person:") for n in plan.notes)  # "what did j.okafor change": that person's
               or re.search(r"\bthere\b|\b(?:that|this|the\s+same)\s+(?:service|system|app\w*)\b|\bto\s+it\b", question, re.I))):
        s.services = list(ps.services)
        plan.inherited.append("services")
        plan.follow_up = True
        if plan.operation == "explain" and not plan.service_metrics and prior.service_metrics:
            from agents.understanding.metric_asks import metric_value_asked

            named = [ServiceMetric(role=role) for role, rx in _ROLE if rx.search(question)]
            plan.service_metrics = named or [m.model_copy() for m in prior.service_metrics]  # "and over the last 24h?"
            if not named:                                           # after "p99 for search right now?"; "and error
                plan.inherited.append("service_metrics")            # rate?" after its latency: that metric instead
            metric_value_asked(question, plan)
        elif plan.operation == "explain":
            from agents.understanding.metric_asks import stability_asked

            stability_asked(question, plan)  # "is it stable?" after "is fx-quote ok?": that service, a verdict
    elif plan.operation.startswith("incident") and not s.incidents and ps.incidents and not names_something:
        s.incidents = list(ps.incidents)
        plan.inherited.append("incidents")
        plan.follow_up = True
    elif (plan.operation.startswith("ticket_") and plan.operation != "ticket_stats" and not s.tickets and ps.tickets
          and plan.ticket_text is None):
        s.tickets = list(ps.tickets)
        plan.inherited.append("tickets")
        plan.follow_up = True
    elif plan.operation == "report" and not (s.incidents or plan.kpis):
        if ps.incidents:
            s.incidents, plan.report_kind = list(ps.incidents), "incident"
            plan.inherited.append("incidents")
        elif prior.kpis:
            plan.kpis, plan.report_kind = list(prior.kpis), "investigation"
            if not s.scopes:
                s.scopes = [x.model_copy() for x in ps.scopes]
            plan.inherited.append("kpis")
        plan.follow_up = bool(plan.inherited)
    if (plan.operation == "compare" and plan.kpis and "scopes" in plan.inherited and len(s.scopes) == 1
            and s.scopes[0].level == "station" and s.scopes[0].code
            and re.search(rf"\b(?:the|all(?:\s+the)?|our|every|each)\s+(?:other\s+)?{_PLACE_NOUN}s\b", question, re.I)):
        # "compare the stations" in a thread about one: all of them ranked on the thread's KPI, that one pointed out
        plan.operation, plan.group_by, plan.order, plan.limit = "rank", "station", "worst", 25
        plan.notes.append(f"highlight:{s.scopes[0].code}")
        s.scopes = []
    if plan.window is None and prior.window is not None and plan.follow_up and "window" not in plan.inherited:
        plan.window = prior.window.model_copy()
        plan.inherited.append("window")
    if (plan.operation in ("attention", "compare") and not plan.kpis and plan.window is not None and len(s.scopes) == 1
            and s.scopes[0].level == "station" and not s.services
            and ("period:one" in prior.notes or (prior.operation == "attention" and not prior.kpis))
            and "all_kpis" not in plan.notes and not _COMPARE.search(question)):
        plan.operation = "compare"  # "and the week before?" after "how did/is <site> do(ing)": every KPI, that period
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")] + ["all_kpis", "period:one"]
        plan.follow_up = True
    if (plan.follow_up and "kpis" in plan.inherited and plan.operation in ("lookup", "explain")
            and not any(n.startswith("q:") for n in plan.notes) and (asked := _asked_of_series(question))):
        plan.notes += asked  # "is it better now?", "has it recovered?" after a KPI answer: its recent trend, verdict first
        plan.operation = "lookup"
        if "window" in plan.inherited and "q:trend" in asked:  # the trend is of the latest days, not the thread's week
            plan.window = None
            plan.inherited.remove("window")
    if (plan.follow_up and "kpis" in plan.inherited and prior.window is not None and prior.window.explicit
            and plan.window is not None and plan.window.label == "the last 30 days against a year earlier"
            and _VS_LAST_YEAR.fullmatch(question)):  # "and compared to last year?": the thread's period, a year apart
        plan.window = prior.window.model_copy(update={"label": f"{prior.window.label} against a year earlier"})
        plan.notes = [n for n in plan.notes if not n.startswith("q:")] + ["q:yoy"]
        plan.operation = "lookup"
    if "asks:who_handled" in plan.notes and plan.operation == "incident_cause" and s.incidents:
        plan.operation = "incident_status"  # "who was on it?" after "what caused <incident>?": its record, not the cause
    if plan.follow_up and plan.operation == "lookup" and not plan.chart and prior.chart and not names_something:
        plan.chart = True
    return _with_grain(plan, grain, today)


_VS_LAST_YEAR = re.compile(r"\W*(?:and|but|ok(?:ay)?|so)?\s*(?:how\s+about\s+|how\s+does\s+(?:it|that)\s+compare\s+(?:to|with)\s+|"
                           r"(?:compared?\s+(?:to|with)|vs\.?|versus|against)\s+)(?:the\s+same\s+(?:time|period|week|month)\s+)?"
                           r"(?:last\s+year|a\s+year\s+(?:ago|earlier|before))\W*", re.I)
_BETTER_NOW = re.compile(r"\b(?:better|improv\w*|recover\w*|back\s+to\s+normal|fixed|ok(?:ay)?)\b.*\b(?:now|yet|again)\b|"
                         r"\b(?:recovered|recovering|back\s+to\s+normal)\b", re.I)


def _asked_of_series(question: str) -> list[str]:
    """What a follow-up asks of the thread's KPI series ("is it getting better?"), as the parser's ``q:`` notes."""
    from agents.understanding.asks import _kpi_question  # (asks imports the parser's modules, not this one)

    if asked := _kpi_question(question):
        return asked
    return ["q:trend", "q:trend_better"] if _BETTER_NOW.search(question) else []


_MOVED = re.compile(r"\b(?:drop\w*|fall\w*|fell|dip\w*|rise|rising|rose|jump\w*|spike\w*|surg\w*|increas\w*|"
                    r"decreas\w*|go(?:ne|ing)?\s+(?:up|down)|went\s+(?:up|down)|worse|better|slow\w*|bad)\b", re.IGNORECASE)


def _subject_asked(plan: QueryPlan, question: str) -> QueryPlan:
    """A chart, or why something moved, asked with nothing named and no thread to take it from ("show me the
    chart", "why did it drop?" as a first message): in scope but without a subject, so ask which KPI and where."""
    if plan.operation != "out_of_scope" or plan.notes or plan.unknown or not (
            plan.chart or (_WHY_ASKED.search(question) and _MOVED.search(question))):
        return plan
    s = plan.subjects
    if plan.kpis or s.scopes or s.services or s.incidents or s.tickets or s.deployments or s.config_changes or s.commits:
        return plan
    plan.operation = "clarify"
    plan.notes.append(f"pending:{'lookup' if plan.chart else 'explain'}")
    plan.clarification = Clarification(kind="KPI", candidates=[], question=(
        f"Which KPI {'should I chart' if plan.chart else 'do you mean'}, and at which station (or all of them)?"))
    return plan


def _answer(plan: QueryPlan, prior: QueryPlan, question: str = "") -> QueryPlan | None:
    """The user's reply to a clarifying question: the pending plan with what was missing filled in."""
    pending = next((n.split(":", 1)[1] for n in prior.notes if n.startswith("pending:")), None)
    kind, cands = prior.clarification.kind if prior.clarification else "", (
        prior.clarification.candidates if prior.clarification else [])
    s, ps = plan.subjects, prior.subjects
    if prior.unknown and not prior.clarification:  # a correction of an unknown name: any known one will do
        kind, cands = prior.unknown[0].kind, []
        every = bool(kind in ("station", "region") and pending and prior.kpis and _ALL_OF_THEM.match(question)
                     and not any(x.level == "station" for x in s.scopes))
        if kind in ("station", "region") and (s.scopes or every) and pending and not plan.kpis and not s.services:
            out = prior.model_copy(deep=True)
            out.operation, out.unknown = pending, []  # type: ignore[assignment]
            out.subjects.scopes = [*ps.scopes, *s.scopes][:5]
            if len(out.subjects.scopes) >= 2 and pending == "lookup":
                out.operation = "compare"  # "york and leeds" for a grouping it did not know: those two
            if every:  # "all of them", "all stations": every station, ranked
                out.operation, out.group_by, out.order, out.limit = "rank", "station", out.order or "worst", 1000
                out.subjects.scopes = [x for x in ps.scopes if x.level == "region"]
            out.notes = [n for n in out.notes if not n.startswith("pending:")]
            out.window = plan.window or out.window
            out.follow_up, out.inherited = True, ["unknown name corrected"]
            return out
        if kind == "KPI" and plan.kpis and pending and not s.scopes:
            out = prior.model_copy(deep=True)
            out.operation, out.unknown, out.kpis = pending, [], list(plan.kpis)  # type: ignore[assignment]
            out.notes = [n for n in out.notes if not n.startswith("pending:")]
            out.follow_up, out.inherited = True, ["unknown name corrected"]
            return out
        return None
    if kind == "KPI" and plan.kpis and (not cands or plan.kpis[0] in cands) and pending:
        out = prior.model_copy(deep=True)
        out.operation, out.clarification, out.kpis = pending, None, list(plan.kpis)  # type: ignore[assignment]
        if not ps.scopes and s.scopes:  # "OTP at PHX" in reply to "which KPI, and where?": the place too
            out.subjects.scopes = list(s.scopes)
    elif kind == "service" and s.services and pending:
        out = prior.model_copy(deep=True)
        out.operation, out.clarification = pending, None  # type: ignore[assignment]
        out.subjects.services = list(s.services)
    elif kind == "station" and pending and cands and (_ALL_OF_THEM.match(question) or (
            len(s.scopes) >= 2 and all(x.code in cands for x in s.scopes))):
        out = prior.model_copy(deep=True)  # "both", "all of them", "DAL and HOU": each of those, side by side
        out.clarification = None
        if len(s.scopes) < 2 and len(cands) > 5:  # every station offered: ranked
            out.operation, out.group_by, out.order, out.limit = "rank", "station", out.order or "worst", len(cands)
            out.subjects.scopes = [x for x in ps.scopes if x.level == "region"]
        else:
            out.operation = ("explain" if pending == "explain" and out.group_by else  # "how are they all doing?": every
                             "attention" if pending == "attention" and not out.kpis else "compare")  # KPI at each
            out.subjects.scopes = list(s.scopes) if len(s.scopes) >= 2 else [
                ScopeRef(level="station", code=c) for c in cands]
    elif kind == "window" and pending and plan.window is not None and plan.window.explicit:
        out = prior.model_copy(deep=True)  # "from 2026-12-04 to 2026-12-06" after "which dates is “…” for you?"
        out.operation, out.clarification = pending, None  # type: ignore[assignment]
    elif kind == "station" and s.scopes and s.scopes[0].code in cands:
        out = prior.model_copy(deep=True)
        out.operation, out.clarification = (pending or "lookup"), None  # type: ignore[assignment]
        out.subjects.scopes = [x for x in ps.scopes if x.code not in cands] + s.scopes[:1]
    else:
        return None
    out.notes = [n for n in out.notes if not n.startswith("pending:")]
    out.window = plan.window or out.window
    out.follow_up, out.inherited = True, ["clarification"]
    return out


def _with_grain(plan: QueryPlan, grain: str | None, today: dt.date) -> QueryPlan:
    if plan.operation not in ("clarify", "unknown"):
        plan.notes = [n for n in plan.notes if not n.startswith("pending:")]
    if grain and plan.window is not None and plan.window.grain != grain:
        plan.window = plan.window.model_copy(update={"grain": grain})
    elif grain and plan.window is None:
        days = 84 if grain == "week" else 365 if grain == "month" else 30
        plan.window = Window(start=today - dt.timedelta(days=days), end=today - dt.timedelta(days=1),
                             label=f"the last {days // 7} weeks" if grain == "week" else "the last 12 months"
                             if grain == "month" else "the last 30 days", grain=grain, explicit=False)
    return plan
