"""SQL of the change tools: services, the dependency walk, deployments and config changes, metric windows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.names import close_matches
from tools.base import ToolError
from tools.changes import roles, scoring
from tools.changes.grid import to_grid
from tools.changes.models import (
    MAX_HOPS,
    UTC,
    CommitInfo,
    ConfigChangeInfo,
    DeploymentInfo,
)


def _utc(t: dt.datetime | dt.date) -> dt.datetime:
    """Aware UTC datetime; a date means the start of that day, a naive datetime is taken as UTC."""
    if not isinstance(t, dt.datetime):
        return dt.datetime(t.year, t.month, t.day, tzinfo=UTC)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _close(query: str, names: Sequence[str], n: int = 3) -> list[str]:
    return close_matches(query, names, n=n) or list(names)[:8]


async def _services(session: AsyncSession, org_id: int) -> dict[str, int]:
    rows = await session.execute(text("SELECT name, id FROM services WHERE org_id = :org ORDER BY name"), {"org": org_id})
    return dict(rows.all())


async def service_descriptions(session: AsyncSession, org_id: int) -> dict[int, str]:
    """Each service's recorded description: the words that may tie its changes to a KPI."""
    rows = await session.execute(text("SELECT id, description FROM services WHERE org_id = :org"),
                                 {"org": org_id})
    return {sid: d or "" for sid, d in rows.all()}


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
       nx.external_id AS next_id, nx.changed_at AS next_at, nx.new_value AS next_value, nx.is_secret AS next_secret,
       pv.external_id AS prev_id, pv.old_value AS prev_value, pv.is_secret AS prev_secret
FROM config_changes c
JOIN services s ON s.id = c.service_id AND s.org_id = :org
LEFT JOIN LATERAL (
    SELECT p.external_id, p.old_value, p.is_secret
    FROM config_changes p
    WHERE p.org_id = :org AND p.service_id = c.service_id AND p.key = c.key AND p.changed_at < c.changed_at
    ORDER BY p.changed_at DESC LIMIT 1
) pv ON true
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
    reverts = (  # it put back the value the key had before its previous change: a revert of that change
        row["prev_id"] is not None and not row["is_secret"] and not row["prev_secret"]
        and row["prev_value"] is not None and row["prev_value"] == row["new_value"]
    )
    info = ConfigChangeInfo(
        **{k: row[k] for k in ("external_id", "service", "key", "old_value", "new_value", "is_secret", "changed_at",
                               "changed_by", "description")},
        reverted_by=row["next_id"] if reverted else None, reverted_at=row["next_at"] if reverted else None,
        reverts=row["prev_id"] if reverts else None,
    )
    return row["service_id"], info


_NAMED_CONFIGS_SQL = _CONFIGS_SQL.replace(
    "WHERE c.org_id = :org AND c.service_id = ANY(CAST(:sids AS bigint[]))",
    "WHERE c.org_id = :org AND NOT (c.service_id = ANY(CAST(:sids AS bigint[])))\n"
    "  AND regexp_replace(lower(c.key || ' ' || coalesce(c.description, '')), '[^a-z0-9]', '', 'g') "
    "LIKE ANY(CAST(:pats AS text[]))\n"
    "  AND NOT EXISTS (SELECT 1 FROM metric_points mp WHERE mp.org_id = :org AND mp.service_id = c.service_id)")
#: A service name must squash to at least this many letters/digits to be looked for in other services' config keys.
MIN_NAMED = 5


