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


# the organisation's own events: "during the christmas market weekend", "over the spring sale", "since the summer
# festival week" — a name before an event word, after "during/over/around/since/before/after the"
_OWN_EVENT = re.compile(
    r"\b(?:during|over|around|throughout|since|before|after)\s+(?:the|our|this\s+year's|last\s+year's)\s+"
    r"((?:[a-z0-9][\w'&-]*\s+){1,3}(?:weekend|week|festival|fair|market|sale|event|season|campaign|launch|"
    r"promo(?:tion)?|tournament|competition|conference|open\s+days?|marathon|show|exhibition|carnival|games))\b", re.I)
_NOT_A_NAME = frozenset("this last next past previous same whole entire first second third final following "
                        "preceding coming busy quiet holiday bank long working the a an of that".split())


def local_period(q: str, known: str | None = None) -> str | None:
    """The words naming such a period, unless the question also gives dates ("half term, 26-30 Oct"); ``known`` is
    the label of the window the question was read as, when it covers the whole name ("black friday weekend")."""
    if _DATED.search(q):
        return None
    if (m := _LOCAL.search(q)) is not None:
        return " ".join(m.group(1).split())
    if (m := _OWN_EVENT.search(q)) is None:
        return None
    said = " ".join(m.group(1).split())
    words = said.lower().split()
    if all(w in _NOT_A_NAME or w.isdigit() for w in words[:-1]) or words[-2] in _NOT_A_NAME:
        return None  # "during the last week", "over the long weekend", "for the whole company last week": dates
    if known and said.lower().replace("'", "") in known.lower().replace("'", ""):
        return None  # read as dates already ("during the black friday weekend")
    return said
