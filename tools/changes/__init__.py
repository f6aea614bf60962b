"""Change correlation: which deployment or config change explains an incident or a KPI shift?

Three tools, all read-only, parameterised and scoped to ``ctx.org_id``:

- :func:`correlate_changes` ranks the deployments and config changes before an
  onset on the service under investigation and on everything it depends on
  (walked transitively in SQL), scored by :mod:`tools.changes.scoring`;
- :func:`service_changes` lists one service's deployments (with their commits
  and per-file change types) and config changes in a time range;
- :func:`metric_onset` finds when a service metric moved (the latest bad stage
  change or critical episode of its 5-minute XmR analysis).

Only deployments and config changes are candidates: a commit counts through the
deployment that shipped it (``deployment_commits``); a merged commit that was
never deployed is never a candidate.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import roles, scoring
from tools.control_limits import SeriesAnalysis, analyze_series
from tools.kpis import kpi_series, list_kpis, match_kpi, resolve_scope

__all__ = [
    "ChangeCorrelation",
    "ChangeHypothesis",
    "MetricOnset",
    "ServiceChanges",
    "correlate_changes",
    "metric_onset",
    "service_changes",
]

UTC = dt.UTC
SERVICE_LOOKBACK = dt.timedelta(hours=24)
KPI_LOOKBACK = dt.timedelta(days=7)
MAX_HOPS = 6
MAX_LIMIT = 20
BASELINE = dt.timedelta(hours=2)  # metrics before a change: its baseline limits
AFTER = dt.timedelta(minutes=60)  # metrics after a change: did they move?
RECOVERY = (dt.timedelta(minutes=5), dt.timedelta(minutes=35))  # metrics after a rollback: back to normal?
EPISODE_GAP = 12  # points without a critical signal that separate two episodes (1 h at 5 min)

ChangeKind = Literal["deployment", "config_change"]


# ------------------------------------------------------------------ result models


class FileChange(BaseModel):
    path: str
    change_type: str
    additions: int = 0
    deletions: int = 0


class CommitInfo(BaseModel):
    sha: str
    message: str
    author: str | None = None
    committed_at: dt.datetime
    merged_at: dt.datetime | None = None
    pr_number: int | None = None
    files: list[FileChange] = []


class DeploymentInfo(BaseModel):
    external_id: str
    service: str
    version: str
    environment: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    deployed_by: str | None = None
    is_rollback: bool = False
    rollback_of: str | None = Field(None, description="the deployment this one rolled back")
    rolled_back_by: str | None = Field(None, description="the deployment that rolled this one back")
    rolled_back_at: dt.datetime | None = None
    commits: list[CommitInfo] = []
    change_types: list[str] = Field([], description="distinct change types of the shipped files, riskiest first")


class ConfigChangeInfo(BaseModel):
    external_id: str
    service: str
    key: str
    old_value: str | None = None
    new_value: str | None = None
    is_secret: bool = False
    changed_at: dt.datetime
    changed_by: str | None = None
    description: str | None = None
    reverted_by: str | None = Field(None, description="the next change of the key, when it restored the old value")
    reverted_at: dt.datetime | None = None


class ServiceChanges(BaseModel):
    service: str
    since: dt.datetime
    until: dt.datetime
    deployments: list[DeploymentInfo]
    config_changes: list[ConfigChangeInfo]


class ScoreComponents(BaseModel):
    """See :mod:`tools.changes.scoring`: each in [0, 1]."""

    time: float
    distance: float
    risk: float
    comovement: float
    rollback: float
    reach: float = Field(description="distance, half its penalty won back by co-movement")
    base: float = Field(description="time * reach")
    support: float = Field(description="noisy-OR of risk, co-movement and rollback")
    raw: float = Field(description="base * (0.25 + 0.75 support), before competition")


class ChangeHypothesis(BaseModel):
    rank: int
    type: ChangeKind
    subject: str = Field(description="the change's external id (DEP-…, CFG-…)")
    service: str
    changed_at: dt.datetime = Field(description="when it took effect (deployment finished / config changed)")
    minutes_before_onset: float
    distance: int = Field(description="dependency hops from the service under investigation (0 = itself)")
    confidence: float
    plausible: bool = Field(description=f"confidence >= {scoring.PLAUSIBLE_FLOOR}")
    rationale: str
    components: ScoreComponents
    evidence_refs: list[int] = Field(description="indexes into the tool output's evidence list")


class ServiceDistance(BaseModel):
    service: str
    distance: int
    via: list[str] = Field([], description="the services between the investigated one and this one")


class ChangeCorrelation(BaseModel):
    focus: Literal["incident", "service", "kpi"]
    label: str = Field(description="what is being explained, e.g. 'INC-2042 (checkout-api)'")
    incident: str | None = None
    kpi: str | None = None
    station: str | None = None
    services: list[str] = Field(description="the services under investigation (distance 0)")
    onset: dt.datetime
    onset_source: Literal["incident", "given", "kpi_shift", "metric_onset", "now"]
    window_start: dt.datetime
    half_life_minutes: float
    searched: list[ServiceDistance] = Field(description="the services whose changes were considered")
    candidates_considered: int
    hypotheses: list[ChangeHypothesis]
    plausible: bool = Field(description="False: no plausible change found in the window")
    conclusion: str


class MetricStage(BaseModel):
    start: dt.datetime
    end: dt.datetime
    cl: float
    ucl: float
    lcl: float


class MetricOnset(BaseModel):
    service: str
    metric: str
    start: dt.datetime
    end: dt.datetime
    n_points: int
    onset: dt.datetime | None = Field(None, description="when the metric moved (None: it did not)")
    method: Literal["stage_change", "critical_signal"] | None = None
    before_level: float | None = None
    after_level: float | None = None
    direction: Literal["up", "down"] | None = None
    stages: list[MetricStage] = []
    n_critical: int = 0


# ------------------------------------------------------------------ small helpers


def _utc(t: dt.datetime | dt.date) -> dt.datetime:
    """Aware UTC datetime; a date means the start of that day, a naive datetime is taken as UTC."""
    if not isinstance(t, dt.datetime):
        return dt.datetime(t.year, t.month, t.day, tzinfo=UTC)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _close(query: str, names: Sequence[str], n: int = 3) -> list[str]:
    by_lower = {x.lower(): x for x in names}
    close = difflib.get_close_matches(query.strip().lower(), list(by_lower), n=n, cutoff=0.5)
    return [by_lower[c] for c in close] or list(names)[:8]


async def _services(session: AsyncSession, org_id: int) -> dict[str, int]:
    rows = await session.execute(text("SELECT name, id FROM services WHERE org_id = :org ORDER BY name"), {"org": org_id})
    return {name: sid for name, sid in rows}


async def resolve_service(session: AsyncSession, org_id: int, name: str) -> tuple[int, str]:
    """A service by name (case-insensitive); unknown → ToolError with close matches."""
    services = await _services(session, org_id)
    for sname, sid in services.items():
        if sname.lower() == name.strip().lower():
            return sid, sname
    raise ToolError(f"unknown service {name!r}", suggestions=_close(name, list(services)))


# ------------------------------------------------------------------ queries

_WALK_SQL = """
WITH RECURSIVE walk(service_id, distance, path) AS (
    SELECT s.id::bigint, 0, ARRAY[s.id::bigint]
    FROM services s
    WHERE s.org_id = :org AND s.id = ANY(CAST(:roots AS bigint[]))
  UNION ALL
    SELECT d.depends_on_id::bigint, w.distance + 1, w.path || d.depends_on_id::bigint
    FROM walk w
    JOIN service_dependencies d ON d.service_id = w.service_id AND d.org_id = :org
    WHERE d.depends_on_id <> ALL(w.path) AND w.distance < :max_hops
)
SELECT DISTINCT ON (w.service_id) w.service_id, s.name, w.distance,
       ARRAY(SELECT s2.name FROM unnest(w.path) WITH ORDINALITY AS p(id, ord)
             JOIN services s2 ON s2.id = p.id AND s2.org_id = :org ORDER BY p.ord) AS path
