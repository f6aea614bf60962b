"""A KPI named by what it measures rather than by its name (round 7): "flights cancelled for maintenance at <site>",
"share of departures not delayed by maintenance" — when a word the question shares with several KPIs' names would
make the parser ask which one, the KPI whose name, aliases and *description* hold clearly more of the question's
words is the one meant. Words are compared by their first five letters ("cancelled" ~ "cancellations",
"departures" ~ "departure"). Plain English only; the words come from the organisation's own catalog."""

from __future__ import annotations

import re

from agents.understanding.catalog import GENERIC, Catalog, fold
from agents.understanding.vocab import STOP

_MIN_SHARED = 2  # a description match needs at least two of the question's words


def _roots(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", fold(text).lower())
            if len(w) >= 4 and w not in STOP and w not in GENERIC}


def described_kpi(q: str, candidates: list[str], cat: Catalog) -> str | None:
    """The one of ``candidates`` whose name, aliases and description share the most words with ``q`` (at least two,
    and more than any other candidate), else None."""
    if len(candidates) < 2 or not any(c in cat.kpi_descriptions for c in candidates):
        return None
    asked = _roots(q)
    places = _roots(" ".join([*cat.stations.values(), *cat.regions.values()]))
    asked -= places
    scores = sorted(((len(asked & _roots(" ".join([*cat.kpis.get(c, []), cat.kpi_descriptions.get(c, "")]))), c)
                     for c in candidates), reverse=True)
    (best, code), (second, _) = scores[0], scores[1]
    return code if best >= _MIN_SHARED and best > second else None


_MEASURE_WORD = re.compile(r"\b(?:the|our|that|this)\s+(rate|ratio|percentage|percent|count|total|average|score|index)\b"
                           r"(?!\s+(?:of|for)\b)", re.IGNORECASE)


def measure_word_kpis(q: str, cat: Catalog) -> list[str]:
    """"What's the rate at <site>?": a bare measure word (rate, ratio, count…) names no KPI by itself, but when it
    is in two or more KPIs' names it is one of those the user means: those KPIs (to ask which), else []."""
    m = _MEASURE_WORD.search(fold(q))
    if m is None:
        return []
    word = m.group(1).lower()
    hits = [c for c, names in cat.kpis.items()
            if any(re.search(rf"\b{word}\b", fold(n), re.IGNORECASE) for n in names) or word in c.lower().split("_")]
    return hits if len(hits) >= 2 else []
