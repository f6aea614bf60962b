"""Prometheus as a metric source: a service metric for a window that Postgres does not hold.

Per service, ``service_promql`` maps a metric name (``error_rate``, ``p99_latency_ms``, anything) to a PromQL
template (``$service`` is replaced by the service's name). :func:`prometheus_metrics` reads each mapped
metric of a service over a window: from ``metric_points`` when Postgres has it, otherwise from Prometheus's
``/api/v1/query_range`` (read-only HTTP). The evidence ``ref`` records the PromQL, the range and the step, so
anyone can re-run the query. Prometheus unreachable → :class:`ToolError` saying so (the run goes on).

The base URL: the organisation's ``alert_settings.prometheus_url``, else ``OPSGRAPH_PROMETHEUS_URL``.
"""

from __future__ import annotations

import datetime as dt
import math
from string import Template
from typing import Any, Literal

import httpx
import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import text

from store.names import close_matches
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import MetricOnset, roles

TIMEOUT_SECONDS = 5.0
MAX_POINTS = 11_000  # Prometheus refuses more than 11,000 points per series


class MetricWindow(BaseModel):
    service: str
    metric: str
    source: Literal["postgres", "prometheus"]
    promql: str | None = None
    start: dt.datetime
    end: dt.datetime
    step_seconds: int
    points: list[tuple[dt.datetime, float]] = Field(default_factory=list)
    series_count: int = 1
    before_mean: float | None = Field(default=None, description="mean before the onset (when one was given)")
    after_mean: float | None = Field(default=None, description="mean from the onset on")


class PrometheusMetrics(BaseModel):
    service: str
    prometheus_url: str | None
    windows: list[MetricWindow]
    unavailable: list[str] = Field(default_factory=list, description="mapped metrics that could not be read")


def render(template: str, service: str) -> str:
    """The PromQL of a template for one service (``$service`` / ``${service}``)."""
    return Template(template).safe_substitute(service=service)


def _fmt(v: float | None) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.4g}"


def _means(points: list[tuple[dt.datetime, float]], onset: dt.datetime | None) -> tuple[float | None, float | None]:
    if onset is None or not points:
        return None, None
    before = [v for t, v in points if t < onset and math.isfinite(v)]
    after = [v for t, v in points if t >= onset and math.isfinite(v)]
    return (float(np.mean(before)) if before else None), (float(np.mean(after)) if after else None)


async def query_range(base_url: str, promql: str, start: dt.datetime, end: dt.datetime, step_seconds: int,
                      ) -> list[list[tuple[dt.datetime, float]]]:
    """``/api/v1/query_range``: every series of the result as ``[(ts, value), …]``. Raises ToolError."""
    url = base_url.rstrip("/") + "/api/v1/query_range"
    params = {"query": promql, "start": f"{start.timestamp():.3f}", "end": f"{end.timestamp():.3f}",
              "step": f"{step_seconds}s"}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            resp = await client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise ToolError(f"Prometheus at {base_url} is unreachable ({type(exc).__name__}); "
                        "going on without its metrics") from None
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if resp.status_code != 200 or body.get("status") != "success":
        reason = body.get("error") or f"HTTP {resp.status_code}"
        raise ToolError(f"Prometheus at {base_url} refused the query {promql!r}: {reason}")
    data = body.get("data") or {}
    if data.get("resultType") != "matrix":
        raise ToolError(f"the PromQL {promql!r} does not return a range vector (got {data.get('resultType')})")
    out = []
    for series in data.get("result") or []:
        pts = []
        for ts, val in series.get("values") or []:
            try:
                pts.append((dt.datetime.fromtimestamp(float(ts), dt.UTC), float(val)))
            except (TypeError, ValueError):
                continue
        out.append(pts)
    return out


async def _mapping(ctx: ToolContext, service: str) -> tuple[int, str, list[dict[str, Any]], str | None]:
    async with ctx.read() as s:
        row = (await s.execute(text("SELECT id, name FROM services WHERE org_id = :org AND lower(name) = lower(:n)"),
                               {"org": ctx.org_id, "n": service})).first()
        if row is None:
            names = [r[0] for r in await s.execute(text("SELECT name FROM services WHERE org_id = :org"),
                                                    {"org": ctx.org_id})]
            raise ToolError(f"unknown service {service!r}", suggestions=close_matches(service, names))
        sid, name = row
        maps = [dict(m) for m in (await s.execute(
            text("""SELECT metric, promql, step_seconds FROM service_promql WHERE org_id = :org AND service_id = :sid
                    ORDER BY metric"""), {"org": ctx.org_id, "sid": sid})).mappings()]
        url = (await s.execute(text("SELECT prometheus_url FROM alert_settings WHERE org_id = :org"),
                               {"org": ctx.org_id})).scalar()
    return sid, name, maps, url or ctx.prometheus_url


