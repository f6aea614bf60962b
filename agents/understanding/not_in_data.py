"""Things people ask a count of that the data does not hold (round 7): "how many aircraft does <site> have?" when
"aircraft" is only the first word of a KPI's name ("Aircraft on ground events") — a count of what a place has or
employs is an inventory, not that KPI; it is an unknown KPI (with that KPI suggested), never that KPI's value.
Plain English only."""

from __future__ import annotations

import re

from agents.plan import UnknownName
from agents.understanding.catalog import Catalog, norm_tokens, stem
from agents.understanding.cues import _I
from agents.understanding.linking import Links

_HAS = re.compile(r"\bhow\s+many\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:(?:does|do|did)\s+.+?\s+(?:have|own|operate|employ|"
                  r"run|keep|base|house|fly)|(?:are|is|were)\s+(?:there\s+)?(?:based|stationed|assigned|employed|working|"
                  r"owned|registered|in\s+the\s+fleet))\b", _I)


def owned_count(q: str, links: Links, cat: Catalog) -> None:
    """"How many <things> does <site> have": when <things> only qualify a KPI's name (not its last word, its unit or
    a whole alias), an unknown KPI. Changes ``links``."""
    if links.kpis or len(links.weak_kpis) != 1 or not (m := _HAS.search(q)):
        return
    asked = [stem(w) for w in norm_tokens(m.group(1))]
    for code in links.weak_kpis[0]:
        names = cat.kpis.get(code, [])
        heads = {norm_tokens(n)[-1] for n in names if norm_tokens(n)}
        if set(asked) & heads:
            return  # "how many delays did <site> have": the KPI's own head noun
    links.unknown.append(UnknownName(kind="KPI", text=m.group(1), suggestions=list(links.weak_kpis[0])[:3]))
    links.weak_kpis = []
