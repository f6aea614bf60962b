"""``metric_onset``: when a service metric moved (XmR stages and critical episodes on its 5-minute series)."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import roles
from tools.changes.models import (
    EPISODE_GAP,
    MetricOnset,
    MetricStage,
    OnsetMethod,
)
from tools.changes.queries import (
    _close,
    _utc,
    resolve_service,
    role_overrides,
)
from tools.control_limits import SeriesAnalysis, analyze_series

# ------------------------------------------------------------------ metric_onset


def _higher_is_better(metric: str, overrides: dict[str, str] | None = None) -> bool | None:
    return roles.higher_is_better(metric, overrides)


async def _resolve_metric(session: AsyncSession, org_id: int, service_id: int, service: str, metric: str,
                          overrides: dict[str, str] | None = None) -> str:
    rows = await session.execute(
        text("SELECT DISTINCT metric FROM metric_points WHERE org_id = :org AND service_id = :sid ORDER BY metric"),
        {"org": org_id, "sid": service_id},
    )
    names = [r[0] for r in rows]
    q = metric.strip().lower()
    if q in names:
        return q
    if q in ("", "any", "metric", "metrics", _squash(service)) or _squash(q) == _squash(service):
        picked = default_metric(names, overrides)  # no metric named (a service's own name is no metric)
        if picked is not None:
            return picked
    role = roles.role_for_word(q) or (roles.role_of(q) if q not in names else None)
    if role is not None:  # a role ("errors", "latency") or another org's name for one ("error_rate", "p99_ms")
        by_role = roles.metrics_for(role, names, overrides)
        if by_role:
            return by_role[0]
    partial = [n for n in names if q in n.lower()] or _by_words(q, names)
    if len(partial) == 1:
        return partial[0]
    raise ToolError(f"unknown metric {metric!r} for {service}", suggestions=partial or _close(metric, names))


def _squash(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _words(s: str) -> list[str]:
    return [w for w in "".join(ch if ch.isalnum() else " " for ch in s.lower()).split() if w]


def _by_words(q: str, names: list[str]) -> list[str]:
    """Names that every word of ``q`` abbreviates or extends ("temperature" → ``board_temp_c``,
    "disk writes" → ``disk_write_bytes``, "network in" → ``network_in_bytes``); words of 3+ letters."""
    want = [w for w in _words(q) if len(w) >= 2]
    if not want:
        return []

    def covers(word: str, token: str) -> bool:
        if word == token:
            return True
        short, long_ = sorted((word, token), key=len)
        return len(short) >= 3 and long_.startswith(short)

    return [n for n in names if all(any(covers(w, t) for t in _words(n)) for w in want)]


def default_metric(names: list[str], overrides: dict[str, str] | None = None) -> str | None:
    """The metric to watch when none is named: errors, then latency, saturation, throughput; else the only one."""
    for role in roles.ROLES:
        found = roles.metrics_for(role, names, overrides)
        if found:
            return found[0]
    return names[0] if len(names) == 1 else None


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
    if not rows:
        return [], np.array([])
    ts = [r[0] for r in rows]
    step = dt.timedelta(minutes=5)
    if len(ts) > 1:
        step = min(b - a for a, b in itertools.pairwise(ts)) or step
    n = int((ts[-1] - ts[0]) / step) + 1
    grid = [ts[0] + step * i for i in range(n)]
    values = np.full(n, np.nan)
    for t, v in rows:
        values[round((t - ts[0]) / step)] = float(v)
    return grid, values


def _bad(delta: float, hib: bool | None) -> bool:
    return delta != 0 and (hib is None or (delta < 0) == hib)


def _latest_episode(crit: list[int], n: int) -> tuple[int, int] | None:
    """(first, last) index of the latest episode of critical points (split by gaps over EPISODE_GAP points).

    A lone critical point counts only at the right edge of the series (it may be the start of
    something); elsewhere an episode needs two points.
    """
    episodes: list[list[int]] = []
    for i in crit:
        if episodes and i - episodes[-1][-1] <= EPISODE_GAP:
            episodes[-1].append(i)
        else:
            episodes.append([i])
    real = [e for e in episodes if len(e) >= 2 or e[-1] >= n - 2]
    return (real[-1][0], real[-1][-1]) if real else None


def _onset_index(an: SeriesAnalysis, hib: bool | None) -> tuple[int | None, OnsetMethod | None, int | None, int]:
    """(onset index, method, index of the new stage, critical count) from an XmR analysis.

    The latest stage whose centre moved the bad way gives the onset (at the first point of the
    evidence that confirmed it: at the right edge the boundary can sit up to ``min_size`` points
    early). A later episode of critical signals wins when it began after that stage ended, or
    when it is still going on at the right edge (a move too recent to be a stage yet).
    """
    n = len(an.values)
    stage_k = next((k for k in range(len(an.stages) - 1, 0, -1)
                    if _bad(an.stages[k].cl - an.stages[k - 1].cl, hib)), None)
    crit = sorted({s.index for s in an.signals if s.state == "critical" and s.direction == "bad"})
    episode = _latest_episode(crit, n)
    stage_start = None
    if stage_k is not None:
        st = an.stages[stage_k]
        stage_start = st.evidence_start if st.evidence_start is not None and st.evidence_start >= st.start else st.start
    if episode is not None and (
        stage_k is None or episode[0] > an.stages[stage_k].end
        or (episode[1] >= n - 2 and stage_start is not None and episode[0] > stage_start)
    ):
        return episode[0], "critical_signal", None, len(crit)
    if stage_k is not None:
        return stage_start, "stage_change", stage_k, len(crit)
    return None, None, None, len(crit)


async def metric_onset(
    ctx: ToolContext, *, service: str, metric: str = "errors", around: dt.datetime | None = None, hours: int = 24
) -> ToolOutput[MetricOnset]:
    """When did a service metric move? The latest bad stage change (or critical episode) in the last ``hours``.

    Runs :func:`tools.control_limits.analyze_series` on the service's 5-minute
    series over ``(around - hours, around]`` (``around`` defaults to now). The
    onset is the start of the latest stage whose centre moved in the bad
    direction (up for error rates and latencies), unless a later episode of
    critical signals (beyond the limits, after an hour without one) began after
    that stage; None when the metric did not move.
    """
    if hours <= 0 or hours > 24 * 31:
        raise ToolError("hours must be between 1 and 744")
    end = _utc(around) if around is not None else ctx.now
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        overrides = await role_overrides(session, ctx.org_id)
        metric = await _resolve_metric(session, ctx.org_id, sid, name, metric, overrides)
        if around is None:  # "recently" means the latest data there is (an export may stop days before now)
            latest = (await session.execute(text(
                """SELECT max(ts) FROM metric_points WHERE org_id = :org AND service_id = :sid AND metric = :metric
                   AND ts <= :end"""), {"org": ctx.org_id, "sid": sid, "metric": metric, "end": end})).scalar()
            if latest is not None:
                end = min(end, latest)
        start = end - dt.timedelta(hours=hours)
        grid, values = await _load_series(session, ctx.org_id, sid, metric, start, end)
    result = MetricOnset(service=name, metric=metric, start=start, end=end, n_points=int(np.isfinite(values).sum()))
    if len(grid) >= 16:
        _fill_onset(result, grid, values, _higher_is_better(metric, overrides))
    return ToolOutput(result=result, evidence=[_onset_evidence(result, hours)])


def _fill_onset(result: MetricOnset, grid: list[dt.datetime], values: np.ndarray, hib: bool | None) -> None:
    an = analyze_series(values, higher_is_better=hib)
    idx, method, stage_k, n_crit = _onset_index(an, hib)
    an_stages = an.stages
    result.stages = [MetricStage(start=grid[s.start], end=grid[s.end], cl=s.cl, ucl=s.ucl, lcl=s.lcl) for s in an_stages]
    result.n_critical = n_crit
    before = values[max(0, (idx or 0) - 24):idx or 0]
    if idx is None or (stage_k is None and not np.isfinite(before).any()):
        return  # nothing moved, or it was already so where the data starts: no "before" to have moved from
    result.onset, result.method = grid[idx], method
    after = values[idx:idx + 12]
    if stage_k is not None:
        result.before_level, result.after_level = an_stages[stage_k - 1].cl, an_stages[stage_k].cl
    else:
        result.before_level, result.after_level = float(np.nanmean(before)), float(np.nanmean(after))
    result.direction = "up" if result.after_level > result.before_level else "down"


def _onset_evidence(r: MetricOnset, hours: int) -> EvidenceDraft:
    if r.onset is None:
        summary = f"{r.service} {r.metric}: no stage change or critical episode in the {hours} h to {r.end:%Y-%m-%d %H:%M} UTC"
    else:
        level = (f" from {r.before_level:.4g} to {r.after_level:.4g}"
                 if r.before_level is not None and r.after_level is not None else "")
        summary = f"{r.service} {r.metric} moved {r.direction or ''}{level} at {r.onset:%Y-%m-%d %H:%M} UTC ({r.method})"
    return EvidenceDraft(
        kind="metric_onset", source="tools.changes.metric_onset",
        ref={"tool": "metric_onset", "args": {"service": r.service, "metric": r.metric, "around": r.end.isoformat(),
                                              "hours": hours},
             "query": "5-minute metric_points of the service and metric in the window, XmR stages and signals"},
        payload=r.model_dump(mode="json"),
        summary=summary,
    )

