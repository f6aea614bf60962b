"""Calendar words and small date helpers the time readers share: month and weekday names and their patterns,
counts said as words, a month's last day, and a date that may not exist ("31 september" is None)."""

from __future__ import annotations

import datetime as dt

from agents.plan import Grain, Window

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
MON = {m: i for i, m in enumerate(MONTHS, start=1)} | {m[:3]: i for i, m in enumerate(MONTHS, start=1)} | {"sept": 9}
MON_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WD_RE = r"(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?"  # "wednesday", "saturday" too
NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
       "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30, "ninety": 90}
N_RE = r"(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|thirty|ninety)"
DAY_RE = r"(\d{1,2})(?:st|nd|rd|th)?"
UNIT = {"day": 1, "week": 7, "wk": 7, "fortnight": 14, "month": 30, "mo": 30, "mth": 30, "year": 365, "yr": 365}
CANON = {"wk": "week", "mo": "month", "mth": "month", "yr": "year"}


def ymd(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def past_day(month: int, day: int, today: dt.date, year: int | None) -> dt.date | None:
    """A month/day without a year means its latest occurrence up to today."""
    if year:
        return ymd(year, month, day)
    d = ymd(today.year, month, day)
    if d and d > today:
        d = ymd(today.year - 1, month, day)
    return d


def this_month_day(day: int, today: dt.date) -> dt.date | None:
    """"the 3rd": that day of this month, or of last month when it is still to come."""
    d = ymd(today.year, today.month, day)
    if d and d > today:
        prev = today.replace(day=1) - dt.timedelta(days=1)
        d = ymd(prev.year, prev.month, day)
    return d


def count_of(s: str) -> int:
    return int(s) if s.isdigit() else NUM[s]


def weekday_of(s: str) -> int:
    return next(i for i, w in enumerate(WEEKDAYS) if w.startswith(s[:3]))


def window_of(start: dt.date, end: dt.date, label: str, *, single: bool = False, grain: Grain = "day") -> Window:
    return Window(start=min(start, end), end=max(start, end), label=label.strip(), single_day=single, grain=grain)
