"""The service's metrics around an onset from Prometheus (when mapped), for the specialists that need them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.specialists.common import StepScope, first
from tools.changes import correlate_changes, metric_onset, phrases
from tools.changes.focus import incident_onset_span
from tools.prometheus import has_mapping, prometheus_metrics, prometheus_onset

BEFORE = dt.timedelta(hours=1)
AFTER = dt.timedelta(minutes=30)


async def metrics_around(s: StepScope, service: str, onset: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    """Read the mapped metrics of ``service`` over [onset - 1 h, onset + 30 min] and say what they show.

    Nothing happens for a service without a PromQL mapping; an unreachable Prometheus becomes a notice and the
    step goes on with what it has."""
    if not await has_mapping(s.deps.tools, service):
        return []
    end = min(onset + AFTER, now) if now > onset else onset + AFTER
    got = await s.tool("prometheus_metrics", prometheus_metrics, service=service, start=onset - BEFORE, end=end,
                       onset=onset)
    if got is None:
        return []
    result, records = got
    for _window, rec in zip(result.windows, records, strict=False):
        s.say(rec.summary, rec)
    return [w.model_dump(mode="json", exclude={"points"}) for w in result.windows]


async def onset_from_prometheus(s: StepScope, service: str, metric: str, around: dt.datetime | None, hours: int,
                                ) -> tuple[Any, list[Any]] | None:
    """The metric's onset from Prometheus, when Postgres holds none of it and the service has the metric mapped
    (None otherwise: the caller keeps what it had)."""
    if not await has_mapping(s.deps.tools, service):
        return None
    return await s.tool("prometheus_onset", prometheus_onset, service=service, metric=metric, around=around,
                        hours=hours)


async def paged_later(s: StepScope, incident: str, corr: Any) -> tuple[Any, Any, str] | None:
    """An incident opened hours after its service's errors moved (a page often comes late): when nothing plausible
    precedes the incident's own start, the changes before the service's onset (up to three days before it: a page
    raised the next morning, or after a weekend) instead.
    Returns (the correlation and its records, the onset's evidence, the sentence saying so) or None."""
    noticed = len(s.notices)
    moved = await s.tool("metric_onset", metric_onset, service=corr.services[0], metric="errors", around=corr.onset,
                         hours=72)
    del s.notices[noticed:]  # a service without metrics: the incident's own start stands
    if moved is None or moved[0].onset is None or moved[0].onset > corr.onset - dt.timedelta(minutes=30):
        return None
    onset, records = moved
    again = await s.tool("correlate_changes", correlate_changes, incident=incident, onset=onset.onset)
    if again is None or not again[0].plausible:
        return None
    hours = (corr.onset - onset.onset).total_seconds() / 3600
    text = (f"{onset.service} {onset.metric} moved {onset.direction or ''} at {onset.onset:%Y-%m-%d %H:%M} UTC, "
            f"{hours:.1f} h before {incident} began; explaining from that onset.")
    return again, first(records, "metric_onset") or (records[0] if records else None), text


async def say_incident_onset(s: StepScope, corr: Any, now: dt.datetime, *, say: bool = True, cite: Any = None) -> None:
    """An incident whose service's metric moved shortly before its recorded start (``corr.onset_metric``): that move,
    with its evidence, and that the changes are measured from it rather than from the start (``say=False``: only its
    evidence, for a report that lays it out itself). Or one whose service's related KPI stepped at the site its
    record names in the days before (``corr.onset_kpi``): that step, cited by ``cite`` (the ranking's evidence)."""
    if corr.onset_kpi and corr.started_at is not None and say:
        days = (corr.started_at.date() - corr.onset.date()).days
        when = "the same day" if days == 0 else "the day before" if days == 1 else f"{days} days before"
        s.say(f"{corr.onset_kpi} — {when} {corr.incident} began ({corr.started_at:%Y-%m-%d %H:%M} UTC), at the site "
              f"its record names, a KPI {corr.services[0]} feeds; changes are measured from that day.", cite)
    if not corr.onset_metric or corr.started_at is None or not corr.services:
        return
    around, hours = incident_onset_span(corr.started_at, now)
    noticed = len(s.notices)
    got = await s.tool("metric_onset", metric_onset, service=corr.services[0], metric=corr.onset_metric,
                       around=around, hours=hours)
    del s.notices[noticed:]
    rec = first(got[1], "metric_onset") if got is not None else None
    if not say:
        return
    r = got[0] if got is not None else None
    levels = (f" (from {r.before_level:.4g} to {r.after_level:.4g})"
              if r is not None and r.onset == corr.onset and r.before_level is not None and r.after_level is not None
              else "")
    minutes = (corr.started_at - corr.onset).total_seconds() / 60
    s.say(f"{corr.services[0]} {corr.onset_metric} moved{' ' + r.direction if r is not None and r.direction else ''} "
          f"at {corr.onset:%Y-%m-%d %H:%M} UTC{levels}, {phrases.ago(minutes)} before {corr.incident} began "
          f"({corr.started_at:%H:%M}); changes are measured from that onset.", rec)
