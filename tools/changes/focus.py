"""What a change correlation is about — its *focus*: an incident, a service, or a KPI at a scope — resolved from
the caller's arguments to the services whose changes are candidates (the roots), the onset the changes are
measured against (given, the incident's start, the KPI's last stage change or the service metrics' onset) and the
look-back and half-life that go with that kind. Read-only, org-scoped."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import ToolContext, ToolError
from tools.changes import named, roles, scoring
from tools.changes.kpi_onset import INCIDENT_KPI_LEAD, first_point_of_new_level, kpi_stepped_before
from tools.changes.leading import leading
from tools.changes.models import (
    INCIDENT_LOOKBACK,
    KPI_LOOKBACK,
    SERVICE_LOOKBACK,
    SERVICE_ONSET_LOOKBACK,
    MetricOnset,
)
from tools.changes.onset import metric_onset
from tools.changes.queries import _close, _services, _utc, changes_naming_site, resolve_service
from tools.changes.unlinked import kpi_words, unlinked_note
from tools.control_limits import analyze_series
from tools.kpis import kpi_series, list_kpis, match_kpi, resolve_scope
from tools.kpis.models import KpiInfo


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
    #: only these changes are candidates (a KPI with no related services at a site: the changes naming the site)
    only: set[str] | None = None
    #: the onset point's own period when the onset is a whole point (a daily KPI value covers its day, a weekly one
    #: its week): a change inside it is a candidate, not "after the onset"; zero for an instant
    period: dt.timedelta = dt.timedelta(0)
    #: changes that are candidates because their record names the site (not through a related service)
    named_site: set[str] = field(default_factory=set)
    #: an incident's own record: (field, text) searched for the changes it names (:mod:`tools.changes.named`)
    record: list[tuple[str, str]] = field(default_factory=list)
    #: the look-back of the changes of the services it depends on when only its own service's are looked for
    #: further back (an incident: its service's changes over the days before, its dependencies' over the last day)
    near: dt.timedelta | None = None
    #: an incident whose service's metric moved shortly before its recorded start: that metric, and the start
    onset_metric: str | None = None
    started_at: dt.datetime | None = None
    #: … or whose service's related KPI stepped for the worse at the site its record names in the days before it
    onset_kpi: str | None = None
    #: a KPI with no services recorded behind it: every service's changes are candidates, weighed by these words
    #: of the KPI (:mod:`tools.changes.unlinked`); None otherwise
    unlinked: frozenset[str] | None = None
    unlinked_note: str | None = None


async def _incident_focus(session: AsyncSession, org_id: int, incident: str) -> tuple[str, int | None, str | None, dt.datetime]:
    ext, sid, name, started, _texts = await _incident_row(session, org_id, incident)
    return ext, sid, name, started


async def _incident_row(session: AsyncSession, org_id: int, incident: str
                        ) -> tuple[str, int | None, str | None, dt.datetime, list[tuple[str, str]]]:
    """(external id, service id, service name, started_at, the record's text fields) of an incident."""
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
        row = (await session.execute(
            text("SELECT title, summary, extra FROM incidents WHERE org_id = :org AND external_id = :ext"),
            {"org": org_id, "ext": ext})).one()
        return ext, sid, name, started, named.record_texts(row[0], row[1], row[2])
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
        ext, sid, name, started, texts = await _incident_row(session, ctx.org_id, incident)
        if service:
            sid, name = await resolve_service(session, ctx.org_id, service)
    if sid is None or name is None:
        raise ToolError(f"incident {ext} names no service, so there is nothing to correlate it with; ask about a service by name")
    source: Literal["incident", "given", "metric_onset", "kpi_shift"] = "given" if onset is not None else "incident"
    at, notes, metric, kpi = _utc(onset) if onset is not None else _utc(started), [], None, None
    if onset is None:  # its service's metric moved shortly before the incident began: that is when it started
        moved = await _moved_before(ctx, name, at)
        if moved is not None and moved.onset is not None:
            notes.append(f"onset from {name} {moved.metric} ({moved.method}), "
                         f"{(at - moved.onset).total_seconds() / 60:.0f} min before {ext} began")
            at, source, metric = moved.onset, "metric_onset", moved.metric
        elif (not await _moved(ctx, name, int(INCIDENT_KPI_LEAD.total_seconds() // 3600), at)  # (a metric's earlier
              and (stepped := await kpi_stepped_before(ctx, name, at, texts)) is not None):  # move is more precise)
            notes.append(f"onset from {stepped.said}, before {ext} began")
            at, source, kpi = _utc(stepped.day), "kpi_shift", stepped.said
    day = dt.timedelta(days=1) if source == "kpi_shift" else dt.timedelta(0)  # a KPI's step: the whole day it began
    return Focus(
        kind="incident", label=f"{ext} ({name})", roots={sid: name}, incident=ext,
        onset=at, onset_source=source, notes=notes, lookback=lookback or INCIDENT_LOOKBACK,
        half_life=scoring.KPI_HALF_LIFE_MIN if kpi else scoring.SERVICE_HALF_LIFE_MIN,
        tolerance=dt.timedelta(minutes=scoring.ONSET_TOLERANCE_MIN) if source == "metric_onset" else day,
        period=day, record=texts, near=None if lookback is not None else SERVICE_LOOKBACK,
        onset_metric=metric, started_at=_utc(started) if metric or kpi else None, onset_kpi=kpi,
    )


#: How long before an incident's recorded start its service's metric may have moved for that move to be its onset
#: (a page comes minutes to hours after the symptom; longer gaps are :func:`agents.specialists.metric_source.paged_later`'s).
INCIDENT_ONSET_LEAD = dt.timedelta(hours=6)
#: … and the points after the start the move is looked for with (a stage needs points on both sides of it).
INCIDENT_ONSET_AFTER = dt.timedelta(hours=1)


#: A metric's shift smaller than this share of its level is no move (a noisy p99 "from 217.3 to 219.2"): not an
#: incident's onset (the change correlator's SLIGHT for the metric it picks itself).
SLIGHT_MOVE = 0.03


def slight(m: MetricOnset) -> bool:
    """Whether the move found is within what a busy series drifts by (or has no levels to tell)."""
    if m.before_level is None or m.after_level is None:
        return True
    return abs(m.after_level - m.before_level) < SLIGHT_MOVE * abs(m.before_level)


def incident_onset_span(started: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, int]:
    """(around, hours) of the :func:`metric_onset` look for an incident's onset: the hours before its start and
    one after it (never past now)."""
    around = min(started + INCIDENT_ONSET_AFTER, now)
    return around, max(1, int((around - started + INCIDENT_ONSET_LEAD).total_seconds() // 3600))


async def _moved_before(ctx: ToolContext, name: str, started: dt.datetime) -> MetricOnset | None:
    """The first of the service's metrics (errors and latency first) that moved in the hours before ``started`` —
    or another of its metrics that moved the same way just before it (:func:`tools.changes.leading`); None when
    none did (or the service has no metrics then)."""
    around, hours = incident_onset_span(started, ctx.now)
    moved = [m for m in await _moved(ctx, name, hours, around)
             if m.onset is not None and started - INCIDENT_ONSET_LEAD <= m.onset < started and not slight(m)]
    return leading(moved[0], moved[1:]) if moved else None


async def _focus_from_kpi(
    ctx: ToolContext, kpi: str, station: str | None, onset: dt.datetime | dt.date | None,
    lookback: dt.timedelta | None,
) -> Focus:
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, "station" if station else "company", station)
        services = await _services(session, ctx.org_id)
    roots = {services[s]: s for s in info.related_services if s in services}
    unlinked = None
    if not roots and not station:  # every service's changes, weighed by what ties them to the KPI
        roots, unlinked = {sid: n for n, sid in services.items()}, unlinked_words(info)
    source: Literal["given", "kpi_shift"] = "given"
    period = dt.timedelta(days=1)  # a date given names a day: its value covers the whole day
    notes: list[str] = []
    if onset is None:
        series = await kpi_series(ctx, kpi=info.code, station=scope.code if station else None,
                                  summary_level="station" if station else "company", chart=False)
        shift, points = series.result.shift, [(p.date, p.value) for p in series.result.points if p.value is not None]
        sparse = await _sparse_shift(ctx, info.code, scope.code if station else None, info.higher_is_better) \
            if shift is None else None
        if sparse is not None:  # a weekly/monthly KPI: staged on its own points, not on a daily grid of gaps
            onset, points = sparse
        elif shift is not None:
            onset = shift.onset
        else:
            raise ToolError(f"{info.name} at {scope.label} shows no recent stage change: give onset=<date>")
        source = "kpi_shift"
        if shift is not None and shift.kind == "level":
            onset = first_point_of_new_level(points, shift.onset, shift.before_cl, shift.after_cl)
            if onset != shift.onset:
                notes.append(f"the stage boundary is on {shift.onset}, but that day's value sits with the old level: "
                             f"dated from {onset}")
        period = point_period([d for d, _ in points])
    elif not isinstance(onset, dt.datetime):  # a date given: the period of the KPI's points (a weekly KPI's week)
        try:
            series = await kpi_series(ctx, kpi=info.code, station=scope.code if station else None,
                                      summary_level="station" if station else "company", chart=False,
                                      end=onset + dt.timedelta(days=60))
            period = point_period([p.date for p in series.result.points if p.value is not None])
        except ToolError:  # no points around it: a day
            pass
    if isinstance(onset, dt.datetime):  # a time given is kept, and is an instant
        period = dt.timedelta(0)
    only: set[str] | None = None
    if not roots and scope.code:  # no related services: the changes whose record names the site (a rollout's target)
        async with ctx.read() as session:
            start = _utc(onset) - (lookback or kpi_lookback(period))
            roots, only = await changes_naming_site(session, ctx.org_id, scope.code, start, _utc(onset) + period)
        if roots:
            notes.append(f"{info.code} has no related services: the changes whose record names {scope.code}")
        else:  # nothing names the site: every service's changes, weighed by what ties them to the KPI
            roots, only, unlinked = {sid: n for n, sid in services.items()}, None, unlinked_words(info)
    if unlinked is not None:
        notes.append(f"{info.code} has no related services: every service's changes, weighed by what ties them to it")
    return Focus(
        kind="kpi", label=f"{info.code} at {scope.label}", roots=roots, kpi=info.code, station=scope.code,
        onset=_utc(onset), onset_source=source, lookback=lookback or kpi_lookback(period),
        half_life=scoring.KPI_HALF_LIFE_MIN * max(1, period.days),
        tolerance=period, period=period, notes=notes, only=only, unlinked=unlinked,
        unlinked_note=unlinked_note(info.name) if unlinked is not None else None,
    )


def unlinked_words(info: KpiInfo) -> frozenset[str]:
    return kpi_words(info.code, info.name, info.unit, info.aliases)


#: A KPI recorded weekly or monthly is staged on its own points; a stage needs this many of them.
SPARSE_MIN_STAGE = 5
#: … over at most this many of its latest points (a year of weeks, four years of months).
SPARSE_POINTS = 52


async def _sparse_shift(ctx: ToolContext, kpi: str, station: str | None,
                        higher_is_better: bool | None) -> tuple[dt.date, list[tuple[dt.date, float]]] | None:
    """The start of the latest stage of a KPI whose points are a week or more apart (its daily view is mostly gaps,
    too few points to stage), from its own points: (that point's date, the points); None when it is daily or its
    points show one stage."""
    series = await kpi_series(ctx, kpi=kpi, station=station, summary_level="station" if station else "company",
                              chart=False, start=ctx.today - dt.timedelta(days=4 * 366))
    points = [(p.date, p.value) for p in series.result.points if p.value is not None][-SPARSE_POINTS:]
    if point_period([d for d, _ in points]) < dt.timedelta(days=7) or len(points) < 2 * SPARSE_MIN_STAGE:
        return None
    an = analyze_series(np.array([v for _, v in points]), higher_is_better=higher_is_better,
                        min_size=SPARSE_MIN_STAGE, trend_breaks=False)
    if len(an.stages) < 2:
        return None
    return points[an.stages[-1].start][0], points


#: The longest period one KPI point is taken to cover (a monthly KPI's month).
MAX_POINT_PERIOD = dt.timedelta(days=31)


def kpi_lookback(period: dt.timedelta) -> dt.timedelta:
    """How far back changes are candidates for a KPI whose points cover ``period``: a week, or one whole period
    before the jump's point when that is longer (a monthly KPI: anything in the month before)."""
    return max(KPI_LOOKBACK, period)


def point_period(days: list[dt.date]) -> dt.timedelta:
    """The period one point of a KPI covers: the usual gap between its dated points (1 day for daily points, 7 for
    weekly ones, 28–31 for monthly ones; missing days do not make a daily series weekly — the *most common* gap
    counts), at most :data:`MAX_POINT_PERIOD`."""
    gaps = [(b - a).days for a, b in itertools.pairwise(days) if b > a]
    if not gaps:
        return dt.timedelta(days=1)
    common = max(set(gaps), key=lambda g: (gaps.count(g), -g))
    return min(dt.timedelta(days=max(1, common)), MAX_POINT_PERIOD)


async def _moved(ctx: ToolContext, name: str, hours: int, around: dt.datetime | None = None) -> list[MetricOnset]:
    """The service's metrics that moved in the last ``hours``: errors and latency first; a service that reports
    neither (only cpu, disk, temperature…) by its others."""
    seen: set[str] = set()
    moved: list[MetricOnset] = []
    for metric in (*roles.COMOVEMENT_ROLES, "saturation", ""):
        try:
            found = (await metric_onset(ctx, service=name, metric=metric, hours=hours, around=around)).result
        except ToolError:  # the service does not report this metric
            continue
        if found.metric in seen:
            continue
        seen.add(found.metric)
        if found.onset is not None:
            moved.append(found)
    return moved


async def _focus_from_service(
    ctx: ToolContext, service: str, onset: dt.datetime | dt.date | None, lookback: dt.timedelta | None
) -> Focus:
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
    source: Literal["given", "metric_onset", "now"] = "given"
    notes: list[str] = []
    if onset is None:
        onset, source = ctx.now, "now"
        # the last day first, then the last 3 days while nothing moved (a wider first look finds older moves);
        # a look-back given is searched as it is
        spans = [lookback] if lookback is not None else [SERVICE_LOOKBACK, SERVICE_ONSET_LOOKBACK]
        moved: list[MetricOnset] = []
        for span in spans:
            moved = await _moved(ctx, name, int(min(744, max(1, span.total_seconds() // 3600))))
            if moved:
                break
        if moved:  # the first that moved — or another of its metrics that moved the same way just before it
            found = leading(moved[0], moved[1:])
            onset, source = found.onset or onset, "metric_onset"
            notes.append(f"onset from {name} {found.metric} ({found.method})")
    return Focus(
        kind="service", label=name, roots={sid: name}, onset=_utc(onset), onset_source=source,
        lookback=lookback or SERVICE_LOOKBACK, half_life=scoring.SERVICE_HALF_LIFE_MIN, notes=notes,
        tolerance=dt.timedelta(minutes=scoring.ONSET_TOLERANCE_MIN) if source == "metric_onset" else dt.timedelta(0),
    )
