"""Named days that calendars share, as people use them for periods: Black Friday (the day after the fourth Thursday
of November) and its week or weekend, Cyber Monday, Thanksgiving, Christmas Eve/Day, Boxing Day, New Year's Eve/Day.
The latest one on or before today, unless a year is said ("black friday 2025", "last year's black friday")."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import Window

_NAMED = re.compile(
    r"\b(?:(last\s+year'?s|the\s+previous)\s+)?(black\s+friday|cyber\s+monday|thanksgiving|christmas\s+eve|xmas\s+eve|"
    r"christmas(?:\s+day)?|xmas(?:\s+day)?|boxing\s+day|new\s+year'?s?\s+eve|new\s+year'?s?\s+day)"
    r"(?:\s+(week(?:end)?))?(?:\s+(?:of\s+)?(\d{4})|\s+(last\s+year|the\s+year\s+before))?\b", re.I)


def _day(name: str, year: int) -> dt.date:
    name = " ".join(name.lower().replace("xmas", "christmas").replace("'", "").split())
    if name in ("black friday", "cyber monday", "thanksgiving"):
        first = dt.date(year, 11, 1)
        thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)  # the fourth Thursday of November
        return thursday + dt.timedelta(days={"thanksgiving": 0, "black friday": 1, "cyber monday": 4}[name])
    if name.startswith("new year"):
        return dt.date(year, 12, 31) if name.endswith("eve") else dt.date(year, 1, 1)
    return {"christmas eve": dt.date(year, 12, 24), "boxing day": dt.date(year, 12, 26)}.get(name, dt.date(year, 12, 25))


def named_period(q: str, today: dt.date) -> tuple[Window, re.Match[str]] | None:
    """The window a named day (and "week"/"weekend" after it) says, and the words that said it."""
    m = _NAMED.search(q)
    if not m:
        return None
    before, name, span, year, after = m.groups()
    day = _day(name, int(year) if year else today.year)
    if not year and day > today:
        day = _day(name, today.year - 1)
    if not year and (before or after):  # "last year's black friday": the one of the calendar year before this one
        day = _day(name, today.year - 1)
    if span and span.lower() == "week":
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=6)
    elif span:
        start, end = day, day + dt.timedelta(days=(6 - day.weekday()) % 7 or 1)  # "black friday weekend": Fri–Sun
    else:
        start = end = day
    if start > today:
        return None  # not yet: no data to read
    end = min(end, today)
    label = " ".join(m.group(0).split())
    return Window(start=start, end=end, label=label, single_day=start == end, grain="day"), m
