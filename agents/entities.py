"""Deterministic entity extraction for the offline provider (and a check on the model's).

The catalog of what exists (stations, regions, KPIs and their aliases,
services, incident and ticket ids) is loaded per run for the caller's
organisation; questions are matched against it, time expressions are resolved
against the run's "now", and anything that looks like an entity but is not
known comes back in ``unknown`` with close matches.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-\.]*")
_INCIDENT = re.compile(r"\bINC-\d+\b", re.I)
_TICKET = re.compile(r"\b(?:TCK|EXT|TKT)-\d+\b", re.I)
_UPPER3 = re.compile(r"\b[A-Z]{3}\b")
_NOT_STATIONS = {"KPI", "SLA", "YOY", "THE", "AND", "FOR", "API", "OTP", "AOG", "MEL", "CPU", "DNS", "SSL", "URL", "P99",
                 "WHY", "HOW", "ALL", "NEW", "OLD", "DID", "WAS", "ARE", "CFW", "SWG", "DLP", "CASB", "UTC", "INC", "TCK"}


@dataclass
class Catalog:
    """What the organisation has, for matching names in questions."""

    stations: dict[str, str]  # code → name
    regions: dict[str, str]  # code → name
    kpis: dict[str, list[str]]  # code → [name, aliases…]
    services: list[str]
    incidents: list[str]
    tickets: list[str] = field(default_factory=list)

    @classmethod
    async def load(cls, session: AsyncSession, org_id: int) -> Catalog:
        """Everything in one round trip (this runs at the start of every turn)."""
        row = (
            await session.execute(
                text(
                    """SELECT
                         (SELECT coalesce(json_object_agg(code, name), '{}') FROM stations WHERE org_id = :org),
                         (SELECT coalesce(json_object_agg(code, name), '{}') FROM regions WHERE org_id = :org),
                         (SELECT coalesce(json_object_agg(code, to_jsonb(ARRAY[name]) || to_jsonb(aliases)), '{}')
                            FROM kpi_definitions WHERE org_id = :org),
                         (SELECT coalesce(json_agg(name), '[]') FROM services WHERE org_id = :org),
                         (SELECT coalesce(json_agg(external_id ORDER BY started_at DESC), '[]')
                            FROM incidents WHERE org_id = :org)"""
                ),
                {"org": org_id},
            )
        ).one()
        stations, regions, kpis, services, incidents = row
        return cls(stations=dict(stations), regions=dict(regions), kpis={k: list(v) for k, v in kpis.items()},
                   services=list(services), incidents=list(incidents))


@dataclass
class TimeRange:
    start: dt.date
    end: dt.date
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


@dataclass
class Entities:
    station: str | None = None
    region: str | None = None
    kpi: str | None = None
    service: str | None = None
    incident: str | None = None
    ticket: str | None = None
    time: TimeRange | None = None
    unknown: list[dict[str, Any]] = field(default_factory=list)  # {"kind", "text", "suggestions"}

    def known(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: v for k, v in (
                ("station", self.station), ("region", self.region), ("kpi", self.kpi), ("service", self.service),
                ("incident", self.incident), ("ticket", self.ticket),
            ) if v
        }
        if self.time:
            out["time"] = self.time.as_dict()
        return out


def _norm(s: str) -> str:
    return re.sub(r"[\s_\-?!.,;:'\"()]+", " ", s.lower()).strip()


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"], start=1)}


def parse_time(question: str, today: dt.date) -> TimeRange | None:
    """Resolve the time expressions people use; ``today`` is the run's current date."""
    q = question.lower()
    if m := re.search(r"\b(\d{4}-\d{2}-\d{2})\b(?:\s*(?:to|until|through|-|–|and)\s*(\d{4}-\d{2}-\d{2}))?", q):
        start = dt.date.fromisoformat(m.group(1))
        end = dt.date.fromisoformat(m.group(2)) if m.group(2) else start
        return TimeRange(min(start, end), max(start, end), m.group(0))
    if m := re.search(r"\b(?:past|last|previous)\s+(\d{1,3})\s+(day|week|month|year)s?\b", q):
        n, unit = int(m.group(1)), m.group(2)
        days = n * {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
        return TimeRange(today - dt.timedelta(days=days), today - dt.timedelta(days=1), m.group(0))
    if "yesterday" in q:
        y = today - dt.timedelta(days=1)
        return TimeRange(y, y, "yesterday")
    if re.search(r"\btoday\b", q):
        return TimeRange(today, today, "today")
    monday = today - dt.timedelta(days=today.weekday())
    if re.search(r"\b(?:the\s+)?week before(?: last)?\b", q) and "last week" not in q:
        start = monday - dt.timedelta(days=14)
        return TimeRange(start, start + dt.timedelta(days=6), "the week before last")
    if re.search(r"\blast week\b|\bprevious week\b", q):
        start = monday - dt.timedelta(days=7)
        return TimeRange(start, start + dt.timedelta(days=6), "last week")
    if re.search(r"\bthis week\b", q):
        return TimeRange(monday, today, "this week")
    if re.search(r"\blast month\b", q):
        first = today.replace(day=1)
        prev_end = first - dt.timedelta(days=1)
        return TimeRange(prev_end.replace(day=1), prev_end, "last month")
    if m := re.search(r"\bsince\s+(" + "|".join(_WEEKDAYS) + r")\b", q):
        wd = _WEEKDAYS.index(m.group(1))
        back = (today.weekday() - wd) % 7 or 7
        return TimeRange(today - dt.timedelta(days=back), today, m.group(0))
    if m := re.search(r"\b(?:in|during|for|since|over)\s+(" + "|".join(_MONTHS) + r")(?:\s+(\d{4}))?\b(?!\s+\d{1,2}\b)", q):
        month = _MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else (today.year if month < today.month else today.year - 1)
        first = dt.date(year, month, 1)
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
        return TimeRange(first, min(last, today), m.group(0).split(None, 1)[1])
    if m := re.search(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", q):
        month, day = _MONTHS[m.group(1)], int(m.group(2))
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
        try:
            d = dt.date(year, month, day)
        except ValueError:
            return None
        return TimeRange(d, d, m.group(0))
    return None


def extract(question: str, catalog: Catalog, today: dt.date) -> Entities:
    """Find the entities a question names, and the ones it seems to name but which do not exist."""
    ents = Entities()
    q = question
    qn = " " + _norm(q) + " "

    # KPIs: longest alias first so "otp mx rate" wins over "otp".
    best: tuple[int, str] | None = None
    for code, names in catalog.kpis.items():
        for name in [code, *names]:
            n = _norm(name)
            if n and f" {n} " in qn and (best is None or len(n) > best[0]):
                best = (len(n), code)
    if best:
        ents.kpi = best[1]
    elif m := re.search(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b", q):  # looks like a KPI code but is not one
        ents.unknown.append({"kind": "KPI", "text": m.group(1),
                             "suggestions": difflib.get_close_matches(m.group(1), list(catalog.kpis), n=3, cutoff=0.4)})

    # Stations: code as a word (any case when it is a known code), or the station's name.
    for code, name in catalog.stations.items():
        if re.search(rf"\b{re.escape(code)}\b", q, re.I) or f" {_norm(name)} " in qn:
            ents.station = code
            break
    if ents.station is None:
        for cand in _UPPER3.findall(re.sub(r"\b[A-Z]{2,5}-\d+\b", " ", q)):
            if cand not in _NOT_STATIONS and cand not in catalog.regions and not any(
                cand in _norm(n).upper().split() for names in catalog.kpis.values() for n in names
            ):
                ents.unknown.append({"kind": "station", "text": cand,
                                     "suggestions": difflib.get_close_matches(cand, list(catalog.stations), n=3, cutoff=0.3)})
                break
    for code, name in catalog.regions.items():
        if re.search(rf"\b{re.escape(code)}\b", q) or re.search(rf"\b{re.escape(name)}\b(?:\s+region)?", q, re.I) and "region" in q.lower():
            ents.region = code
            break
    if ents.region is None and (m := re.search(r"\b(?:the\s+)?([A-Za-z][\w-]*)\s+region\b", q, re.I)):
        word = m.group(1)
        if word.lower() not in ("the", "a", "each", "every", "which", "that", "this", "my", "our", "whole"):
            names = {n.lower(): c for c, n in catalog.regions.items()}
            ents.unknown.append({"kind": "region", "text": word, "suggestions": difflib.get_close_matches(
                word.lower(), list(names), n=3, cutoff=0.3) and [names[n] for n in difflib.get_close_matches(
                    word.lower(), list(names), n=3, cutoff=0.3)] or list(catalog.regions)})

    # Services: exact names; a hyphenated word that is not a service is flagged.
    for svc in sorted(catalog.services, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(svc)}(?![\w-])", q, re.I):
            ents.service = svc
            break
    if ents.service is None:
        for word in re.findall(r"\b[a-z][a-z0-9]+(?:-[a-z0-9]+)+\b", q):
            if word.startswith(("inc-", "tck-", "ext-")) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
                continue
            close = difflib.get_close_matches(word, catalog.services, n=3, cutoff=0.5)
            if close or word.endswith(("-api", "-service", "-db", "-svc")):
                ents.unknown.append({"kind": "service", "text": word, "suggestions": close})
                break

    if m := _INCIDENT.search(q):
        inc = m.group(0).upper()
        if inc in catalog.incidents:
            ents.incident = inc
        else:
            ents.unknown.append({"kind": "incident", "text": inc,
                                 "suggestions": difflib.get_close_matches(inc, catalog.incidents, n=3, cutoff=0.5)
                                 or catalog.incidents[:3]})
    if m := _TICKET.search(q):
        ents.ticket = m.group(0).upper()

    ents.time = parse_time(q, today)
    return ents