FROM walk w JOIN services s ON s.id = w.service_id AND s.org_id = :org
ORDER BY w.service_id, w.distance, w.path
"""


@dataclass(frozen=True)
class _Node:
    service_id: int
    name: str
    distance: int
    via: list[str]


async def walk_dependencies(session: AsyncSession, org_id: int, roots: Sequence[int]) -> dict[int, _Node]:
    """The roots and everything they depend on, transitively, with the shortest hop count (recursive CTE)."""
    rows = await session.execute(text(_WALK_SQL), {"org": org_id, "roots": list(roots), "max_hops": MAX_HOPS})
    return {sid: _Node(sid, name, dist, list(path)[1:-1]) for sid, name, dist, path in rows}


_DEPLOYMENTS_SQL = """
SELECT d.id, d.external_id, s.name AS service, d.service_id, d.version, d.environment, d.status,
       d.started_at, d.finished_at, d.deployed_by, d.is_rollback,
       ro.external_id AS rollback_of, rb.external_id AS rolled_back_by, rb.at AS rolled_back_at,
       COALESCE(c.commits, '[]'::jsonb) AS commits
FROM deployments d
JOIN services s ON s.id = d.service_id AND s.org_id = :org
LEFT JOIN deployments ro ON ro.id = d.rollback_of_id AND ro.org_id = :org
LEFT JOIN LATERAL (
    SELECT r.external_id, COALESCE(r.finished_at, r.started_at) AS at
    FROM deployments r
    WHERE r.org_id = :org AND r.rollback_of_id = d.id
    ORDER BY r.started_at LIMIT 1
) rb ON true
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'sha', cm.sha, 'message', cm.message, 'author', cm.author, 'committed_at', cm.committed_at,
               'merged_at', cm.merged_at, 'pr_number', cm.pr_number,
               'files', COALESCE((
                   SELECT jsonb_agg(jsonb_build_object('path', f.path, 'change_type', f.change_type,
                                                       'additions', f.additions, 'deletions', f.deletions)
                                    ORDER BY f.path)
                   FROM commit_files f WHERE f.commit_id = cm.id AND f.org_id = :org), '[]'::jsonb))
           ORDER BY cm.merged_at NULLS LAST, cm.committed_at) AS commits
    FROM deployment_commits dc
    JOIN commits cm ON cm.id = dc.commit_id AND cm.org_id = :org
    WHERE dc.deployment_id = d.id AND dc.org_id = :org
) c ON true
WHERE d.org_id = :org AND d.service_id = ANY(CAST(:sids AS bigint[]))
  AND d.started_at <= :until AND COALESCE(d.finished_at, d.started_at) >= :since
