"""Narrowing what a question names: places it leaves out, a region's stations, a word qualifying part of a KPI name.

Places a question leaves out: "top 3 stations by X excluding <site>", "worst fill rate other than the <region>".

The words after "excluding / except / other than / apart from / not counting / besides / leaving out / ignoring /
without" are linked against the organisation's catalog on their own and blanked from the rest of the question (so
the place left out is not read as the place asked about). A region left out of a ranking of sites leaves out its
sites. Nothing here knows any organisation's names.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from agents.plan import QueryPlan, UnknownName
from agents.understanding.catalog import GENERIC, Catalog, stem
from agents.understanding.cues import _ATTENTION, _PLACE
from agents.understanding.linking import FUZZY_CUTOFF, Links, link
from agents.understanding.vocab import STOP

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


def region_stations_ranked(q: str, plan: QueryPlan, cat: Catalog) -> bool:
    """"Compare OTP across all central stations", "fill rate at stations in the east region": with a KPI and one
    region named, the stations of that region ranked (not the region against the company). Sets the plan."""
    s = plan.subjects
    regions = [x for x in s.scopes if x.level == "region"]
    if not (plan.kpis and len(regions) == 1 and not any(x.level == "station" for x in s.scopes)) or re.search(
            r"\b(which|worst|best|top|bottom|most|least|highest|lowest|fewest)\b", q, _I):
        return False  # "which station in the west region is worst": a ranking question, ranked as asked
    if not re.search(rf"\b(?:all|every|each)\s+(?:of\s+)?(?:the\s+|our\s+)?(?:[\w-]+\s+){{1,3}}?(?!regions?\b|routes?\b|"
                     rf"areas?\b|zones?\b){_PLACE}\b|\b{_PLACE}\s+(?:in|of|within)\s+(?:the\s+)?[\w-]+", q, _I):
        return False
    s.scopes = regions
    plan.group_by, plan.order = "station", plan.order or "worst"
    plan.limit = max(1, sum(1 for r in cat.station_regions.values() if r == regions[0].code))
    return True


def qualified_weak_kpi(links: Links, cat: Catalog) -> None:
    """"Fleet availability at <site>" where only "availability" is part of a KPI's name (and "fleet" is no word of
    any KPI): another metric — an unknown KPI with that KPI suggested, never that KPI's value. Changes ``links``."""
    if links.kpis or not links.weak_kpis or not any(
            w.lower() not in STOP and w.lower() not in GENERIC and stem(w.lower()) not in cat.kpi_words
            and not any(fuzz.ratio(stem(w.lower()), k) >= FUZZY_CUTOFF for k in cat.kpi_words)  # "uptme": a typo
            for w in links.kpi_words):
        return
    links.unknown.append(UnknownName(kind="KPI", text=" ".join(links.kpi_words),
                                     suggestions=[c for c in links.weak_kpis[0] if c in cat.kpis][:3]))
    links.weak_kpis = []


# "what's going on / happening / the status / the latest at <site>": asking what needs attention, in words
_STATE_WORDS = frozenset({"going", "happening", "up", "new", "situation", "status", "latest", "story", "news", "deal",
                          "picture", "state", "matter", "wrong", "problem", "problems", "issue", "issues", "score",
                          "update", "overview", "summary", "outlook", "trend", "trends", "kpi", "kpis", "numbers",
                          "metrics", "performance", "health", "position", "view", "read", "vibe", "mood", "alerts",
                          "alert", "alarms", "alarm", "flags", "red", "anomalies", "exceptions", "outliers"})


def not_a_kpi_of(q: str, cat: Catalog) -> UnknownName | None:
    """"What's the weather in <site>?": the thing asked about at a place is no KPI, service or state word — an
    unknown KPI (with the catalog's KPIs suggested), not the site's attention list."""
    m = re.search(r"\bwhat(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+|our\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)\s+"
                  r"(?:(?:going\s+to|gonna|likely\s+to)\s+be\s+|like\s+)?(?:in|at|for)\s", q, _I)
    if m is None:
        return None
    said = [w.lower() for w in m.group(1).split()]
    if _ATTENTION.search(m.group(1)) or any(w in _STATE_WORDS or stem(w) in cat.kpi_words for w in said) or all(
            w in GENERIC or w in ("a", "an", "the", "this", "that", "it", "one", "thing", "things", "deal") for w in said):
        return None
    return UnknownName(kind="KPI", text=m.group(1), suggestions=list(cat.kpis)[:3])
