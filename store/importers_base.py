"""The checks every import row shares, whatever its kind: text sizes (``Str``, ``Name``), text Postgres cannot
store or nesting past the limit (:func:`_strings`), aware times within years 1–9999, and codes (stations, KPIs,
services) matched case-insensitively with the reason said. :mod:`store.importers_rows` (the :class:`Row` base and
the kinds' models) re-exports them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import Field

from store.importers_limits import MAX_JSON_DEPTH

Str = Annotated[str, Field(min_length=1, max_length=500)]
Name = Annotated[str, Field(max_length=200)]


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, depth + 1)


def in_utc_range(v: dt.datetime) -> dt.datetime:
    """``v`` must lie in years 1–9999 once converted to UTC (what Python and every reader can represent)."""
    if v.tzinfo is not None:
        try:
            v.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError(
                f"timestamp {v.isoformat()} is outside years 1-9999 once converted to UTC"
            ) from None
    return v


def _aware(v: dt.datetime | None) -> dt.datetime | None:
    if v is not None and v.tzinfo is None:
        raise ValueError("timestamp needs a timezone (e.g. 2026-11-03T10:00:00Z)")
    return in_utc_range(v) if v is not None else v


_CODE = re.compile(r"[^\W_][\w.-]*")
_KPI_CODE = re.compile(r"[^\W\d_][\w]*")
_SERVICE = re.compile(r"[^\W_][\w.-]*")


def _code(v: Any, rule: re.Pattern[str], what: str) -> Any:
    """Codes are matched case-insensitively (stored upper-case); a bad one is explained, not shown as a regex."""
    if not isinstance(v, str):
        return v
    v = v.strip().upper()
    if v and not rule.fullmatch(v):
        raise ValueError(f"{v!r} is not a valid {what}")
    return v
