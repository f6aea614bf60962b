"""Incident lookup: the incident itself as evidence (what, where, when, how bad)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import text

from store.names import close_matches
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput


class IncidentInfo(BaseModel):
    id: int
    external_id: str
    title: str
    service: str | None
    severity: str
    status: str
    started_at: dt.datetime
    detected_at: dt.datetime | None
    resolved_at: dt.datetime | None
    summary: str | None

    @property
    def duration(self) -> dt.timedelta | None:
        return self.resolved_at - self.started_at if self.resolved_at else None


def as_it_stood(info: IncidentInfo, now: dt.datetime) -> IncidentInfo:
    """The incident as it stood at ``now`` — a replay "as of" a moment never reads the future: one resolved later was
    still open then, without the resolution written when it ended."""
    if info.resolved_at is None or info.resolved_at <= now:
        return info
    return info.model_copy(update={"status": "open", "resolved_at": None, "summary": None})


async def get_incident(ctx: ToolContext, *, incident: str) -> ToolOutput[IncidentInfo]:
    """One incident by its external id (as the organisation stores it), scoped to the caller's organisation."""
    async with ctx.read() as session:
        row = (
            await session.execute(
                text(
                    """SELECT i.id, i.external_id, i.title, s.name AS service, i.severity, i.status, i.started_at,
                              i.detected_at, i.resolved_at, i.summary
                       FROM incidents i LEFT JOIN services s ON s.id = i.service_id
                       WHERE i.org_id = :org AND upper(i.external_id) = upper(:ext)"""
                ),
                {"org": ctx.org_id, "ext": incident.strip()},
            )
        ).mappings().first()
        if row is None:
            known = [r[0] for r in await session.execute(
                text("SELECT external_id FROM incidents WHERE org_id = :org ORDER BY started_at DESC"), {"org": ctx.org_id}
            )]
            raise ToolError(
                f"unknown incident {incident!r}",
                suggestions=close_matches(incident, known) or known[:5],
            )
    info = IncidentInfo(**row)
    dur = info.duration
    lasted = f", resolved after {int(dur.total_seconds() // 60)} min" if dur else f", still {info.status}"
    evidence = EvidenceDraft(
        kind="incident", source="tools.incidents.get_incident",
        ref={"tool": "get_incident", "args": {"incident": info.external_id}, "query": "incidents by external_id"},
        payload=info.model_dump(mode="json"), incident_id=info.id,
        summary=(
            f"{info.external_id} ({info.severity}) on {info.service or 'unknown service'}: {info.title}; started "
            f"{info.started_at:%Y-%m-%d %H:%M} UTC"
            + (f", detected {info.detected_at:%H:%M}" if info.detected_at else "")
            + lasted
        ),
    )
    return ToolOutput(result=info, evidence=[evidence])
