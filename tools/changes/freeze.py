"""Changes made inside a change freeze (the organisation's calendar, ``opsgraph import freeze-windows``).

A change deployed during a freeze is worth saying — it skipped the usual caution, and whoever reviews the
incident will ask — but it is evidence, not a cause: the ranking and confidences of
:func:`tools.changes.correlate_changes` are left exactly as they are; each hypothesis made inside a window that
covers its service (or the whole organisation) says so in its rationale, its change evidence and ``freeze``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import ToolOutput
from tools.changes.models import ChangeCorrelation


class FreezeInfo(BaseModel):
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    services: list[str]  # empty: every service
    reason: str | None = None

    def covers(self, service: str, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at and (
            not self.services or service.lower() in {s.lower() for s in self.services})

    @property
    def phrase(self) -> str:
        days = f"{self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M} UTC"
        scope = "" if not self.services else f" for {', '.join(self.services)}"
        return f"the {self.name} change freeze ({days}{scope}{f': {self.reason}' if self.reason else ''})"


async def load_freezes(session: AsyncSession, org_id: int, since: dt.datetime, until: dt.datetime) -> list[FreezeInfo]:
    """The organisation's freeze windows overlapping ``[since, until]``."""
    rows = (await session.execute(text(
        """SELECT name, starts_at, ends_at, services, reason FROM freeze_windows
           WHERE org_id = :org AND starts_at <= :until AND ends_at > :since ORDER BY starts_at, name"""),
        {"org": org_id, "since": since, "until": until})).mappings().all()
    return [FreezeInfo(**r) for r in rows]


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
