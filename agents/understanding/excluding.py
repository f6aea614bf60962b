"""Places a question leaves out: "top 3 stations by X excluding <site>", "worst fill rate other than the <region>".

The words after "excluding / except / other than / apart from / not counting / besides / leaving out / ignoring /
without" are linked against the organisation's catalog on their own and blanked from the rest of the question (so
the place left out is not read as the place asked about). A region left out of a ranking of sites leaves out its
sites. Nothing here knows any organisation's names.
"""

from __future__ import annotations

import re

from agents.understanding.catalog import Catalog
from agents.understanding.linking import link

_I = re.I
_EXCLUDE = re.compile(
    r"\b(?:excluding|exclude|except(?:\s+for)?|other\s+than|apart\s+from|aside\s+from|not\s+counting|not\s+including|"
    r"besides|leaving\s+out|ignoring|without|but\s+not)\s+(?:the\s+|our\s+)?"
    r"(?P<what>.+?)(?=\s+(?:this|last|past|previous|in|on|over|for|during|since|from|between|by|ytd|year|today|"
    r"yesterday|and\s+why|why)\b|\s*[,?.!;)]|\s*$)", _I)


def split_excluded(text: str, cat: Catalog) -> tuple[str, list[str], list[str]]:
    """``text`` with the left-out places blanked, and the station and region codes left out."""
    stations: list[str] = []
    regions: list[str] = []
    out = text
    for m in _EXCLUDE.finditer(text):
        parts = re.split(r"\s*(?:,|\band\b|\bor\b|&|/)\s*", m.group("what"))
        found = False
        for part in (p for p in parts if p.strip()):
            got = link(part, cat)
            if got.stations or got.regions:
                stations += [c for c in got.stations if c not in stations]
                regions += [c for c in got.regions if c not in regions]
                found = True
        if found:
            out = out[: m.start()] + " " * (m.end() - m.start()) + out[m.end():]
    return out, stations, regions


def excluded_codes(stations: list[str], regions: list[str], cat: Catalog, group_by: str | None) -> list[str]:
    """The codes a ranking leaves out: the stations named, and for a ranking of stations the stations of each
    region named (the regions themselves when regions are ranked)."""
    if group_by == "region":
        return list(regions)
    return list(dict.fromkeys(stations + [s for s, r in cat.station_regions.items() if r in regions]))