async def has_mapping(ctx: ToolContext, service: str) -> bool:
    try:
        return bool((await _mapping(ctx, service))[2])
    except ToolError:
        return False


async def _postgres_window(ctx: ToolContext, sid: int, metric: str, start: dt.datetime, end: dt.datetime,
                           ) -> list[tuple[dt.datetime, float]]:
    async with ctx.read() as s:
        rows = await s.execute(
            text("""SELECT ts, value FROM metric_points WHERE org_id = :org AND service_id = :sid AND metric = :m
                    AND ts >= :a AND ts <= :b ORDER BY ts"""),
            {"org": ctx.org_id, "sid": sid, "m": metric, "a": start, "b": end})
        return [(t, float(v)) for t, v in rows]


async def prometheus_metrics(
    ctx: ToolContext, *, service: str, start: dt.datetime, end: dt.datetime, onset: dt.datetime | None = None,
    metrics: list[str] | None = None,
) -> ToolOutput[PrometheusMetrics]:
    """The service's mapped metrics over ``[start, end]``: Postgres when it holds the window, else Prometheus."""
    if end <= start:
        raise ToolError("the window is empty (end is not after start)")
    sid, name, maps, base = await _mapping(ctx, service)
    if metrics:
        maps = [m for m in maps if m["metric"] in metrics]
    if not maps:
        raise ToolError(f"no PromQL is mapped for {name}; set one with `opsgraph promql set {name} METRIC 'QUERY'`")
    result = PrometheusMetrics(service=name, prometheus_url=base, windows=[])
    evidence: list[EvidenceDraft] = []
    errors: list[str] = []
    for m in maps:
        metric, step = m["metric"], int(m["step_seconds"])
        local = await _postgres_window(ctx, sid, metric, start, end)
        if len(local) >= 2:
            w = MetricWindow(service=name, metric=metric, source="postgres", start=start, end=end, step_seconds=step,
                             points=local)
            ref = {"tool": "prometheus_metrics", "source": "postgres", "query": "metric_points of the service and "
                   "metric in the window", "args": {"service": name, "metric": metric, "start": start.isoformat(),
                                                     "end": end.isoformat()}}
        else:
            if not base:
                result.unavailable.append(metric)
                errors.append(f"{name} {metric} is not in Postgres for the window and no Prometheus URL is set "
                              "(OPSGRAPH_PROMETHEUS_URL or the organisation's alert settings)")
                continue
            step = max(step, math.ceil((end - start).total_seconds() / MAX_POINTS))
            promql = render(m["promql"], name)
            try:
                series = await query_range(base, promql, start, end, step)
            except ToolError as exc:
                result.unavailable.append(metric)
                errors.append(str(exc))
                continue
            w = MetricWindow(service=name, metric=metric, source="prometheus", promql=promql, start=start, end=end,
                             step_seconds=step, points=series[0] if series else [], series_count=len(series))
            ref = {"tool": "prometheus_metrics", "source": "prometheus", "promql": promql,
                   "start": start.isoformat(), "end": end.isoformat(), "step": f"{step}s",
                   "url": base.rstrip("/") + "/api/v1/query_range"}
        w.before_mean, w.after_mean = _means(w.points, onset)
        result.windows.append(w)
        evidence.append(_evidence(w, ref, onset))
    if not result.windows and errors:
        raise ToolError(errors[0])
    return ToolOutput(result=result, evidence=evidence)


def _evidence(w: MetricWindow, ref: dict[str, Any], onset: dt.datetime | None) -> EvidenceDraft:
    vals = [v for _, v in w.points if math.isfinite(v)]
    where = "Prometheus" if w.source == "prometheus" else "Postgres"
    if not vals:
        summary = f"{w.service} {w.metric}: no samples in {where} between {w.start:%Y-%m-%d %H:%M} and {w.end:%H:%M} UTC"
    elif onset is not None and w.before_mean is not None and w.after_mean is not None:
        summary = (f"{w.service} {w.metric} ({where}): mean {_fmt(w.before_mean)} before {onset:%H:%M} UTC, "
                   f"{_fmt(w.after_mean)} after (max {_fmt(max(vals))}, {len(vals)} samples)")
    else:
        summary = (f"{w.service} {w.metric} ({where}): {len(vals)} samples {w.start:%Y-%m-%d %H:%M}–{w.end:%H:%M} UTC, "
                   f"min {_fmt(min(vals))}, max {_fmt(max(vals))}, last {_fmt(vals[-1])}")
    payload = {"service": w.service, "metric": w.metric, "source": w.source, "step_seconds": w.step_seconds,
               "series_count": w.series_count, "before_mean": w.before_mean, "after_mean": w.after_mean,
               "points": [[t.isoformat(), v if math.isfinite(v) else None] for t, v in w.points[-500:]]}
    return EvidenceDraft(kind="metric_series", source="tools.prometheus.prometheus_metrics", ref=ref, payload=payload,
                         summary=summary)