ORDER BY d.started_at, d.external_id
"""

_CONFIGS_SQL = """
SELECT c.id, c.external_id, s.name AS service, c.service_id, c.key, c.old_value, c.new_value, c.is_secret,
       c.changed_at, c.changed_by, c.description,
       nx.external_id AS next_id, nx.changed_at AS next_at, nx.new_value AS next_value, nx.is_secret AS next_secret
FROM config_changes c
JOIN services s ON s.id = c.service_id AND s.org_id = :org
LEFT JOIN LATERAL (
    SELECT n.external_id, n.changed_at, n.new_value, n.is_secret
    FROM config_changes n
    WHERE n.org_id = :org AND n.service_id = c.service_id AND n.key = c.key AND n.changed_at > c.changed_at
    ORDER BY n.changed_at LIMIT 1
) nx ON true
WHERE c.org_id = :org AND c.service_id = ANY(CAST(:sids AS bigint[]))
  AND c.changed_at BETWEEN :since AND :until
ORDER BY c.changed_at, c.external_id
"""


def _deployment(row: Any) -> tuple[int, DeploymentInfo]:
    commits = [CommitInfo(**c) for c in row["commits"]]
    types = {f.change_type for c in commits for f in c.files}
    ordered = sorted(types, key=lambda t: (-scoring.CHANGE_TYPE_RISK.get(t, 0.3), t))
    info = DeploymentInfo(
        **{k: row[k] for k in ("external_id", "service", "version", "environment", "status", "started_at",
                               "finished_at", "deployed_by", "is_rollback", "rollback_of", "rolled_back_by",
                               "rolled_back_at")},
        commits=commits, change_types=ordered,
    )
    return row["service_id"], info


def _config(row: Any) -> tuple[int, ConfigChangeInfo]:
    reverted = (
        row["next_id"] is not None and not row["is_secret"] and not row["next_secret"]
        and row["next_value"] == row["old_value"]
    )
    info = ConfigChangeInfo(
        **{k: row[k] for k in ("external_id", "service", "key", "old_value", "new_value", "is_secret", "changed_at",
                               "changed_by", "description")},
        reverted_by=row["next_id"] if reverted else None, reverted_at=row["next_at"] if reverted else None,
    )
    return row["service_id"], info


async def load_changes(
    session: AsyncSession, org_id: int, service_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> tuple[list[tuple[int, DeploymentInfo]], list[tuple[int, ConfigChangeInfo]]]:
    """Deployments overlapping [since, until] and config changes inside it, of the given services."""
    params = {"org": org_id, "sids": list(service_ids), "since": since, "until": until}
    deps = [_deployment(r) for r in (await session.execute(text(_DEPLOYMENTS_SQL), params)).mappings()]
    cfgs = [_config(r) for r in (await session.execute(text(_CONFIGS_SQL), params)).mappings()]
    return deps, cfgs


_WINDOWS_SQL = """
SELECT w.i AS i, m.metric, m.value
FROM unnest(CAST(:sids AS bigint[]), CAST(:t0 AS timestamptz[]), CAST(:t1 AS timestamptz[]))
     WITH ORDINALITY AS w(sid, t0, t1, i)
