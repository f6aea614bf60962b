"""The JSON/JSONL import kinds: validate every record and resolve every reference, then upsert on natural keys
(the upserts shared with the API live in :mod:`store.changes` and :mod:`store.tickets`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from store import changes, tickets
from store.changetypes import classify_path
from store.importers_files import (
    ImportResult,
    ids_by_name,
    read_rows,
    reject_if,
    returned_id,
    unknown_name,
)
from store.importers_rows import (
    CommitRow,
    ConfigChangeRow,
    DeploymentImportRow,
    KpiDefinitionRow,
    MetricRoleRow,
    RunbookRow,
    ServiceRow,
    StationRow,
)
from store.secrets import redact_config_value, redact_json, redact_text
from store.ticket_rows import TicketRow


def import_stations(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, StationRow, lambda r: r.code, "station")
    reject_if(errors, "stations", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO regions (org_id, code, name) VALUES (%s, %s, %s)
                   ON CONFLICT (org_id, code) DO UPDATE SET name = COALESCE(%s, regions.name)""",
                (org_id, r.region, r.region_name or r.region, r.region_name),
            )
            cur.execute(
                """INSERT INTO stations (org_id, code, name, region_id)
                   SELECT %s, %s, %s, id FROM regions WHERE org_id = %s AND code = %s
                   ON CONFLICT (org_id, code) DO UPDATE SET name = EXCLUDED.name, region_id = EXCLUDED.region_id""",
                (org_id, r.code, r.name, org_id, r.region),
            )
    return ImportResult("stations", len(rows))


def import_kpi_definitions(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, KpiDefinitionRow, lambda r: r.code, "KPI")
    reject_if(errors, "kpi-definitions", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO kpi_definitions (org_id, code, name, description, aliases, unit, aggregation, goal,
                       upper_limit, lower_limit, decimals, higher_is_better, related_services)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, code) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
                       aliases = EXCLUDED.aliases, unit = EXCLUDED.unit, aggregation = EXCLUDED.aggregation,
                       goal = EXCLUDED.goal, upper_limit = EXCLUDED.upper_limit, lower_limit = EXCLUDED.lower_limit,
                       decimals = EXCLUDED.decimals, higher_is_better = EXCLUDED.higher_is_better,
                       related_services = EXCLUDED.related_services""",
                (org_id, r.code, r.name, r.description, r.aliases, r.unit, r.aggregation, r.goal, r.upper_limit,
                 r.lower_limit, r.decimals, r.higher_is_better, r.related_services),
            )
    return ImportResult("kpi-definitions", len(rows))


def import_services(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, ServiceRow, lambda r: r.name, "service")
    with conn.cursor() as cur:
        known = set(ids_by_name(cur, "services", "name", org_id)) | {r.name for _, r in rows}
    for line, r in rows:
        for dep in r.depends_on:
            if dep == r.name:
                errors.append((line, f"service {r.name!r} cannot depend on itself"))
            elif dep not in known:
                errors.append((line, unknown_name(dep, "dependency", dict.fromkeys(known, 0))))
    reject_if(errors, "services", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO services (org_id, name, team, tier, description) VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, name) DO UPDATE SET team = EXCLUDED.team, tier = EXCLUDED.tier,
                       description = EXCLUDED.description""",
                (org_id, r.name, r.team, r.tier, r.description),
            )
        ids = ids_by_name(cur, "services", "name", org_id)
        for _, r in rows:
            for dep in r.depends_on:
                cur.execute(
                    """INSERT INTO service_dependencies (org_id, service_id, depends_on_id) VALUES (%s, %s, %s)
                       ON CONFLICT DO NOTHING""",
                    (org_id, ids[r.name], ids[dep]),
                )
    return ImportResult("services", len(rows))


def service_refs(
    cur: psycopg.Cursor, org_id: int, rows: list[tuple[int, Any]], errors: list[tuple[int, str]]
) -> dict[str, int]:
    services = ids_by_name(cur, "services", "name", org_id)
    lowered = {k.lower(): k for k in services}
    for line, r in rows:
        if r.service not in services and r.service.lower() in lowered:
            r.service = lowered[r.service.lower()]  # `hlr` in a CI export means the service imported as `HLR`
        if r.service not in services:
            errors.append((line, unknown_name(r.service, "service", services, "; import services first")))
    return services


def import_commits(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, CommitRow, lambda r: r.sha, "commit")
    with conn.cursor() as cur:
        services = service_refs(cur, org_id, rows, errors)
    reject_if(errors, "commits", path)
    n_files = 0
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(changes.UPSERT_COMMIT, {
                "org": org_id, "svc": services[r.service], "sha": r.sha, "msg": redact_text(r.message),
                "author": r.author, "at": r.committed_at, "merged": r.merged_at, "pr": r.pr_number,
                "keep_merged": False,
            })
            commit_id = returned_id(cur)
            for f in r.files:
                cur.execute(changes.UPSERT_COMMIT_FILE, {
                    "org": org_id, "commit": commit_id, "path": f.path, "type": f.change_type or classify_path(f.path),
                    "add": f.additions, "del": f.deletions, "keep_counts": False,
                })
                n_files += 1
    return ImportResult("commits", len(rows), {"files": n_files})


