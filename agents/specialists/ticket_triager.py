"""Ticket triager: classify, SLA state, similar resolved tickets and a suggested response.

Ticket text is untrusted data: it is passed to the tools as a value and never
read as instructions (a ticket that says "ignore previous instructions…" is
classified on its content like any other).
"""

from __future__ import annotations

import re
from typing import Any

from agents.deps import RunDeps
from agents.plan import Operation, plan_of
from agents.specialists import ticket_incidents as ti
from agents.specialists import ticket_questions as tq
from agents.specialists.common import first, step, update
from agents.specialists.incident_kpi import kpi_over_incident
from agents.specialists.pasted_sla import asks_sla, sla_line
from agents.state import GraphState, ThreadContext
from tools.tickets import classify_ticket, classify_ticket_by_id, sla_overview, suggest_response, ticket_sla

NAME = "ticket_triager"
TITLE = "Ticket triager"
DESCRIPTION = (
    "Classifies tickets (product, urgency), their SLA state, similar resolved tickets and a suggested response; finds "
    "tickets by topic or by example; ticket counts and SLA rates."
)
OPERATIONS: tuple[Operation, ...] = ("ticket_classify", "ticket_sla", "ticket_similar", "ticket_stats", "runbook_search",
                                     "ticket_search")
_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:classify|triage|categori[sz]e)\b[^:\n]*[:\n]\s*", re.I
)


def ticket_text(question: str) -> tuple[str, str]:
    """Split "classify this ticket: <subject>. <content>" into subject and content."""
    body = _LEAD.sub("", question, count=1).strip().strip("\"'“”")
    m = re.match(r"(?is)\s*subject:\s*(.+?)\s*(?:\n|content:|body:)\s*(.*)", body)
    if m:
        return m.group(1).strip(), m.group(2).strip() or m.group(1).strip()
    first_sentence = re.split(r"(?<=[.!?])\s+|\n", body, maxsplit=1)[0]
    return first_sentence[:200], body


def _clock(c: Any) -> str:
    when = f"{c.deadline:%Y-%m-%d %H:%M} UTC"
    if c.state == "not_recorded":
        return "not recorded (the ticket's export has no first-response time)"
    if c.state == "met":
        return f"met (deadline {when})"
    if c.state == "breached":
        return f"breached by {c.overdue_minutes:.0f} min (deadline {when})"
    return f"{c.state.replace('_', ' ')}, {c.remaining_minutes:.0f} min left (deadline {when})"


