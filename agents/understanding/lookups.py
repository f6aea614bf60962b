"""Subjects named by their words rather than their ids: incidents by title, service and date; commits by message."""

from __future__ import annotations

import datetime as dt
import re

from rapidfuzz import fuzz

from agents.understanding.catalog import GENERIC, Catalog, IncidentRef, norm_tokens, stem
from agents.understanding.cues import _I
from agents.understanding.timewords import TimeParse
from agents.understanding.vocab import STOP


def _incident_by_words(q: str, cat: Catalog, tp: TimeParse, services: list[str]) -> list[str]:
    """"the latest incident", "the orders db outage", "the checkout failures on November 8"."""
    refs = [r for r in cat.incident_refs if tp.today is None or r.started <= tp.today]
    if not refs:
        return []
    narrowed = False
    if tp.window and tp.window.explicit:
        refs = [r for r in refs if tp.window.start <= r.started <= tp.window.end]
        narrowed = True
    if services:
        refs = [r for r in refs if r.service in services] or ([] if narrowed else refs)
        narrowed = narrowed or bool(refs)
    if re.search(r"\b(latest|most recent|last|newest)\s+(?:\w+\s+)?(incident|outage|failure)", q, _I):
        return [refs[0].external_id] if refs else []
    if narrowed and len(refs) == 1:
        return [refs[0].external_id]
    words = re.sub(r"\b(the|what|caused|cause|why|did|was|on|of|in|for|incident|outage|failures?|report|draft|write|"
                   r"status|is|it|resolved|happen\w*)\b", " ", q.lower())
    scored = sorted(((fuzz.token_set_ratio(words, f"{r.title} {r.service or ''}".lower()), r) for r in refs),
                    key=lambda x: -x[0])
    if scored and scored[0][0] >= 70 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return [scored[0][1].external_id]
    return _incident_by_stems(words, refs)


def _incident_by_stems(words: str, refs: list[IncidentRef]) -> list[str]:
    """"the scan upload outage" for "Courier scans not uploading": the one incident whose title has most of the
    question's own words in another form (scan/scans, upload/uploading) — at least two of them and half, or its one
    word when no other incident's title has it."""
    own = {w for r in refs for w in re.split(r"[^a-z0-9]+", (r.service or "").lower())}  # "forecast" of forecast-engine
    said = [w for w in re.findall(r"[a-z0-9]{3,}", words) if w not in STOP or (len(w) >= 4 and w in own)]
    if not said:
        return []

    def hits(r: IncidentRef) -> int:
        title = re.findall(r"[a-z0-9]{3,}", f"{r.title} {r.service or ''}".lower())
        return sum(any(a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b[:4]) and b.startswith(a[:4]))
                           and fuzz.ratio(a, b) >= 70) for b in title) for a in said)

    scored = sorted(((hits(r), r.external_id) for r in refs), reverse=True)
    best = scored[0][0] if scored else 0
    if best >= 2 and 2 * best >= len(said) and (len(scored) == 1 or scored[1][0] < best):
        return [scored[0][1]]
    if len(said) == 1 and best == 1 and (len(scored) == 1 or scored[1][0] == 0):
        return [scored[0][1]]  # "the turbine incident": the one incident whose title has that word
    return []


# "what caused the courier scans outage?": an incident named by words that also name a KPI ("Courier scan compliance")
_THE_NAMED_INCIDENT = re.compile(r"\bthe\s+((?:[\w'-]+\s+){1,4}?)(?:outage|incident|disruption|downtime)\b", _I)


def incident_over_kpis(q: str, cat: Catalog, tp: TimeParse, services: list[str], kpis: list[str]) -> list[str]:
    """The incident "the <words> outage" names when the KPIs linked in the question were found only in those words:
    the question is about the incident, not the KPI. Empty otherwise ("did OTP drop during the last outage?")."""
    m = _THE_NAMED_INCIDENT.search(q)
    if not m or not kpis:
        return []
    said = {stem(w) for w in norm_tokens(m.group(1))}
    for code in kpis:
        named = {stem(w) for n in cat.kpis.get(code, [code]) for w in norm_tokens(n) if w not in GENERIC}
        if not named & said:
            return []
    return _incident_by_words(m.group(1), cat, tp, services)


_REVERT = re.compile(r"\s*(?:revert|reverts|reverting|undo|back\s+out)\b", re.I)


def _commit_by_words(q: str, cat: Catalog) -> list[str]:
    """Commits whose message uses the question's distinctive words (hyphenated or 5+ letters)."""
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9_-]{2,}", q.lower())
             if w not in STOP and (("-" in w) or len(w) >= 4) and w not in (
                 "commit", "commits", "deployed", "shipped", "mentioning", "mention", "mentions", "mentioned",
                 "containing", "contain", "contains", "message", "messages", "titled", "named", "called", "saying",
                 "about", "related", "regarding", "with")]
    if not words or not cat.commit_messages:
        return []
    def has(word: str, msg: str) -> bool:  # "batching" finds "Batch", "acks" finds "acknowledgements"
        return word in msg or any(fuzz.ratio(word[:5], m[:5]) >= 80 and min(len(word), len(m)) >= 4
                                  for m in re.findall(r"[a-z0-9][a-z0-9_-]+", msg))

    hits = [sha for sha, msg in cat.commit_messages.items() if all(has(w, msg.lower()) for w in words[:3])]
    if not re.search(r"\brevert", q, re.I) and len(kept := [h for h in hits if not _REVERT.match(cat.commit_messages[h])]) == 1:
        hits = kept  # "the FEFO batching commit": the change itself, not the commit that reverted it
    if re.search(r"\bcommits\b", q, re.I) and hits:  # "any commits mentioning timeout": each of them (up to 5)
        return hits[:5]
    return hits[:1] if len(hits) == 1 else []


def _incident_of_service(q: str, cat: Catalog, services: list[str]) -> str | None:
    """An incident of the named service whose title's own words the question uses."""
    svc_words = {w for sv in services for w in re.split(r"[^a-z0-9]+", sv.lower())}
    words = [w for w in re.findall(r"[a-z]{4,}", q.lower()) if w not in STOP and w not in svc_words]
    hits = []
    for r in cat.incident_refs:
        if r.service not in services:
            continue
        title = [w for w in re.findall(r"[a-z]{4,}", r.title.lower()) if w not in svc_words and w not in STOP]
        if any(fuzz.ratio(a, b) >= 80 for a in words for b in title):
            hits.append(r.external_id)
    return hits[0] if len(hits) == 1 else None


def incidents_naming(services: list[str], cat: Catalog, today: dt.date) -> list[str]:
    """Incidents (latest first, none after today) of the named services, or whose title names one of them by its
    words (a paging tool's alert "Real-time arrivals API p99 latency high" for ``rt-arrivals-api``)."""
    out = []
    for r in cat.incident_refs:
        if r.started > today:
            continue
        title = set(re.findall(r"[a-z0-9]+", r.title.lower()))
        for sv in services:
            parts = [w for w in re.split(r"[^a-z0-9]+", sv.lower()) if len(w) >= 3]
            if r.service == sv or (r.service is None and len(parts) >= 2 and sum(w in title for w in parts) >= 2):
                out.append(r.external_id)
                break
    return out
