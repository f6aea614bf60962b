"""``opsgraph import incidents FILE``: the organisation's own incidents (JSON array or JSONL).

Fields: ``external_id``, ``service``, ``title``, ``severity``, ``status``, ``started_at``, ``detected_at``,
``resolved_at``, ``summary`` (see :mod:`store.incident_records` for the spellings understood, and
:mod:`store.incident_shapes` for ServiceNow's raw choice codes). Fields opsgraph
has no column for are kept in ``incidents.extra`` and reported as a warning; a file with any bad row is
rejected whole (``line N: reason``) and nothing is written. Upsert on ``external_id``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from store.import_errors import ImportRejected
from store.importers_files import (
    ImportResult,
    check_duplicates,
    ids_by_name,
    read_records,
    reject_if,
    unknown_name,
)
from store.incident_records import ALIASES, IncidentRecord, check_storable, split_fields
from store.incident_shapes import servicenow_incident
from store.secrets import redact_json


def _component_service(extra: dict[str, Any], services: dict[str, int]) -> str | None:
    """A status page's ``components`` (Statuspage, Instatus: ``[{"name": "Label API"}, …]`` or names): the one service
    they name, case, spaces and separators aside; None when none or several do (they stay the row's metadata)."""
    comps = next((v for k, v in extra.items() if str(k).strip().lower() == "components"), None)
    if not isinstance(comps, list):
        return None
    by = {re.sub(r"[^a-z0-9]", "", name.lower()): name for name in services}
    hits = {by[k] for c in comps
            if (k := re.sub(r"[^a-z0-9]", "", str(c.get("name") if isinstance(c, dict) else c).lower())) in by}
    return next(iter(hits)) if len(hits) == 1 else None


def validate_records(
    records: list[tuple[int, Any]], services: dict[str, int],
) -> tuple[list[tuple[int, IncidentRecord, dict[str, Any]]], list[tuple[int, str]], dict[str, list[int]]]:
    """``(rows, errors, unknown_fields)`` where ``unknown_fields`` maps a kept field name to its lines."""
    rows: list[tuple[int, IncidentRecord, dict[str, Any]]] = []
    errors: list[tuple[int, str]] = []
    unknown: dict[str, list[int]] = {}
    for line, obj in records:
        if not isinstance(obj, dict):
            errors.append((line, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        try:
            obj = servicenow_incident(obj)  # raw choice codes (state 6, priority 1 …) by ServiceNow's defaults
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        bad = check_storable(obj)
        if bad:
            errors.append((line, "; ".join(bad)))
            continue
        known, extra = split_fields(obj, IncidentRecord, ALIASES)
        try:
            rec = IncidentRecord.model_validate(known)
        except ValidationError as exc:
            errors.append((line, "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors())))
            continue
        if rec.service is None:
            rec.service = _component_service(extra, services)  # a status page's components ("Label API")
        if rec.service is not None and rec.service not in services:
            lowered = {k.lower(): k for k in services}
            if rec.service.lower() in lowered:
                rec.service = lowered[rec.service.lower()]
            else:
                errors.append((line, unknown_name(rec.service, "service", services, "; import services first")))
                continue
        for name in extra:
            unknown.setdefault(name, []).append(line)
        rows.append((line, rec, extra))
    return rows, errors, unknown


def unknown_fields_warning(unknown: dict[str, list[int]]) -> str | None:
    if not unknown:
        return None
    parts = []
    for name, lines in sorted(unknown.items()):
        where = f"line {lines[0]}" if len(lines) == 1 else f"{len(lines)} rows from line {lines[0]}"
        parts.append(f"{name!r} ({where})")
    return "unknown field(s) kept as metadata: " + ", ".join(parts)


def import_incidents(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    with conn.cursor() as cur:
        services = ids_by_name(cur, "services", "name", org_id)
    rows, errors, unknown = validate_records(read_records(path, [*IncidentRecord.model_fields, *ALIASES]), services)
    check_duplicates([(line, r) for line, r, _ in rows], lambda r: r.external_id, "incident", errors)
    reject_if(errors, "incidents", path)
    if not rows:
        raise ImportRejected("incidents", path, [(1, "no incidents in the file")])
    with conn.transaction(), conn.cursor() as cur:
        for _, r, extra in rows:
            cur.execute(
                """INSERT INTO incidents (org_id, external_id, title, service_id, severity, status, started_at,
                       detected_at, resolved_at, summary, extra)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, external_id) DO UPDATE SET title = EXCLUDED.title,
                       service_id = EXCLUDED.service_id, severity = EXCLUDED.severity, status = EXCLUDED.status,
                       started_at = EXCLUDED.started_at, detected_at = EXCLUDED.detected_at,
                       resolved_at = EXCLUDED.resolved_at, summary = EXCLUDED.summary, extra = EXCLUDED.extra""",
                (org_id, r.external_id, r.title, services.get(r.service) if r.service else None, r.severity,
                 r.status, r.started_at, r.detected_at, r.resolved_at, r.summary, Jsonb(redact_json(extra))),
            )
    warning = unknown_fields_warning(unknown)
    kept = sum(1 for _, _, e in rows if e)
    result = ImportResult("incidents", len(rows), {"with_metadata": kept} if kept else {})
    if warning:
        result.warnings.append(warning)
    return result
