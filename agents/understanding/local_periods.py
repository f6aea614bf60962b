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
# festival week", "on the marathon weekend" — a name before an event word, after "during/over/on/… the"; and "the
# weekend of the marathon", "the day of the product launch" — a day or week of a named event
_EVENT = (r"(?:weekend|week|festival|fair|market|sale|event|season|campaign|launch|promo(?:tion)?|tournament|"
          r"competition|contest|cup|championships?|rally|conference|open\s+days?|marathon|show|exhibition|carnival|"
          r"games|concert|match|race|derby|parade|gala|strike|storm|heatwave)")
_OWN_EVENT = re.compile(
    r"\b(?:during|over|around|throughout|since|before|after|on|for|in)\s+(?:the|our|this\s+year's|last\s+year's)\s+"
    rf"(((?:[a-z0-9][\w'&-]*\s+){{0,3}})({_EVENT}))\b", re.I)
_DAYS_OF_EVENT = re.compile(r"\b((?:the\s+)?(?:weekend|week|day|days|night|evening|morning|fortnight)\s+of\s+(?:the|our)"
                            rf"\s+((?:[a-z0-9][\w'&-]*\s+){{0,3}})({_EVENT}))\b", re.I)
_NOT_A_NAME = frozenset("this last next past previous same whole entire first second third final following "
                        "preceding coming busy quiet holiday bank long working the a an of that".split())
# calendar words, or words that name a place as often as an event: an event only with a name before them
_NEEDS_A_NAME = frozenset("weekend week season event show market games match".split())



def local_period(q: str, known: str | None = None) -> str | None:
    """The words naming such a period, unless the question also gives dates ("half term, 26-30 Oct"); ``known`` is
    the label of the window the question was read as, when it covers the whole name ("black friday weekend")."""
    if _DATED.search(q):
        return None
    if (m := _LOCAL.search(q)) is not None:
        return " ".join(m.group(1).split())
    for m in (*_DAYS_OF_EVENT.finditer(q), *_OWN_EVENT.finditer(q)):
        said, name, event = " ".join(m.group(1).split()), m.group(2).lower().split(), m.group(3).lower()
        if not name and event in _NEEDS_A_NAME:
            continue  # "during the week", "which day of the week": dates, or none
        if name and (all(w in _NOT_A_NAME or re.fullmatch(r"\d+(?:st|nd|rd|th)?", w) for w in name)
                     or name[-1] in _NOT_A_NAME):
            continue  # "during the last week", "over the long weekend", "for the whole company last week": dates
        if known and said.lower().replace("'", "") in known.lower().replace("'", ""):
            continue  # read as dates already ("during the black friday weekend")
        return said if name or said.lower().startswith("the ") else f"the {said}"  # "the storm", not "storm"
    return None
