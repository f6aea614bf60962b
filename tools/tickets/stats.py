"""Ticket statistics: counts by a field, SLA met rates over a window, complete (paged) breached /
at-risk lists filtered by tier, product and priority. Read-only and org-scoped; SLA arithmetic is
:mod:`tools.tickets.sla` (the same clocks as ``ticket_sla``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text

from store.models import CUSTOMER_TIERS, PRIORITIES
from store.ticket_words import TICKET_PRIORITY_WORDS
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.tickets import asof
from tools.tickets import sla as slalib
from tools.tickets.common import known_values
from tools.tickets.sla_tools import clocks_for

CountBy = Literal["status", "product", "customer_tier", "priority", "urgency"]
OPEN = ("new", "open", "pending")
MAX_PAGE = 200
_FIELDS = ("status", "product", "customer_tier", "priority", "urgency")

# The status filter is applied to each ticket's status AS OF the moment asked about (tools.tickets.asof), so
# it is not in the SQL; product, tier, priority and the creation window are.
_TICKETS_SQL = """
SELECT id, external_id, subject, product, urgency, priority, customer, customer_tier, status, created_at,
       first_response_at, resolved_at, closed_at, updated_at, status_history,
       (extra ->> 'first_response_not_recorded') IS NOT NULL AS response_unrecorded
FROM tickets
WHERE org_id = :org AND created_at <= :now
  AND (CAST(:start AS timestamptz) IS NULL OR {when} >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR {when} < :end)
  AND (CAST(:product AS text[]) IS NULL OR product = ANY(CAST(:product AS text[])))
  AND (CAST(:tier AS text[]) IS NULL OR customer_tier = ANY(CAST(:tier AS text[])))
  AND (CAST(:priority AS text[]) IS NULL OR priority = ANY(CAST(:priority AS text[])))
ORDER BY created_at, external_id
"""


class TicketFilters(BaseModel):
    status: list[str] = []
    product: list[str] = []
    customer_tier: list[str] = []
    priority: list[str] = []
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive
    window_of: Literal["created", "deadline", "finished"] = "created"  # what the window filters on

    def label(self) -> str:
        parts = [f"{k} {'/'.join(v)}" for k, v in (("status", self.status), ("product", self.product),
                                                    ("tier", self.customer_tier), ("priority", self.priority)) if v]
        if self.start or self.end:
            span = str(self.start) if self.start == self.end else f"{self.start or '…'}–{self.end or '…'}"
            parts.append(f"{self.window_of} {span}")
        return ", ".join(parts) or "all tickets"


def _norm(values: Sequence[str] | None, upper: bool = False) -> list[str]:
    out = []
    for v in values or []:
        v = v.strip()
        if v.lower() == "open":
            out += list(OPEN)  # "open" as people say it: not yet resolved or closed
            continue
        out.append(v.upper() if upper else v.lower())
    return list(dict.fromkeys(out))


def _filters(status: Sequence[str] | None, product: Sequence[str] | None, customer_tier: Sequence[str] | None,
             priority: Sequence[str] | None, start: dt.date | None, end: dt.date | None) -> TicketFilters:
    if start and end and start > end:
        raise ToolError(f"start ({start}) is after end ({end})")
    return TicketFilters(status=_norm(status), product=_norm(product, upper=True),
                         customer_tier=known_values(_norm(customer_tier), CUSTOMER_TIERS, "customer tier"),
                         priority=known_values(_norm(priority), PRIORITIES, "priority", TICKET_PRIORITY_WORDS),
                         start=start, end=end)


async def _rows(ctx: ToolContext, f: TicketFilters, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The tickets created by ``at`` (the run's now by default) matching ``f``, each with ``status`` as it was at
    ``at`` (its status history / created and resolved times, not its current status)."""
    def day(d: dt.date | None, plus: int = 0) -> dt.datetime | None:
        return None if d is None else dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC) + dt.timedelta(days=plus)

    moment = at or ctx.now
    async with ctx.read() as session:
        when = "coalesce(resolved_at, closed_at)" if f.window_of == "finished" else "created_at"  # fixed SQL, no input
        rows = (await session.execute(text(_TICKETS_SQL.format(when=when)), {
            "org": ctx.org_id, "now": moment, "start": day(f.start), "end": day(f.end, 1),
            "product": f.product or None, "tier": f.customer_tier or None, "priority": f.priority or None,
        })).mappings().all()
    out = []
    for r in rows:
        d = dict(r)
        d["status"] = asof.status_at(r, moment) or r["status"]
        if not f.status or d["status"] in f.status:
            out.append(d)
    return out


def _moment(ctx: ToolContext, at: dt.datetime | None) -> dt.datetime:
    """The moment a count is taken at: ``at`` (a past moment) but never later than the run's now."""
    if at is None:
        return ctx.now
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return min(at, ctx.now)


