"""A service metric "now": its latest point and whether that is within its usual range (read-only).

"p99 latency of <service> now", "error rate on <service>": the value a user asks for first, before any story of
when it moved. The usual range is the 1st–99th percentile of the metric over the ``days`` before the latest day
(the last 24 hours left out, so a move today does not widen its own yardstick); percentiles, not XmR limits,
because a service metric often has a daily cycle that point-to-point ranges would not see. A move that began inside
those days, or in as many days before them, and is still going on (a stage change found by
:func:`tools.changes.onset.detect_onset`) is no yardstick either: the usual range is then the ``days`` before it
(older data than the usual window when there is some), and the answer says when it began.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes.models import MetricOnset
from tools.changes.onset import SEASON_CONTEXT, _higher_is_better, _load_series, _resolve_metric, detect_onset
from tools.changes.queries import resolve_service, role_overrides


class MetricNow(BaseModel):
    service: str
    metric: str
    ts: dt.datetime = Field(description="the latest point at or before now")
    value: float
    usual_start: dt.datetime | None = None
    usual_end: dt.datetime | None = None
    n_usual: int = 0
    usual_low: float | None = Field(None, description="1st percentile over the usual window")
    usual_high: float | None = Field(None, description="99th percentile over the usual window")
    usual_median: float | None = None
    state: Literal["within", "above", "below", "unknown"] = "unknown"
    higher_is_better: bool | None = None
    moved_at: dt.datetime | None = Field(None, description="a move that began inside the usual window (or in as many "
                                                           "days before it) and is still going on: the usual range is "
                                                           "from the days before it")
    level_since: float | None = Field(None, description="the mean since ``moved_at``")


async def metric_now(ctx: ToolContext, *, service: str, metric: str = "any", days: int = 7) -> ToolOutput[MetricNow]:
    """The latest value of a service metric and where it stands against its usual range (1st–99th percentile of
    the ``days`` before its last 24 hours). ``metric`` may be a name, a role ("errors", "latency") or "any"."""
    if days < 1 or days > 31:
        raise ToolError("days must be between 1 and 31")
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        overrides = await role_overrides(session, ctx.org_id)
        metric = await _resolve_metric(session, ctx.org_id, sid, name, metric, overrides)
        last = (await session.execute(text(
            """SELECT ts, value FROM metric_points WHERE org_id = :org AND service_id = :sid AND metric = :metric
               AND ts <= :now ORDER BY ts DESC LIMIT 1"""),
            {"org": ctx.org_id, "sid": sid, "metric": metric, "now": ctx.now})).first()
        if last is None:
            raise ToolError(f"no {metric} data for {name} up to {ctx.now:%Y-%m-%d %H:%M} UTC")
        usual_end = last[0] - dt.timedelta(hours=24)
        moved = await still_moved(session, ctx.org_id, sid, metric, overrides, usual_end - dt.timedelta(days=days),
                                   last[0], lookback=dt.timedelta(days=days))
        if moved is not None and moved[0] < usual_end:  # a move in the last 24 hours is left out already
            usual_end = moved[0]
        else:
            moved = None
        usual_start = usual_end - dt.timedelta(days=days)
        rows = (await session.execute(text(
            """SELECT ts, value FROM metric_points WHERE org_id = :org AND service_id = :sid AND metric = :metric
               AND ts > :start AND ts <= :end ORDER BY ts"""),
            {"org": ctx.org_id, "sid": sid, "metric": metric, "start": usual_start, "end": usual_end})).all()
    if rows:
        usual_start = max(usual_start, rows[0][0])  # the range is said from the first point it holds, not before
    x = np.asarray([float(v) for _, v in rows if v is not None], dtype=np.float64)
    x = x[np.isfinite(x)]
    r = MetricNow(service=name, metric=metric, ts=last[0], value=float(last[1]),
                  higher_is_better=_higher_is_better(metric, overrides))
    if x.size >= 10:
        lo, med, hi = (float(v) for v in np.percentile(x, [1, 50, 99]))
        r.usual_start, r.usual_end, r.n_usual = usual_start, usual_end, int(x.size)
        r.usual_low, r.usual_median, r.usual_high = lo, med, hi
        r.state = "above" if r.value > hi else "below" if r.value < lo else "within"
        if moved is not None:
            r.moved_at, r.level_since = moved
    usual = (f"usual range {r.usual_low:.4g}–{r.usual_high:.4g} (1st–99th percentile of {r.n_usual} points, "
             f"{usual_start:%Y-%m-%d %H:%M} to {usual_end:%Y-%m-%d %H:%M} UTC"
             + (f", before it moved at {r.moved_at:%Y-%m-%d %H:%M} UTC to about {r.level_since:.4g}" if r.moved_at
                and r.level_since is not None else "") + f"): {r.state}"
             if r.usual_low is not None else "too little history for a usual range")
    return ToolOutput(result=r, evidence=[EvidenceDraft(
        kind="metric_now", source="tools.changes.metric_now",
        ref={"tool": "metric_now", "args": {"service": name, "metric": metric, "days": days},
             "query": "the latest metric_points row of the service and metric at or before now, and the values of "
                      "the days before its last 24 hours (percentiles), or before a move still going on"},
        payload=r.model_dump(mode="json"),
        summary=f"{name} {metric} {r.value:.4g} at {r.ts:%Y-%m-%d %H:%M} UTC; {usual}",
    )])


async def still_moved(session: AsyncSession, org_id: int, sid: int, metric: str, overrides: dict[str, str],
                       start: dt.datetime, last: dt.datetime, *, lookback: dt.timedelta,
                       ) -> tuple[dt.datetime, float] | None:
    """A stage change after ``start - lookback`` whose level the metric is still at (the stage of its latest point
    is on the moved side of half-way): when it began and the mean since; None when nothing moved or it came back.

    ``start`` is where a usual window begins; ``lookback`` (the window's length) lets a move that began shortly
    before it count too: the whole window is then after the move, and searching only from ``start`` would never
    see the step (before, a move 15 hours before the window made the degraded days "usual")."""
    start = start - lookback
    grid, values = await _load_series(session, org_id, sid, metric, start - SEASON_CONTEXT, last)
    first = next((i for i, t in enumerate(grid) if t > start), len(grid))
    if len(grid) - first < 16:
        return None
    found = MetricOnset(service="", metric=metric, start=start, end=last, n_points=0)
    detect_onset(found, grid, values, overrides, first=first)
    if (found.onset is None or found.method != "stage_change" or found.before_level is None
            or found.after_level is None or not found.stages):
        return None
    half_way = (found.before_level + found.after_level) / 2
    if (found.stages[-1].cl - half_way) * (found.after_level - found.before_level) <= 0:
        return None  # it came back (or most of the way): the days before now are the yardstick again
    since = values[[i for i, t in enumerate(grid) if t >= found.onset]]
    since = since[np.isfinite(since)]
    return found.onset, float(since.mean()) if since.size else found.after_level