def _squash(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


async def load_named_configs(
    session: AsyncSession, org_id: int, roots: dict[int, str], since: dt.datetime, until: dt.datetime
) -> list[tuple[int, ConfigChangeInfo]]:
    """Config changes filed under another service that reports no metrics of its own (a shared config
    repository, "platform-config") whose key or description names one of ``roots``
    (``YARD_GATE_SCANNER_TIMEOUT_MS`` names ``yard-gate``), as (that root's id, the change). A running service's
    key naming another (``payments.client.timeout_ms`` on an orders service) configures its own client: not matched."""
    names = {sid: _squash(n) for sid, n in roots.items() if len(_squash(n)) >= MIN_NAMED}
    if not names:
        return []
    params = {"org": org_id, "sids": list(roots), "since": since, "until": until,
              "pats": [f"%{n}%" for n in names.values()]}
    others = [_squash(n) for n in await _services(session, org_id)]
    out = []
    for r in (await session.execute(text(_NAMED_CONFIGS_SQL), params)).mappings():
        _, info = _config(r)
        said = _squash(f"{info.key} {info.description or ''}")
        sid = next((sid for sid, n in names.items() if n in said
                    # not when it names a longer service that holds this name ("yard-gate-camera" for "yard-gate")
                    and not any(n in o and o != n and o in said for o in others)), None)
        if sid is not None:
            out.append((sid, info))
    return out


async def load_changes(
    session: AsyncSession, org_id: int, service_ids: Sequence[int], since: dt.datetime, until: dt.datetime
) -> tuple[list[tuple[int, DeploymentInfo]], list[tuple[int, ConfigChangeInfo]]]:
    """Deployments overlapping [since, until] and config changes inside it, of the given services."""
    params = {"org": org_id, "sids": list(service_ids), "since": since, "until": until}
    deps = [_deployment(r) for r in (await session.execute(text(_DEPLOYMENTS_SQL), params)).mappings()]
    cfgs = [_config(r) for r in (await session.execute(text(_CONFIGS_SQL), params)).mappings()]
    return deps, cfgs


_WINDOWS_SQL = """
SELECT w.i AS i, m.metric, m.ts, m.value
FROM unnest(CAST(:sids AS bigint[]), CAST(:t0 AS timestamptz[]), CAST(:t1 AS timestamptz[]))
     WITH ORDINALITY AS w(sid, t0, t1, i)
JOIN metric_points m ON m.org_id = :org AND m.service_id = w.sid AND m.ts >= w.t0 AND m.ts < w.t1
WHERE m.metric = ANY(CAST(:metrics AS text[]))
ORDER BY w.i, m.metric, m.ts
"""


async def role_overrides(session: AsyncSession, org_id: int) -> dict[str, str]:
    """The organisation's own metric → role mapping (``opsgraph import metric-roles``); empty when none."""
    rows = await session.execute(text("SELECT metric, role FROM metric_roles WHERE org_id = :org"), {"org": org_id})
    return dict(rows.all())


async def comovement_metrics(session: AsyncSession, org_id: int, service_ids: Sequence[int]) -> list[str]:
    """The metric names of these services whose role makes a rise bad (errors, latency), whatever they are called."""
    rows = await session.execute(
        text("""SELECT DISTINCT metric FROM metric_points
                WHERE org_id = :org AND service_id = ANY(CAST(:sids AS bigint[]))"""),
        {"org": org_id, "sids": list(service_ids)},
    )
    names = [r[0] for r in rows]
    overrides = await role_overrides(session, org_id)
    return [m for role in roles.COMOVEMENT_ROLES for m in roles.metrics_for(role, names, overrides)]


async def load_windows(
    session: AsyncSession, org_id: int, windows: Sequence[tuple[int, dt.datetime, dt.datetime]],
    metrics: Sequence[str] = scoring.COMOVEMENT_METRICS,
) -> list[dict[str, np.ndarray]]:
    """Metric values of each (service_id, from, to) window, per metric, in time order on the series' usual
    spacing (a missing point is NaN: a counter's increase over a gap is spread over it) (one query)."""
    out: list[dict[str, list[tuple[dt.datetime, float]]]] = [{} for _ in windows]
    if windows:
        params = {
            "org": org_id, "metrics": list(metrics),
            "sids": [w[0] for w in windows], "t0": [w[1] for w in windows], "t1": [w[2] for w in windows],
        }
        for i, metric, ts, value in await session.execute(text(_WINDOWS_SQL), params):
            out[i - 1].setdefault(metric, []).append((ts, float(value)))
    return [{m: to_grid(v)[1] for m, v in d.items()} for d in out]


# ------------------------------------------------------------------ focus: what is being explained



# ------------------------------------------------------------------ changes that name a site in their record

_SITE_CHANGES_SQL = """
SELECT c.service_id, s.name, c.external_id
FROM (
    SELECT d.service_id, d.external_id, d.extra::text AS said
    FROM deployments d WHERE d.org_id = :org AND d.started_at BETWEEN :since AND :until
    UNION ALL
    SELECT cc.service_id, cc.external_id, coalesce(cc.description, '') || ' ' || cc.extra::text
    FROM config_changes cc WHERE cc.org_id = :org AND cc.changed_at BETWEEN :since AND :until
) c
JOIN services s ON s.id = c.service_id AND s.org_id = :org
WHERE lower(c.said) ~ :pattern
"""


def site_pattern(code: str) -> str | None:
    """A regular expression for a site code as records write it (``DEP-BHX-2``, ``dep_bhx_2``, ``DEP BHX 2``), whole
    (not ``DEP-BHX-20``); None for a code too short to be told from other text."""
    tokens = re.findall(r"[a-z0-9]+", code.lower())
    if len("".join(tokens)) < 3:
        return None
    return "(^|[^a-z0-9])" + "[^a-z0-9]*".join(tokens) + "([^a-z0-9]|$)"


async def changes_naming_site(
    session: AsyncSession, org_id: int, code: str, since: dt.datetime, until: dt.datetime
) -> tuple[dict[int, str], set[str]]:
    """Deployments and config changes in [since, until] whose record names the site ``code`` in a field with no
    column of its own (a rollout's ``Target Group``, a change's description): (their services, their ids)."""
    pattern = site_pattern(code)
    if pattern is None:
        return {}, set()
    rows = (await session.execute(text(_SITE_CHANGES_SQL),
                                  {"org": org_id, "since": since, "until": until, "pattern": pattern})).all()
    return {sid: name for sid, name, _ in rows}, {ext for _, _, ext in rows}
