"""Reading the times of other tools' exports: ISO 8601 with a zone, ``… UTC``, epoch seconds or milliseconds, and
times without a zone in the zone the user named for the file (``opsgraph import … --tz``); nothing is guessed.
Part of :mod:`store.importers_values` (re-exported there). This module imports no project code."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from typing import Any

_UTC_WORD = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:UTC|GMT)\s*$", re.IGNORECASE)
_ZONE_WORD = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*([A-Za-z]{2,5})\s*$")
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 and 2100-01-01, in seconds


# The zone a file's times without one are in, when the user said so (``opsgraph import … --tz Europe/Oslo``);
# unset, such times are refused (no zone is ever guessed).
_FILE_ZONE: contextvars.ContextVar[dt.tzinfo | None] = contextvars.ContextVar("file_zone", default=None)
_NAIVE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[T ](\d{1,2})(:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)\s*$")
# Jira's CSV export (``dd/MMM/yy h:mm a``): the month is a word, so the day and year cannot be swapped
_JIRA = re.compile(r"^\s*(\d{1,2})/([A-Za-z]{3})/(\d{2}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AaPp][Mm])\s*$")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}


def file_zone(name: str) -> dt.tzinfo:
    """``UTC``, an IANA name (``Europe/Oslo``, ``America/New_York``) or a fixed offset (``+01:00``, ``-0500``)."""
    text = name.strip()
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", text)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3))
        if minutes >= 24 * 60:
            raise ValueError(f"{name!r} is not an offset (write +01:00 or -05:00)")
        return dt.timezone((1 if m.group(1) == "+" else -1) * dt.timedelta(minutes=minutes))
    if text.upper() in ("UTC", "Z", "GMT"):
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; write an IANA name (Europe/Oslo, America/Chicago), "
                         "UTC, or an offset (+01:00)") from None


@contextlib.contextmanager
def times_in_zone(zone: dt.tzinfo | None) -> Iterator[None]:
    """Within the block, times written without a zone are read in ``zone`` (None: refused, the default)."""
    token = _FILE_ZONE.set(zone)
    try:
        yield
    finally:
        _FILE_ZONE.reset(token)


def current_file_zone() -> dt.tzinfo | None:
    """The zone named for the file being imported (:func:`times_in_zone`), or None."""
    return _FILE_ZONE.get()


def _in_file_zone(value: str) -> str | None:
    """A time without a zone (``2026-11-24 21:40:00``, Jira's ``24/Nov/26 9:40 PM``) in the zone the user named,
    as ISO 8601 with its offset; None when no zone was named or ``value`` is not such a time."""
    zone = _FILE_ZONE.get()
    if zone is None:
        return None
    if m := _NAIVE.match(value):
        try:
            naive = dt.datetime.fromisoformat(f"{m.group(1)}T{m.group(2).zfill(2)}{m.group(3)}")
        except ValueError:
            return None  # not a real date (2026-02-30): left for the model to refuse
    elif (m := _JIRA.match(value)) and m.group(2).lower() in _MONTHS:
        hour = int(m.group(4)) % 12 + (12 if m.group(7).lower() == "pm" else 0)
        try:
            naive = dt.datetime(2000 + int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)), hour,
                                int(m.group(5)), int(m.group(6) or 0))
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a date") from None
    else:
        return None
    return naive.replace(tzinfo=zone).isoformat()


def epoch_guard(value: Any) -> Any:
    """A time written as a number is epoch seconds or milliseconds; one that lands outside 2000–2100 either way
    (``20260305``, ``45321`` from a spreadsheet) is not a time anyone meant and is rejected, not read as 1970.
    ``2026-03-05 09:30:00 UTC`` (or ``GMT``) is UTC; other zone names (``CET``, ``IST`` …) are left to be refused.
    A time without a zone is read in the zone the user named for the file (:func:`times_in_zone`), if any."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    if isinstance(value, str) and (zoned := _in_file_zone(value)) is not None:
        return zoned
    if isinstance(value, str) and _JIRA.match(value):
        raise ValueError(f"{value.strip()!r}: timestamp needs a timezone (Jira's export writes none; "
                         "e.g. 2026-11-03T10:00:00Z)")
    if isinstance(value, str) and (m := _UTC_WORD.match(value)):
        return m.group(1) + "Z"  # "2026-03-05 09:30:00 UTC": the one zone a word names unambiguously
    if isinstance(value, str) and (m := _ZONE_WORD.match(value)):
        raise ValueError(f"{value.strip()!r}: a zone name such as {m.group(1)!r} can mean several offsets; write the "
                         "offset (2026-03-05T09:30:00+01:00) or Z for UTC")
    if isinstance(value, str) and not re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value):
        return value
    n = float(value)
    seconds = n / 1000 if n > 2e10 else n
    if not _EPOCH_MIN <= seconds <= _EPOCH_MAX:
        raise ValueError(f"{value!r} is not a time: write ISO 8601 with a zone (2026-03-05T09:30:00Z) or epoch "
                         "seconds or milliseconds")
    return value
