"""Which site a phrase names when several share it: a second word naming one of them ("kingston ED", "kgh
inpatient"), and a sibling site that is not in the catalog ("Mercy South" when only "Mercy North" exists)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from agents.plan import UnknownName
from agents.understanding.catalog import GENERIC, Catalog, fold, norm_tokens
from agents.understanding.vocab import DIRECTIONS, STOP

if TYPE_CHECKING:
    from agents.understanding.linking import Links

Tok = Any  # linking's token (raw, norm, ix, used)


def _site_words(code: str, cat: Catalog) -> set[str]:
    """The words that name a site: its code's parts ("kgh", "ed" of ``KGH.ED``) and its name's words."""
    segs = {w for w in re.split(r"[^a-z]+", fold(code).lower()) if len(w) >= 2}
    return {w for w in segs | set(norm_tokens(cat.stations.get(code, ""))) if w not in STOP and w not in GENERIC}


def narrow(out: Links, toks: list[Tok], cat: Catalog) -> None:
    """A phrase naming several sites and another free word of the question naming exactly one of them ("kingston
    ED" with ``KGH.ED`` and ``KGH.IN``; "kgh inpatient"): that one. Words already read as another name don't count."""
    keep = []
    for kind, text, cands in out.ambiguous:
        said = {w for j, t in enumerate(toks) if not t.used and not _counts(toks, j, text) for w in (t.norm, t.raw.lower())}
        if kind == "station" and len(cands) >= 2:
            marks = {c: _site_words(c, cat) for c in cands}
            own = {c: marks[c] - set().union(*(marks[o] for o in cands if o != c)) - set(text.split()) for c in cands}
            hit = [c for c in cands if own[c] & said]
            if len(hit) == 1:
                out.add("station", hit[0])
                continue
        keep.append((kind, text, cands))
    out.ambiguous = keep


def _counts(toks: list[Tok], j: int, text: str) -> bool:
    """A number counting the places the phrase names ("bottom 5 routes", "top 3 garages", "the 2 depots"), not the
    number of one of them ("Route 5")."""
    if not toks[j].raw.isdigit() or j + 1 >= len(toks):
        return False
    if j > 0 and toks[j - 1].raw.lower() in ("top", "bottom", "first", "worst", "best"):
        return True  # "top 5", "bottom 3"
    k = j + 2 if toks[j + 1].raw.lower() in _COUNTED and j + 2 < len(toks) else j + 1  # "the 5 worst routes"
    return toks[k].norm == text.split()[0] and toks[k].raw.lower() != toks[k].norm


def sibling_unknown(out: Links, span: list[Tok], toks: list[Tok], nxt: int, cands: list[tuple[str, str, int]],
                     cat: Catalog) -> bool:
    """Part of a site's name followed by another direction than its own ("Mercy South" when only "Mercy North"
    exists): a site that is not in the catalog, named as typed with the close ones, never the sibling silently."""
    if nxt >= len(toks) or toks[nxt].used or toks[nxt].norm not in DIRECTIONS:
        return False
    if any(k != "station" or st != 1 for k, _, st in cands):
        return False
    codes = sorted({v for _, v, _ in cands})
    names = [set(norm_tokens(cat.stations.get(c, ""))) for c in codes]
    if any(toks[nxt].norm in n for n in names) or not all(n & DIRECTIONS for n in names):
        return False
    text = " ".join(t.raw for t in (*span, toks[nxt]))
    out.unknown.append(UnknownName(kind="station", text=text, suggestions=codes[:3]))
    for t in (*span, toks[nxt]):
        t.used = True
    return True


def numbered_miss(word: str, number: str, cat: Catalog) -> UnknownName | None:
    """A word naming numbered sites followed by a number none of them has ("Tower 999" when the towers are
    ``TWR-114`` "Tower 114 …" and ``TWR-207``): a site that is not in the catalog, named as typed with those sites,
    never one of them asked about or taken silently."""
    w, n = fold(word).lower(), int(re.sub(r"\D", "", number) or -1)
    if len(w) < 2 or w in STOP or w in GENERIC:
        return None
    named = re.compile(rf"(?<![a-z]){re.escape(w)}[-_ .]?\d")  # the word right before a number: "TWR-114", "Tower 114"
    same = [c for c, name in cat.stations.items() if named.search(fold(c).lower()) or named.search(fold(name).lower())]
    nums = [{int(x) for x in re.findall(r"\d+", fold(f"{c} {cat.stations.get(c, '')}"))} for c in same]
    if not same or not all(nums) or any(n in x for x in nums):
        return None
    return UnknownName(kind="station", text=f"{word} {number}", suggestions=sorted(same)[:3])


_THE_NUMBER = re.compile(r"\b(\w+\s+)?the\s+(\d{1,3})\b(?!\s*(?:st|nd|rd|th)\b|\s*[%:/.,-]\d)(?:\s+([a-z]+))?", re.I)
_DATE_PREPS = frozenset({"on", "since", "from", "until", "till", "by", "before", "after", "to", "of", "between",
                         "through", "thru", "during", "last", "past", "next", "for"})
_COUNTED = frozenset({"worst", "best", "most", "least", "top", "bottom", "biggest", "largest", "highest", "lowest",
                      "am", "pm", "percent", "day", "week", "month", "year", "hour", "minute", "min", "mins", "times"})


def numbered_by_name(question: str, cat: Catalog) -> list[tuple[str, int, int]]:
    """Sites called by the number in their name ("how's the 38 doing", "the 73" for the site named "Route 73"):
    ``(code, start, end)`` of "the N" when exactly one site's name has N as a word of its own. Not a day ("on the
    12", "since the 9th"), a count ("the 5 worst", "the 3 routes") or a time."""
    owners: dict[int, set[str]] = {}
    for code, name in cat.stations.items():
        for n in re.findall(r"(?<![\w.])\d{1,3}(?![\w.])", fold(name)):
            owners.setdefault(int(n), set()).add(code)
    out = []
    for m in _THE_NUMBER.finditer(fold(question)):
        before, nxt = (m.group(1) or "").strip().lower(), (m.group(3) or "").lower()
        if (before in _DATE_PREPS and int(m.group(2)) <= 31) or nxt in _COUNTED or (nxt.endswith("s") and nxt not in ("bus", "is", "was", "has",
                                                                                            "does", "vs")):
            continue
        codes = owners.get(int(m.group(2)), set())
        if len(codes) == 1:
            out.append((next(iter(codes)), m.start(2), m.end(2)))
    return out


_NOT_KINDS = frozenset({"top", "bottom", "last", "past", "next", "first", "worst", "best", "week", "day", "month",
                        "year", "hour", "line", "sev", "severity", "priority", "tier", "level", "stage", "phase"})


def initial_numbered(word: str, number: str, cat: Catalog) -> str | None:
    """A site coded by one letter and a number, called by a word starting with that letter and the number
    ("garage 3" for ``G-03`` when no site's name says "garage 3"): that site, when exactly one code has the shape."""
    w = fold(word).lower()
    if len(w) < 4 or w in STOP or w in GENERIC or w in _NOT_KINDS or not number.isdigit():
        return None
    hits = [c for c in cat.stations
            if (m := re.fullmatch(r"([a-z])[-_ ]?0*(\d+)", fold(c).lower())) and m.group(1) == w[0]
            and int(m.group(2)) == int(number)]
    return hits[0] if len(hits) == 1 else None


# "at airport hub", "in the north depot": words and a place noun after "at"/"in"/"near" name a place
_NAMED_PLACE = re.compile(r"\b(?:at|in|near)\s+(?:the\s+)?((?:[a-z][\w'-]*\s+){1,2}(?:station|site|location|depot|hub|"
                          r"yard|terminal|base|branch|store|warehouse|plant|facility|office|campus|dock|clinic|hospital|"
                          r"airport|shop|outlet|center|centre))\b")
# words before a place noun that pick among the sites instead of naming one ("at our busiest hub", "at each site")
_PICKS = frozenset({"each", "every", "all", "any", "our", "my", "your", "their", "its", "this", "that", "these", "those",
                    "which", "what", "one", "some", "other", "another", "same", "given", "single", "particular", "no",
                    "busiest", "quietest", "best", "worst", "biggest", "largest", "smallest", "top", "bottom", "most",
                    "least", "new", "main", "local", "nearest", "different", "certain"})


def unnamed_place(low_q: str, out: Links, cat: Catalog) -> UnknownName | None:
    """A place the question names with words and a place noun ("availability at airport hub") when no site, region or
    unknown place was found in it: that phrase as an unknown site, with the sites closest to it suggested — never
    dropped for an answer about the whole organisation."""
    if out.stations or out.regions or out.ambiguous or any(u.kind in ("station", "region") for u in
                                                           out.unknown + out.maybe_unknown):
        return None
    for m in _NAMED_PLACE.finditer(low_q):
        words = m.group(1).split()
        if any(w in _PICKS or w in STOP or w.isdigit() for w in words[:-1]):
            continue
        names = {fold(n).lower(): c for c, n in cat.stations.items()}
        got = process.extract(m.group(1), list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=50)
        return UnknownName(kind="station", text=m.group(1), suggestions=[names[n] for n, _, _ in got]
                           or list(cat.stations)[:3])
    return None
