"""``metric_onset``: when a service metric moved (XmR stages and critical episodes on its 5-minute series)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import counters, drift, roles, seasonal, spikes
from tools.changes.grid import _usual_gap, to_grid  # noqa: F401 - re-exported: the grid was defined here
from tools.changes.largest_step import largest_held_step
from tools.changes.metric_names import (  # noqa: F401 - _resolve_metric, default_metric: used by metric_now
    _resolve_metric,
    default_metric,
    metric_names,
    pick_metric,
    role_metrics,
)
from tools.changes.models import (
    MetricOnset,
    MetricStage,
)
from tools.changes.onset_index import _exceptional_index, _onset_index, _Scale, refine_boundary
from tools.changes.queries import (
    _utc,
    resolve_service,
    role_overrides,
)
from tools.control_limits import SeriesAnalysis, analyze_series

# ------------------------------------------------------------------ metric_onset

#: History loaded before the window, only to estimate the series' daily shape.
SEASON_CONTEXT = dt.timedelta(days=6)
# the roles a question without a metric looks through (each one the service has, in MetricOnset.roles)
ROLES_ASKED = ("errors", "latency", "tail latency", "saturation", "throughput")


def _higher_is_better(metric: str, overrides: dict[str, str] | None = None) -> bool | None:
    return roles.higher_is_better(metric, overrides)


async def _load_series(
    session: AsyncSession, org_id: int, service_id: int, metric: str, start: dt.datetime, end: dt.datetime
) -> tuple[list[dt.datetime], np.ndarray]:
    """The metric on a regular grid (gaps are NaN) over (start, end]."""
    rows = (
        await session.execute(
            text("""SELECT ts, value FROM metric_points
                    WHERE org_id = :org AND service_id = :sid AND metric = :metric AND ts > :start AND ts <= :end
                    ORDER BY ts"""),
            {"org": org_id, "sid": service_id, "metric": metric, "start": start, "end": end},
        )
    ).all()
    return to_grid([(r[0], float(r[1])) for r in rows])


async def metric_onset(
    ctx: ToolContext, *, service: str, metric: str = "errors", around: dt.datetime | None = None, hours: int = 24,
    shape: spikes.Shape | None = None, largest: bool = False,
) -> ToolOutput[MetricOnset]:
    """When did a service metric move? The latest bad stage change (or critical episode) in the last ``hours``.

    Runs :func:`tools.control_limits.analyze_series` on the service's series
    (any regular spacing: 1-minute to hourly) over ``(around - hours, around]``
    (``around`` defaults to now), its daily cycle taken out first when it has one
    (:mod:`tools.changes.seasonal`). The onset is the start of the latest stage
    whose centre moved in the bad direction (up for error rates and latencies)
    by at least half a sigma, unless a later episode of critical signals (beyond
    the limits, after an hour without one; not at the same time as on the days
    before) began after that stage; None when the metric did not move. A
    saturation metric that fell off a cliff moved "down"; for a metric without a
    direction, a move back to where it was dates the onset at the excursion's start.
    ``metric`` may be a name, a role ("errors", "cpu") or the user's words
    ("temperature", "disk writes"). ``shape="spike"`` (the user asked about a spike): a point that stands
    out from the whole window is the onset, even inside a stage that began earlier. ``shape="drift"`` (the user
    asked about a slow climb): the onset is where the climb began (:mod:`tools.changes.drift`), not the top step
    of the staircase the stage search cuts it into nor where it crossed the limits. ``largest=True`` (no date named):
    the onset is the largest step of its level the bad way, in sigmas, that is still held
    (:mod:`tools.changes.largest_step`), not the latest move; None when there is none.
    """
    if shape not in (None, "spike", "drift"):
        raise ToolError("shape must be 'spike', 'drift' or omitted")
    if hours <= 0 or hours > 24 * 31:
        raise ToolError("hours must be between 1 and 744")
    end = _utc(around) if around is not None else ctx.now
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        overrides = await role_overrides(session, ctx.org_id)
        names = await metric_names(session, ctx.org_id, sid)
        metric = pick_metric(names, name, metric, overrides)
        if around is None:  # "recently" means the latest data there is (an export may stop days before now)
            latest = (await session.execute(text(
                """SELECT max(ts) FROM metric_points WHERE org_id = :org AND service_id = :sid AND metric = :metric
                   AND ts <= :end"""), {"org": ctx.org_id, "sid": sid, "metric": metric, "end": end})).scalar()
            if latest is not None:
                end = min(end, latest)
        start = end - dt.timedelta(hours=hours)
        grid, values = await _load_series(session, ctx.org_id, sid, metric, start - SEASON_CONTEXT, end)
    first = next((i for i, t in enumerate(grid) if t > start), len(grid))
    result = MetricOnset(service=name, metric=metric, start=start, end=end,
                         n_points=int(np.isfinite(values[first:]).sum()),
                         roles=role_metrics(names, name, ROLES_ASKED, overrides))
    cycle = False
    if len(grid) - first >= 16:
        cycle = detect_onset(result, grid, values, overrides, first=first, shape=shape, largest=largest)
    return ToolOutput(result=result, evidence=[_onset_evidence(result, hours, cycle, largest)])


def detect_onset(result: MetricOnset, grid: list[dt.datetime], values: np.ndarray,
                 overrides: dict[str, str] | None = None, first: int = 0, shape: spikes.Shape | None = None,
                 largest: bool = False) -> bool:
    """Fill ``result`` (stages, onset, levels) from the series on its regular grid (pure: no database).

    Points before index ``first`` are history: they only help estimate the daily shape
    (:func:`tools.changes.seasonal.remove_daily_profile`), which is taken out before the analysis when the
    series has one. Returns whether it had one.
    """
    step_min = (grid[1] - grid[0]).total_seconds() / 60.0 if len(grid) > 1 else 5.0
    values, increase = counters.as_increase(result.metric, values, overrides)  # a running total: its increase
    if increase:
        result.per_point = f"{step_min:g} min" if step_min < 120 else f"{step_min / 60:g} h"
    adjusted, cycle = seasonal.remove_daily_profile(values, seasonal.points_per_day(step_min))
    raw = values  # with its history: for "the same time yesterday"
    grid, values = grid[first:], adjusted[first:]
    hib = _higher_is_better(result.metric, overrides)
    _fill_onset(result, grid, values, hib, raw=raw, first=first, shape=shape, steps=adjusted)
    if largest:  # the biggest lasting step, not the latest move (or nothing)
        if not largest_held_step(result, grid, values, hib):
            result.onset = result.method = result.before_level = result.after_level = result.direction = None
        return cycle
    if result.onset is None and hib is not None and roles.role_of(result.metric, overrides) == "saturation":
        # cpu/disk/memory falling off a cliff is news too (traffic gone, a worker dead): when nothing rose,
        # the latest move of its level either way (a stage, not a few points beyond the limits)
        n_critical = result.n_critical
        _fill_onset(result, grid, values, None, stages_only=True, raw=raw, first=first, steps=adjusted)
        if result.onset is None:
            result.n_critical = n_critical
    if result.onset is None and hib is False and roles.role_of(result.metric, overrides) in GLITCH_ROLES:
        # a latency failure shows the "good" way too: falling away (requests failing fast) or swinging both
        # ways — when nothing moved the bad way, a point the other way that stands out from the whole window
        # (spikes.exceptional) is the onset. Not for saturation: cpu dips (idle, restarts, scaling) are everyday
        # (measured: a quiet cpu series got an onset)
        n_critical = result.n_critical
        _fill_onset(result, grid, values, None, exceptional_only=True, raw=raw, first=first)
        if result.onset is None:
            result.n_critical = n_critical
    return cycle


#: Roles whose exceptional move the "good" way is an onset when nothing moved the bad way (see detect_onset).
GLITCH_ROLES = ("latency",)


def _fill_onset(result: MetricOnset, grid: list[dt.datetime], values: np.ndarray, hib: bool | None,
                stages_only: bool = False, raw: np.ndarray | None = None, first: int = 0,
                shape: spikes.Shape | None = None, exceptional_only: bool = False,
                steps: np.ndarray | None = None) -> None:
    an = analyze_series(values, higher_is_better=hib, trend_breaks=False)  # an onset is a move, not a turn of trend
    step_min = (grid[1] - grid[0]).total_seconds() / 60.0 if len(grid) > 1 else 5.0
    if exceptional_only:
        idx, method, stage_k, n_crit = _exceptional_index(an, _Scale.of(step_min), raw, first)
    else:
        idx, method, stage_k, n_crit = _onset_index(an, hib, _Scale.of(step_min), raw, first, shape, steps)
    if stages_only and method != "stage_change":
        idx = None
    if shape == "drift" and idx is not None and stage_k is not None and method == "stage_change":
        # a drift cut into a staircase: its onset is where it began, not the top step
        began = drift.ramp_start(values, [(s.start, s.end, s.cl) for s in an.stages], stage_k,
                                 0.0 if hib is None else (-1.0 if hib else 1.0))
        sign = float(np.sign(an.stages[stage_k].cl - an.stages[stage_k - 1].cl))
        if began is not None and began < idx and not drift.rose_the_day_before(
                raw, first, began, idx, seasonal.points_per_day(step_min), sign):
            idx = began
    elif shape == "drift" and idx is not None and method == "critical_signal":
        began = _climb_start(an, idx, hib)
        sign = 1.0 if an.values[idx] > np.nanmedian(an.values) else -1.0
        if began < idx and not drift.rose_the_day_before(raw, first, began, idx, seasonal.points_per_day(step_min),
                                                         sign):
            idx = began
    moved_from = idx
    if method == "stage_change" and idx is not None and stage_k is not None and shape != "drift":
        idx = refine_boundary(values, idx, an.stages[stage_k - 1].start, an.stages[stage_k].end)
    an_stages = an.stages
    result.stages = [MetricStage(start=grid[s.start], end=grid[s.end], cl=s.cl, ucl=s.ucl, lcl=s.lcl) for s in an_stages]
    result.n_critical = n_crit
    before = values[max(0, (idx or 0) - 24):idx or 0]
    if idx is None or (stage_k is None and not np.isfinite(before).any()):
        return  # nothing moved, or it was already so where the data starts: no "before" to have moved from
    result.onset, result.method = grid[idx], method
    after = values[idx:idx + 12]
    if stage_k is not None and idx != moved_from:  # the boundary moved: the levels either side of where it is now
        result.before_level = float(np.nanmean(values[an_stages[stage_k - 1].start:idx]))
        result.after_level = float(np.nanmean(values[idx:an_stages[stage_k].end + 1]))
    elif stage_k is not None:
        result.before_level, result.after_level = an_stages[stage_k - 1].cl, an_stages[stage_k].cl
    else:
        result.before_level, result.after_level = float(np.nanmean(before)), float(np.nanmean(after))
    result.direction = "up" if result.after_level > result.before_level else "down"


def _climb_start(an: SeriesAnalysis, idx: int, hib: bool | None) -> int:
    """An episode beyond the limits that a drift only continues (it stays beyond them, and the points before it
    climb towards it, :func:`tools.changes.drift.ramp_into`) began where the climb did; else ``idx``."""
    st = next((s for s in an.stages if s.start <= idx <= s.end), None)
    if st is None:
        return idx
    beyond = {s.index for s in an.signals if s.state == "critical" and s.direction == "bad" and idx <= s.index <= st.end}
    if len(beyond) < drift.MIN_RAMP_POINTS:
        return idx  # a spike or a blip, not a level reached by climbing
    sign = (1.0 if an.values[idx] > st.cl else -1.0) if hib is None else (-1.0 if hib else 1.0)
    began = drift.ramp_into(an.values, st.start, idx, st.end, sign)
    return began if began is not None and began < idx else idx


def _onset_evidence(r: MetricOnset, hours: int, cycle: bool = False, largest: bool = False) -> EvidenceDraft:
    if r.onset is None:
        summary = f"{r.service} {r.metric}: no stage change or critical episode in the {hours} h to {r.end:%Y-%m-%d %H:%M} UTC"
    else:
        level = (f" from {r.before_level:.4g} to {r.after_level:.4g}"
                 if r.before_level is not None and r.after_level is not None else "")
        per = f" (its increase per {r.per_point})" if r.per_point else ""
        summary = f"{r.service} {r.metric}{per} moved {r.direction or ''}{level} at {r.onset:%Y-%m-%d %H:%M} UTC ({r.method})"
        if largest:
            summary += f"; the largest lasting step of its level in the {hours} h to {r.end:%Y-%m-%d %H:%M} UTC"
    if cycle:
        summary += "; its daily cycle was taken out first"
    if r.per_point:
        summary += "; a cumulative counter, judged on its increase per point (a drop is a restart)"
    return EvidenceDraft(
        kind="metric_onset", source="tools.changes.metric_onset",
        ref={"tool": "metric_onset", "args": {"service": r.service, "metric": r.metric, "around": r.end.isoformat(),
                                              "hours": hours, **({"largest": True} if largest else {})},
             "query": "metric_points of the service and metric in the window (and up to 6 days before it for the "
                      "daily cycle), the daily cycle removed when it has one, XmR stages and signals"},
        payload=r.model_dump(mode="json"),
        summary=summary,
    )

