"""Two single days said against each other ("on 2026-11-11 vs 2026-11-13", "3 feb vs 7 feb", "monday vs
wednesday"): the span from one to the other, labelled "<a> vs <b>" with a day grain, whose first and last days the
KPI analyst compares."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import Window
from agents.understanding.calendar_words import MON, MON_RE, WD_RE, past_day, weekday_of, window_of

_DAY_OF = r"\d{1,2}(?:st|nd|rd|th)?"
_ONE_DAY = rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_DAY_OF}\s+(?:of\s+)?{MON_RE}|{MON_RE}\.?\s+{_DAY_OF}|(?:last\s+)?{WD_RE})"
_VS = r"(?:vs\.?|versus|compared\s+(?:to|with)|compare[sd]?\s+(?:to|with)|against)"
_TWO_DAYS = re.compile(rf"\b({_ONE_DAY})\s+{_VS}\s+(?:on\s+|the\s+)?({_ONE_DAY})\b", re.I)
# "yesterday vs the day before", "today vs yesterday", "the day before yesterday vs yesterday", "yesterday vs 1 dec"
_NEAR = r"(?:(?:the\s+)?day\s+before\s+yesterday|yesterday|today)"
_BEFORE = r"(?:the\s+)?(?:day\s+before(?:\s+(?:that|it))?|previous\s+day|prior\s+day|day\s+prior)(?!\s+yesterday)"
_NEAR_DAYS = re.compile(rf"\b({_NEAR})\s+{_VS}\s+(?:on\s+)?({_BEFORE}|{_NEAR}|(?:the\s+)?{_ONE_DAY})\b|"
                        rf"\b({_ONE_DAY})\s+{_VS}\s+({_NEAR})\b", re.I)


def two_days(q: str, today: dt.date) -> tuple[Window | None, str | None, re.Match[str] | None] | None:
    """Two single days said against each other: the span from the one to the other, labelled "<a> vs <b>" (grain
    day), its first and last days compared."""
    if near := _near_days(q, today):
        return near
    if not (m := _TWO_DAYS.search(q)):
        return None
    one, other = _one_day(m.group(1), today), _one_day(m.group(2), today)
    if one is None or other is None or one == other:
        return None
    a, b = min(one, other), max(one, other)
    return window_of(a, b, f"{a} vs {b}", grain="day"), None, m


def _near_days(q: str, today: dt.date) -> tuple[Window | None, str | None, re.Match[str] | None] | None:
    """"yesterday vs the day before", "today vs yesterday": both days, labelled in the user's words ("<a> vs <b>",
    grain day) so each day's value is shown side by side with the difference, not one total over the two."""
    if not (m := _NEAR_DAYS.search(q)):
        return None
    a_word, b_word = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    one = _near(a_word, today) or _one_day(re.sub(r"^the\s+", "", a_word, flags=re.I), today)
    if one is None:
        return None
    before = re.fullmatch(_BEFORE, b_word, re.I) is not None  # "the day before": the day before the first one
    other: dt.date | None = (one - dt.timedelta(days=1) if before else
                             _near(b_word, today) or _one_day(re.sub(r"^the\s+", "", b_word, flags=re.I), today))
    b_label = "the day before" if before else b_word
    if other is None or other == one:
        return None
    label = " vs ".join(re.sub(r"\s+", " ", x.lower()) for x in (a_word, b_label))
    return window_of(min(one, other), max(one, other), label, grain="day"), None, m


def _near(word: str, today: dt.date) -> dt.date | None:
    """"today", "yesterday", "the day before yesterday"."""
    w = re.sub(r"\s+", " ", word.lower())
    return (today if w == "today" else today - dt.timedelta(days=1) if w == "yesterday"
            else today - dt.timedelta(days=2) if w.endswith("before yesterday") else None)


def _last_weekday(word: str, today: dt.date) -> dt.date:
    """"monday": the latest Monday before today."""
    back = (today.weekday() - weekday_of(word.split()[-1].lower())) % 7 or 7
    return today - dt.timedelta(days=back)


def _one_day(word: str, today: dt.date) -> dt.date | None:
    """An ISO date, a day and month (the latest one up to today) or a weekday (the latest before today)."""
    w = word.lower()
    if m := re.fullmatch(r"\d{4}-\d{2}-\d{2}", w):
        try:
            return dt.date.fromisoformat(m.group(0))
        except ValueError:
            return None
    day, mon = re.search(r"\d{1,2}", w), re.search(MON_RE, w)
    if day and mon:
        name = mon.group(0)
        return past_day(MON[name[:4] if name.startswith("sept") else name[:3]], int(day.group(0)), today, None)
    return _last_weekday(w, today)
