"""Words as questions and names are compared: accents folded, plural and singular alike. Imports no project code."""

from __future__ import annotations

import re
import unicodedata

_SPLIT = re.compile(r"[^a-z0-9]+")


_FOLD_EXTRA = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "s", "æ": "a",
                             "Æ": "A", "œ": "o", "Œ": "O", "ı": "i"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def fold(s: str) -> str:
    """Accents off, one character for one ("Zürich" → "Zurich", "Genève" → "Geneve"), so offsets keep."""
    if s.isascii():
        return s
    out = []
    for ch in s.translate(_FOLD_EXTRA):
        if ch.isascii():
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


def spellings(name: str) -> list[str]:
    """A name as people type it without its accents: folded, and with German umlauts written out (ü → ue)."""
    return list(dict.fromkeys([name, fold(name.translate(_UMLAUTS))]))


_US_PLURALS = {"buses": "bus", "busses": "bus", "statuses": "status", "campuses": "campus", "bonuses": "bonus"}


def norm_tokens(s: str) -> list[str]:
    """Lower-case word tokens, singular (``events`` → ``event``) so plural and singular match; accents folded."""
    return [stem(t) for t in _SPLIT.split(re.sub(r"['’]s\b", "s", fold(s).lower())) if t]


def stem(t: str) -> str:
    t = _US_PLURALS.get(t, t)  # "night buses" is "night bus"
    if len(t) > 4 and t.endswith("ies"):
        return t[:-3] + "y"
    if len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        return t[:-1]
    return t


def phrase(s: str) -> str:
    return " ".join(norm_tokens(s))
