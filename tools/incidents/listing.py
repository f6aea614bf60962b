"""Incidents as operators ask about them: which are open, on a service, in a window, the latest;
one incident's status, resolution and remediation (the rollbacks and reverts that ended it, and the
decisions recorded on it). Read-only and org-scoped."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import resolve_service
from tools.incidents.lookup import IncidentInfo, as_it_stood, get_incident

STATUSES = ("open", "mitigated", "resolved")
# How long after an incident began a rollback/revert still counts as its remediation when it has no end time.
OPEN_REMEDIATION_WINDOW = dt.timedelta(hours=12)

_LIST_SQL = """
SELECT i.id, i.external_id, i.title, s.name AS service, i.severity, i.status, i.started_at, i.detected_at,
       i.resolved_at, i.summary
FROM incidents i LEFT JOIN services s ON s.id = i.service_id AND s.org_id = :org
WHERE i.org_id = :org AND i.started_at <= :now
  AND (CAST(:severity AS text[]) IS NULL OR i.severity = ANY(CAST(:severity AS text[])))
  AND (CAST(:sid AS bigint) IS NULL OR i.service_id = :sid)
  AND (CAST(:start AS timestamptz) IS NULL OR COALESCE(i.resolved_at, :now) >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR i.started_at < :end)
ORDER BY i.started_at DESC, i.external_id
"""


class IncidentList(BaseModel):
    status: list[str]
    service: str | None
    start: dt.date | None
    end: dt.date | None
    total: int
    items: list[IncidentInfo] = Field(description="most recent first")


def _day(d: dt.date | None, plus: int = 0) -> dt.datetime | None:
    return None if d is None else dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC) + dt.timedelta(days=plus)


async def incident_list(
    ctx: ToolContext, *, status: list[str] | None = None, service: str | None = None, severity: list[str] | None = None,
    start: dt.date | None = None, end: dt.date | None = None, limit: int = 20,
) -> ToolOutput[IncidentList]:
    """Incidents, most recent first: by status ("open" = not resolved yet), service, severity and a date window
    (incidents active during it). ``limit=1`` is "the latest"."""
    wanted: list[str] = []
    for s in status or []:
        s = s.strip().lower()
        if s in ("open", "active", "ongoing", "unresolved"):
            wanted += ["open", "mitigated"] if s != "open" else ["open"]
        elif s in STATUSES:
            wanted.append(s)
        else:
            raise ToolError(f"unknown incident status {s!r}", suggestions=list(STATUSES))
    if start and end and start > end:
        raise ToolError(f"start ({start}) is after end ({end})")
    limit = max(1, min(int(limit), 500))
    async with ctx.read() as session:
        sid, name = None, None
        if service:
            sid, name = await resolve_service(session, ctx.org_id, service)
        rows = (await session.execute(text(_LIST_SQL), {
            "org": ctx.org_id, "now": ctx.now,
            "severity": [s.lower() for s in severity or []] or None, "sid": sid,
            "start": _day(start), "end": _day(end, 1),
        })).mappings().all()
    items = [as_it_stood(IncidentInfo(**r), ctx.now) for r in rows]  # a replay never reads the future
    items = [i for i in items if not wanted or i.status in wanted]
    result = IncidentList(status=list(dict.fromkeys(wanted)), service=name, start=start, end=end, total=len(items),
                          items=items[:limit])
    what = "/".join(result.status) or "all"
    where = f" on {name}" if name else ""
    when = f" active {start or '…'}–{end or '…'}" if start or end else ""
    listed = "; ".join(f"{i.external_id} ({i.severity}, {i.status}) {i.title}, started {i.started_at:%Y-%m-%d %H:%M}"
                       for i in result.items[:10])
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="incident_list", source="tools.incidents.incident_list",
        ref={"tool": "incident_list", "args": {"status": status, "service": name, "severity": severity,
                                               "start": start.isoformat() if start else None,
                                               "end": end.isoformat() if end else None, "limit": limit},
             "as_of": ctx.now.isoformat(), "query": "incidents by status/service/severity/window, newest first"},
        payload=result.model_dump(mode="json"),
        summary=f"{len(items)} {what} incident(s){where}{when} as of {ctx.now:%Y-%m-%d %H:%M} UTC"
                + (f": {listed}" if listed else ""),
    )])


# ------------------------------------------------------------------ one incident's status


class Remediation(BaseModel):
    type: Literal["rollback", "revert", "decision"]
    subject: str
    at: dt.datetime
    by: str | None = None
    detail: str


class IncidentStatus(BaseModel):
    incident: IncidentInfo
    resolved: bool
    duration_minutes: float | None
    resolution: str | None = Field(None, description="the incident's own summary of how it ended")
    remediation: list[Remediation]


async def incident_status(ctx: ToolContext, *, incident: str) -> ToolOutput[IncidentStatus]:
    """Is it resolved, when, after how long, what fixed it (rollbacks/reverts on its service during it, decisions)."""
    inc = as_it_stood((await get_incident(ctx, incident=incident)).result, ctx.now)
    until = inc.resolved_at or min(ctx.now, inc.started_at + OPEN_REMEDIATION_WINDOW)
    async with ctx.read() as session:
        rows = (await session.execute(text(
            """SELECT 'rollback' AS type, d.external_id AS subject, COALESCE(d.finished_at, d.started_at) AS at,
                      d.deployed_by AS by, 'rolled back to ' || d.version ||
                          COALESCE(' (undoing ' || o.external_id || ')', '') AS detail
               FROM deployments d LEFT JOIN deployments o ON o.id = d.rollback_of_id AND o.org_id = :org
               JOIN incidents i ON i.id = :iid AND i.org_id = :org
               WHERE d.org_id = :org AND d.is_rollback AND d.service_id = i.service_id
                 AND d.started_at BETWEEN :start AND :until
             UNION ALL
             SELECT 'revert', c.external_id, c.changed_at, c.changed_by,
                    c.key || ' restored to ' || COALESCE(c.new_value, '(secret)') || ' (undoing ' || p.external_id || ')'
               FROM config_changes c
               JOIN incidents i ON i.id = :iid AND i.org_id = :org
               JOIN LATERAL (SELECT q.external_id, q.old_value FROM config_changes q
                             WHERE q.org_id = :org AND q.service_id = c.service_id AND q.key = c.key
                               AND q.changed_at < c.changed_at ORDER BY q.changed_at DESC LIMIT 1) p ON true
               WHERE c.org_id = :org AND c.service_id = i.service_id AND NOT c.is_secret
                 AND c.new_value IS NOT DISTINCT FROM p.old_value AND c.changed_at BETWEEN :start AND :until
             UNION ALL
             SELECT 'decision', kind, created_at, decided_by, content FROM decisions
               WHERE org_id = :org AND incident_id = :iid AND created_at <= :now
             ORDER BY 3"""),
            {"org": ctx.org_id, "iid": inc.id, "start": inc.started_at, "until": until, "now": ctx.now})).mappings().all()
    remediation = [Remediation(**r) for r in rows]
    dur = inc.duration
    result = IncidentStatus(incident=inc, resolved=inc.status == "resolved",
                            duration_minutes=dur.total_seconds() / 60 if dur else None, resolution=inc.summary,
                            remediation=remediation)
    state = (f"resolved {inc.resolved_at:%Y-%m-%d %H:%M} UTC after {int(result.duration_minutes or 0)} min"
             if inc.resolved_at else f"{inc.status}, not resolved as of {ctx.now:%Y-%m-%d %H:%M} UTC")
    fixes = "; ".join(f"{r.type} {r.subject} at {r.at:%Y-%m-%d %H:%M}{' by ' + r.by if r.by else ''}: {r.detail}"
                      for r in remediation)
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="incident_status", source="tools.incidents.incident_status", incident_id=inc.id,
        ref={"tool": "incident_status", "args": {"incident": inc.external_id}, "as_of": ctx.now.isoformat(),
             "query": "the incident; rollback deployments and config reverts on its service while it lasted; "
                      "decisions recorded on it"},
        payload=result.model_dump(mode="json"),
        summary=(f"{inc.external_id} ({inc.severity}) on {inc.service or 'unknown service'} is {state}"
                 + (f"; resolution: {inc.summary}" if inc.summary else "")
                 + (f"; remediation: {fixes}" if fixes else "; no rollback, revert or decision recorded")),
    )])
