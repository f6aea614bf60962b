"""Ranges of days said with one month or none ("from the 10th to the 20th", "between 10 and 20 october", "10-20 oct",
"oct 10 to 20"), and days no month has ("31 september"): read as said, never as one of their days or the whole month.
Plain English only."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from agents.plan import Window
from agents.understanding.calendar_words import MON, MON_RE, past_day, this_month_day, window_of, ymd

_ORD = r"(\d{1,2})(st|nd|rd|th)?"
_TO = r"\s*(?:-|–|to|until|till|through|thru|and)\s*"
_MONTH_AFTER = rf"(?:\s+(?:of\s+)?(?P<mon>{MON_RE})\b\.?(?:\s+(?P<year>20\d\d)\b)?)?"
_DAYS_THEN_MONTH = re.compile(rf"\b(?:(?P<lead>between|from)\s+)?(?P<the>the\s+)?{_ORD}{_TO}(?:the\s+)?{_ORD}{_MONTH_AFTER}")
_MONTH_THEN_DAYS = re.compile(rf"\b(?P<mon>{MON_RE})\.?\s+{_ORD}{_TO}{_ORD}\b(?!\s*(?:of\s+)?{MON_RE}|\s*[%:.]\d)")
_ONE_DAY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MON_RE})\b|\b({MON_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b")


def _month(word: str) -> int:
    return MON[word[:4] if word.startswith("sept") else word[:3]]


def day_range(q: str, today: dt.date) -> tuple[Window | None, str | None, re.Match[str] | None] | None:
    """The range of days ``q`` names with one month (or this month's days, said as ordinals: "from the 10th to the
    20th"); None when it names none. A range of numbers without a month or ordinals ("between 80 and 90") is no date."""
    for m in _DAYS_THEN_MONTH.finditer(q):
        a, b = int(m.group(3)), int(m.group(5))
        if m.group("mon"):
            first = past_day(_month(m.group("mon")), a, today, int(m.group("year")) if m.group("year") else None)
        elif m.group("lead") and (m.group("the") or m.group(4)) and m.group(6):
            first = this_month_day(a, today)  # "from the 10th to the 20th": this month's, or last month's if to come
            if first is not None and (last := ymd(first.year, first.month, b)) is not None and last > today:
                prev = first.replace(day=1) - dt.timedelta(days=1)
                first = ymd(prev.year, prev.month, a)
        else:
            continue
        last = ymd(first.year, first.month, b) if first else None
        if first and last and first < last:
            return window_of(first, last, m.group(0)), None, m
    if (k := _MONTH_THEN_DAYS.search(q)) and (first := past_day(_month(k.group("mon")), int(k.group(2)), today, None)):
        last = ymd(first.year, first.month, int(k.group(4)))
        if last and first < last:
            return window_of(first, last, k.group(0)), None, k
    return None


def impossible_day(q: str) -> str | None:
    """What to ask when ``q`` names a day its month does not have ("31 september", "feb 30") — never read as the
    month or another day."""
    for m in _ONE_DAY.finditer(q.lower()):
        day, word = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if 29 <= int(day) <= 31 and ymd(2024, month := _month(word), int(day)) is None:
            days = calendar.monthrange(2024, month)[1]
            return (f"There is no “{m.group(0)}”: {calendar.month_name[month]} has {days if month != 2 else '28 or 29'} "
                    f"days. Which day did you mean?")
    return None
