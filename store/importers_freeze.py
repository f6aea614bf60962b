"""``opsgraph import freeze-windows FILE``: an organisation's change-freeze calendar (JSON array, JSONL or CSV).

Fields: ``name`` (``title``, ``label``, ``event``), ``starts_at`` (``start``, ``from``, ``start_date`` …),
``ends_at`` (``end``, ``until``, ``to``, ``end_date`` …), ``services`` (``service``, ``scope``, ``applies_to``,
``components``: a list or one cell ``"a, b"``; empty, ``all`` or ``*`` = every service), ``reason``
(``description``, ``notes``). A date without a time is a whole day — ``"start": "2026-12-14", "end":
"2027-01-04"`` freezes from the start of the 14th to the end of the 4th — in the zone named with ``--tz``, else
UTC; a time without a zone needs ``--tz``. Every row is checked before anything is written (the end after the
start, services known to the organisation, one window per name and start); a bad row rejects the file with
``line N: reason``. Upsert on (name, start); fields with no column are kept in ``extra``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import psycopg
from pydantic import Field, field_validator, model_validator

from store.import_errors import ImportRejected
from store.importers_fields import _aliases
from store.importers_files import ImportResult, ids_by_name, read_rows, reject_if, unknown_name
from store.importers_rows import Row, in_utc_range
from store.importers_times import current_file_zone

FREEZE = _aliases(
    name="title label event freeze freeze_name window summary",
    starts_at="start starts start_at from begins begin start_date start_time starts_on from_date",
    ends_at="end ends end_at until to end_date end_time ends_on to_date",
    services="service scope applies_to components component systems affected_services",
    reason="description notes note comment why",
)
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")
_EVERY = frozenset({"all", "*", "every", "everything", "all services", "global", "organisation", "organization"})


def _day(value: Any, *, end: bool) -> Any:
    """``2026-12-14`` as the start of that day (or, for an end, the start of the next), in the file's zone or UTC."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and (m := _DATE.match(value)):
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a date") from None
    else:
        return value
    if end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), current_file_zone() or dt.UTC)


class FreezeWindowRow(Row):
    FIELD_ALIASES = FREEZE
    name: Annotated[str, Field(min_length=1, max_length=200)]
    starts_at: dt.datetime
    ends_at: dt.datetime
    services: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list)
    reason: str | None = None

    @field_validator("starts_at", mode="before")
    @classmethod
    def _start_day(cls, v: Any) -> Any:
        return _day(v, end=False)

    @field_validator("ends_at", mode="before")
    @classmethod
    def _end_day(cls, v: Any) -> Any:
        return _day(v, end=True)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zoned(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None:
            raise ValueError("timestamp needs a timezone (e.g. 2026-12-14T00:00:00Z), or give a date "
                             "(2026-12-14), or name the file's zone with --tz")
        return in_utc_range(v)

    @field_validator("services", mode="before")
    @classmethod
    def _every(cls, v: Any) -> Any:
        if isinstance(v, str) and " ".join(v.lower().split()) in _EVERY:
            return []
        return v

    @field_validator("services")
    @classmethod
    def _no_every(cls, v: list[str]) -> list[str]:
        return [] if any(" ".join(s.lower().split()) in _EVERY for s in v) else list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _order(self) -> FreezeWindowRow:
        if self.ends_at <= self.starts_at:
            raise ValueError(f"ends_at ({self.ends_at.isoformat()}) is not after starts_at "
                             f"({self.starts_at.isoformat()})")
        return self


def import_freeze_windows(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, FreezeWindowRow, lambda r: (r.name.lower(), r.starts_at), "freeze window")
    with conn.cursor() as cur:
        services = ids_by_name(cur, "services", "name", org_id)
    lowered = {k.lower(): k for k in services}
    named: list[tuple[FreezeWindowRow, list[str]]] = []
    for line, r in rows:
        unknown = [s for s in r.services if s.lower() not in lowered]
        if unknown:
            errors.append((line, "; ".join(unknown_name(s, "service", services, "; import services first")
                                           for s in unknown)))
        named.append((r, [lowered[s.lower()] for s in r.services if s.lower() in lowered]))
    reject_if(errors, "freeze-windows", path)
    if not rows:
        raise ImportRejected("freeze-windows", path, [(1, "no freeze windows in the file")])
    with conn.transaction(), conn.cursor() as cur:
        for r, names in named:
            cur.execute(
                """INSERT INTO freeze_windows (org_id, name, starts_at, ends_at, services, reason)
                   VALUES (%s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, name, starts_at) DO UPDATE SET ends_at = EXCLUDED.ends_at,
                       services = EXCLUDED.services, reason = EXCLUDED.reason""",
                (org_id, r.name, r.starts_at, r.ends_at, names, r.reason),
            )
    scoped = sum(1 for _, names in named if names)
    return ImportResult("freeze-windows", len(named), {"whole_organisation": len(named) - scoped,
                                                        "some_services": scoped})