JOIN metric_points m ON m.org_id = :org AND m.service_id = w.sid AND m.ts >= w.t0 AND m.ts < w.t1
WHERE m.metric = ANY(CAST(:metrics AS text[]))
ORDER BY w.i, m.metric, m.ts
"""


async def comovement_metrics(session: AsyncSession, org_id: int, service_ids: Sequence[int]) -> list[str]:
    """The metric names of these services whose role makes a rise bad (errors, latency), whatever they are called."""
    rows = await session.execute(
        text("""SELECT DISTINCT metric FROM metric_points
                WHERE org_id = :org AND service_id = ANY(CAST(:sids AS bigint[]))"""),
        {"org": org_id, "sids": list(service_ids)},
    )
    names = [r[0] for r in rows]
    return [m for role in roles.COMOVEMENT_ROLES for m in roles.metrics_for(role, names)]


async def load_windows(
    session: AsyncSession, org_id: int, windows: Sequence[tuple[int, dt.datetime, dt.datetime]],
    metrics: Sequence[str] = scoring.COMOVEMENT_METRICS,
) -> list[dict[str, np.ndarray]]:
    """Metric values of each (service_id, from, to) window, per metric, in time order (one query)."""
    out: list[dict[str, list[float]]] = [{} for _ in windows]
    if windows:
        params = {
            "org": org_id, "metrics": list(metrics),
            "sids": [w[0] for w in windows], "t0": [w[1] for w in windows], "t1": [w[2] for w in windows],
        }
        for i, metric, value in await session.execute(text(_WINDOWS_SQL), params):
            out[i - 1].setdefault(metric, []).append(float(value))
    return [{m: np.asarray(v) for m, v in d.items()} for d in out]


# ------------------------------------------------------------------ focus: what is being explained


@dataclass
class _Focus:
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
    for ext, sid, name, started in rows:
        if ext.upper() == q or ext.upper() == f"INC-{q}":
            return ext, sid, name, started
    raise ToolError(f"unknown incident {incident!r}", suggestions=_close(incident, [r[0] for r in rows]))


async def _resolve_focus(
    ctx: ToolContext, *, service: str | None, incident: str | None, kpi: str | None, station: str | None,
    onset: dt.datetime | dt.date | None, lookback: dt.timedelta | None,
) -> _Focus:
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
) -> _Focus:
    async with ctx.read() as session:
        ext, sid, name, started = await _incident_focus(session, ctx.org_id, incident)
        if service:
            sid, name = await resolve_service(session, ctx.org_id, service)
    if sid is None or name is None:
        raise ToolError(f"incident {ext} names no service: give service=…")
    given = onset is not None
    return _Focus(
        kind="incident", label=f"{ext} ({name})", roots={sid: name}, incident=ext,
        onset=_utc(onset) if given else _utc(started), onset_source="given" if given else "incident",
        lookback=lookback or SERVICE_LOOKBACK, half_life=scoring.SERVICE_HALF_LIFE_MIN,
    )


async def _focus_from_kpi(
    ctx: ToolContext, kpi: str, station: str | None, onset: dt.datetime | dt.date | None,
    lookback: dt.timedelta | None,
) -> _Focus:
    async with ctx.read() as session:
        info = match_kpi(await list_kpis(session, ctx.org_id), kpi)
        scope = await resolve_scope(session, ctx.org_id, "station" if station else "company", station)
        services = await _services(session, ctx.org_id)
    roots = {services[s]: s for s in info.related_services if s in services}
    if not roots:
        raise ToolError(f"KPI {info.code} names no related services: give service=… instead")
    source: Literal["given", "kpi_shift"] = "given"
    if onset is None:
        series = await kpi_series(ctx, kpi=info.code, station=scope.code if station else None,
                                  summary_level="station" if station else "company", chart=False)
        if series.result.shift is None:
            raise ToolError(f"{info.name} at {scope.label} shows no recent stage change: give onset=<date>")
        onset, source = series.result.shift.onset, "kpi_shift"
    day = onset.date() if isinstance(onset, dt.datetime) else onset
    return _Focus(
        kind="kpi", label=f"{info.code} at {scope.label}", roots=roots, kpi=info.code, station=scope.code,
        onset=_utc(day), onset_source=source, lookback=lookback or KPI_LOOKBACK, half_life=scoring.KPI_HALF_LIFE_MIN,
    )


async def _focus_from_service(
    ctx: ToolContext, service: str, onset: dt.datetime | dt.date | None, lookback: dt.timedelta | None
) -> _Focus:
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
    source: Literal["given", "metric_onset", "now"] = "given"
    notes: list[str] = []
    if onset is None:
        onset, source = ctx.now, "now"
        for metric in roles.COMOVEMENT_ROLES:
            try:
                found = (await metric_onset(ctx, service=name, metric=metric,
                                            hours=int(min(744, max(1, (lookback or SERVICE_LOOKBACK).total_seconds() // 3600))))).result
            except ToolError:  # the service does not report this metric
                continue
            if found.onset is not None:
                onset, source = found.onset, "metric_onset"
                notes.append(f"onset from {name} {found.metric} ({found.method})")
                break
    return _Focus(
        kind="service", label=name, roots={sid: name}, onset=_utc(onset), onset_source=source,
        lookback=lookback or SERVICE_LOOKBACK, half_life=scoring.SERVICE_HALF_LIFE_MIN, notes=notes,
    )


# ------------------------------------------------------------------ candidates


@dataclass
class _Candidate:
    kind: ChangeKind
    node: _Node
    changed_at: dt.datetime
    deployment: DeploymentInfo | None = None
    config: ConfigChangeInfo | None = None
    risk: float = 0.0
    risk_reason: str = ""
    undone_by: str | None = None
    undone_at: dt.datetime | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    comovement: float | None = None
    recovered: bool | None = None
    components: scoring.Components | None = None

    @property
    def subject(self) -> str:
        return self.deployment.external_id if self.deployment else self.config.external_id  # type: ignore[union-attr]


def _effective(d: DeploymentInfo, onset: dt.datetime) -> dt.datetime:
    """A deployment takes effect when it finishes; one still rolling out at the onset counts from its start."""
    return d.finished_at if d.finished_at is not None and d.finished_at <= onset else d.started_at


def _candidates(
    nodes: dict[int, _Node], deps: list[tuple[int, DeploymentInfo]], cfgs: list[tuple[int, ConfigChangeInfo]],
    onset: dt.datetime, since: dt.datetime, now: dt.datetime,
) -> list[_Candidate]:
    """Changes effective in [since, onset], never after the onset (rollbacks/reverts known by ``now``)."""
    out = []
    for sid, d in deps:
        at = _effective(d, onset)
        if d.started_at <= onset and since <= at <= onset:
            risk, top = scoring.deployment_risk(d.change_types, is_rollback=d.is_rollback)
            reason = (f"rolls back {d.rollback_of}" if d.is_rollback else
                      f"ships {_types_phrase(top)}" if top else "ships no recorded commits")
            out.append(_Candidate("deployment", nodes[sid], at, deployment=d, risk=risk, risk_reason=reason,
                                  **_undone(d.rolled_back_by, d.rolled_back_at, now)))
    for sid, c in cfgs:
        if since <= c.changed_at <= onset:
            risk, why = scoring.config_risk(c.key, is_secret=c.is_secret)
            out.append(_Candidate("config_change", nodes[sid], c.changed_at, config=c, risk=risk, risk_reason=why,
                                  **_undone(c.reverted_by, c.reverted_at, now)))
    return out


def _undone(by: str | None, at: dt.datetime | None, now: dt.datetime) -> dict[str, Any]:
    known = by is not None and at is not None and at <= now
    return {"undone_by": by if known else None, "undone_at": at if known else None}


def _types_phrase(types: Sequence[str]) -> str:
    if list(types) == ["other"]:
        return "unclassified code changes"
    if set(types) <= {"docs", "test"}:
        return "only " + "/".join(types) + " changes"
    return ("a " if len(types) == 1 else "") + ", ".join(types) + (" change" if len(types) == 1 else " changes")


def _metric_requests(cands: list[_Candidate], now: dt.datetime) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Per candidate: baseline, after-change and (when undone) after-fix windows, in that order (none past now)."""
    reqs = []
    for c in cands:
        sid, t = c.node.service_id, c.changed_at
        reqs += [(sid, t - BASELINE, t), (sid, t, min(t + AFTER, now))]
        if c.undone_at is not None:
            reqs.append((sid, c.undone_at + RECOVERY[0], min(c.undone_at + RECOVERY[1], now)))
    return reqs


