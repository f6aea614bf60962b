"""A number with one dot ("5.14", "24.11") in a question: a day.month date ("on 5.11", "pick accuracy on 24.11"), or
not a date at all — a version after a product's or a version word ("the WMS 5.14 mispicks", "release 3.2"), a
measure before its unit ("4.5 hours"), or a pair that is no day.month ("5.14"). Never a time of day read as today."""

from __future__ import annotations

import datetime as dt
import re

from agents.understanding.calendar_words import MON, past_day

_VERSION_WORDS = frozenset("version versions ver v release rel build firmware fw patch hotfix update upgrade rollout "
                           "app sdk api".split())
_UNITS = re.compile(r"\s*(?:%|percent\b|pct\b|h\b|hrs?\b|hours?\b|mins?\b|minutes?\b|s\b|secs?\b|seconds?\b|ms\b|days?\b|"
                    r"x\b|times\b|points?\b|pp\b|kg\b|km\b|miles?\b|°|degrees?\b|c\b|k\b|m\b)", re.I)


def one_dot_day(question: str, start: int, end: int, today: dt.date) -> dt.date | None:
    """The day ``question[start:end]`` ("d.m") names, or None when it is not a date in this question."""
    a, b = question[start:end].split(".")
    prev = re.search(r"([A-Za-z][\w-]*)\s*$", question[:start])
    if prev and ((prev.group(1).isupper() and len(prev.group(1)) >= 2 and prev.group(1).lower()[:3] not in MON)
                 or prev.group(1).lower() in _VERSION_WORDS or re.search(r"\d", prev.group(1))):
        return None  # "the WMS 5.14 mispicks", "release 3.2", "D2S 4.5": a version or a measure
    if _UNITS.match(question[end:]):
        return None  # "4.5 hours", "99.5%"
    day, month = int(a), int(b)
    if not (1 <= day <= 31 and 1 <= month <= 12) or len(b) > 2:
        return None
    return past_day(month, day, today, None)
