"""What a change correlation is about — its *focus*: an incident, a service, or a KPI at a scope — resolved from
the caller's arguments to the services whose changes are candidates (the roots), the onset the changes are
measured against (given, the incident's start, the KPI's last stage change or the service metrics' onset) and the
look-back and half-life that go with that kind. Read-only, org-scoped."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import ToolContext, ToolError
from tools.changes import roles, scoring
from tools.changes.leading import leading
from tools.changes.models import KPI_LOOKBACK, SERVICE_LOOKBACK, MetricOnset
from tools.changes.onset import metric_onset
from tools.changes.queries import _close, _services, _utc, resolve_service
from tools.kpis import kpi_series, list_kpis, match_kpi, resolve_scope


@dataclass
class Focus:
    kind: Literal["incident", "service", "kpi"]
    label: str
    roots: dict[int, str]  # service id -> name
    onset: dt.datetime
    onset_source: Literal["incident", "given", "kpi_shift", "metric_onset", "now"]
    lookback: dt.timedelta
    half_life: float
    incident: str | None = None
    kpi: str | None = None
    station: str | None = None
    notes: list[str] = field(default_factory=list)
    tolerance: dt.timedelta = dt.timedelta(0)  # how long after an estimated onset a change still counts


async def _incident_focus(session: AsyncSession, org_id: int, incident: str) -> tuple[str, int | None, str | None, dt.datetime]:
    rows = (
        await session.execute(
            text("""SELECT i.external_id, i.service_id, s.name, i.started_at
                    FROM incidents i LEFT JOIN services s ON s.id = i.service_id AND s.org_id = :org
                    WHERE i.org_id = :org ORDER BY i.started_at"""),
            {"org": org_id},
        )
    ).all()
    q = incident.strip().upper()
    squash = lambda v: re.sub(r"[^A-Z0-9]", "", v.upper())  # noqa: E731 - "out 71", "OUT71" and "OUT-71" alike
    hits = [r for r in rows if r[0].upper() == q or squash(r[0]) == squash(q)]
    if not hits and q.isdigit():  # a bare number: the one incident whose id ends in it, whatever its prefix
        hits = [r for r in rows if re.search(rf"(?<!\d){q}$", r[0])]
    if len(hits) == 1:
        ext, sid, name, started = hits[0]
        return ext, sid, name, started
    raise ToolError(f"unknown incident {incident!r}", suggestions=_close(incident, [r[0] for r in rows]))


async def resolve_focus(
    ctx: ToolContext, *, service: str | None, incident: str | None, kpi: str | None, station: str | None,
    onset: dt.datetime | dt.date | None, lookback: dt.timedelta | None,
) -> Focus:
    if incident:
        return await _focus_from_incident(ctx, incident, service, onset, lookback)
    if kpi:
        return await _focus_from_kpi(ctx, kpi, station, onset, lookback)
    if service:
        return await _focus_from_service(ctx, service, onset, lookback)
    raise ToolError("say what to explain: an incident id, a service (and an onset), or a KPI (and a station/date)")


async def _focus_from_incident(
    ctx: ToolContext, incident: str, service: str | None, onset: dt.datetime | dt.date | None,
    lookback: dt.timedelta | None,
) -> Focus:
    async with ctx.read() as session:
        ext, sid, name, started = await _incident_focus(session, ctx.org_id, incident)
        if service:
            sid, name = await resolve_service(session, ctx.org_id, service)
    if sid is None or name is None:
        raise ToolError(f"incident {ext} names no service, so there is nothing to correlate it with; ask about a service by name")
    given = onset is not None
    return Focus(
        kind="incident", label=f"{ext} ({name})", roots={sid: name}, incident=ext,
        onset=_utc(onset) if onset is not None else _utc(started), onset_source="given" if given else "incident",
        lookback=lookback or SERVICE_LOOKBACK, half_life=scoring.SERVICE_HALF_LIFE_MIN,
    )


async def _focus_from_kpi(
    ctx: ToolContext, kpi: str, station: str | None, onset: dt.datetime | dt.date | None,
    lookback: dt.timedelta | None,
) -> Focus:
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, "station" if station else "company", station)
        services = await _services(session, ctx.org_id)
    roots = {services[s]: s for s in info.related_services if s in services}
    if not roots:
        raise ToolError(f"{info.name} has no related services configured, so no deployment or config change can be linked to it; ask about a service by name to check its changes")
    source: Literal["given", "kpi_shift"] = "given"
    if onset is None:
        series = await kpi_series(ctx, kpi=info.code, station=scope.code if station else None,
                                  summary_level="station" if station else "company", chart=False)
        if series.result.shift is None:
            raise ToolError(f"{info.name} at {scope.label} shows no recent stage change: give onset=<date>")
        onset, source = series.result.shift.onset, "kpi_shift"
    day = onset.date() if isinstance(onset, dt.datetime) else onset
    return Focus(
        kind="kpi", label=f"{info.code} at {scope.label}", roots=roots, kpi=info.code, station=scope.code,
        onset=_utc(onset if isinstance(onset, dt.datetime) else day),  # a time given is kept
        onset_source=source, lookback=lookback or KPI_LOOKBACK, half_life=scoring.KPI_HALF_LIFE_MIN,
    )


async def _focus_from_service(
    ctx: ToolContext, service: str, onset: dt.datetime | dt.date | None, lookback: dt.timedelta | None
) -> Focus:
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
    source: Literal["given", "metric_onset", "now"] = "given"
    notes: list[str] = []
    if onset is None:
        onset, source = ctx.now, "now"
        seen: set[str] = set()
        moved: list[MetricOnset] = []
        # errors and latency first; a service that reports neither (only cpu, disk, temperature…) by its others
        for metric in (*roles.COMOVEMENT_ROLES, "saturation", ""):
            try:
                found = (await metric_onset(ctx, service=name, metric=metric,
                                            hours=int(min(744, max(1, (lookback or SERVICE_LOOKBACK).total_seconds() // 3600))))).result
            except ToolError:  # the service does not report this metric
                continue
            if found.metric in seen:
                continue
            seen.add(found.metric)
            if found.onset is not None:
                moved.append(found)
        if moved:  # the first that moved — or another of its metrics that moved the same way just before it
            found = leading(moved[0], moved[1:])
            onset, source = found.onset or onset, "metric_onset"
            notes.append(f"onset from {name} {found.metric} ({found.method})")
    return Focus(
        kind="service", label=name, roots={sid: name}, onset=_utc(onset), onset_source=source,
        lookback=lookback or SERVICE_LOOKBACK, half_life=scoring.SERVICE_HALF_LIFE_MIN, notes=notes,
        tolerance=dt.timedelta(minutes=scoring.ONSET_TOLERANCE_MIN) if source == "metric_onset" else dt.timedelta(0),
    )