def _apply_metrics(cands: list[_Candidate], windows: list[dict[str, np.ndarray]]) -> None:
    """Co-movement after each change and recovery after its rollback/revert, from the loaded windows."""
    pos = 0
    for c in cands:
        base, after = windows[pos], windows[pos + 1]
        fix = windows[pos + 2] if c.undone_at is not None else None
        pos += 3 if c.undone_at is not None else 2
        moved: dict[str, float] = {}
        for m in sorted(set(base) | set(after)):
            s = scoring.comovement_score(base.get(m, []), after.get(m, []))
            if s is not None:
                moved[m] = s
        c.comovement = max(moved.values()) if moved else None
        elevated = [m for m, s in moved.items() if s >= scoring.MOVED]
        if fix is not None and elevated:
            checks = [scoring.recovered(base.get(m, []), fix.get(m, [])) for m in elevated]
            c.recovered = None if any(x is None for x in checks) else all(checks)
        c.metrics = {"comovement_by_metric": moved, "moved": elevated, "recovered": c.recovered}


def _score(cands: list[_Candidate], onset: dt.datetime, half_life: float) -> None:
    for c in cands:
        undone_before = c.undone_at is not None and c.undone_at <= onset
        feats = scoring.Features(
            minutes_before=(onset - c.changed_at).total_seconds() / 60.0,
            distance=c.node.distance, risk=c.risk, comovement=c.comovement,
            rollback=0.0 if undone_before else scoring.rollback_score(c.undone_by is not None, c.recovered),
            reverted_before_onset=undone_before,
        )
        c.components = scoring.score_candidate(feats, half_life_minutes=half_life)


