"""Typos in time words (round 7): "last montth", "yesterdy", "this weeek", "in novmber" — corrected before the time
words are read, so the period asked is not silently dropped. Only words that are no name in the catalog and no
plain English word are touched; names are never rewritten. Plain English only."""

from __future__ import annotations

import re
from collections.abc import Container

from rapidfuzz import fuzz, process

from agents.understanding.catalog import Catalog, stem
from agents.understanding.vocab import STOP

TIME_WORDS = ("yesterday", "today", "tomorrow", "tonight", "week", "weeks", "weekend", "month", "months", "year", "years",
              "quarter", "fortnight", "january", "february", "march", "april", "june", "july", "august", "september",
              "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
              "sunday", "hours", "days")
_CUTOFF = 80
# Plain English one letter away from a time word: "does fill rate at LAS match HOU" is no month
_NEAR_TIME_WORDS = frozenset({"match", "marsh", "mouth", "yearn", "quartet", "augusta"})
ABBREVIATIONS = {"yday": "yesterday", "yda": "yesterday", "yest": "yesterday", "ystd": "yesterday", "ystrdy": "yesterday",
                 "tmrw": "tomorrow", "tmr": "tomorrow", "tdy": "today", "mnth": "month", "mth": "month"}


_LAST_N = re.compile(r"\b[lL](\d{1,3})([dwmDWM])\b")  # "l7d", "L30D", "l4w", "l3m": the last N days/weeks/months
_PERIOD_UNIT = {"d": "days", "w": "weeks", "m": "months"}
_BARE = re.compile(r"\b(wk|mth|mnth)\b", re.IGNORECASE)  # a period word said alone: the current one
_QUALIFIED = re.compile(r"(?<![\w-])(?:this|last|past|previous|prior|current|next|per|a|an|each|every|the|\d+)\s*$", re.IGNORECASE)


def _expand_periods(q: str, names: Container[str]) -> str:
    """Shorthand periods: "l7d" → "last 7 days"; a bare "wk" / "mth" ("dal tdr wk") → "this week" / "this month" —
    never after a word that already qualifies it ("last wk", "2 wks", "per mth") and never a catalog name."""
    q = _LAST_N.sub(lambda m: m.group(0) if stem(m.group(0).lower()) in names
                    else f"last {m.group(1)} {_PERIOD_UNIT[m.group(2).lower()]}", q)

    def bare(m: re.Match[str]) -> str:
        if _QUALIFIED.search(q[:m.start()]) or stem(m.group(0).lower()) in names:
            return m.group(0)
        return "this week" if m.group(1).lower().startswith("wk") else "this month"

    return _BARE.sub(bare, q)


def fix_time_typos(q: str, cat: Catalog) -> str:
    """``q`` with misspelt time words replaced by the time word (same offsets are not kept: used for time parsing)."""
    names = cat.phrases
    q = _expand_periods(q, names)
    for version, ext in cat.deployment_versions.items():  # "the 2.8.11 deploy" is a release, not 2 August 2011
        if re.fullmatch(r"\d{1,4}[./]\d{1,2}[./]\d{1,4}", version):
            q = re.sub(rf"(?<![\w.]){re.escape(version)}(?![\w]|\.\d)", ext, q)

    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        low = w.lower()
        if low in ABBREVIATIONS and stem(low) not in names:
            return ABBREVIATIONS[low]  # "otp at dallas yday"
        if (len(low) < 5 or low in STOP or low in TIME_WORDS or low in _NEAR_TIME_WORDS or stem(low) in names or not low.isalpha()
                or low.endswith(("ly", "s"))):  # "yearly", "quarterly", "mondays" are words of their own
            return w
        got = process.extractOne(low, TIME_WORDS, scorer=fuzz.ratio, score_cutoff=_CUTOFF)
        if got is None or abs(len(got[0]) - len(low)) > 2 or got[0][0] != low[0]:
            return w  # the first letter is kept by nearly every typo; a word of another length is another word
        return got[0]

    return re.sub(r"[A-Za-z]+", repl, q)