def _ref(tool: str, args: dict[str, Any], ctx: ToolContext, query: str) -> dict[str, Any]:
    return {"tool": tool, "args": args, "as_of": ctx.now.isoformat(), "query": query}


# ------------------------------------------------------------------ counts


class TicketCounts(BaseModel):
    by: CountBy
    filters: TicketFilters
    total: int
    counts: dict[str, int] = Field(description="value -> tickets, largest first")
    at: dt.datetime | None = Field(None, description="the moment the statuses are as of")


async def ticket_counts(
    ctx: ToolContext, *, by: CountBy = "status", status: list[str] | None = None, product: list[str] | None = None,
    customer_tier: list[str] | None = None, priority: list[str] | None = None, start: dt.date | None = None,
    end: dt.date | None = None, at: dt.datetime | None = None, finished_in_window: bool = False,
) -> ToolOutput[TicketCounts]:
    """How many tickets, split by status, product, tier, priority or urgency (filters combine with AND). Statuses
    are each ticket's status at ``at`` (a past moment, e.g. the end of a day; the run's now by default), read from
    its status history and created/resolved times — not its current status. The window is on creation, or with
    ``finished_in_window`` on resolution ("resolved last week": resolved or closed then, whatever since)."""
    if by not in _FIELDS:
        raise ToolError(f"by must be one of {', '.join(_FIELDS)}")
    f = _filters(None if finished_in_window else status, product, customer_tier, priority, start, end)
    if finished_in_window:
        f = f.model_copy(update={"window_of": "finished"})
    moment = _moment(ctx, at)
    rows = await _rows(ctx, f, moment)
    counts = Counter(str(r[by] or "unlabelled") for r in rows)
    result = TicketCounts(by=by, filters=f, total=len(rows), counts=dict(counts.most_common()), at=moment)
    args = {"by": by, "at": moment.isoformat(), **f.model_dump(mode="json")}
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="ticket_counts", source="tools.tickets.ticket_counts",
        ref=_ref("ticket_counts", args, ctx, f"tickets ({f.label()}) created by {moment.isoformat()}, each with its "
                                             f"status at that moment (status history), counted by {by}"),
        payload=result.model_dump(mode="json"),
        summary=f"{len(rows)} tickets ({f.label()}) as of {moment:%Y-%m-%d %H:%M} UTC; by {by}: "
                + ", ".join(f"{k} {v}" for k, v in result.counts.items()),
    )])


# ------------------------------------------------------------------ SLA met rate


class SlaRate(BaseModel):
    clock: Literal["response", "resolution"]
    filters: TicketFilters
    tickets: int
    met: int
    breached: int
    pending: int = Field(description="clock still running (on track or at risk): not counted in the rate")
    not_recorded: int = Field(0, description="the export records no first response: not counted in the rate")
    rate: float | None = Field(description="met / (met + breached)")
    by_tier: dict[str, float | None] = {}


async def sla_rate(
    ctx: ToolContext, *, clock: Literal["response", "resolution"] = "response", start: dt.date | None = None,
    end: dt.date | None = None, product: list[str] | None = None, customer_tier: list[str] | None = None,
    priority: list[str] | None = None,
) -> ToolOutput[SlaRate]:
    """Share of tickets created in the window whose response (or resolution) SLA was met, at ``ctx.now``."""
    if clock not in ("response", "resolution"):
        raise ToolError("clock must be response or resolution")
    f = _filters(None, product, customer_tier, priority, start, end)
    rows = await _rows(ctx, f)
    states: list[tuple[str, str]] = []
    for r in rows:
        response, resolution = clocks_for(r, ctx.now)
        states.append((r["customer_tier"], (response if clock == "response" else resolution).state))

    def rate(items: list[str]) -> float | None:
        met, br = items.count("met"), items.count("breached")
        return round(met / (met + br), 4) if met + br else None

    all_states = [s for _, s in states]
    tiers = sorted({t for t, _ in states})
    result = SlaRate(clock=clock, filters=f, tickets=len(rows), met=all_states.count("met"),
                     breached=all_states.count("breached"),
                     pending=sum(1 for s in all_states if s in ("on_track", "at_risk")),
                     not_recorded=all_states.count("not_recorded"), rate=rate(all_states),
                     by_tier={t: rate([s for tt, s in states if tt == t]) for t in tiers})
    pct = "n/a" if result.rate is None else f"{100 * result.rate:.1f}%"
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="sla_rate", source="tools.tickets.sla_rate",
        ref=_ref("sla_rate", {"clock": clock, **f.model_dump(mode="json")}, ctx,
                 f"tickets ({f.label()}) with their {clock} SLA clock at as_of (tools.tickets.sla)"),
        payload=result.model_dump(mode="json"),
        summary=(f"{clock.capitalize()} SLA met rate {pct} for {f.label()}: {result.met} met, {result.breached} "
                 f"breached, {result.pending} still running, of {len(rows)} tickets"
                 + (f"; {result.not_recorded} with no first response recorded" if result.not_recorded else "")),
    )])