# ------------------------------------------------------------------ wording


def _what(c: _Candidate) -> str:
    if c.deployment is not None:
        return f"{c.node.name} deploy {c.deployment.external_id} ({c.deployment.version})"
    cfg = c.config
    assert cfg is not None
    values = "" if cfg.is_secret else f": {cfg.old_value} → {cfg.new_value}"
    return f"{c.node.name} config change {cfg.external_id} ({cfg.key}{values})"


def _where(c: _Candidate, focus: _Focus) -> str:
    if focus.kind == "kpi":
        if c.node.distance == 0:
            return f"on {c.node.name}, a service behind {focus.kpi}"
        return scoring.hops_phrase(c.node.distance, c.node.via[0] if c.node.via else "it", c.node.via[1:])
    root = next(iter(focus.roots.values()))
    return scoring.hops_phrase(c.node.distance, root, c.node.via)


def _rationale(c: _Candidate, focus: _Focus) -> str:
    minutes = (focus.onset - c.changed_at).total_seconds() / 60.0
    parts = [f"{_what(c)} {scoring.ago(minutes)} before onset", _where(c, focus), c.risk_reason]
    moved = c.metrics.get("moved") or []
    if moved:
        parts.append(f"{c.node.name} {'/'.join(moved)} rose above the pre-change limits within the hour after")
    elif c.comovement is not None:
        parts.append(f"no metric movement on {c.node.name} after it")
    if c.undone_by is not None and c.undone_at is not None:
        verb = "rolled back" if c.kind == "deployment" else "reverted"
        delta = (c.undone_at - c.changed_at).total_seconds() / 60.0
        if c.undone_at <= focus.onset:
            parts.append(f"but {verb} before the onset ({c.undone_by})")
        else:
            tail = " and errors recovered" if c.recovered else ""
            parts.append(f"{verb} {scoring.ago(delta)} later ({c.undone_by}){tail}")
    return ", ".join(p for p in parts if p)


def _conclusion(focus: _Focus, hyps: list[ChangeHypothesis], considered: int, plausible: bool) -> str:
    window = f"{focus.onset - focus.lookback:%Y-%m-%d %H:%M}–{focus.onset:%Y-%m-%d %H:%M} UTC"
    if not plausible:
        best = f"; the closest was {hyps[0].subject} (confidence {hyps[0].confidence:.2f})" if hyps else ""
        return (f"no plausible change found in the window {window} for {focus.label} "
                f"({considered} change(s) considered{best})")
    top = hyps[0]
    return f"most likely {top.subject} (confidence {top.confidence:.2f}): {top.rationale}"


# ------------------------------------------------------------------ correlate_changes


async def correlate_changes(
    ctx: ToolContext,
    *,
    service: str | None = None,
    incident: str | None = None,
    kpi: str | None = None,
    station: str | None = None,
    onset: dt.datetime | dt.date | None = None,
    lookback: dt.timedelta | None = None,
    limit: int = 5,
) -> ToolOutput[ChangeCorrelation]:
    """Rank the deployments and config changes that could explain an incident, a service's jump or a KPI shift.

    What is explained: ``incident`` (its service unless ``service`` is given, onset =
    its ``started_at`` unless ``onset`` is given), or
    ``service`` + ``onset`` (without an onset: the latest error-rate/p99 onset from
    :func:`metric_onset`, else now), or ``kpi`` (+ ``station``) + ``onset`` date
    (the KPI's ``related_services``, onset at the start of that day; without one,
    the KPI's latest stage change). Candidates are the changes of those services
    and of everything they depend on (transitively), effective inside
    ``[onset - lookback, onset]`` (default look-back 24 h, 7 days for KPIs) —
    never after the onset. Scores: :mod:`tools.changes.scoring`. When no
    candidate reaches the plausibility floor, ``plausible`` is False and the
    conclusion says "no plausible change found in the window".

    Evidence convention: the returned ``evidence`` list holds one ``change``
    draft per ranked hypothesis (in rank order, index ``rank - 1``) followed by
    one ``hypotheses`` draft summarising the ranking (the last index). Each
    hypothesis's ``evidence_refs`` are indexes into that list (its own change
    draft and the ranking draft); once the runtime stores the drafts, index
    ``i`` maps to the ``i``-th stored evidence id.
    """
    limit = max(1, min(MAX_LIMIT, int(limit)))
    if lookback is not None and lookback <= dt.timedelta(0):
        raise ToolError("lookback must be positive")
    focus = await _resolve_focus(ctx, service=service, incident=incident, kpi=kpi, station=station,
                                 onset=onset, lookback=lookback)
    since = focus.onset - focus.lookback
    async with ctx.read() as session:
        nodes = await walk_dependencies(session, ctx.org_id, list(focus.roots))
        deps, cfgs = await load_changes(session, ctx.org_id, list(nodes), since, focus.onset)
        cands = _candidates(nodes, deps, cfgs, focus.onset, since, ctx.now)
        metrics = await comovement_metrics(session, ctx.org_id, list(nodes)) if cands else []
        windows = await load_windows(session, ctx.org_id, _metric_requests(cands, ctx.now), metrics)
    _apply_metrics(cands, windows)
    _score(cands, focus.onset, focus.half_life)
    args = {"service": service, "incident": incident, "kpi": kpi, "station": station,
            "onset": _iso(_utc(onset)) if onset is not None else None,
            "lookback_minutes": focus.lookback.total_seconds() / 60.0, "limit": limit}
    return _correlation_output(focus, nodes, cands, since, limit, args)


