"""Typos in time words (round 7): "last montth", "yesterdy", "this weeek", "in novmber" — corrected before the time
words are read, so the period asked is not silently dropped. Only words that are no name in the catalog and no
plain English word are touched; names are never rewritten. Plain English only."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from agents.understanding.catalog import Catalog, stem
from agents.understanding.vocab import STOP

TIME_WORDS = ("yesterday", "today", "tomorrow", "tonight", "week", "weeks", "weekend", "month", "months", "year", "years",
              "quarter", "fortnight", "january", "february", "march", "april", "june", "july", "august", "september",
              "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
              "sunday", "hours", "days")
_CUTOFF = 80
ABBREVIATIONS = {"yday": "yesterday", "yda": "yesterday", "yest": "yesterday", "ystd": "yesterday", "ystrdy": "yesterday",
                 "tmrw": "tomorrow", "tmr": "tomorrow", "tdy": "today", "mnth": "month", "mth": "month"}


def fix_time_typos(q: str, cat: Catalog) -> str:
    """``q`` with misspelt time words replaced by the time word (same offsets are not kept: used for time parsing)."""
    names = cat.phrases

    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        low = w.lower()
        if low in ABBREVIATIONS and stem(low) not in names:
            return ABBREVIATIONS[low]  # "otp at dallas yday"
        if (len(low) < 5 or low in STOP or low in TIME_WORDS or stem(low) in names or not low.isalpha()
                or low.endswith(("ly", "s"))):  # "yearly", "quarterly", "mondays" are words of their own
            return w
        got = process.extractOne(low, TIME_WORDS, scorer=fuzz.ratio, score_cutoff=_CUTOFF)
        if got is None or abs(len(got[0]) - len(low)) > 2 or got[0][0] != low[0]:
            return w  # the first letter is kept by nearly every typo; a word of another length is another word
        return got[0]

    return re.sub(r"[A-Za-z]+", repl, q)
