"""Which site a phrase names when several share it: a second word naming one of them ("kingston ED", "kgh
inpatient"), and a sibling site that is not in the catalog ("Mercy South" when only "Mercy North" exists)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

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
    said = {t.norm for t in toks if not t.used} | {t.raw.lower() for t in toks if not t.used}
    keep = []
    for kind, text, cands in out.ambiguous:
        if kind == "station" and len(cands) >= 2:
            marks = {c: _site_words(c, cat) for c in cands}
            own = {c: marks[c] - set().union(*(marks[o] for o in cands if o != c)) - set(text.split()) for c in cands}
            hit = [c for c in cands if own[c] & said]
            if len(hit) == 1:
                out.add("station", hit[0])
                continue
        keep.append((kind, text, cands))
    out.ambiguous = keep


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
