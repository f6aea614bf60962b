"""Routing: the question's plan (parser + follow-ups), the specialists the registry gives for it,
and the legacy ``context`` keys the specialists still read (station, region, kpi, service, incident,
ticket, time, intent)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from agents.plan import QueryPlan
from agents.registry import specialists_for
from agents.state import ThreadContext
from agents.understanding import Catalog, help_text, merge, parse
from agents.understanding.change_named import relation_after_day
from agents.understanding.change_topics import as_topic_search, change_topic
from agents.understanding.corrections import thread_turn
from agents.understanding.cues import HELP, catalog_answer
from agents.understanding.incident_about import incidents_about_thread
from agents.understanding.inventory import ACTION_NOTE, PEOPLE_NOTE, data_overview, duration_note
from agents.understanding.lookups import incidents_naming
from agents.understanding.org_words import in_org_words
from agents.understanding.other_sites import others_in_thread
from agents.understanding.results import EVIDENCE_ASKED, EVIDENCE_NOTE, resolve_from_results
from agents.understanding.site_kind_words import kind_said
from agents.understanding.site_kinds import asked_again, in_thread, not_answered, resumed
from agents.understanding.vs_rest import rest_in_thread

_INTENT = {"lookup": "kpi", "compare": "kpi", "rank": "kpi", "attention": "kpi", "changelog": "service_change",
           "incident_list": "incident", "incident_status": "incident", "incident_cause": "incident",
           "ticket_classify": "ticket", "ticket_sla": "ticket", "ticket_similar": "ticket", "ticket_stats": "sla",
           "runbook_search": "runbook", "ticket_search": "ticket",
           "report": "report"}


@dataclass
class RoutePlan:
    intent: str  # legacy intent for the specialists' context
    specialists: list[str]
    context: ThreadContext
    notices: list[str] = field(default_factory=list)
    query: QueryPlan | None = None


def _named(code: str, names: dict[str, str]) -> str:
    name = names.get(code)
    return f"{code} ({name})" if name and name.casefold() != code.casefold() else code


def unknown_notice(kind: str, text: str, suggestions: list[str], catalog: Catalog | None = None) -> str:
    names = (catalog.stations if kind == "station" else {k: v[0] for k, v in catalog.kpis.items() if v}
             if kind == "KPI" else {}) if catalog else {}
    if kind == "station" and len(suggestions) == 1 and catalog and (said := kind_said(text, suggestions[0], catalog)):
        return f"{said} Did you mean {_named(suggestions[0], names)}?"  # "tregarth solar park": Tregarth is a wind farm
    if suggestions:  # a site by its code and name ("BTH (Bath Lead Centre)"): a stranger knows the names, not codes
        tail = f" Did you mean {', '.join(_named(x, names) for x in suggestions)}?"
        if 0 < len(names) <= 12 and len(suggestions) < len(names):
            tail += f" The {kind}s I know are {', '.join(_named(c, names) for c in names)}."
    elif kind == "region" and catalog and catalog.regions:  # "the Texas stations": the groupings there are, and theirs
        groups = [f"{name} ({code}: {', '.join(c for c, r in catalog.station_regions.items() if r == code) or 'no stations'})"
                  for code, name in catalog.regions.items()]
        tail = f" The regions I know are {'; '.join(groups[:12])}. Ask about one of them, or name the stations."
    else:
        known = ([_named(c, names) for c in names] if names else
                 {"region": list(catalog.regions), "service": catalog.services}.get(kind, []) if catalog else [])
        tail = f" The {kind}s I know are {', '.join(known[:12])}{'…' if len(known) > 12 else ''}." if known else ""
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"I don't know {article} {kind} called “{text}”.{tail}"


def legacy_context(plan: QueryPlan, prior: ThreadContext) -> ThreadContext:
    """The ``context`` keys the current specialists read, from the plan (results like ``onset`` are dropped)."""
    s = plan.subjects
    ctx: ThreadContext = {}
    station = next((x.code for x in s.scopes if x.level == "station"), None)
    region = next((x.code for x in s.scopes if x.level == "region"), None)
    for key, value in (("station", station), ("region", None if station else region),
                       ("kpi", plan.kpis[0] if plan.kpis else None), ("service", s.services[0] if s.services else None),
                       ("incident", s.incidents[0] if s.incidents else None),
                       ("ticket", s.tickets[0] if s.tickets else None)):
        if value:
            ctx[key] = value  # type: ignore[literal-required]
    if plan.window:
        ctx["time"] = {"start": plan.window.start.isoformat(), "end": plan.window.end.isoformat(), "label": plan.window.label}
    intent = _INTENT.get(plan.operation, plan.operation)
    if plan.operation == "explain":
        intent = "why_kpi" if plan.kpis else "service_change"
    if plan.operation == "lookup" and plan.chart:
        intent = "chart"
    ctx["intent"] = intent
    return ctx


def route(question: str, context: ThreadContext | None, catalog: Catalog, today: dt.date,
          prior: QueryPlan | None = None) -> RoutePlan:
    question = in_org_words(question, catalog)  # "which corridor …" when its regions are "… corridor"; "water parks"
    plan = thread_turn(question, catalog, today, prior) or merge(parse(question, catalog, today), prior, question, today)
    in_thread(plan, prior, catalog)  # "and the other <kind>s?": not the thread's; "which one?" in a thread: its KPI kept
    others_in_thread(question, plan, prior, catalog)  # "and the other vaults, same problem?": the thread's KPI there
    again = not_answered(plan, prior)
    if again and prior is not None and (base := resumed(prior, catalog)):  # "why?" after "which one did you mean?"
        plan, again = merge(parse(question, catalog, today), base, question, today), False
        in_thread(plan, base, catalog)
    prior_ctx: ThreadContext = {**(context or {})}
    resolve_from_results(plan, prior, prior_ctx, question, catalog, today)
    relation_after_day(plan, prior, prior_ctx, question, catalog)  # "is that related to <change>?" after a day
    incidents_about_thread(plan, prior, question, catalog, today)  # "is there an incident about it?": its subject's
    rest_in_thread(question, plan, prior)  # "and compared to the other stations?" after "how is <site> doing?"
    if plan.operation in ("out_of_scope", "unknown", "changelog", "clarify", "explain") and (
            topic := change_topic(question, plan, catalog)):
        as_topic_search(plan, topic, today)  # "did anyone change the retry settings?": the change log searched
    s = plan.subjects
    if (not plan.kpis and not (s.scopes or s.services or s.incidents or s.tickets or s.deployments or s.config_changes)
            and (listed := data_overview(question, catalog, today))):
        plan.operation = "out_of_scope"  # "what data do you have?", "how far back does your data go?"
        return RoutePlan("catalog", [], prior_ctx, [listed], plan)
    if plan.operation == "unknown":
        return RoutePlan("unknown", [], prior_ctx, [unknown_notice(u.kind, u.text, u.suggestions, catalog) for u in plan.unknown], plan)
    if plan.operation == "clarify" and plan.clarification:
        return RoutePlan("clarify", [], prior_ctx, [asked_again(plan, catalog) if again else plan.clarification.question], plan)
    if plan.operation in ("out_of_scope", "attention") and not plan.kpis and not any(
            n.startswith("attention:moving_") for n in plan.notes) and (listed := catalog_answer(question, catalog)):
        plan.operation = "out_of_scope"
        return RoutePlan("catalog", [], prior_ctx, [listed], plan)
    if plan.operation == "out_of_scope" and prior is not None and EVIDENCE_ASKED.search(question):
        return RoutePlan("catalog", [], prior_ctx, [EVIDENCE_NOTE], plan)  # "show the evidence" after an answer
    if plan.operation == "out_of_scope" and "asks:action" in plan.notes:
        return RoutePlan("out_of_scope", [], prior_ctx, [ACTION_NOTE + " " + help_text(catalog, asked=True)], plan)
    if plan.operation == "out_of_scope" and (said := duration_note(plan.notes, catalog)):
        return RoutePlan("out_of_scope", [], prior_ctx, [said], plan)
    if plan.operation == "out_of_scope" and "asks:people" in plan.notes:
        return RoutePlan("out_of_scope", [], prior_ctx, [PEOPLE_NOTE + " " + help_text(catalog, asked=True)], plan)
    if plan.operation == "out_of_scope":
        return RoutePlan("out_of_scope", [], prior_ctx, [help_text(catalog, asked=bool(HELP.search(question)))], plan)
    if (plan.operation == "report" and not plan.kpis
            and (not plan.subjects.incidents or "incidents" in plan.inherited)  # the thread's incident, unless described
            and (described := incident_described(question, catalog, today))):
        if "incidents" in plan.inherited:
            plan.inherited.remove("incidents")
        plan.subjects.incidents, plan.report_kind = [described], "incident"  # "the postmortem for the Salford kiosk incident"
    if (plan.operation == "report" and not plan.subjects.incidents and not plan.kpis and prior is not None
            and prior.subjects.services and (plan.window is None or not plan.window.explicit)
            and (of := [r.external_id for r in catalog.incident_refs
                        if r.started <= today and r.service in prior.subjects.services])):
        plan.subjects.incidents, plan.report_kind = of[:1], "incident"  # "draft the postmortem" after "<service>?"
        plan.inherited.append("incidents")
    if (plan.operation == "report" and not plan.subjects.incidents and not plan.kpis and plan.subjects.services
            and (plan.window is None or not plan.window.explicit)
            and (named := incidents_naming(plan.subjects.services, catalog, today))):
        plan.subjects.incidents, plan.report_kind = named[:1], "incident"  # "the postmortem for the arrivals API outage"
    if plan.operation == "report" and not plan.subjects.incidents and not plan.kpis:
        ex = catalog.examples()["incident"]
        hint = f" Name it like {ex}." if ex else " This organisation has no incidents on record."
        recent = [r for r in catalog.incident_refs if r.started <= today][:3]  # latest first, none after "now"
        w = plan.window
        if recent:
            where = f"No incident started {w.label or 'then'}; the" if w is not None and w.explicit else "The"
            hint = f" {where} most recent: " + "; ".join(
                f"{r.external_id} ({r.title}, {r.started})" for r in recent) + "."
        return RoutePlan("report", [], prior_ctx, [f"Which incident should the report cover?{hint}"], plan)
    ctx = legacy_context(plan, prior_ctx)
    return RoutePlan(ctx["intent"], specialists_for(plan), ctx, _second_question(question, plan, catalog, today), plan)


_NOT_TOPIC = frozenset(
    "draft write prepare make postmortem post-mortem mortem report incident incidents outage review summary about "
    "that this with from the for and last week month yesterday today please can you could".split())


def _stem(word: str) -> str:
    return word[:5]


def incident_described(question: str, catalog: Catalog, today: dt.date) -> str | None:
    """The one incident (started by ``today``) whose title and service share the most words with the question ("the
    Salford kiosk incident" → the incident titled "… at Salford" on ``frontdesk-kiosk``); None when none or a tie."""
    asked = {_stem(w) for w in re.findall(r"[a-z0-9]+", question.casefold()) if len(w) >= 4 and w not in _NOT_TOPIC}
    if not asked:
        return None
    scored = []
    for r in catalog.incident_refs:
        if r.started > today:
            continue
        words = {_stem(w) for w in re.findall(r"[a-z0-9]+", f"{r.title} {r.service or ''}".casefold()) if len(w) >= 4}
        scored.append((len(asked & words), r.external_id))
    scored.sort(reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


_FAMILY = {"lookup": "kpi", "compare": "kpi", "rank": "kpi", "attention": "kpi", "explain": "kpi",
           "changelog": "change"}


def _second_question(question: str, plan: QueryPlan, catalog: Catalog, today: dt.date) -> list[str]:
    """"<KPI> at <site> this month and who deployed last": one plan answers the first question; the second is named so the
    user knows to ask it on its own (rather than silently dropped)."""
    from agents.understanding.phrasings import SECOND_QUESTION

    if not (m := SECOND_QUESTION.search(question)) or not plan.kpis:
        return []
    tail = parse(m.group(1), catalog, today)
    family = _FAMILY.get(tail.operation, tail.operation.split("_")[0])
    if tail.operation in ("out_of_scope", "unknown") or family == _FAMILY.get(plan.operation, plan.operation):
        return []
    return [f"You also asked “{m.group(1).strip()}”: ask it on its own and I will answer it."]
