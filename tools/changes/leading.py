"""Several metrics of one service disagreeing on when it moved (pure: no database)."""

from __future__ import annotations

import datetime as dt

from tools.changes import roles
from tools.changes.models import MetricOnset

#: How long before the onset on the watched metric another metric of the same service may have moved and still
#: be the same event (latency climbing before the errors, memory before the latency).
LEAD_WINDOW = dt.timedelta(hours=2)


def leading(primary: MetricOnset, others: list[MetricOnset], overrides: dict[str, str] | None = None) -> MetricOnset:
    """The earliest onset of the service that is the same event as ``primary`` (pure): another of its metrics
    that moved the bad way (up for errors, latency and saturation; either way for a metric without a
    direction) at most :data:`LEAD_WINDOW` before it — a cause precedes every symptom, and the one that shows
    first is the closest to it. ``primary`` itself when none did."""
    if primary.onset is None:
        return primary
    best, when = primary, primary.onset
    for o in others:
        if o.onset is None or o.metric == primary.metric or not primary.onset - LEAD_WINDOW <= o.onset < when:
            continue
        hib = roles.higher_is_better(o.metric, overrides)
        if hib is None or o.direction == ("down" if hib else "up"):
            best, when = o, o.onset
    return best
