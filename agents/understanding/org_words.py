"""The organisation's own words for what the assistant calls regions and kinds of site, read as the assistant's.

* Its regions' common head word ("North West corridor", "Midlands corridor" → "corridor"; "Upper Vale district" →
  "district") is its word for a region: "which corridor is worst on X", "rank the districts by Y" are about regions.
* A kind of site its names write as one word ("… Waterpark") is the same kind typed as two ("the water parks"),
  and the other way round ("… Car Park" typed "carparks").

Everything comes from the catalog's names; nothing here knows any organisation's vocabulary."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING

from agents.understanding.vocab import STOP
from agents.understanding.words import norm_tokens, stem

if TYPE_CHECKING:
    from agents.understanding.catalog import Catalog

_ALREADY = frozenset({"region", "regions"})
_DIRECTIONS = frozenset("north south east west northeast northwest southeast southwest central mid midland midlands "
                        "upper lower inner outer greater".split())


def region_word(regions: dict[str, str]) -> str | None:
    """The word (singular) more than half of the region names have, in two or more of them, that is no direction
    and no region's own word ("corridor" of "North West corridor", "Midlands corridor"); of several, the one most names
    have, then the one most names end (or start) with; None when there is none."""
    if len(regions) < 2:
        return None
    counts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for name in regions.values():
        toks = norm_tokens(name)
        for w in set(toks):
            counts[w] = counts.get(w, 0) + 1
        for w in {toks[0], toks[-1]} if toks else set():
            ends[w] = ends.get(w, 0) + 1
    found = sorted(((n, ends.get(w, 0), w) for w, n in counts.items()
                    if n >= 2 and 2 * n > len(regions) and w.isalpha() and len(w) >= 3
                    and w not in STOP and w not in _DIRECTIONS and w not in _ALREADY), reverse=True)
    if not found or (len(found) > 1 and found[0][:2] == found[1][:2]):
        return None
    return found[0][2]


def _taken_elsewhere(word: str, cat: Catalog) -> bool:
    """``word`` is also a word of a KPI, site or service name: not read as "region" then."""
    names = [*cat.stations.values(), *(n for v in cat.kpis.values() for n in v), *cat.services]
    return any(word in norm_tokens(n) for n in names)


def as_region(question: str, cat: Catalog) -> str:
    """The question with the organisation's word for its regions written "region(s)"."""
    word = region_word(cat.regions)
    if word is None or _taken_elsewhere(word, cat):
        return question
    plural = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return re.sub(rf"\b(?:{re.escape(plural)}|{re.escape(word)})\b",
                  lambda m: ("regions" if m.group(0).lower() == plural else "region"), question, flags=re.IGNORECASE)


def _name_words(cat: Catalog) -> tuple[set[str], set[tuple[str, str]]]:
    """The words of the site and region names, and the pairs of words next to each other in them."""
    one: set[str] = set()
    two: set[tuple[str, str]] = set()
    for name in [*cat.stations.values(), *cat.regions.values()]:
        toks = norm_tokens(name)
        one.update(toks)
        two.update(pairwise(toks))
    return one, two


def compounds(question: str, cat: Catalog) -> str:
    """"water parks" → "waterparks" when site names have "Waterpark" (and no "water park"); "carparks" → "car parks"
    when they have "Car Park". Words of three letters or more, never a word the names already have."""
    one, two = _name_words(cat)
    q = question
    words = list(re.finditer(r"[A-Za-z]+", q))
    out: list[str] = []
    last = i = 0
    while i < len(words):
        a = words[i]
        b = words[i + 1] if i + 1 < len(words) else None
        if (b is not None and q[a.end():b.start()] in (" ", "-") and len(a.group(0)) >= 3 and len(b.group(0)) >= 3
                and stem((a.group(0) + b.group(0)).lower()) in one
                and (a.group(0).lower(), stem(b.group(0).lower())) not in two
                and a.group(0).lower() not in STOP and b.group(0).lower() not in STOP):
            out.append(q[last:a.start()] + a.group(0) + b.group(0))
            last = b.end()
            i += 2
            continue
        i += 1
    q = "".join(out) + q[last:]

    def split(m: re.Match[str]) -> str:
        w = m.group(0)
        low = stem(w.lower())
        if low in one or len(low) < 6:
            return w
        for k in range(3, len(low) - 2):
            if (low[:k], low[k:]) in two:
                return f"{w[:k]} {w[k:]}"
        return w

    return re.sub(r"\b[A-Za-z]{6,}\b", split, q)


def in_org_words(question: str, cat: Catalog) -> str:
    """Both of the above."""
    return as_region(compounds(question, cat), cat)
