"""Change freezes, one source: the organisation's calendar (``opsgraph import freeze-windows``) and the runbook
pages that set one ("From 2026-11-20 00:00 to 2027-01-04 23:59 …", "- Black Friday: 2026-11-26 to 2026-11-29"),
read into the same :class:`FreezeInfo`. Where both speak of the same days the calendar wins (a page's range that
overlaps a calendar window is left out); each window says where it came from (:attr:`FreezeInfo.origin`).

A change deployed during a freeze is worth saying — it skipped the usual caution, and whoever reviews the
incident will ask — but it is evidence, not a cause: the ranking and confidences of
:func:`tools.changes.correlate_changes` are left exactly as they are; each hypothesis made inside a window that
covers its service (or the whole organisation) says so in its rationale, its change evidence and ``freeze``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes.models import ChangeCorrelation

_DAY = r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?"
_RANGE = re.compile(rf"{_DAY}\s*(?:to|until|till|through|–|—|-)\s*{_DAY}", re.I)
_LOCAL = re.compile(r"\b(?:local|[A-Z]{2,4}\s+time|BST|CET|CEST|EST|EDT|PST|PDT)\b")
_ZULU = re.compile(r"\b(?:UTC|GMT|Z)\b")
_LABEL = re.compile(r"^\s*(?:from\s+)?([^\d:]{2,80}?)\s*[:–—-]\s*(?:from\s+)?\d{4}-", re.I)
MAX_PAGES = 50


class FreezeInfo(BaseModel):
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    services: list[str]  # empty: every service
    reason: str | None = None
    source: Literal["calendar", "runbook"] = "calendar"
    document: str | None = Field(None, description="the runbook page's id, for a freeze read from one")
    line: str | None = Field(None, description="the page's line that gives the range, as written")
    local_times: bool = Field(False, description="the page gives local times without a zone: read as UTC")

    @property
    def origin(self) -> str:
        return "the freeze calendar" if self.source == "calendar" else f"the runbook page {self.document}"

    def covers(self, service: str, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at and (
            not self.services or service.lower() in {s.lower() for s in self.services})

    @property
    def phrase(self) -> str:
        days = f"{self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M} UTC"
        scope = "" if not self.services else f" for {', '.join(self.services)}"
        why = f": {self.reason}" if self.reason else ""
        return f"the {self.name} change freeze ({days}{scope}{why}; from {self.origin})"


def _at(day: str, clock: str | None, end: bool) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    if clock:
        h, m = (int(x) for x in clock.split(":"))
        return dt.datetime.combine(d, dt.time(h, m, 59 if end else 0), dt.UTC)
    return dt.datetime.combine(d, dt.time.max if end else dt.time.min, dt.UTC)


def page_freezes(document: str, title: str, body: str, service: str | None = None) -> list[FreezeInfo]:
    """The freeze ranges a runbook page's text gives, one per range: named by the line's own label ("Black Friday /
    Cyber Monday: 2026-11-26 …") or else by the page's title; a page for one service freezes that service."""
    found: list[FreezeInfo] = []
    head = " ".join(title.split()) or document
    for raw in body.splitlines():
        line = " ".join(raw.strip(" -*#").split())
        for m in _RANGE.finditer(line):
            try:
                start, end = _at(m.group(1), m.group(2), False), _at(m.group(3), m.group(4), True)
            except ValueError:  # "2026-13-40": not a date
                continue
            if start > end:
                continue
            label = _LABEL.match(line)
            name = label.group(1).strip() if label and re.search(r"[^\W\d_]", label.group(1)) else head
            found.append(FreezeInfo(name=name, starts_at=start, ends_at=end, services=[service] if service else [],
                                    source="runbook", document=document, line=line[:300],
                                    local_times=bool(_LOCAL.search(line)) and not _ZULU.search(line)))
    return found


_PLAIN = frozenset({"the", "a", "an", "of", "and", "for", "change", "changes", "code", "release", "deploy", "freeze",
                    "freezes", "window", "period", "calendar"})


def _words(w: FreezeInfo) -> set[str]:
    return {x for x in re.findall(r"[^\W\d_]+", w.name.lower()) if x not in _PLAIN and len(x) > 2}


def same_freeze(calendar: FreezeInfo, page: FreezeInfo) -> bool:
    """A page's range speaks of a calendar window: they overlap, and share a word of their names or cover mostly
    the same time (the overlap is at least half the longer of the two)."""
    overlap = min(calendar.ends_at, page.ends_at) - max(calendar.starts_at, page.starts_at)
    if overlap <= dt.timedelta(0):
        return False
    longer = max(calendar.ends_at - calendar.starts_at, page.ends_at - page.starts_at)
    return bool(_words(calendar) & _words(page)) or overlap * 2 >= longer


def merge(calendar: Sequence[FreezeInfo], pages: Sequence[FreezeInfo]) -> list[FreezeInfo]:
    """Both sources as one list by start; where a page's range and a calendar window speak of the same freeze
    (:func:`same_freeze`) the calendar wins."""
    kept = [p for p in pages if not any(same_freeze(c, p) for c in calendar)]
    return sorted([*calendar, *kept], key=lambda w: (w.starts_at, w.name))


async def load_freezes(session: AsyncSession, org_id: int, since: dt.datetime, until: dt.datetime) -> list[FreezeInfo]:
    """The organisation's freeze windows overlapping ``[since, until]``: its calendar, and the ranges its runbook
    pages about a freeze give (the calendar wins where both speak)."""
    rows = (await session.execute(text(
        """SELECT name, starts_at, ends_at, services, reason FROM freeze_windows
           WHERE org_id = :org AND starts_at <= :until AND ends_at > :since ORDER BY starts_at, name"""),
        {"org": org_id, "since": since, "until": until})).mappings().all()
    docs = (await session.execute(text(
        """SELECT external_id, title, body, service FROM documents
           WHERE org_id = :org AND kind = 'runbook' AND (title ILIKE '%freeze%' OR body ILIKE '%freeze%')
           ORDER BY external_id LIMIT :n"""), {"org": org_id, "n": MAX_PAGES})).mappings().all()
    pages = [w for d in docs for w in page_freezes(d["external_id"], d["title"], d["body"], d["service"])
             if w.starts_at <= until and w.ends_at > since]
    return merge([FreezeInfo(**r) for r in rows], pages)


class FreezeList(BaseModel):
    since: dt.datetime
    until: dt.datetime
    items: list[FreezeInfo] = Field(description="by start; the calendar's and the runbook pages' as one list")


async def freeze_windows(ctx: ToolContext, *, since: dt.datetime | dt.date | None = None,
                         until: dt.datetime | dt.date | None = None) -> ToolOutput[FreezeList]:
    """The change freezes overlapping a period (default: a year either side of now), from the freeze calendar and
    the runbook pages that set one, each saying where it came from."""
    lo = _moment(since, end=False) if since is not None else ctx.now - dt.timedelta(days=366)
    hi = _moment(until, end=True) if until is not None else ctx.now + dt.timedelta(days=366)
    if hi < lo:
        raise ToolError("the period ends before it starts")
    async with ctx.read() as session:
        items = await load_freezes(session, ctx.org_id, lo, hi)
    r = FreezeList(since=lo, until=hi, items=items)
    listed = "; ".join(f"{w.name} {w.starts_at:%Y-%m-%d %H:%M} – {w.ends_at:%Y-%m-%d %H:%M} UTC ({w.origin})"
                       for w in items[:10])
    return ToolOutput(result=r, evidence=[EvidenceDraft(
        kind="freeze_windows", source="tools.changes.freeze_windows",
        ref={"tool": "freeze_windows", "args": {"since": lo.isoformat(), "until": hi.isoformat()},
             "as_of": ctx.now.isoformat(), "query": "freeze calendar and runbook pages setting a freeze"},
        payload=r.model_dump(mode="json"),
        summary=f"{len(items)} change freeze(s) from {lo:%Y-%m-%d} to {hi:%Y-%m-%d}" + (f": {listed}" if listed else ""),
    )])


def _moment(v: dt.datetime | dt.date, *, end: bool) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(v, dt.time.max if end else dt.time.min, dt.UTC)


def freezes_at(windows: Sequence[FreezeInfo], service: str, at: dt.datetime) -> list[FreezeInfo]:
    return [w for w in windows if w.covers(service, at)]


def with_freezes(out: ToolOutput[ChangeCorrelation], windows: Sequence[FreezeInfo]) -> ToolOutput[ChangeCorrelation]:
    """``out`` with each hypothesis made inside a freeze saying so (rationale, ``freeze``, its change evidence's
    summary and payload, the conclusion); scores and ranks unchanged."""
    if not windows:
        return out
    result = out.result
    concluded = result.conclusion
    for h in result.hypotheses:
        inside = freezes_at(windows, h.service, h.changed_at)
        if not inside:
            continue
        said = "made during " + " and ".join(w.phrase for w in inside)
        before = h.rationale
        h.freeze = said
        h.rationale = f"{before}, {said}" if before else said
        result.conclusion = result.conclusion.replace(before, h.rationale) if before else result.conclusion
        ev = out.evidence[h.rank - 1] if h.rank - 1 < len(out.evidence) else None
        if ev is not None and ev.kind == "change":
            ev.summary = ev.summary.replace(before, h.rationale) if before else f"{ev.summary}, {said}"
            payload: dict[str, Any] = dict(ev.payload)
            payload["freeze"] = [w.model_dump(mode="json") for w in inside]
            ev.payload = payload
    ranking = out.evidence[-1] if out.evidence and out.evidence[-1].kind == "hypotheses" else None
    if ranking is not None:
        ranking.summary = ranking.summary.replace(concluded, result.conclusion)
        ranking.payload = {**ranking.payload, "hypotheses": [h.model_dump(mode="json") for h in result.hypotheses]}
    return out