def _bad_up(metric: str) -> bool | None:
    """Which way is bad for a metric name: up for errors/latency, down for success/availability, else unknown."""
    m = metric.lower()
    if any(k in m for k in ("error", "latency", "p9", "p5", "duration", "fail", "timeout", "saturation", "5xx")):
        return True
    if any(k in m for k in ("success", "availability", "apdex", "uptime")):
        return False
    return None


async def prometheus_onset(
    ctx: ToolContext, *, service: str, metric: str, around: dt.datetime | None = None, hours: int = 24,
) -> ToolOutput[MetricOnset]:
    """When did a service metric move, read from Prometheus (for services whose metrics are not in Postgres).

    The mapped PromQL over ``(around - hours, around]`` is analysed with Wheeler XmR stages (as
    :func:`tools.changes.metric_onset` does for ``metric_points``): the onset is the start of the latest stage
    whose centre moved the bad way. The evidence ``ref`` holds the PromQL, the range and the step."""
    if hours <= 0 or hours > 24 * 31:
        raise ToolError("hours must be between 1 and 744")
    end = around or ctx.now
    start = end - dt.timedelta(hours=hours)
    _, name, maps, base = await _mapping(ctx, service)
    wanted = metric.strip().lower()
    m = next((x for x in maps if x["metric"].lower() == wanted), None)
    role = roles.role_for_word(wanted)
    if m is None and role is not None:  # a role ("errors", "latency"…): the mapped metric that plays it
        playing = roles.metrics_for(role, [x["metric"] for x in maps])
        m = next((x for x in maps if playing and x["metric"] == playing[0]), None)
    if m is None:
        partial = [x for x in maps if wanted in x["metric"].lower() or x["metric"].lower() in wanted]
        m = partial[0] if len(partial) == 1 else None
    if m is None:
        raise ToolError(f"no PromQL is mapped for {name} {metric}",
                        suggestions=[x["metric"] for x in maps])
    if not base:
        raise ToolError(f"{name} {m['metric']} is mapped to PromQL but no Prometheus URL is set "
                        "(OPSGRAPH_PROMETHEUS_URL or the organisation's alert settings)")
    step = max(int(m["step_seconds"]), math.ceil(hours * 3600 / 2000))
    promql = render(m["promql"], name)
    series = await query_range(base, promql, start, end, step)
    points = [(t, v) for t, v in (series[0] if series else []) if math.isfinite(v)]
    result = MetricOnset(service=name, metric=m["metric"], start=start, end=end, n_points=len(points), onset=None)
    if len(points) >= 16:
        hib = roles.higher_is_better(m["metric"])
        _fill_from_stages(result, points, _bad_up(m["metric"]) if hib is None else not hib)
    ref = {"tool": "prometheus_onset", "source": "prometheus", "promql": promql, "start": start.isoformat(),
           "end": end.isoformat(), "step": f"{step}s", "url": base.rstrip("/") + "/api/v1/query_range"}
    if result.onset is None:
        summary = (f"{name} {result.metric} (Prometheus): no stage change in the {hours} h to "
                   f"{end:%Y-%m-%d %H:%M} UTC ({len(points)} samples)")
    else:
        summary = (f"{name} {result.metric} (Prometheus) moved {result.direction} from {_fmt(result.before_level)} "
                   f"to {_fmt(result.after_level)} at {result.onset:%Y-%m-%d %H:%M} UTC")
    evidence = EvidenceDraft(kind="metric_onset", source="tools.prometheus.prometheus_onset", ref=ref,
                             payload=result.model_dump(mode="json"), summary=summary)
    return ToolOutput(result=result, evidence=[evidence])


def _fill_from_stages(result: MetricOnset, points: list[tuple[dt.datetime, float]], bad_up: bool | None) -> None:
    from tools.control_limits import analyze_series

    values = np.array([v for _, v in points], dtype=float)
    an = analyze_series(values, higher_is_better=None if bad_up is None else not bad_up)
    stages = an.stages
    for k in range(len(stages) - 1, 0, -1):
        delta = stages[k].cl - stages[k - 1].cl
        if delta != 0 and (bad_up is None or (delta > 0) == bad_up):
            result.onset = points[stages[k].start][0]
            result.method = "stage_change"
            result.before_level, result.after_level = float(stages[k - 1].cl), float(stages[k].cl)
            result.direction = "up" if delta > 0 else "down"
            return
