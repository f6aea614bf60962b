"""A ticket as it stood at a past moment ("as of"): its status then and which of its clocks had stopped by then.

Pure functions of a ticket row (a mapping with the ``tickets`` columns); no database, no clock of their own.

**Status at a moment** ``t`` (``status_at``):

1. a ticket created after ``t`` did not exist yet (``None``);
2. when ``t`` is at or after everything the row records (created, first response, resolved, closed, updated, the
   last history entry), the ticket's status is its current one;
3. otherwise the last entry of its status history at or before ``t`` (statuses as other helpdesks write them are
   read as ours: ``In Progress`` → open, ``Solved`` → resolved);
4. with no history by then, its timestamps: closed by ``t`` → closed; resolved by ``t`` → resolved; a ticket
   finished only later was open (answered by ``t``) or new (not yet answered); a ticket first answered after
   ``t`` was new; otherwise its current status.

**Completion at a moment** (``completion_times``): a first response or resolution recorded after ``t`` had not
happened at ``t``, so an SLA clock evaluated at ``t`` is still running (or already breached) — never "met" by
work done later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from store.ticket_words import status_word

OPEN = ("new", "open", "pending")
FINISHED = ("resolved", "closed")
KNOWN = OPEN + FINISHED


def _aware(v: Any) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
    if isinstance(v, str):
        try:
            return _aware(dt.datetime.fromisoformat(v.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def history(row: Mapping[Any, Any]) -> list[tuple[dt.datetime, str]]:
    """The row's status history as ``(at, status)`` in time order; entries without a time or a known status are
    left out."""
    out = []
    for h in row.get("status_history") or []:
        if not isinstance(h, Mapping) or not isinstance(h.get("status"), str):
            continue
        at, status = _aware(h.get("at")), status_word(h["status"])
        if at is not None and status in KNOWN:
            out.append((at, status))
    return sorted(out, key=lambda x: x[0])


def last_change(row: Mapping[Any, Any]) -> dt.datetime:
    """The latest moment the row records anything (its current status holds from then on)."""
    times = [row[k] for k in ("created_at", "first_response_at", "resolved_at", "closed_at", "updated_at")
             if row.get(k) is not None]
    times += [at for at, _ in history(row)[-1:]]
    return max(times)


def status_at(row: Mapping[Any, Any], at: dt.datetime) -> str | None:
    """The ticket's status at ``at`` (see the module docstring); ``None`` when it was created later."""
    created = row["created_at"]
    if created > at:
        return None
    current = str(row["status"])
    if at >= last_change(row):
        return current
    by_then = [s for t, s in history(row) if t <= at]
    if by_then:
        return by_then[-1]
    closed, resolved, answered = row.get("closed_at"), row.get("resolved_at"), row.get("first_response_at")
    if closed is not None and closed <= at:
        return "closed"
    if resolved is not None and resolved <= at:
        return "resolved"
    if current in FINISHED and (resolved is not None or closed is not None):
        return "open" if answered is not None and answered <= at else "new"
    if answered is not None and answered > at and current in OPEN:
        return "new"
    return current


def completion_times(row: Mapping[Any, Any], at: dt.datetime | None = None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(first response, resolution)`` as known at ``at`` (all of them without ``at``); a ticket closed without a
    resolved_at is resolved when closed."""
    first, done = row["first_response_at"], row["resolved_at"] or row["closed_at"]
    if at is not None:
        first = first if first is not None and first <= at else None
        done = done if done is not None and done <= at else None
    return first, done


def is_open_at(row: Mapping[Any, Any], at: dt.datetime) -> bool:
    """Open (new, open or pending) at ``at``, and not resolved or closed by then."""
    return status_at(row, at) in OPEN and completion_times(row, at)[1] is None
