"""The reads behind the assistant's catalog of an organisation (``agents.understanding.catalog``): its vocabulary in
one round trip at the start of every turn, and the two lookups only some questions need. Org-scoped, read-only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_CATALOG_SQL = """SELECT
     (SELECT coalesce(json_agg(json_build_array(s.code, s.name, r.code, (
               SELECT e.value FROM jsonb_each_text(s.extra) e WHERE lower(regexp_replace(e.key, '[^A-Za-z]+',
               '_', 'g')) ~ '^([a-z]+_)?(type|kind|category)$' ORDER BY lower(e.key) ~
               '^((site|station|location|facility)[^a-z]*)?(type|kind|category)$' DESC, e.key
               LIMIT 1))), '[]')
        FROM stations s JOIN regions r ON r.id = s.region_id WHERE s.org_id = :org),
     (SELECT coalesce(json_object_agg(code, name), '{}') FROM regions WHERE org_id = :org),
     (SELECT coalesce(json_agg(json_build_array(code, to_jsonb(ARRAY[name]) || to_jsonb(aliases),
                                                higher_is_better)), '[]')
        FROM kpi_definitions WHERE org_id = :org),
     (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM services WHERE org_id = :org),
     (SELECT coalesce(json_agg(json_build_array(i.external_id, i.title, s.name,
                                                i.started_at::date, i.status)
                               ORDER BY i.started_at DESC), '[]')
        FROM incidents i LEFT JOIN services s ON s.id = i.service_id WHERE i.org_id = :org),
     (SELECT coalesce(json_agg(external_id), '[]') FROM tickets WHERE org_id = :org),
     (SELECT coalesce(json_agg(external_id), '[]') FROM deployments WHERE org_id = :org),
     (SELECT coalesce(json_agg(external_id), '[]') FROM config_changes WHERE org_id = :org),
     (SELECT coalesce(json_agg(sha), '[]') FROM commits WHERE org_id = :org),
     (SELECT coalesce(json_object_agg(sha, msg), '{}') FROM (
        SELECT sha, left(split_part(message, E'\n', 1), 200) AS msg FROM commits
        WHERE org_id = :org ORDER BY committed_at DESC LIMIT 5000) c),
     (SELECT coalesce(json_object_agg(key, ext), '{}') FROM (
        SELECT DISTINCT ON (key) key, external_id AS ext FROM config_changes
        WHERE org_id = :org ORDER BY key, changed_at DESC) k),
     (SELECT coalesce(json_agg(json_build_array(k.code, s.code)), '[]')
        FROM kpi_definitions k JOIN stations s ON s.org_id = k.org_id
        WHERE k.org_id = :org AND EXISTS (SELECT 1 FROM kpi_points p
                                          WHERE p.kpi_id = k.id AND p.station_id = s.id)),
     (SELECT coalesce(json_object_agg(version, ext), '{}') FROM (
        SELECT DISTINCT ON (d.version) d.version, d.external_id AS ext FROM deployments d
        WHERE d.org_id = :org AND (SELECT count(DISTINCT d2.service_id) FROM deployments d2
                                   WHERE d2.org_id = :org AND d2.version = d.version) = 1
        ORDER BY d.version, d.started_at DESC) v),
     (SELECT coalesce(json_agg(json_build_array(x.ext, x.svc, x.day)), '[]') FROM (
        SELECT d.external_id AS ext, s.name AS svc, d.started_at::date AS day FROM deployments d
        JOIN services s ON s.id = d.service_id WHERE d.org_id = :org
        UNION ALL SELECT c.external_id, s.name, c.changed_at::date FROM config_changes c
        JOIN services s ON s.id = c.service_id WHERE c.org_id = :org) x),
     (SELECT coalesce(json_object_agg(code, related_services), '{}') FROM kpi_definitions
        WHERE org_id = :org AND cardinality(related_services) > 0),
     (SELECT coalesce(json_object_agg(code, description), '{}') FROM kpi_definitions
        WHERE org_id = :org AND coalesce(description, '') <> ''),
     (SELECT coalesce(json_object_agg(version, exts), '{}') FROM (
        SELECT version, json_agg(external_id ORDER BY started_at) AS exts FROM deployments
        WHERE org_id = :org GROUP BY version HAVING count(*) > 1) v),
     (SELECT coalesce(json_object_agg(name, json_build_array(coalesce(team, ''),
                                                             coalesce(description, ''))), '{}')
        FROM services WHERE org_id = :org)"""

_SPANS_SQL = """
SELECT json_build_object(
  'kpis', (SELECT json_build_array(min(x.lo), max(x.hi)) FROM kpi_definitions k,
           LATERAL (SELECT min(p.day) AS lo, max(p.day) AS hi FROM kpi_points p
                    WHERE p.org_id = :org AND p.kpi_id = k.id) x WHERE k.org_id = :org),
  'tickets', (SELECT json_build_array(min(created_at)::date, max(created_at)::date) FROM tickets WHERE org_id = :org))
"""
_HISTORY_SQL = """
SELECT key, external_id, new_value, old_value FROM config_changes WHERE org_id = :org AND NOT is_secret
ORDER BY changed_at, id
"""


async def catalog_row(session: AsyncSession, org_id: int) -> Any:
    """One row: stations (code, name, region, kind), regions, KPIs (code, names, direction), services, incidents,
    tickets, deployments, config changes, commits and their first lines, config keys, KPI x station coverage,
    versions, change services and days, KPI services and descriptions, versions shipped twice, services' teams and
    descriptions."""
    return (await session.execute(text(_CATALOG_SQL), {"org": org_id})).one()


async def data_spans(session: AsyncSession, org_id: int) -> Any:
    """``{"kpis": [first, last], "tickets": [first, last]}`` days with data."""
    return (await session.execute(text(_SPANS_SQL), {"org": org_id})).scalar_one()


async def config_history_rows(session: AsyncSession, org_id: int) -> list[Any]:
    """Every non-secret config change: (key, id, new value, old value), oldest first."""
    return list((await session.execute(text(_HISTORY_SQL), {"org": org_id})).all())