# ------------------------------------------------------------------ breached / at-risk lists


class SlaListItem(BaseModel):
    external_id: str
    subject: str
    product: str | None
    priority: str
    customer_tier: str
    customer: str | None
    status: str
    clock: Literal["response", "resolution"]
    state: str
    deadline: dt.datetime
    overdue_minutes: float
    remaining_minutes: float | None
    completed_at: dt.datetime | None = Field(None, description="when the late work was done (finished tickets)")


class SlaList(BaseModel):
    state: Literal["breached", "at_risk"]
    clock: Literal["response", "resolution"] | None
    filters: TicketFilters
    total: int = Field(description="every matching ticket (the page is a slice of them)")
    offset: int
    include_finished: bool = Field(False, description="tickets resolved or closed since are listed too")
    as_of: dt.datetime | None = None
    items: list[SlaListItem] = Field(description="earliest deadline first")


async def sla_list(
    ctx: ToolContext, *, state: Literal["breached", "at_risk"] = "breached",
    clock: Literal["response", "resolution"] | None = None, product: list[str] | None = None,
    customer_tier: list[str] | None = None, priority: list[str] | None = None, start: dt.date | None = None,
    end: dt.date | None = None, limit: int = 50, offset: int = 0, include_finished: bool = False,
) -> ToolOutput[SlaList]:
    """Tickets open at the run's now whose SLA is breached (or at risk) then — all of them, paged — filtered by
    tier/product/priority; "open" is each ticket's status at that moment (its status history), and work recorded
    after it does not count.

    With a window, only clocks whose deadline falls inside it ("breached today"); with ``include_finished`` too
    (a past window: "which tickets breached SLA last week"), tickets resolved or closed since are listed as well
    — every ticket whose deadline in the window passed without the work done."""
    if state not in ("breached", "at_risk"):
        raise ToolError("state must be breached or at_risk")
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ToolError(f"limit must be 1–{MAX_PAGE} and offset ≥ 0")
    include_finished = bool(include_finished and state == "breached" and (start or end))
    f = _filters(None if include_finished else list(OPEN), product, customer_tier, priority, None, None)
    rows = await _rows(ctx, f)
    if not include_finished:
        rows = [r for r in rows if asof.completion_times(r, ctx.now)[1] is None]
    lo = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC) if start else None
    hi = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC) + dt.timedelta(days=1) if end else None
    items: list[SlaListItem] = []
    for r in rows:
        clocks = [c for c in clocks_for(r, ctx.now) if (clock is None or c.kind == clock) and c.state == state]
        clocks = [c for c in clocks if (lo is None or c.deadline >= lo) and (hi is None or c.deadline < hi)]
        if not clocks:
            continue
        c = slalib.worst(*clocks)
        items.append(SlaListItem(
            external_id=r["external_id"], subject=r["subject"], product=r["product"], priority=r["priority"],
            customer_tier=r["customer_tier"], customer=r["customer"], status=r["status"], clock=c.kind,
            state=c.state, deadline=c.deadline, overdue_minutes=c.overdue_minutes,
            remaining_minutes=c.remaining_minutes, completed_at=c.completed_at,
        ))
    items.sort(key=lambda i: (i.deadline, i.external_id))
    page = items[offset:offset + limit]
    f = f.model_copy(update={"start": start, "end": end, "window_of": "deadline"})
    result = SlaList(state=state, clock=clock, filters=f, total=len(items), offset=offset, items=page,
                     include_finished=include_finished, as_of=ctx.now)
    args = {"state": state, "clock": clock, "limit": limit, "offset": offset, "include_finished": include_finished,
            **f.model_dump(mode="json")}
    which = "tickets (open or finished since)" if include_finished else "tickets open at as_of (status history)"
    what = state.replace("_", " ")
    shown = f"; showing {offset + 1}–{offset + len(page)}" if len(page) < len(items) else ""
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="sla_list", source="tools.tickets.sla_list",
        ref=_ref("sla_list", args, ctx, f"{which} ({f.label()}) whose {clock or 'response/resolution'} "
                                        f"SLA clock is {what} at as_of"),
        payload=result.model_dump(mode="json"),
        summary=(f"{len(items)} {'' if include_finished else 'open '}ticket(s) with a {what} {clock or ''} SLA "
                 f"({f.label()}) as of {ctx.now:%Y-%m-%d %H:%M} UTC{shown}: "
                 .replace("  ", " ")
                 + ", ".join(f"{i.external_id} ({i.priority}, {i.customer_tier}, {i.clock})" for i in page[:20])
                 + (" …" if len(page) > 20 else "")),
    )])


__all__ = ["SlaList", "SlaListItem", "SlaRate", "TicketCounts", "TicketFilters", "sla_list", "sla_rate",
           "ticket_counts"]