def _correlation_output(
    focus: _Focus, nodes: dict[int, _Node], cands: list[_Candidate], since: dt.datetime, limit: int,
    args: dict[str, Any],
) -> ToolOutput[ChangeCorrelation]:
    raws = [c.components.raw for c in cands]  # type: ignore[union-attr]
    confs = scoring.confidences(raws)
    order = scoring.rank(raws)[:limit]
    ranking_ref = len(order)
    hyps = [_hypothesis(rank, cands[i], confs[i], focus, [rank - 1, ranking_ref]) for rank, i in enumerate(order, 1)]
    plausible = bool(hyps) and hyps[0].plausible
    result = ChangeCorrelation(
        focus=focus.kind, label=focus.label, incident=focus.incident, kpi=focus.kpi, station=focus.station,
        services=list(focus.roots.values()), onset=focus.onset, onset_source=focus.onset_source,
        window_start=since, half_life_minutes=focus.half_life,
        searched=[ServiceDistance(service=n.name, distance=n.distance, via=n.via)
                  for n in sorted(nodes.values(), key=lambda n: (n.distance, n.name))],
        candidates_considered=len(cands), hypotheses=hyps, plausible=plausible,
        conclusion=_conclusion(focus, hyps, len(cands), plausible),
    )
    ref = {
        "tool": "correlate_changes", "args": args,
        "query": (f"deployments (commits via deployment_commits/commit_files) and config changes of "
                  f"{', '.join(result.services)} and their transitive dependencies (recursive CTE over "
                  f"service_dependencies) effective between {since.isoformat()} and {focus.onset.isoformat()}; "
                  "metric_points of the error and latency metrics (by role) around each change"),
    }
    evidence = [_change_evidence(cands[i], h, ref) for i, h in zip(order, hyps, strict=True)]
    evidence.append(_ranking_evidence(result, focus, ref))
    return ToolOutput(result=result, evidence=evidence)


def _hypothesis(rank: int, c: _Candidate, confidence: float, focus: _Focus, refs: list[int]) -> ChangeHypothesis:
    comp = c.components
    assert comp is not None
    return ChangeHypothesis(
        rank=rank, type=c.kind, subject=c.subject, service=c.node.name, changed_at=c.changed_at,
        minutes_before_onset=round((focus.onset - c.changed_at).total_seconds() / 60.0, 1),
        distance=c.node.distance, confidence=round(confidence, 3), plausible=scoring.is_plausible(confidence),
        rationale=_rationale(c, focus),
        components=ScoreComponents(**{k: round(v, 4) for k, v in vars(comp).items()}),
        evidence_refs=refs,
    )


def _change_evidence(c: _Candidate, h: ChangeHypothesis, ref: dict[str, Any]) -> EvidenceDraft:
    detail = c.deployment.model_dump(mode="json") if c.deployment else c.config.model_dump(mode="json")  # type: ignore[union-attr]
    return EvidenceDraft(
        kind="change", source="tools.changes.correlate_changes",
        ref=ref | {"subject": {"type": c.kind, "external_id": c.subject}},
        payload={"type": c.kind, "change": detail, "distance": c.node.distance, "via": c.node.via,
                 "changed_at": c.changed_at.isoformat(), "rank": h.rank, "confidence": h.confidence,
                 "components": h.components.model_dump(), "metrics": c.metrics},
        summary=f"#{h.rank} ({h.confidence:.2f}) {h.rationale}",
    )


def _ranking_evidence(result: ChangeCorrelation, focus: _Focus, ref: dict[str, Any]) -> EvidenceDraft:
    ranked = "; ".join(f"{h.rank}. {h.subject} {h.confidence:.2f}" for h in result.hypotheses)
    return EvidenceDraft(
        kind="hypotheses", source="tools.changes.correlate_changes", ref=ref,
        payload={"label": result.label, "onset": result.onset.isoformat(), "onset_source": result.onset_source,
                 "window_start": result.window_start.isoformat(), "plausible": result.plausible,
                 "candidates_considered": result.candidates_considered, "notes": focus.notes,
                 "hypotheses": [h.model_dump(mode="json") for h in result.hypotheses]},
        summary=(f"Changes before {result.label} onset {result.onset:%Y-%m-%d %H:%M} UTC "
                 f"({result.candidates_considered} considered): " + (ranked or "none") + f" — {result.conclusion}"),
    )