def _squashed(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def named_service(texts: list[str | None], services: dict[str, int]) -> str | None:
    """The one known service a deployment's message or host names (squashed: ``tidal-api-7.prod`` names
    ``tidal_api``; the longest name wins over one it holds, ``tidal-api-edge`` over ``tidal-api``); None when none
    or several unrelated ones are named."""
    said = " ".join(_squashed(t) for t in texts if t)
    hits = [n for n in services if len(_squashed(n)) >= 3 and _squashed(n) in said]
    longest = [n for n in hits if not any(_squashed(n) in _squashed(o) and o != n for o in hits)]
    return longest[0] if len(longest) == 1 else None


def import_deployments(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, DeploymentImportRow, lambda r: r.external_id, "deployment")
    inferred = 0
    with conn.cursor() as cur:
        known = ids_by_name(cur, "services", "name", org_id)
        for line, r in rows:  # no service field: the service its message or host names
            if r.service is None:
                r.service = named_service([r.message, r.host], known)
                inferred += r.service is not None
                if r.service is None:
                    errors.append((line, "service: field required (its message and host name no known service)"))
        rows = [(line, r) for line, r in rows if r.service is not None]
        services = service_refs(cur, org_id, rows, errors)
        commits = ids_by_name(cur, "commits", "sha", org_id)
        deployments = set(ids_by_name(cur, "deployments", "external_id", org_id)) | {r.external_id for _, r in rows}
    for line, r in rows:
        for sha in r.commits:
            if sha not in commits:
                errors.append((line, f"unknown commit {sha!r}; import commits first"))
        if r.rollback_of and r.rollback_of not in deployments:
            errors.append((line, f"rollback_of {r.rollback_of!r} is not a known deployment"))
        if r.finished_at and r.finished_at < r.started_at:
            errors.append((line, "finished_at is before started_at"))
    reject_if(errors, "deployments", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                changes.UPSERT_DEPLOYMENT, changes.deployment_params(org_id, services[r.service], r, None, set_rollback=False)
            )
            dep_id = returned_id(cur)
            cur.executemany(changes.LINK_DEPLOYMENT_COMMIT,
                            [{"org": org_id, "dep": dep_id, "commit": commits[sha]} for sha in dict.fromkeys(r.commits)])
            said = {k: v for k, v in (("message", r.message), ("host", r.host)) if v}
            if said:  # kept with the record, as other fields without a column are
                cur.execute("UPDATE deployments SET extra = extra || %s WHERE id = %s",
                            (Jsonb(redact_json(said)), dep_id))
        for _, r in rows:
            if r.rollback_of:
                cur.execute(changes.SET_ROLLBACK_OF, {"org": org_id, "ext": r.external_id, "of": r.rollback_of})
    warnings = [f"{inferred} deployment(s) had no service field: matched to the service named in the message or host"
                ] if inferred else []
    return ImportResult("deployments", len(rows), {"service_from_message": inferred} if inferred else {}, warnings)


def import_config_changes(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, ConfigChangeRow, lambda r: r.external_id, "config change")
    with conn.cursor() as cur:
        services = service_refs(cur, org_id, rows, errors)
    reject_if(errors, "config-changes", path)
    redacted = 0
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            old, old_secret = redact_config_value(r.key, r.old_value, secret=r.is_secret)
            new, new_secret = redact_config_value(r.key, r.new_value, secret=r.is_secret)
            secret = r.is_secret or old_secret or new_secret
            redacted += secret
            cur.execute(
                """INSERT INTO config_changes (org_id, external_id, service_id, key, old_value, new_value, is_secret,
                       changed_at, changed_by, description)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, external_id) DO UPDATE SET service_id = EXCLUDED.service_id,
                       key = EXCLUDED.key, old_value = EXCLUDED.old_value, new_value = EXCLUDED.new_value,
                       is_secret = EXCLUDED.is_secret, changed_at = EXCLUDED.changed_at,
                       changed_by = EXCLUDED.changed_by, description = EXCLUDED.description""",
                (org_id, r.external_id, services[r.service], r.key, old, new, secret, r.changed_at, r.changed_by,
                 redact_text(r.description)),
            )
    return ImportResult("config-changes", len(rows), {"secret_values_redacted": redacted})


def import_tickets(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, TicketRow, lambda r: r.external_id, "ticket")
    for line, r in rows:
        errors.extend((line, msg) for msg in tickets.time_order_errors(r))
    reject_if(errors, "tickets", path)
    if any(r.first_response_recorded for _, r in rows):  # the export has the field: a record without it is unanswered
        rows = [(line, r.model_copy(update={"first_response_recorded": True})) for line, r in rows]
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(tickets.UPSERT_TICKET, tickets.ticket_params(org_id, r))
    return ImportResult("tickets", len(rows))


def import_runbooks(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    rows, errors = read_rows(path, RunbookRow, lambda r: (r.kind, r.external_id), "document", allow_markdown=True)
    reject_if(errors, "runbooks", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO documents (org_id, kind, external_id, title, body, service, tags)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, kind, external_id) DO UPDATE SET title = EXCLUDED.title,
                       body = EXCLUDED.body, service = EXCLUDED.service, tags = EXCLUDED.tags,
                       embedding = CASE WHEN documents.title = EXCLUDED.title AND documents.body = EXCLUDED.body
                                        THEN documents.embedding END""",
                (org_id, r.kind, r.external_id, redact_text(r.title), redact_text(r.body), r.service, r.tags),
            )
    return ImportResult("runbooks", len(rows))


def import_metric_roles(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    """An organisation's own role for metric names its naming does not make obvious (wins over the convention)."""
    rows, errors = read_rows(path, MetricRoleRow, lambda r: r.metric, "metric")
    reject_if(errors, "metric-roles", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO metric_roles (org_id, metric, role) VALUES (%s, %s, %s)
                   ON CONFLICT (org_id, metric) DO UPDATE SET role = EXCLUDED.role""",
                (org_id, r.metric, r.role),
            )
    return ImportResult("metric-roles", len(rows))
