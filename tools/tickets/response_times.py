"""How long tickets waited: the mean and median time to first response (or to resolution) of the tickets created
in a window, overall or split by a field. Read-only and org-scoped; the same filters and "as of" reading as
:mod:`tools.tickets.stats` (a response or resolution after the moment asked about is not known yet)."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Literal

from pydantic import BaseModel, Field

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.tickets.asof import completion_times
from tools.tickets.stats import _FIELDS, CountBy, TicketFilters, _filters, _ref, _rows


class Waited(BaseModel):
    tickets: int = Field(description="tickets with the time known (responded / resolved by as_of)")
    waiting: int = Field(description="tickets still without a response (or resolution) at as_of: not in the mean")
    mean_hours: float | None = None
    median_hours: float | None = None


class ResponseTimes(BaseModel):
    clock: Literal["response", "resolution"]
    filters: TicketFilters
    overall: Waited
    by: CountBy | None = None
    groups: dict[str, Waited] = Field(default_factory=dict, description="value -> its times, slowest mean first")


def _waited(hours: list[float], waiting: int) -> Waited:
    return Waited(tickets=len(hours), waiting=waiting,
                  mean_hours=round(statistics.fmean(hours), 3) if hours else None,
                  median_hours=round(statistics.median(hours), 3) if hours else None)


async def ticket_response_times(
    ctx: ToolContext, *, clock: Literal["response", "resolution"] = "response", by: CountBy | None = None,
    start: dt.date | None = None, end: dt.date | None = None, product: list[str] | None = None,
    customer_tier: list[str] | None = None, priority: list[str] | None = None, status: list[str] | None = None,
) -> ToolOutput[ResponseTimes]:
    """Mean and median hours from creation to first response (``clock="response"``) or to resolution, of the
    tickets created in the window (filters combine with AND), optionally split ``by`` a field."""
    if clock not in ("response", "resolution"):
        raise ToolError("clock must be response or resolution")
    if by is not None and by not in _FIELDS:
        raise ToolError(f"by must be one of {', '.join(_FIELDS)}")
    f = _filters(status, product, customer_tier, priority, start, end)
    rows = await _rows(ctx, f)
    took: list[tuple[str, float | None]] = []
    for r in rows:
        first, done = completion_times(r, ctx.now)
        t = first if clock == "response" else done
        key = str(r[by] or "unlabelled") if by else ""
        took.append((key, None if t is None else max(0.0, (t - r["created_at"]).total_seconds() / 3600)))

    def of(items: list[float | None]) -> Waited:
        return _waited([h for h in items if h is not None], sum(1 for h in items if h is None))

    groups = {k: of([h for kk, h in took if kk == k]) for k in sorted({k for k, _ in took})} if by else {}
    groups = dict(sorted(groups.items(), key=lambda kv: -(kv[1].mean_hours or -1)))
    result = ResponseTimes(clock=clock, filters=f, overall=of([h for _, h in took]), by=by, groups=groups)
    o = result.overall
    what = "first response" if clock == "response" else "resolution"
    summary = (f"{o.tickets} tickets ({f.label()}) with a {what} by {ctx.now:%Y-%m-%d %H:%M} UTC: mean "
               f"{o.mean_hours if o.mean_hours is not None else 'n/a'} h, median "
               f"{o.median_hours if o.median_hours is not None else 'n/a'} h; {o.waiting} still waiting")
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="ticket_times", source="tools.tickets.ticket_response_times",
        ref=_ref("ticket_response_times", {"clock": clock, "by": by, **f.model_dump(mode="json")}, ctx,
                 f"tickets ({f.label()}) created by as_of, hours from created_at to the {what} known by then"),
        payload=result.model_dump(mode="json"),
        summary=summary,
    )])
