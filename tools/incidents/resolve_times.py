"""How long incidents took to resolve (MTTR): the mean and median time from start to resolution of the incidents
that started in a period, overall or split by service, severity or the month they started in. Read-only and org-scoped; read "as of" the
run's moment (an incident resolved after it was still open then), like :mod:`tools.incidents.listing`."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import resolve_service

GroupBy = Literal["service", "severity", "month"]
DEFAULT_DAYS = 90  # no period asked: the incidents that started in the last 90 days (a quarter), said so
DEFAULT_MONTHS = 6  # split by month with no period asked: this month and the five before it

_SQL = """
SELECT i.external_id, s.name AS service, i.severity, i.status, i.started_at, i.resolved_at
FROM incidents i LEFT JOIN services s ON s.id = i.service_id AND s.org_id = :org
WHERE i.org_id = :org AND i.started_at >= :start AND i.started_at < :end AND i.started_at <= :now
  AND (CAST(:sid AS bigint) IS NULL OR i.service_id = :sid)
  AND (CAST(:severity AS text[]) IS NULL OR i.severity = ANY(CAST(:severity AS text[])))
ORDER BY i.started_at, i.external_id
"""


class TimesToResolve(BaseModel):
    resolved: int = Field(description="incidents resolved by as_of: the ones in the mean and median")
    still_open: int = Field(description="incidents not resolved by as_of (open or mitigated): left out")
    mean_minutes: float | None = None
    median_minutes: float | None = None
    longest: str | None = Field(None, description="the resolved incident that took longest")
    longest_minutes: float | None = None


class IncidentResolveTimes(BaseModel):
    start: dt.date
    end: dt.date
    default_period: bool = Field(description="no period was asked: the last DEFAULT_DAYS days")
    service: str | None
    severity: list[str]
    as_of: dt.datetime
    overall: TimesToResolve
    by: GroupBy | None = None
    groups: dict[str, TimesToResolve] = Field(default_factory=dict, description="value -> its times, slowest first; "
                                              "by month: every month of the period (YYYY-MM), oldest first")
    open_ids: list[str] = Field(default_factory=list, description="the incidents left out as not resolved yet, with "
                                                                  "their status then (\"X-1 (mitigated)\", first 10)")


def _times(items: list[tuple[str, float | None]]) -> TimesToResolve:
    done = [(ext, m) for ext, m in items if m is not None]
    mins = [m for _, m in done]
    longest = max(done, key=lambda x: x[1]) if done else None
    return TimesToResolve(resolved=len(done), still_open=len(items) - len(done),
                          mean_minutes=round(statistics.fmean(mins), 1) if mins else None,
                          median_minutes=round(statistics.median(mins), 1) if mins else None,
                          longest=longest[0] if longest else None, longest_minutes=round(longest[1], 1) if longest else None)


async def incident_resolve_times(
    ctx: ToolContext, *, start: dt.date | None = None, end: dt.date | None = None, service: str | None = None,
    severity: list[str] | None = None, by: GroupBy | None = None,
) -> ToolOutput[IncidentResolveTimes]:
    """Mean and median minutes from ``started_at`` to ``resolved_at`` of the incidents that started between
    ``start`` and ``end`` (inclusive days; default the last 90 days), resolved by the run's moment; the ones still
    open then are counted and left out. Optionally one service, some severities, and split ``by`` service, severity
    or month (then, with no period asked, from the first day of the month five months back)."""
    if by is not None and by not in ("service", "severity", "month"):
        raise ToolError("by must be service, severity or month")
    default = start is None and end is None
    end = end or ctx.now.date()
    if start is None and by == "month":
        back = end.year * 12 + end.month - 1 - (DEFAULT_MONTHS - 1)
        start = dt.date(back // 12, back % 12 + 1, 1)
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ToolError(f"start ({start}) is after end ({end})")
    async with ctx.read() as session:
        sid, name = (await resolve_service(session, ctx.org_id, service)) if service else (None, None)
        rows = (await session.execute(text(_SQL), {
            "org": ctx.org_id, "now": ctx.now, "sid": sid, "severity": [x.lower() for x in severity or []] or None,
            "start": dt.datetime.combine(start, dt.time.min, dt.UTC),
            "end": dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, dt.UTC)})).mappings().all()

    def minutes(r: dict) -> float | None:  # resolved after the run's moment: still open then
        done = r["resolved_at"]
        return None if done is None or done > ctx.now else max(0.0, (done - r["started_at"]).total_seconds() / 60)

    def key(r: dict) -> str:
        if by == "month":
            return f"{r['started_at']:%Y-%m}"
        return str(r[by] or "none") if by else ""

    took = [(key(dict(r)), r["external_id"], minutes(dict(r))) for r in rows]
    status = {r["external_id"]: "open" if r["status"] == "resolved" else r["status"] for r in rows}  # as it stood
    groups = {k: _times([(e, m) for kk, e, m in took if kk == k]) for k in sorted({k for k, _, _ in took})} if by else {}
    if by == "month":  # every month of the period, oldest first, those without incidents too
        months = sorted({f"{start + dt.timedelta(days=i):%Y-%m}" for i in range((end - start).days + 1)})
        groups = {m: groups.get(m) or _times([]) for m in months}
    else:
        groups = dict(sorted(groups.items(), key=lambda kv: (-(kv[1].mean_minutes or -1), kv[0])))
    result = IncidentResolveTimes(
        start=start, end=end, default_period=default, service=name, severity=[x.lower() for x in severity or []],
        as_of=ctx.now, overall=_times([(e, m) for _, e, m in took]), by=by, groups=groups,
        open_ids=[f"{e} ({status[e]})" for _, e, m in took if m is None][:10])
    o = result.overall
    where = f" on {name}" if name else ""
    sev = f" ({'/'.join(result.severity)})" if result.severity else ""
    summary = (f"{o.resolved + o.still_open} incident(s){sev}{where} started {start}–{end}: {o.resolved} resolved by "
               f"{ctx.now:%Y-%m-%d %H:%M} UTC, mean {o.mean_minutes if o.mean_minutes is not None else 'n/a'} min, "
               f"median {o.median_minutes if o.median_minutes is not None else 'n/a'} min; {o.still_open} not resolved "
               "yet (left out)")
    if groups:
        summary += "; by " + str(by) + ": " + "; ".join(
            f"{k} mean {g.mean_minutes if g.mean_minutes is not None else 'n/a'} min ({g.resolved} resolved, "
            f"{g.still_open} open)" for k, g in groups.items())
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="incident_times", source="tools.incidents.incident_resolve_times",
        ref={"tool": "incident_resolve_times",
             "args": {"start": start.isoformat(), "end": end.isoformat(), "service": name,
                      "severity": result.severity or None, "by": by},
             "as_of": ctx.now.isoformat(),
             "query": "incidents started in [start, end], minutes from started_at to resolved_at where resolved_at "
                      "<= as_of; the rest counted as still open"},
        payload=result.model_dump(mode="json"), summary=summary,
    )])
