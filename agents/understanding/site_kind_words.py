"""A site's own name word with the kind word of other sites ("tregarth solar park" when Tregarth is a wind farm and
the solar parks are three others): no such site — the one its own word names is offered, with what kind it is —
never "which solar park?" among sites the question did not name."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from agents.plan import UnknownName
from agents.understanding.catalog import Catalog, fold, norm_tokens
from agents.understanding.vocab import DIRECTIONS, STOP

if TYPE_CHECKING:
    from agents.understanding.linking import Links

Tok = Any  # linking's token (raw, norm, ix, used)


def _shared(word: str, cat: Catalog) -> int:
    """How many sites' names have ``word``."""
    return sum(word in norm_tokens(name) for name in cat.stations.values())


def _kind_of_others(words: list[str], code: str, cat: Catalog) -> bool:
    """``words`` name a kind of site (each is in two or more sites' names, none a direction) that ``code`` is not."""
    own = set(norm_tokens(cat.stations.get(code, "")))
    return bool(words) and all(w not in own and w not in DIRECTIONS and w not in STOP and _shared(w, cat) >= 2
                               for w in words)


def kind_contradicted(out: Links, taken: list[tuple[int, int, list[tuple[str, str, int]]]], toks: list[Tok],
                      raws: list[tuple[str, int]], cat: Catalog) -> None:
    """One site named by its own word or code right before words several other sites' names share ("tregarth solar
    park", "KWM cinema"): a site that is not in the catalog, named as typed with that site offered — not the
    ambiguous kind word asked about, nor that site silently."""
    for (i, n, cands), (j, m, others) in pairwise(taken):
        codes = {v for k, v, _ in cands if k == "station"}
        if j != i + n or len(codes) != 1 or len(codes) != len(cands) or (code := next(iter(codes))) not in out.stations:
            continue
        kind = " ".join(t.norm for t in toks[j:j + m])
        entry = next((a for a in out.ambiguous if a[0] == "station" and a[1] == kind and code not in a[2]), None)
        if entry is None or not all(k == "station" for k, _, _ in others) or not _kind_of_others(kind.split(), code, cat):
            continue
        out.ambiguous.remove(entry)
        if not any(e[0] != i and any(v == code for _, v, _ in e[2]) for e in taken):
            out.stations.remove(code)  # unless named again ("tregarth solar park or tregarth itself")
        text = " ".join(raws[ix][0] for ix in sorted({t.ix for t in toks[i:j + m]}))
        out.unknown.append(UnknownName(kind="station", text=text, suggestions=[code]))


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def kind_said(text: str, code: str, cat: Catalog) -> str | None:
    """"There is no solar park called “tregarth”: Tregarth Ridge Wind Farm (TRW) is a wind farm." for a name
    :func:`kind_contradicted` made, else None."""
    said = [w for w in re.split(r"[^A-Za-z0-9]+", fold(text)) if w]
    norms = norm_tokens(text)
    if len(said) != len(norms) or code not in cat.stations:
        return None
    name = cat.stations[code]
    own = set(norm_tokens(name)) | {fold(code).lower()}
    k = 0
    while k < len(norms) and norms[k] in own:
        k += 1
    if k == 0 or not _kind_of_others(norms[k:], code, cat):
        return None
    name_words = [w for w in re.split(r"[^A-Za-z0-9]+", fold(name)) if w]
    theirs: list[str] = []
    for w in reversed(name_words):  # its own kind: the last words of its name other sites' names have too
        if _shared(norm_tokens(w)[0] if norm_tokens(w) else w.lower(), cat) < 2:
            break
        theirs.insert(0, w.lower())
    asked = " ".join(said[k:]).lower()
    head = f"There is no {asked} called “{' '.join(said[:k])}”: {name} ({code})"
    return f"{head} is {_article(theirs[0])} {' '.join(theirs)}." if theirs else f"{head} is not {_article(asked)} {asked}."
