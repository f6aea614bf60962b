"""The service's metrics around an onset from Prometheus (when mapped), for the specialists that need them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.specialists.common import StepScope
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
    for w, rec in zip(result.windows, records, strict=False):
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
