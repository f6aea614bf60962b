"""Ticket filter values as people write them, checked once for every surface (REST ``GET /api/tickets``, the MCP
ticket tools): statuses, products and the ``as_of`` moment. Customer tiers and priorities are checked by the tools
themselves (:func:`tools.tickets.common.known_values`, ``P1``/``urgent`` → critical).

A bad value raises :class:`tools.base.ToolError` naming the known ones: REST answers it 422, MCP as a tool error.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from store.models import PRODUCTS
from store.ticket_words import status_word
from tools.base import ToolError

OPEN, FINISHED = ("new", "open", "pending"), ("resolved", "closed")
# what people ask for → the statuses it means ("open" = not resolved or closed yet)
STATUS_GROUPS = {"open": OPEN, "unresolved": OPEN, "not resolved": OPEN, "finished": FINISHED, "done": FINISHED}


def _day_only(v: Any) -> Any:
    """``2026-11-13`` is a day (read as 12:00 UTC by :func:`past_moment`), not midnight."""
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
        return dt.date.fromisoformat(v.strip())
    return v


# an ``as_of`` argument: a moment (ISO 8601) or a day
Moment = Annotated[dt.datetime | dt.date, BeforeValidator(_day_only)]


# the last day a window can end on (its end is read as the next midnight, which must still be a date)
LAST_DAY = dt.date(9999, 12, 30)


def ticket_ref(value: str | None, what: str = "like") -> str | None:
    """A ticket id as given (``like``, a path); one no ticket can have (a NUL character) is refused up front."""
    if value is not None and "\x00" in value:
        raise ToolError(f"{what}: a ticket id cannot contain a NUL character (\\u0000)")
    return value


def created_by(created_at: dt.datetime, as_of: dt.datetime, external_id: str) -> None:
    """A ticket read as of a moment before it was created did not exist then: refused, not shown with clocks
    that had not started."""
    if created_at > as_of:
        raise ToolError(f"ticket {external_id} was created at {created_at:%Y-%m-%dT%H:%M}Z, after as_of "
                        f"{as_of.isoformat()}; give a moment after its creation, or leave as_of out for now")


def split(values: list[str] | None) -> list[str]:
    """Repeated values and comma-separated ones (``?status=open,pending``) alike."""
    return [p.strip() for v in values or [] for p in str(v).split(",") if p.strip()]


def statuses(values: list[str] | None) -> list[str]:
    """The statuses asked for, in opsgraph's words (``In Progress`` → open, ``Solved`` → resolved; ``open`` or
    ``unresolved`` = new, open or pending); an unknown one is refused with the known ones."""
    out: list[str] = []
    for v in split(values):
        word = status_word(v)
        group = STATUS_GROUPS.get(word, (word,))
        if any(s not in OPEN + FINISHED for s in group):
            raise ToolError(f"unknown status {v!r}; statuses are new, open, pending, resolved, closed "
                            "('open' or 'unresolved' = new, open or pending)")
        out += [s for s in group if s not in out]
    return out


def products(values: list[str] | None) -> list[str]:
    """Product labels, matched case-insensitively; an unknown one is refused with the known ones."""
    from tools.tickets.common import known_values

    lower = known_values([p.lower() for p in split(values)], tuple(p.lower() for p in PRODUCTS), "product")
    return [p.upper() for p in lower]


def past_moment(as_of: dt.datetime | dt.date | None, now: dt.datetime) -> dt.datetime | None:
    """``as_of`` as an aware moment (a date: 12:00 UTC that day, as ``opsgraph ask --as-of``; no offset: UTC); a
    moment after ``now`` is refused (there is nothing to read as of the future)."""
    if as_of is None:
        return None
    if not isinstance(as_of, dt.datetime):
        as_of = dt.datetime.combine(as_of, dt.time(12, 0), dt.UTC)
    moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=dt.UTC)
    if moment > now:
        raise ToolError(f"as_of {moment.isoformat()} is in the future (now is {now:%Y-%m-%dT%H:%M}Z); "
                        "give a past moment, or leave it out for now")
    return moment
