"""Tickets with a lifecycle, as the as-of tests write them and work out what an answer must say — independently
of the product's own as-of code. A ticket is the tuple ``(id, subject, priority as the helpdesk writes it, tier,
created, answered, finished (resolved), closed, status now, whether the export carries a status history)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tools.tickets import sla as slalib  # the SLA targets table (priority x tier), not the as-of logic


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def export_rows(tickets: Iterable[tuple], wrote: str) -> list[dict[str, Any]]:
    """The tickets as another helpdesk exports them (its field names and status words; a history only where the
    tuple says so); ``wrote`` ends each description."""
    rows = []
    for ext, subject, prio, tier, created, answered, finished, closed, status, hist in tickets:
        t = {"id": ext, "title": subject, "description": f"{subject}. {wrote}", "priority": prio,
             "customer_tier": tier, "status": status, "created_at": iso(created)}
        for name, v in (("first_response_at", answered), ("resolved_at", finished), ("closed_at", closed)):
            if v:
                t[name] = iso(v)
        if hist:
            h = [{"at": iso(created), "status": "New"}]
            h += [{"at": iso(v), "status": w} for v, w in ((answered, "In Progress"), (finished, "Solved"),
                                                          (closed, "Closed")) if v]
            t["status_history"] = h
        rows.append(t)
    return rows


def open_at(t: tuple, at: dt.datetime) -> bool:
    """Open (not yet finished) at ``at``: created by then and neither resolved nor closed by then."""
    created, finished, closed = t[4], t[6], t[7]
    done = finished or closed
    return created <= at and (done is None or done > at)


def breached_in(t: tuple, lo: dt.datetime, hi: dt.datetime, now: dt.datetime, priority: dict[str, str]) -> bool:
    """A response or resolution deadline in [lo, hi) that passed without the work done by then (as of ``now``);
    ``priority`` maps the helpdesk's words to ours."""
    _e, _s, prio, tier, created, answered, finished, closed, _st, _h = t
    response, resolution = slalib.targets(priority[prio], tier)
    done = finished or closed
    for window, at in ((response, answered or done), (resolution, done)):
        deadline = created + window
        if lo <= deadline < hi and deadline < now and (at is None or at > deadline):
            return True
    return False
