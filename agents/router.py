"""Deterministic routing: which specialists a question needs, in what order, about what.

Used by the offline provider, and as the fallback when a model's routing is
unusable. Follow-ups ("and PHX?", "show me the chart", "what about the week
before?") inherit the thread's context and override only what they name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from agents.entities import Catalog, Entities, TimeRange, extract

SPECIALISTS = ("kpi_analyst", "change_correlator", "ticket_triager", "report_writer")

_REPORT = re.compile(
    r"\b(draft|write|generate|prepare|produce|create)\b.*\b(report|post-?mortem|write[- ]?up|summary)\b"
    r"|\b(post-?mortem|incident report|investigation report)\b", re.I)
_TICKET_LEAD = re.compile(r"^\s*(please\s+)?(classify|triage|categori[sz]e)\b", re.I)
_TICKET = re.compile(r"\b(ticket|classify|triage|sla|customer|support case)\b", re.I)
_WHY = re.compile(r"\b(why|cause[sd]?|root cause|what changed|changed|explain|behind|due to|deploy\w*)\b", re.I)
_KPI_WORDS = re.compile(r"\b(kpi|kpis|signals?|dashboard|metric|trend|drop(?:ped)?|rose|spike|performance)\b", re.I)
_SERVICE_METRIC = re.compile(r"\b(p99|latency|error rate|errors|throughput|jump(?:ed)?|slow)\b", re.I)
_CHART = re.compile(r"\b(chart|plot|graph|visuali[sz]e)\b", re.I)
_WEEK_BEFORE = re.compile(r"\b(week|day|month) before\b", re.I)
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|same for|also)\b|\?\s*$", re.I)


@dataclass
class RoutePlan:
    intent: str  # kpi | why_kpi | service_change | incident | ticket | sla | report | chart | out_of_scope | unknown
    specialists: list[str]
    context: dict[str, Any]
    notices: list[str] = field(default_factory=list)


def _shift_back(time: dict[str, str] | None, unit: str) -> dict[str, str] | None:
    if not time:
        return None
    start, end = dt.date.fromisoformat(time["start"]), dt.date.fromisoformat(time["end"])
    span = {"day": dt.timedelta(days=1), "week": dt.timedelta(days=7)}.get(unit, end - start + dt.timedelta(days=1))
    return TimeRange(start - span, end - span, f"the {unit} before {time['label']}").as_dict()


def _unknown_notice(u: dict[str, Any]) -> str:
    sugg = ", ".join(u.get("suggestions") or [])
    tail = f" Did you mean {sugg}?" if sugg else ""
    return f"I don't know a {u['kind']} called “{u['text']}”.{tail}"


def route(question: str, context: dict[str, Any], catalog: Catalog, today: dt.date) -> RoutePlan:
    ents: Entities = extract(question, catalog, today)
    found = ents.known()
    prior = dict(context or {})
    notices = [_unknown_notice(u) for u in ents.unknown]

    # Intent from the words of this question.
    if _TICKET_LEAD.search(question):
        intent = "ticket"
    elif _REPORT.search(question):
        intent = "report"
    elif ents.ticket or _TICKET.search(question):
        intent = "sla" if re.search(r"\bsla\b|at risk|breach", question, re.I) and not re.search(r"classif|triage", question, re.I) and not ents.ticket else "ticket"
    elif _CHART.search(question) and (found.get("kpi") or prior.get("kpi")):
        intent = "chart"
    elif found.get("kpi") or (found.get("station") and _KPI_WORDS.search(question)) or found.get("region"):
        intent = "why_kpi" if _WHY.search(question) else "kpi"
    elif found.get("incident"):
        intent = "incident"
    elif found.get("service") or (_SERVICE_METRIC.search(question) and prior.get("service")):
        intent = "service_change"
    elif found.get("station") and prior.get("kpi"):
        intent = prior.get("intent", "kpi")
    else:
        intent = ""

    # Follow-ups: inherit the previous intent and entities.
    follow_up = False
    if not intent and prior.get("intent") and (found or _WEEK_BEFORE.search(question) or _FOLLOW_UP.search(question)):
        intent, follow_up = prior["intent"], True
    if intent in ("kpi", "why_kpi", "chart") and not found.get("kpi") and prior.get("kpi"):
        follow_up = True

    ctx = dict(prior) if (follow_up or intent in ("chart",) or (intent and not ents.unknown)) else {}
    # A new KPI/station/service question replaces the scope it names, and clears stale results.
    for key in ("station", "region", "kpi", "service", "incident", "ticket"):
        if key in found:
            ctx[key] = found[key]
    if "station" in found and "region" not in found:
        ctx.pop("region", None)
    if "region" in found and "station" not in found:
        ctx.pop("station", None)
    if m := _WEEK_BEFORE.search(question):
        shifted = _shift_back(prior.get("time"), m.group(1).lower())
        if shifted:
            ctx["time"] = shifted
    elif "time" in found:
        ctx["time"] = found["time"]
    elif not follow_up:
        ctx.pop("time", None)
    ctx.pop("onset", None)

    if intent in ("ticket", "sla"):
        # Ticket text is data: capitalised words in it ("VPN is down") are not station codes.
        ents.unknown = [u for u in ents.unknown if u["kind"] not in ("station", "region", "KPI", "service")]
        notices = [_unknown_notice(u) for u in ents.unknown]
    if ents.unknown:
        # Never answer about something else than what was asked: say what is unknown, keep the thread as it was.
        return RoutePlan("unknown", [], prior, notices)

    plans = {
        "kpi": ["kpi_analyst"],
        "chart": ["kpi_analyst"],
        "why_kpi": ["kpi_analyst", "change_correlator"],
        "incident": ["change_correlator"],
        "service_change": ["change_correlator"],
        "ticket": ["ticket_triager"],
        "sla": ["ticket_triager"],
        "report": ["report_writer"],
    }
    if intent == "report" and ctx.get("kpi") and not ctx.get("incident"):
        # An investigation report: analyse, correlate, then write from this run's evidence.
        ctx["intent"] = intent
        return RoutePlan(intent, ["kpi_analyst", "change_correlator", "report_writer"], ctx, notices)
    if intent == "report" and not (ctx.get("incident") or ctx.get("kpi")):
        notices.append("Which incident should the report cover? Name it like INC-2041.")
        return RoutePlan("report", [], ctx, notices)
    if intent not in plans:
        return RoutePlan(
            "out_of_scope", [], prior,
            notices or [
                "That is outside what I can answer from this organisation's data. I can analyse Tech Ops KPIs "
                "(e.g. “why did OTP MX rate at DAL drop last week?”), find what changed before a service or KPI "
                "moved, triage tickets and their SLAs, and draft incident reports."
            ],
        )
    ctx["intent"] = intent
    return RoutePlan(intent, plans[intent], ctx, notices)
