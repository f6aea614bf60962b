"""Cue words read around the organisation's names: a KPI named like a cue ("falls"), a service metric named in
words before the verb that says it moved, a question about the week's rhythm or about anything odd."""

from __future__ import annotations

import re

from agents.understanding.catalog import Catalog
from agents.understanding.cues import _ATTENTION, _CHANGELOG, _WHY
from agents.understanding.vocab import STOP

_I = re.IGNORECASE

WEEKDAYS = re.compile(r"\b(?:on\s+)?(?:weekends?|weekdays?|day\s+of\s+(?:the\s+)?week|(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b", _I)
ODD = re.compile(r"\b(?:weird|odd|strange|unusual|abnormal|anomal\w*)\b|\banything\s+(?:off|wrong)\b", _I)

_MOVE_VERB = re.compile(r"\b(?:jump\w*|spik\w*|r[io]se|rising|went\s+up|drop\w*|fell|climb\w*|increas\w*|"
                        r"decreas\w*|surg\w*|moved?)\b", _I)


def metric_words(text: str, services: list[str]) -> str | None:
    """The words naming a service's metric right before the verb that says it moved ("<service> nack ratio
    jumped" → "nack ratio"), without the service's own words; None when no such words."""
    m = _MOVE_VERB.search(text)
    if not m:
        return None
    own = {w for s in services for w in re.split(r"[^a-z0-9]+", s.lower()) if w}
    before = re.findall(r"[a-z][a-z0-9]*", re.sub(r"['’]s\b", " ", text[: m.start()].lower()))[-3:]  # "<svc>'s"
    got: list[str] = []
    for w in reversed(before):
        if w in STOP or w in own or w in ("the", "its", "our"):
            break
        got.insert(0, w)
    return " ".join(got) or None


_NOT_METRIC = frozenset("the a an its our their my your this that what whats is are was were how show me give tell any "
                        "anything much many and or to at in with about current currently latest please changed happened happening "
                        "going things thing stuff everything new up look looking doing".split())


def metric_before_service(text: str, services: list[str]) -> str | None:
    """The words naming a metric right before "on/of/for <service>" ("solve time on route-optimiser tuesday", "sync
    failures on handheld-sync last night"): None when they are a cue ("what changed on …", "anything wrong with …")."""
    for svc in services:
        name = r"[-_. ]?".join(map(re.escape, re.split(r"[-_. ]+", svc)))
        m = re.search(rf"(?<![\w-])((?:[a-z0-9][a-z0-9%]*\s+){{1,3}})(?:on|of|for|from)\s+(?:the\s+)?{name}\b",
                      text, _I)  # "5xx rate for <svc>": the whole word, not "xx rate"
        if not m:
            continue
        got: list[str] = []
        for w in reversed(m.group(1).lower().split()):
            if w in _NOT_METRIC:
                break
            got.insert(0, w)
        said = " ".join(got)
        if said in ("failure", "failures", "outage", "outages"):
            continue  # "any failures on <svc>": its incidents
        rest = " ".join(got[1:])
        if len(got) >= 2 and re.fullmatch(r"[a-z]+ed", got[0]) and _WHY.search(got[0]) and not (
                _CHANGELOG.search(rest) or _WHY.search(rest) or _ATTENTION.search(rest)):
            return said  # "declined taps on <svc>", "dropped calls on <svc>": a participle naming what is counted
        if got and not (_CHANGELOG.search(said) or _WHY.search(said) or _ATTENTION.search(said)
                        or re.search(r"\b(?:incidents?|outages?|tickets?|alerts?|changes?|status|health|news)\b", said)):
            return said
    return None


def cue_text(q: str, kpis: list[str], cat: Catalog) -> str:
    """The question with the named KPI's own words blanked where they read as a cue ("falls", "drops", "spikes" as a
    KPI's name are not "why did it fall"), so "how many falls in october" is a value, not an explanation."""
    names = sorted({n for k in kpis for n in cat.kpis.get(k, []) if n and _WHY.search(n)}, key=len, reverse=True)
    for n in names:
        q = re.sub(rf"(?<![\w-]){re.escape(n)}(?![\w-])", lambda m: "x" * len(m.group(0)), q, flags=_I)
    return q


_FULL = re.compile(r"\b(?:how\s+full|most\s+full|fullest|full(?:ness)?\s+(?:is|are|was|were|at|in)|(?:is|are)\s+\w+\s+full)\b", _I)
_FULLNESS_KPI = re.compile(r"occupan|utili[sz]|load\s+factor|capacity", _I)


def fullness_kpi(q: str, cat: Catalog) -> str | None:
    """"How full is <site>", "which hospital is most full": the one KPI that measures how full a place is
    (occupancy, utilisation, load factor, capacity used), when the organisation has exactly one."""
    if not _FULL.search(q):
        return None
    found = [code for code, names in cat.kpis.items() if any(_FULLNESS_KPI.search(n) for n in names)]
    return found[0] if len(found) == 1 else None


_AFTER_STOP = re.compile(r"^(?:so|too|high|higher|low|lower|bad|ok|okay|fine|normal|stable|steady|healthy|flat|weird|odd|spik\w*|jump\w*|drop\w*|fell|"
                         r"r[io]se|rising|climb\w*|surg\w*|increas\w*|decreas\w*|moved?|doing|look\w*|like|"
                         r"\d+\w*|morning|afternoon|evening|night|tonight|hours?|mins?|minutes?|h)$", _I)


def metric_after_service(text: str, services: list[str]) -> str | None:
    """The words naming a metric right after the service ("kiln_ctrl temperature", "ReportGen disk writes last 24h",
    "<svc>'s disk writes"): up to three words, stopping at a time word, a verb of movement or a plain word; None when
    no such words."""
    for svc in services:
        name = r"[-_. ]?".join(map(re.escape, re.split(r"[-_. ]+", svc)))
        m = re.search(rf"(?<![\w.-]){name}(?:['’]s)?\s+((?:[a-z][a-z0-9%]*\s*){{1,3}})", text, _I)
        if not m:
            continue
        got: list[str] = []
        for w in m.group(1).lower().split():
            if w in STOP or w in _NOT_METRIC or _AFTER_STOP.match(w):
                break
            got.append(w)
        said = " ".join(got)
        if got and not (_CHANGELOG.search(said) or _WHY.search(said) or _ATTENTION.search(said)
                        or re.search(r"\b(?:incidents?|outages?|tickets?|alerts?|changes?|status|health|news|deploy\w*|"
                                     r"releases?|config\w*|commits?|rollbacks?|dependenc\w*)\b", said)):
            return said
    return None