# ------------------------------------------------------------------ service_changes


async def service_changes(
    ctx: ToolContext, *, service: str, since: dt.datetime | dt.date, until: dt.datetime | dt.date
) -> ToolOutput[ServiceChanges]:
    """One service's deployments (with commits and per-file change types) and config changes in [since, until].

    Deployments are listed when they overlap the range (started before ``until``,
    finished after ``since``); config changes when they happened inside it.
    """
    start, end = _utc(since), _utc(until)
    if start > end:
        raise ToolError(f"since ({start.isoformat()}) is after until ({end.isoformat()})")
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        deps, cfgs = await load_changes(session, ctx.org_id, [sid], start, end)
    result = ServiceChanges(service=name, since=start, until=end, deployments=[d for _, d in deps],
                            config_changes=[c for _, c in cfgs])
    risky = [d.external_id for d in result.deployments if set(d.change_types) & scoring.RISKY_CHANGE_TYPES]
    evidence = [
        EvidenceDraft(
            kind="changes", source="tools.changes.service_changes",
            ref={"tool": "service_changes", "args": {"service": name, "since": start.isoformat(), "until": end.isoformat()},
                 "query": "deployments (with deployment_commits → commits → commit_files) and config_changes of the "
                          "service in the range"},
            payload={"deployments": [d.external_id for d in result.deployments],
                     "config_changes": [c.external_id for c in result.config_changes], "risky_deployments": risky},
            summary=(f"{name}: {len(result.deployments)} deployment(s) and {len(result.config_changes)} config "
                     f"change(s) between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC"
                     + (f"; risky: {', '.join(risky)}" if risky else "")),
        )
    ]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ metric_onset


def _higher_is_better(metric: str) -> bool | None:
    return roles.higher_is_better(metric)


async def _resolve_metric(session: AsyncSession, org_id: int, service_id: int, service: str, metric: str) -> str:
    rows = await session.execute(
        text("SELECT DISTINCT metric FROM metric_points WHERE org_id = :org AND service_id = :sid ORDER BY metric"),
        {"org": org_id, "sid": service_id},
    )
    names = [r[0] for r in rows]
    q = metric.strip().lower()
    if q in names:
        return q
    role = roles.role_for_word(q) or (roles.role_of(q) if q not in names else None)
    if role is not None:  # a role ("errors", "latency") or another org's name for one ("error_rate", "p99_ms")
        by_role = roles.metrics_for(role, names)
        if by_role:
            return by_role[0]
    partial = [n for n in names if q in n.lower()]
    if len(partial) == 1:
        return partial[0]
    raise ToolError(f"unknown metric {metric!r} for {service}", suggestions=partial or _close(metric, names))


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
        step = min(b - a for a, b in zip(ts, ts[1:], strict=False)) or step
    n = int((ts[-1] - ts[0]) / step) + 1
    grid = [ts[0] + step * i for i in range(n)]
    values = np.full(n, np.nan)
    for t, v in rows:
        values[int(round((t - ts[0]) / step))] = float(v)
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


def _onset_index(an: SeriesAnalysis, hib: bool | None) -> tuple[int | None, str | None, int | None, int]:
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
    start = end - dt.timedelta(hours=hours)
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        metric = await _resolve_metric(session, ctx.org_id, sid, name, metric)
        grid, values = await _load_series(session, ctx.org_id, sid, metric, start, end)
    result = MetricOnset(service=name, metric=metric, start=start, end=end, n_points=int(np.isfinite(values).sum()))
    if len(grid) >= 16:
        _fill_onset(result, grid, values)
    return ToolOutput(result=result, evidence=[_onset_evidence(result, hours)])


def _fill_onset(result: MetricOnset, grid: list[dt.datetime], values: np.ndarray) -> None:
    hib = _higher_is_better(result.metric)
    an = analyze_series(values, higher_is_better=hib)
    idx, method, stage_k, n_crit = _onset_index(an, hib)
    an_stages = an.stages
    result.stages = [MetricStage(start=grid[s.start], end=grid[s.end], cl=s.cl, ucl=s.ucl, lcl=s.lcl) for s in an_stages]
    result.n_critical = n_crit
    if idx is None:
        return
    result.onset, result.method = grid[idx], method  # type: ignore[assignment]
    before = values[max(0, idx - 24):idx]
    after = values[idx:idx + 12]
    if stage_k is not None:
        result.before_level, result.after_level = an_stages[stage_k - 1].cl, an_stages[stage_k].cl
    elif np.isfinite(before).any() and np.isfinite(after).any():
        result.before_level, result.after_level = float(np.nanmean(before)), float(np.nanmean(after))
    if result.before_level is not None and result.after_level is not None:
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
