"""Periods whose dates are the organisation's own — school terms, local holidays, its busy season ("over half
term", "during the school holidays", "since Ramadan started", "how did peak season go"): they differ by country,
region, school and year, and the data does not say when they were. Asked about, never replaced by another window.
"""

from __future__ import annotations

import re

_LOCAL = re.compile(
    r"\b(half[-\s]?terms?|(?:school|summer|easter|christmas|xmas|winter|spring|autumn|october|february|may)\s+"
    r"(?:holidays?|hols|break|half[-\s]?term)|spring\s+break|ramadan|eid|diwali|golden\s+week|"
    r"(?:chinese|lunar)\s+new\s+year|peak\s+season|(?:the\s+)?school\s+run\s+weeks?)\b", re.I)
_DATED = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:to|-|–|until|till)\s+\d{1,2}", re.I)


def local_period(q: str) -> str | None:
    """The words naming such a period, unless the question also gives dates ("half term, 26-30 Oct")."""
    m = _LOCAL.search(q)
    if m is None or _DATED.search(q):
        return None
    return " ".join(m.group(1).split())
