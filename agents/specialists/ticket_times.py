""""Average first response time this week", "time to resolve by priority": how long tickets waited, from the
``ticket_response_times`` tool (created in the window; a response after the run's moment is not known yet)."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.tickets.response_times import ticket_response_times


def _h(hours: float | None) -> str:
    if hours is None:
        return "n/a"
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


async def waited(s: StepScope, plan: QueryPlan, clock: str) -> None:
    f, w = plan.filters, plan.window
    by = next((n.removeprefix("ticket_by:") for n in plan.notes if n.startswith("ticket_by:")), None)
    args: dict[str, Any] = {"start": w.start, "end": w.end} if w is not None and w.explicit else {}
    got = await s.tool("ticket_response_times", ticket_response_times, clock=clock, by=by,
                       product=f.product or None, customer_tier=f.customer_tier or None, priority=f.priority or None,
                       status=f.status or None, **args)
    if got is None:
        return
    r, records = got
    ev, o = records[0], r.overall
    what = "first response" if clock == "response" else "resolution"
    scope = r.filters.label()
    if not o.tickets:
        s.say(f"No ticket ({scope}) has a {what} yet as of {s.deps.now:%Y-%m-%d %H:%M} UTC"
              f" ({o.waiting} still waiting).", ev)
        return
    s.say(f"Average time to {what} for tickets ({scope}): {_h(o.mean_hours)} (median {_h(o.median_hours)}) over "
          f"{o.tickets} tickets with a {what} by {s.deps.now:%Y-%m-%d %H:%M} UTC"
          + (f"; {o.waiting} still without one (not in the average)" if o.waiting else "") + ".", ev)
    if r.groups:
        s.say(f"By {by.replace('_', ' ') if by else ''}: " + "; ".join(
            f"{k} {_h(g.mean_hours)} (median {_h(g.median_hours)}, {g.tickets} tickets"
            + (f", {g.waiting} waiting" if g.waiting else "") + ")" for k, g in r.groups.items()) + ".", ev)
    s.data = {"clock": clock, "mean_hours": o.mean_hours, "median_hours": o.median_hours,
              "groups": {k: g.mean_hours for k, g in r.groups.items()}}


async def about(s: StepScope, ticket: str) -> None:
    """What one ticket says: subject, the start of its text, customer, priority, product and status now."""
    from tools.tickets.details import ticket_details

    got = await s.tool("ticket_details", ticket_details, external_id=ticket)
    if got is None:
        return
    t, records = got
    ev = records[0]
    s.say(f"{t.external_id} “{t.subject}” — {t.status}, {t.priority} priority, from "
          f"{t.customer or 'an unnamed customer'} ({t.customer_tier} tier), product {t.product or 'not labelled'}, "
          f"opened {t.created_at:%Y-%m-%d %H:%M} UTC.", ev)
    if t.excerpt:
        s.say(f"It says: “{t.excerpt}”", ev)
    done = (f"resolved {t.resolved_at:%Y-%m-%d %H:%M} UTC" if t.resolved_at else "not resolved yet")
    first = (f"first response {t.first_response_at:%Y-%m-%d %H:%M} UTC" if t.first_response_at
             else "no response yet")
    s.say(f"As of {t.as_of:%Y-%m-%d %H:%M} UTC: {first}; {done}.", ev)
    s.data = {"ticket": t.external_id, "status": t.status, "priority": t.priority, "product": t.product}