async def run(state: GraphState, deps: RunDeps) -> dict[str, Any]:
    ctx = state.get("context", ThreadContext()).copy()
    question = state.get("question", "")
    plan = plan_of(state)
    task = {"ticket": ctx.get("ticket"), "intent": ctx.get("intent"), "operation": plan.operation if plan else None}
    async with step(deps, NAME, task) as s:
        if plan is not None and plan.operation == "runbook_search":
            await tq.runbooks(s, plan, ctx)
            return update(state, s, ctx)
        if plan is not None and plan.operation == "ticket_search":
            await tq.find_tickets(s, plan, ctx)
            return update(state, s, ctx)
        if plan is not None and (inc := ti.incident_asked(plan)):
            if (found := await ti.of_incident(s, plan, inc)) is not None:  # "which tickets came in during <incident>?"
                await kpi_over_incident(s, plan, found)  # and a complaints KPI over its days, when one was asked
            return update(state, s, ctx)
        if plan is not None and plan.operation == "ticket_stats" and not plan.subjects.tickets:
            await tq.stats(s, plan, ctx)
            return update(state, s, ctx)
        if ctx.get("intent") == "sla" and not ctx.get("ticket"):
            got = await s.tool("sla_overview", sla_overview)
            if got:
                ov, records = got
                s.say(f"{len(ov.items)} open ticket(s) are at risk or breached out of {ov.open_tickets} open.", *records[:1])
                for item, rec in zip(ov.items[:5], records[1:6] or [records[0]] * 5, strict=False):
                    s.say(f"{item.external_id} ({getattr(item, 'priority', '')}, {getattr(item, 'customer_tier', '')}): "
                          f"{item.state.replace('_', ' ')}, deadline {item.deadline:%Y-%m-%d %H:%M} UTC.", rec)
            return update(state, s, ctx)

        if ctx.get("ticket") and plan is not None and "ticket:about" in plan.notes:
            from agents.specialists.ticket_times import about

            await about(s, ctx["ticket"])  # "what's <ticket> about?": what it says, who raised it, where it stands
            return update(state, s, ctx)
        if ctx.get("ticket") and ti.ASKS_INCIDENT.search(question):
            await ti.of_ticket(s, ctx["ticket"], asked=True)  # "is <ticket> part of an ongoing incident?"
            return update(state, s, ctx)
        if ctx.get("ticket"):
            got = await s.tool("classify_ticket_by_id", classify_ticket_by_id, external_id=ctx["ticket"])
            if got is None:
                return update(state, s, ctx)
            cls, records = got
            subject = cls.subject
            content = subject
            sla = await s.tool("ticket_sla", ticket_sla, external_id=ctx["ticket"])
        else:
            subject, content = ticket_text(question)
            if plan is not None and plan.ticket_text is not None and "ticket:pasted" in plan.notes:
                subject, content = plan.ticket_text.subject, plan.ticket_text.content  # the customer's quoted words
            if len(content) < 8:
                s.notices.append("Paste the ticket's text after “classify this ticket:” so I can triage it.")
                return update(state, s, ctx)
            got = await s.tool("classify_ticket", classify_ticket, subject=subject, content=content)
            if got is None:
                return update(state, s, ctx)
            cls, records = got
            sla = None
        s.say(
            f"Classified as {cls.product}, urgency {cls.urgency} (confidence {cls.confidence:.2f}): {cls.reasoning}",
            first(records, "classification"), first(records, "similar_tickets"),
        )
        if cls.ignored_instructions:
            s.say(f"The ticket contains {cls.ignored_instructions} instruction-like sentence(s); they were treated as "
                  "text, not followed.", first(records, "classification"))
        if not ctx.get("ticket") and asks_sla(question):  # a pasted ticket has no clock yet: if it were filed now
            s.say(sla_line(cls.urgency, f"{subject}\n{content}"), first(records, "classification"))
        if sla:
            t, sla_records = sla
            s.say(f"SLA for {t.external_id} ({t.priority} priority, {t.customer_tier} tier): response {_clock(t.response)}; "
                  f"resolution {_clock(t.resolution)}; escalation level {t.escalation_level}.", *sla_records[:1])
            await ti.of_ticket(s, ctx["ticket"], asked=False)  # raised during an incident on its service: say so
        got = await s.tool("suggest_response", suggest_response, subject=subject, content=content)
        if got:
            sug, sug_records = got
            if sug.similar_tickets:
                names = ", ".join(t.external_id for t in sug.similar_tickets[:3])
                s.say(f"Similar resolved tickets: {names}.", *sug_records[:1])
            elif plan is not None and plan.operation == "ticket_similar":
                s.say("No similar resolved ticket was found.", *(sug_records[:1] or records[:1]))
            if sug.runbooks:
                s.say(f"Matching runbook: {sug.runbooks[0].title}.", *sug_records[1:2] or sug_records[:1])
            s.data["draft_reply"] = sug.draft
            if plan is not None and "asks:reply" in plan.notes and sug.draft:  # "how should I reply?": the draft
                s.say("Draft reply (from similar resolved tickets and runbooks; review before sending): "
                      + " ".join(sug.draft.split()), *sug_records[:1])
        s.data.update({"product": cls.product, "urgency": cls.urgency, "confidence": cls.confidence})
        return update(state, s, ctx)
