"""Loose dates as operators say them, resolved against the run's "today": "around the 22nd" (the three days either
side), "the week of the 9th" (the Monday-to-Sunday week holding it), "early last month" / "mid this month" / "late
last month" (the 1st–10th, 11th–20th, 21st–end), and "on the 1st: this month vs last" (that day of each month).

A day of the month said alone ("the 9th") is this month's, or last month's when it is still to come. A month with a
day ("around Nov 22") goes through ``dateparser``. Nothing after today is named: a window is cut at today.
"""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import Window

_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_WORD = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
               r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_PART = r"(early|mid|middle\s+of|late|end\s+of|beginning\s+of|start\s+of)"
_WHICH = r"(this|current|last|previous|past|prior)"
_VS = r"(?:vs\.?|versus|compared\s+(?:to|with)|against|and)"
AROUND_DAYS = 3  # "around the 22nd": that day and three either side


def _win(start: dt.date, end: dt.date, label: str, single: bool = False) -> Window:
    return Window(start=min(start, end), end=max(start, end), label=label.strip(), single_day=single)


def _month_start(today: dt.date, back: int) -> dt.date:
    first = today.replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _day_of_month(day: int, today: dt.date) -> dt.date | None:
    """"the 9th": this month's, or last month's when it is still to come (None: no such day)."""
    for first in (_month_start(today, 0), _month_start(today, 1)):
        try:
            d = first.replace(day=day)
        except ValueError:
            continue
        if d <= today:
            return d
    return None


def _dated(text: str, today: dt.date) -> dt.date | None:
    """"Nov 22", "22 november", "the 22nd": the latest such day up to today."""
    if m := re.fullmatch(rf"(?:the\s+)?{_DAY}", text.strip()):
        return _day_of_month(int(m.group(1)), today)
    import dateparser  # lazily: only questions with a loose month-and-day pay for it

    got = dateparser.parse(text, settings={"RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
                                           "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False})
    return got.date() if got is not None and got.date() <= today else None


def fuzzy_period(q: str, today: dt.date) -> tuple[Window, re.Match[str]] | None:
    """The first loose date in the (lower-cased) question: its window and the text it consumed."""
    if m := re.search(rf"\b(?:on\s+)?the\s+{_DAY}\b[\s,:;-]*(?:of\s+)?this\s+month\s+{_VS}\s+(?:the\s+)?"
                      rf"(?:last|previous|prior)(?:\s+(?:one|month))?\b", q):
        day = int(m.group(1))  # "on the 1st: this month vs last": the 1st of each month, head to head
        last, this = _month_start(today, 1), _month_start(today, 0)
        if 1 <= day <= 28 and this.replace(day=day) <= today:
            return _win(last, today, f"this month and the month before, compared on day {day} of each"), m
    if m := re.search(rf"\b(?:since|from)\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+)?{_WHICH}?\s*(?:month|mo|mth)\b", q):
        first = _month_start(today, 0 if m.group(1) in (None, "this", "current") else 1)  # "since the start of the month"
        return _win(first, today, f"since {first}"), m
    for m in re.finditer(rf"\b{_PART}[- ]?(?:(?:the\s+)?{_WHICH}\s+|the\s+)?(?:month|mo|mth)\b", q):
        if re.search(r"\b(?:since|from)\s+(?:the\s+)?$", q[:m.start()]):
            continue  # "since the start of the month": from its 1st to today, not its first ten days
        first = _month_start(today, 0 if m.group(2) in (None, "this", "current") else 1)
        part = m.group(1).split()[0]
        lo, hi = {"early": (1, 10), "beginning": (1, 10), "start": (1, 10), "mid": (11, 20), "middle": (11, 20)}.get(
            part, (21, _month_end(first).day))
        start = first.replace(day=lo)
        if start <= today:
            return _win(start, min(first.replace(day=hi), today), m.group(0)), m
    if m := re.search(rf"\b(?:the\s+)?week\s+(of|starting|beginning|commencing)\s+(?:(?:on\s+)?the\s+){_DAY}\b"
                      rf"(?!\s*(?:of\s+)?{_MONTH_WORD})", q):
        d = _day_of_month(int(m.group(2)), today)  # "the week of the 9th": Monday to Sunday around it
        if d is not None:
            start = d if m.group(1) != "of" else d - dt.timedelta(days=d.weekday())
            return _win(start, min(start + dt.timedelta(days=6), today), m.group(0)), m
    if m := re.search(rf"\b(?:around|about|circa|roughly|approximately|approx\.?|near|close\s+to)\s+(?:the\s+)?"
                      rf"((?:{_MONTH_WORD}\.?\s+{_DAY}|{_DAY}(?:\s+of)?\s+{_MONTH_WORD}|\d{{1,2}}(?:st|nd|rd|th)))\b", q):
        d = _dated(m.group(1), today)  # "around the 22nd": the days either side, the day itself said
        if d is not None:
            span = dt.timedelta(days=AROUND_DAYS)
            return _win(d - span, min(d + span, today), f"around {d}, {AROUND_DAYS} days either side"), m
    return None
