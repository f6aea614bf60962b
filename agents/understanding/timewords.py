"""Time expressions → a :class:`Window`, resolved against the run's "today".

Rules cover what people say in operations chats ("last week", "the week before",
"since Monday", "day before yesterday", "Q3", "in August", "on 3 Nov", "the week
of Nov 2", "past 10 days", "weekly"); ``dateparser`` handles the rest of the
date-like fragments ("3 weeks ago", "11/03/2026"). Text the rules consumed is
returned blanked, so the linker never mistakes "Nov 3" or "may" for a name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from agents.plan import Grain, Window
from agents.understanding.calendar_words import (
    DAY_RE,
    MON,
    MON_RE,
    N_RE,
    UNIT,
    WD_RE,
    count_of,
    month_end,
    past_day,
    this_month_day,
    weekday_of,
    window_of,
    ymd,
)
from agents.understanding.day_ranges import day_range
from agents.understanding.dotted_numbers import one_dot_day
from agents.understanding.fuzzy_dates import fuzzy_period
from agents.understanding.holidays import named_period
from agents.understanding.two_days import two_days

# "this week vs last week", "last week better than the week before", "how does this week compare to last week"
_CMP = (r"(?:(?:(?:any|much|a\s+lot|a\s+bit)\s+)?(?:better|worse|higher|lower|more|less|up|down)\s+)?"
        r"(?:compared\s+(?:to|with)|compare[sd]?\s+(?:to|with)|vs\.?|versus|against|than)")


@dataclass
class TimeParse:
    window: Window | None = None
    relative: str | None = None  # "day" / "week" / "month": "the week before" the thread's window
    grain: Grain | None = None
    text: str = ""  # the question with the time words blanked
    today: dt.date | None = None  # the run's "now": nothing after it is named (an incident that has not started yet)


def _rules(q: str, today: dt.date) -> tuple[Window | None, str | None, re.Match[str] | None]:
    """The first time expression found: (window, relative marker, match)."""
    monday = today - dt.timedelta(days=today.weekday())
    iso = r"(\d{4}-\d{2}-\d{2})"
    if got := two_days(q, today):  # "on 2026-11-11 vs 2026-11-13", "monday vs wednesday": those two days
        return got
    if named := named_period(q, today) or fuzzy_period(q, today):  # "black friday week", "around the 22nd"
        return named[0], None, named[1]
    if got := day_range(q, today):  # "from the 10th to the 20th", "between 10 and 20 october", "10-20 oct"
        return got
    if got := _month_parts(q, today):  # "the first week of november", "september vs august", "since 2025"
        return got
    if m := re.search(rf"\b(?:between|from)\s+{iso}\s+(?:and|to|until|through)\s+{iso}\b|\b{iso}\s*(?:to|until|through|–|—|\.\.)\s*{iso}\b", q):
        a, b = [dt.date.fromisoformat(x) for x in m.groups() if x]
        return window_of(a, b, m.group(0)), None, m
    md = rf"(?:{MON_RE}\.?\s+{DAY_RE}|{DAY_RE}(?:\s+of)?\s+{MON_RE}\.?)"
    if m := re.search(rf"\b(?:between|from)\s+(?:the\s+)?(?P<a>{md})\s+(?:and|to|until|till|through|-|–)\s+(?:the\s+)?"
                      rf"(?P<b>{md}|\d{{1,2}}(?:st|nd|rd|th)?)\b", q):
        first, tail = _anydate(m.group("a"), today), m.group("b")
        last = _anydate(tail, today)
        if last is None and first is not None and (dm := re.match(r"\d+", tail)):
            last = ymd(first.year, first.month, int(dm.group(0)))  # "from nov 2 to the 8th"
        if first and last:
            return window_of(first, last, m.group(0)), None, m
    if m := re.search(r"\b(?:since|from|after|starting(?:\s+(?:on|from))?)\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b"
                      r"(?!\s+(?:of\s+)?[a-z]{3})", q):  # "since the 20th" on the 3rd: November's 20th to today
        d = this_month_day(int(m.group(1)), today)
        if d and m.group(0).startswith("after"):
            d += dt.timedelta(days=1)  # "after the 20th": from the 21st
        if d and d <= today:
            return window_of(d, today, m.group(0)), None, m
    if m := re.search(rf"\b(?:the\s+)?week\s+(?:of|starting|beginning)\s+(?:{iso}|{MON_RE}\.?\s+{DAY_RE}|{DAY_RE}\s+{MON_RE})", q):
        d = _anydate(m.group(0), today)
        if d:
            start = d - dt.timedelta(days=d.weekday())
            return window_of(start, start + dt.timedelta(days=6), m.group(0), grain="day"), None, m
    if m := re.search(rf"\b{iso}\b", q):
        d = dt.date.fromisoformat(m.group(1))
        if re.search(r"\bsince\s+$", q[: m.start()]):
            return window_of(d, today, "since " + m.group(1)), None, m
        return window_of(d, d, m.group(1), single=True), None, m
    if m := re.search(r"\bthis\s+(week|month|year)\s+" + _CMP + r"\s+(?:the\s+)?"
                      r"(?:(?:last|previous|prior)(?:\s+(?:one|\1)|(?!\s+(?:day|week|month|year|quarter)s?\b))|"
                      r"(?:\1|one)\s+before(?:\s+(?:that|it))?)\b", q):  # "this week vs last": the unit said once
        unit = m.group(1)
        start = (monday - dt.timedelta(days=7) if unit == "week" else
                 (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1) if unit == "month" else
                 dt.date(today.year - 1, 1, 1))
        per: Grain = "week" if unit == "week" else "month"  # one value per period, side by side
        return window_of(start, today, f"this {unit} and the {unit} before", grain=per), None, m
    if m := re.search(r"(?<!\blast\s)(?<!\bprevious\s)\b(?:compared\s+(?:to|with)|vs\.?|versus|against|than)\s+(?:the\s+)?"
                      r"(?:last|previous|prior)\s+(week|month)\b", q):  # "X went up vs last month": this one against it
        unit = m.group(1)
        start = (monday - dt.timedelta(days=7) if unit == "week" else
                 (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
        return window_of(start, today, f"this {unit} and the {unit} before", grain="week" if unit == "week" else "month"), None, m
    if m := re.search(r"\b(?:last|previous)\s+(week|month)\s+" + _CMP + r"\s+(?:the\s+)?"
                      r"(?:\1\s+before(?:\s+(?:that|it))?|one\s+before|previous\s+(?:one|\1)|prior\s+(?:one|\1))\b", q):
        unit = m.group(1)  # "last month compared to the month before": both, one value per period
        if unit == "week":
            start, end = monday - dt.timedelta(days=14), monday - dt.timedelta(days=1)
        else:
            end = today.replace(day=1) - dt.timedelta(days=1)
            start = (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        return window_of(start, end, f"last {unit} and the {unit} before", grain="week" if unit == "week" else "month"), None, m
    if m := re.search(r"\b(?:the\s+)?day\s+before\s+yesterday\b", q):
        d = today - dt.timedelta(days=2)
        return window_of(d, d, "the day before yesterday", single=True), None, m
    if m := re.search(r"\b(?:the\s+)?(day|week|month)\s+before\s+(?:that|last)\b", q):
        if m.group(0).endswith("last") and m.group(1) == "week":
            start = monday - dt.timedelta(days=14)
            return window_of(start, start + dt.timedelta(days=6), "the week before last"), None, m
        return None, m.group(1), m
    if m := re.search(r"\b(?:the\s+|a\s+)?(day|week|month)\s+(?:before|prior|earlier)\b|\bprevious\s+one\b", q):
        return None, (m.group(1) if m.lastindex else "week"), m
    if m := re.search(r"\b(?:in\s+|over\s+|during\s+|for\s+)?(?:the\s+)?(?:past|last|previous)\s+fortnight\b", q):
        return window_of(today - dt.timedelta(days=14), today - dt.timedelta(days=1), "the last fortnight"), None, m
    if m := re.search(r"\blast\s+night\b|\bovernight\b", q):
        d = today - dt.timedelta(days=1)
        return window_of(d, today, "last night"), None, m
    if m := re.search(r"\bthis\s+(?:morning|afternoon|evening)\b|\btonight\b", q):
        return window_of(today, today, m.group(0), single=True), None, m
    if m := re.search(rf"\b(?:in\s+the\s+|over\s+the\s+|during\s+the\s+|for\s+the\s+)?(?:past|last|previous|trailing)\s+{N_RE}\s+(day|week|wk|month|mo|mth|year|yr)s?\b", q):
        n, unit = count_of(m.group(1)), m.group(2)
        days = n * UNIT[unit]
        return window_of(today - dt.timedelta(days=days), today - dt.timedelta(days=1), m.group(0)), None, m
    if m := re.search(rf"\b{N_RE}\s+(day|week|month)s?\s+ago\b", q):
        n, unit = count_of(m.group(1)), m.group(2)
        if unit == "day":
            d = today - dt.timedelta(days=n)
            return window_of(d, d, m.group(0), single=True), None, m
        if unit == "week":
            wk = monday - dt.timedelta(days=7 * n)
            return window_of(wk, wk + dt.timedelta(days=6), m.group(0)), None, m
        y, mo = today.year, today.month - n
        while mo < 1:
            y, mo = y - 1, mo + 12
        return window_of(dt.date(y, mo, 1), month_end(y, mo), m.group(0)), None, m
    if m := re.search(r"\b(?:since|from)\s+yesterday\b(?!\s+(?:to|until|till)\b)", q):
        d = today - dt.timedelta(days=1)  # "so high since yesterday": yesterday and today, not yesterday alone
        return window_of(d, today, "since yesterday"), None, m
    if m := re.search(r"\byesterday\b", q):
        d = today - dt.timedelta(days=1)
        return window_of(d, d, "yesterday", single=True), None, m
    if m := re.search(r"\b(?:today|so far today|right now|currently)\b", q):
        if m.group(0) in ("right now", "currently"):
            return None, None, None
        return window_of(today, today, "today", single=True), None, m
    if m := re.search(r"\b(?:over|during|on|at|for)\s+the\s+weekend\b|\bthis\s+(?:past\s+)?weekend\b", q):
        sat = monday - dt.timedelta(days=2) if today.weekday() < 5 else monday + dt.timedelta(days=5)
        return window_of(sat, min(sat + dt.timedelta(days=1), today), "the weekend"), None, m
    if m := re.search(r"\bbetween\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\s+and\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\b", q):
        d1, d2 = this_month_day(int(m.group(1)), today), this_month_day(int(m.group(2)), today)
        if d1 and d2:
            return window_of(d1, d2, m.group(0)), None, m
    if m := re.search(r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?[a-z]{3})", q):
        d = this_month_day(int(m.group(1)), today)
        if d:
            return window_of(d, d, m.group(0), single=True), None, m
    if m := re.search(r"\b(?:the\s+)?(?:last|previous|past|prior)\s+(?:week(?:end)?|wk)\b", q):
        if m.group(0).endswith("end"):
            sat = monday - dt.timedelta(days=2)
            return window_of(sat, sat + dt.timedelta(days=1), "last weekend"), None, m
        if "past" in m.group(0):
            return window_of(today - dt.timedelta(days=7), today - dt.timedelta(days=1), "the past week"), None, m
        start = monday - dt.timedelta(days=7)
        return window_of(start, start + dt.timedelta(days=6), "last week"), None, m
    if m := re.search(r"\b(?:this|current)\s+(?:week|wk)\b|\bweek\s+to\s+date\b|\bwtd\b", q):
        return window_of(monday, today, "this week"), None, m
    if m := re.search(r"\b(?:the\s+)?(?:last|previous|past|prior)\s+(?:month|mo|mth)\b", q):
        prev_end = today.replace(day=1) - dt.timedelta(days=1)
        return window_of(prev_end.replace(day=1), prev_end, "last month"), None, m
    if m := re.search(r"\b(?:this|current)\s+month\b|\bmonth\s+to\s+date\b|\bmtd\b", q):
        return window_of(today.replace(day=1), today, "this month"), None, m
    if m := re.search(r"\b(?:the\s+)?(?:last|previous|past|prior)\s+(?:year|yr)\b", q):
        y = today.year - 1
        return window_of(dt.date(y, 1, 1), dt.date(y, 12, 31), "last year"), None, m
    if m := re.search(r"\b(?:this|current)\s+year\b|\byear\s+to\s+date\b|\bytd\b|\bso\s+far\s+this\s+year\b", q):
        return window_of(dt.date(today.year, 1, 1), today, "this year"), None, m
    if m := re.search(r"\b(?:the\s+)?(this|current|last|previous|past|prior)\s+quarter\b|\bquarter\s+to\s+date\b|\bqtd\b", q):
        qs = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if m.group(1) in ("last", "previous", "past", "prior"):
            end = qs - dt.timedelta(days=1)
            start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
            return window_of(start, end, "last quarter"), None, m
        return window_of(qs, today, "this quarter"), None, m
    if m := re.search(r"\bq([1-4])(?:\s*(?:of\s+)?('?\d{2,4}))?\b", q):
        qn = int(m.group(1))
        y = int(m.group(2).lstrip("'")) if m.group(2) else today.year
        y = y + 2000 if y < 100 else y
        start = dt.date(y, 3 * qn - 2, 1)
        if not m.group(2) and start > today:
            y, start = y - 1, dt.date(y - 1, 3 * qn - 2, 1)
        end = month_end(y, 3 * qn)
        return window_of(start, min(end, today), m.group(0).upper()), None, m
    if m := re.search(rf"\bsince\s+(?:last\s+)?({WD_RE})\b", q):
        back = (today.weekday() - weekday_of(m.group(1))) % 7 or 7
        return window_of(today - dt.timedelta(days=back), today, m.group(0)), None, m
    if (m := re.search(rf"\b(?:on\s+)?(?:last\s+)?({WD_RE})\b(?!\s*{DAY_RE})", q)) and (
        not re.match(r"(?:mon|sun|sat|wed)$", m.group(1)) or "last" in m.group(0) or "on " in m.group(0)
    ):
        back = (today.weekday() - weekday_of(m.group(1))) % 7 or 7
        d = today - dt.timedelta(days=back)
        return window_of(d, d, m.group(0), single=True), None, m
    if m := re.search(rf"\b(?:(since|from)\s+)?(?:on\s+|the\s+)?(?:{MON_RE}\.?\s+{DAY_RE}(?:,?\s+(\d{{4}}))?|{DAY_RE}(?:\s+of)?\s+{MON_RE}\.?(?:,?\s+(\d{{4}}))?)\b", q):
        d = _anydate(m.group(0), today)
        if d:
            if m.group(1):
                return window_of(d, today, m.group(0)), None, m
            return window_of(d, d, m.group(0), single=True), None, m
    if m := re.search(rf"\b(early|mid|middle\s+of|late|end\s+of|beginning\s+of|start\s+of)[- ]?(?:the\s+)?({MON_RE})\b", q):
        word = m.group(2)  # "mid november": the 11th to the 20th; early: 1st–10th; late: the 21st to the month's end
        month = MON[word[:4] if word.startswith("sept") else word[:3]]
        y = today.year if month <= today.month else today.year - 1
        part = m.group(1).split()[0]
        lo, hi = {"early": (1, 10), "beginning": (1, 10), "start": (1, 10), "mid": (11, 20), "middle": (11, 20)}.get(
            part, (21, month_end(y, month).day))
        start = dt.date(y, month, lo)  # (a part still ahead is asked as it is: there is no data for it yet)
        return window_of(start, max(start, min(dt.date(y, month, hi), today)), m.group(0)), None, m
    if (m := re.search(rf"\b(?:in\s+)?({MON_RE})\s+(?:vs\.?|versus|compared\s+(?:to|with)|against|and)\s+(?:in\s+)?({MON_RE})\b", q)) \
            and "may" not in (m.group(1), m.group(2)):  # "november vs october": both months, one value each
        firsts = []
        for word in (m.group(1), m.group(2)):
            month = MON[word[:4] if word.startswith("sept") else word[:3]]
            firsts.append(dt.date(today.year if month <= today.month else today.year - 1, month, 1))
        a, b = sorted(firsts)
        if a != b:
            return window_of(a, min(month_end(b.year, b.month), today), f"{a:%B} and {b:%B}", grain="month"), None, m
    if m := re.search(rf"\b(?:(in|during|for|since|over|through(?:out)?)\s+)?(?:the\s+month\s+of\s+)?({MON_RE})\b(?:\s+(\d{{4}}))?", q):
        word = m.group(2)
        if word != "may" or m.group(1) or m.group(3):
            month = MON[word[:4] if word.startswith("sept") else word[:3]]
            y = int(m.group(3)) if m.group(3) else (today.year if month <= today.month else today.year - 1)
            first = dt.date(y, month, 1)
            if m.group(1) == "since":
                return window_of(first, today, m.group(0)), None, m
            return window_of(first, min(month_end(y, month), today), m.group(0)), None, m
    if m := re.search(r"\b(?<![.\-/])(\d{4})\b(?![.\-/]\w)", q):  # a year, not the start of "2026.11.5"
        y = int(m.group(1))
        if 2000 <= y <= today.year and re.search(r"\b(?:in|during|for|of|since)\s+$", q[: m.start()]):
            return window_of(dt.date(y, 1, 1), min(dt.date(y, 12, 31), today), m.group(0)), None, m
    return None, None, None


_ORD = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1, "final": -1}
_VS = r"(?:vs\.?|versus|compared\s+(?:to|with)|against|and)"


def _month_of(word: str, year: str | None, today: dt.date) -> tuple[int, int]:
    month = MON[word[:4] if word.startswith("sept") else word[:3]]
    return (int(year) if year else (today.year if month <= today.month else today.year - 1)), month


def _month_parts(q: str, today: dt.date) -> tuple[Window | None, str | None, re.Match[str] | None] | None:
    """Parts of months and pairs of months or years: "the first week of November" (its days 1–7; the last week:
    its last 7 days), "September vs August" (both months, one value each), "since 2025" (that year to today)."""
    if m := re.search(rf"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|last|final)\s+week\s+(?:of|in)\s+"
                      rf"({MON_RE})\b(?:\s+(\d{{4}}))?", q):
        y, month = _month_of(m.group(2), m.group(3), today)
        last = month_end(y, month).day
        i = _ORD[m.group(1)]
        start = dt.date(y, month, last - 6) if i < 0 else dt.date(y, month, 1 + 7 * i)
        end = min(start + dt.timedelta(days=6), month_end(y, month))
        if start <= today:
            return window_of(start, min(end, today), m.group(0)), None, m
    if m := re.search(rf"\b(?:the\s+)?(first|second|1st|2nd|last)\s+half\s+(?:of|in)\s+({MON_RE})\b(?:\s+(\d{{4}}))?", q):
        y, month = _month_of(m.group(2), m.group(3), today)  # "the first half of November": 1–15, the second: 16–end
        start = dt.date(y, month, 1 if m.group(1) in ("first", "1st") else 16)
        end = dt.date(y, month, 15) if m.group(1) in ("first", "1st") else month_end(y, month)
        if start <= today:
            return window_of(start, min(end, today), m.group(0)), None, m
    if m := re.search(rf"\b({MON_RE})\b(?:\s+(\d{{4}}))?\s+{_VS}\s+(?:the\s+month\s+of\s+|in\s+)?({MON_RE})\b"
                      rf"(?:\s+(\d{{4}}))?", q):
        (y0, m0), (y1, m1) = sorted([_month_of(m.group(1), m.group(2), today), _month_of(m.group(3), m.group(4), today)])
        if (y0, m0) != (y1, m1):
            return window_of(dt.date(y0, m0, 1), min(month_end(y1, m1), today), m.group(0), grain="month"), None, m
    if m := re.search(r"\b(?:last|past)\s+(\d{1,3})\s+(day|week)s?\s+(?:vs\.?|versus|compared\s+(?:to|with)|against)\s+"
                      r"(?:the\s+)?(?:(?:previous|prior|preceding)(?:\s+(?:\d{1,3}\s+)?(?:days?|weeks?|ones?))?|"
                      r"\d{1,3}\s+(?:(?:days?|weeks?)\s+)?before(?:\s+(?:that|it|them))?)", q):  # "… vs the 30 before"
        n, unit = int(m.group(1)), m.group(2)  # "the last 7 days vs the previous 7": both halves, one window
        span = n * (7 if unit == "week" else 1)
        end = today - dt.timedelta(days=1)
        return window_of(end - dt.timedelta(days=2 * span - 1), end, f"the last {n} {unit}s and the {n} before"), None, m
    if m := re.search(r"\b(?:than|vs\.?|versus|compare[sd]?\s+(?:to|with)|against)\s+(?:the\s+same\s+(?:time|period)\s+)?"
                      r"(?:last\s+year|a\s+year\s+(?:ago|earlier|before))\b", q):
        end = today - dt.timedelta(days=1)  # "better or worse than last year": lately against the same days a year earlier
        rest = q[: m.start()] + " " * (m.end() - m.start()) + q[m.end():]
        if (named := _rules(rest, today)) and named[0] is not None and named[0].end.year == today.year:
            w = named[0]  # "AOG last month, and how does that compare to last year": that month, a year apart
            return w.model_copy(update={"label": f"{w.label} against a year earlier"}), None, m
        return window_of(end - dt.timedelta(days=29), end, "the last 30 days against a year earlier"), None, m
    if m := re.search(r"\b(?:past|last|previous)\s+(?:(\d{1,3})\s*)?(?:hours?|hrs?)\b|\b(?:past|last|previous)\s+(\d{1,3})\s*h\b", q):
        n = int(m.group(1) or m.group(2) or 1)  # "over the last 24 hours", "last 2h": the days they touch, up to now
        return window_of(today - dt.timedelta(days=-(-n // 24)), today, f"the last {n} hour{'s' if n != 1 else ''}"), None, m
    if m := re.search(r"\bsince\s+(\d{4})\b(?![.\-/]\w)", q):
        y = int(m.group(1))
        if 2000 <= y <= today.year:
            return window_of(dt.date(y, 1, 1), today, m.group(0)), None, m
    return None


def _anydate(s: str, today: dt.date) -> dt.date | None:
    if m := re.search(r"\d{4}-\d{2}-\d{2}", s):
        return dt.date.fromisoformat(m.group(0))
    year = re.search(r"\b(\d{4})\b", s)
    mon = re.search(MON_RE, s)
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", s)
    if not (mon and day):
        return None
    w = mon.group(0)
    return past_day(MON[w[:4] if w.startswith("sept") else w[:3]], int(day.group(1)), today, int(year.group(1)) if year else None)


def _dateparser(q: str, today: dt.date, asked: str) -> tuple[Window | None, re.Match[str] | None]:
    """Numeric dates and other date-like fragments the rules do not cover (``asked``: ``q`` as typed)."""
    for m in re.finditer(r"(?<![\w./-])\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?(?![\w/-]|\.\w)", q):  # not in "2026.11.3-rc1"
        if "." in m.group(0) and m.group(0).count(".") == 1 and re.search(
                r"\b(?:below|under|above|over|than|exceed\w*|beyond|least|most|to|of|is|was|were|are|hit|reach\w*|goal|"
                r"target|threshold)\s+$", q[: m.start()]):
            continue  # "below 98.5", "more than 12.5": a number, not 12 May
        if re.fullmatch(r"\d+\.\d+", m.group(0)):  # "on 5.11" a day.month; "WMS 5.14", "4.5 hours" no date at all
            if d := one_dot_day(asked, m.start(), m.end(), today):
                return window_of(d, d, m.group(0), single=True), m
            continue
        import dateparser  # imported lazily: only questions with such fragments pay for it

        base = dt.datetime.combine(today, dt.time(12))
        got = dateparser.parse(m.group(0), settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                                                     "RETURN_AS_TIMEZONE_AWARE": False})
        if got is not None:
            return window_of(got.date(), got.date(), m.group(0), single=True), m
    return None, None


# "<period> and how does that compare to <period>", "…, and how did it compare with …": said as "compared to"
_HOW_COMPARE = re.compile(r",?\s*(?:and|but|so)\s+how\s+(?:does|did|do|is|was|has)\s+(?:that|it|this|this\s+one|that\s+one)\s+"
                          r"compare[sd]?\s+(?:to|with|against)\b", re.I)


# "mid november vs now", "compared to today", "how does X now compare with early november": a period against now
_AND_NOW = re.compile(r"\b(?:vs\.?|versus|compared\s+(?:to|with)|against)\s+(?:right\s+)?(?:now|today|currently|lately|"
                      r"these\s+days|at\s+the\s+moment)\b|\band\s+(?:right\s+)?now\s*[?.!]*$|"
                      r"\bnow\s+compare[sd]?\s+(?:to|with|against)\b", re.I)


def _and_now(window: Window | None, today: dt.date) -> Window | None:
    """A past period said against now: from its start to today, by week (by month past four months), so both ends
    are read side by side — not the past period alone."""
    if window is None or window.end >= today - dt.timedelta(days=1):
        return None
    days = (today - window.start).days
    return window_of(window.start, today, f"{window.label} and now", grain="month" if days > 120 else "week" if days > 13 else "day")


def parse_time(question: str, today: dt.date) -> TimeParse:
    question = _HOW_COMPARE.sub(" compared to", question)
    q = question.lower()
    out = TimeParse(text=question, today=today)
    vs_now = _AND_NOW.search(q)  # the period is the other one said ("october compared to today")
    said = q if not vs_now else q[: vs_now.start()] + " " * (vs_now.end() - vs_now.start()) + q[vs_now.end():]
    for attempt in (said, q) if vs_now else (q,):
        window, relative, m = _rules(attempt, today)
        if m is None:
            window, m = _dateparser(attempt, today, question)
        if attempt is said and vs_now and (against_now := _and_now(window, today)):
            window, q = against_now, said  # "now" is said by the window: not a question about the latest value
            question = question[: vs_now.start()] + " " * (vs_now.end() - vs_now.start()) + question[vs_now.end():]
            break
    if m is not None:
        out.text = question[: m.start()] + " " * (m.end() - m.start()) + question[m.end():]
    out.window, out.relative = window, relative
    if re.search(r"\bweekly\b|\bby\s+week\b|\bper\s+week\b|\bweek\s+(?:by|over)\s+week\b|\bwow\b|\bweekly\s+totals?\b", q):
        out.grain = "week"
    elif re.search(r"\bmonthly\b|\bby\s+month\b|\bper\s+month\b|\bmonth\s+(?:by|over)\s+month\b|\bmom\b", q):
        out.grain = "month"
    elif re.search(r"\bdaily\b|\bby\s+day\b|\bper\s+day\b|\bday\s+by\s+day\b", q):
        out.grain = "day"
    if out.window is not None and out.grain:
        out.window = out.window.model_copy(update={"grain": out.grain})
    return out
