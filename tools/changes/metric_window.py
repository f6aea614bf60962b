"""A service metric over a period or at a moment (read-only): "p99 of <service> over the last 24h", "error rate of
<service> yesterday", "p99 on <service> at 20:30 yesterday" — the numbers asked for (mean, median, lowest and highest
with their times, the latest; or the point at that moment), held against the metric's usual range (1st–99th
percentile of the ``days`` before the period, or before a move that began in those days, or in as many days before
them, and was still on when the period began: :func:`tools.changes.metric_now.still_moved`), before any story of when
it moved.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes.metric_now import still_moved
from tools.changes.onset import _higher_is_better, _resolve_metric
from tools.changes.queries import resolve_service, role_overrides


class MetricWindow(BaseModel):
    service: str
    metric: str
    start: dt.datetime
    end: dt.datetime
    n: int = Field(description="points in the period")
    mean: float | None = None
    median: float | None = None
    low: float | None = None
    low_ts: dt.datetime | None = None
    high: float | None = None
    high_ts: dt.datetime | None = None
    latest: float | None = None
    latest_ts: dt.datetime | None = None
    at: dt.datetime | None = Field(None, description="the moment asked for, when one was")
    at_value: float | None = None
    at_ts: dt.datetime | None = Field(None, description="the point read for that moment (the last at or before it)")
    usual_low: float | None = None
    usual_high: float | None = None
    usual_median: float | None = None
    n_above: int = 0
    n_below: int = 0
    higher_is_better: bool | None = None
    moved_at: dt.datetime | None = Field(None, description="a move that began in the days before the period (or as "
                                                           "many days before those) and was still on when it began: "
                                                           "the usual range is from before it")


async def metric_window(ctx: ToolContext, *, service: str, metric: str = "any", start: dt.datetime, end: dt.datetime,
                        at: dt.datetime | None = None, days: int = 7) -> ToolOutput[MetricWindow]:
    """A service metric's values from ``start`` to ``end`` (never after now) summarised, or its point at ``at`` (the
    last one at or before it, at most an hour earlier), against its usual range over the ``days`` before ``start``."""
    if days < 1 or days > 31:
        raise ToolError("days must be between 1 and 31")
    end = min(end, ctx.now)
    if at is not None:
        at = min(at, ctx.now)
        start, end = at - dt.timedelta(hours=1), at
    if start >= end:
        raise ToolError("the period must start before it ends (and before now)")
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        overrides = await role_overrides(session, ctx.org_id)
        metric = await _resolve_metric(session, ctx.org_id, sid, name, metric, overrides)
        q = text("""SELECT ts, value FROM metric_points WHERE org_id = :org AND service_id = :sid AND metric = :metric
                    AND ts > :start AND ts <= :end ORDER BY ts""")
        args = {"org": ctx.org_id, "sid": sid, "metric": metric}
        rows = (await session.execute(q, args | {"start": start, "end": end})).all()
        moved = await still_moved(session, ctx.org_id, sid, metric, overrides, start - dt.timedelta(days=days), start,
                                  lookback=dt.timedelta(days=days))
        before = moved[0] if moved is not None else start
        usual = (await session.execute(q, args | {"start": before - dt.timedelta(days=days), "end": before})).all()
    pts = [(ts, float(v)) for ts, v in rows if v is not None and np.isfinite(float(v))]
    if not pts:
        raise ToolError(f"no {metric} data for {name} between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC")
    x = np.asarray([v for _, v in pts])
    r = MetricWindow(service=name, metric=metric, start=start, end=end, n=len(pts), mean=float(x.mean()),
                     median=float(np.median(x)), low=float(x.min()), low_ts=pts[int(x.argmin())][0], high=float(x.max()),
                     high_ts=pts[int(x.argmax())][0], latest=pts[-1][1], latest_ts=pts[-1][0],
                     higher_is_better=_higher_is_better(metric, overrides))
    if at is not None:
        r.at, r.at_ts, r.at_value = at, pts[-1][0], pts[-1][1]
    if moved is not None:
        r.moved_at = moved[0]
    u = np.asarray([float(v) for _, v in usual if v is not None and np.isfinite(float(v))])
    if u.size >= 10:
        r.usual_low, r.usual_median, r.usual_high = (float(v) for v in np.percentile(u, [1, 50, 99]))
        r.n_above, r.n_below = int((x > r.usual_high).sum()), int((x < r.usual_low).sum())
    what = (f"{r.at_value:.4g} at {r.at_ts:%Y-%m-%d %H:%M} UTC" if at is not None and r.at_ts is not None
            else f"{r.n} points, mean {r.mean:.4g}, {r.low:.4g}–{r.high:.4g}")
    return ToolOutput(result=r, evidence=[EvidenceDraft(
        kind="metric_window", source="tools.changes.metric_window",
        ref={"tool": "metric_window", "args": {"service": name, "metric": metric, "start": start.isoformat(),
                                               "end": end.isoformat(), "at": at.isoformat() if at else None, "days": days},
             "query": "the metric_points rows of the service and metric in the period, and those of the days before "
                      "it, or before a move still on when it began (percentiles)"},
        payload=r.model_dump(mode="json"),
        summary=f"{name} {metric} {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC: {what}",
    )])
