"""Imports accept real exports: fields a JSON/JSONL record carries that opsgraph has no column for are kept in the
row's ``extra`` (JSONB) and reported as one warning, instead of rejecting the file.

:func:`keeping_unknown_fields` wraps an importer of :data:`store.importers.IMPORTERS`: it splits every record
into the fields the kind's row model knows and the rest (:func:`store.incident_records.split_fields`), runs the
importer on the known fields — written to a temporary JSON array with every object on its original line, so
``line N`` still points into the user's file — and, in the same transaction, merges the rest into ``extra`` by
the kind's natural key. A file with nothing unknown goes straight to the importer.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from store.import_errors import ImportRejected
from store.importers_files import MARKDOWN_SUFFIXES, ImportResult, kind_fields, read_records
from store.importers_freeze import FreezeWindowRow
from store.importers_incidents import unknown_fields_warning
from store.importers_rows import (
    CommitRow,
    ConfigChangeRow,
    DeploymentImportRow,
    KpiDefinitionRow,
    Row,
    RunbookRow,
    ServiceRow,
    StationRow,
)
from store.incident_records import check_storable, split_fields
from store.secrets import redact_json
from store.ticket_rows import TicketRow

Importer = Callable[[psycopg.Connection, int, Path], ImportResult]

# kind → (table, row model, natural key fields); table and columns are fixed here, never taken from input.
KINDS: dict[str, tuple[str, type[BaseModel], tuple[str, ...]]] = {
    "stations": ("stations", StationRow, ("code",)),
    "kpi-definitions": ("kpi_definitions", KpiDefinitionRow, ("code",)),
    "services": ("services", ServiceRow, ("name",)),
    "commits": ("commits", CommitRow, ("sha",)),
    "deployments": ("deployments", DeploymentImportRow, ("external_id",)),
    "config-changes": ("config_changes", ConfigChangeRow, ("external_id",)),
    "tickets": ("tickets", TicketRow, ("external_id",)),
    "runbooks": ("documents", RunbookRow, ("kind", "external_id")),
    "freeze-windows": ("freeze_windows", FreezeWindowRow, ("name", "starts_at")),
}


def _same_lines(objects: list[tuple[int, Any]]) -> str:
    """A JSON array whose objects sit on the lines they came from (``read_records`` skips extra commas)."""
    by_line: dict[int, list[str]] = {}
    for line, obj in objects:
        by_line.setdefault(line, []).append(json.dumps(obj))
    last = max(by_line) if by_line else 1
    rows = [", ".join(by_line.get(n, [])) + "," for n in range(1, last + 1)]
    return "[" + "\n".join(rows) + "]\n"


def keeping_unknown_fields(kind: str, importer: Importer) -> Importer:
    table, model, keys = KINDS[kind]

    def run(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
        if path.suffix.lower() in MARKDOWN_SUFFIXES:  # a Markdown runbook: no fields beyond its front matter
            return importer(conn, org_id, path)
        records = read_records(path, kind_fields(model))
        known_records: list[tuple[int, Any]] = []
        extras: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        unknown: dict[str, list[int]] = {}
        errors: list[tuple[int, str]] = []
        for line, obj in records:
            if not isinstance(obj, dict):
                known_records.append((line, obj))
                continue
            try:
                obj = model.unwrap(obj) if issubclass(model, Row) else obj  # a tool's resource shape, flattened
            except ValueError:  # the importer validates it again and reports the reason on its line
                known_records.append((line, obj))
                continue
            known, extra = split_fields(obj, model)
            known_records.append((line, known))
            if extra:
                bad = check_storable(extra)
                if bad:
                    errors.append((line, "; ".join(bad)))
                extras.append((line, known, extra))
                for name in extra:
                    unknown.setdefault(name, []).append(line)
        if not extras:
            return importer(conn, org_id, path)
        with tempfile.TemporaryDirectory(prefix="opsgraph-import-") as tmp:
            stripped = Path(tmp) / (path.stem + ".json")
            stripped.write_text(_same_lines(known_records), encoding="utf-8")
            try:
                with conn.transaction():
                    result = importer(conn, org_id, stripped)
                    if errors:  # only after the importer's own checks, so every bad row is reported at once
                        raise ImportRejected(kind, path, errors)
                    _merge(conn, org_id, table, model, keys, extras)
            except ImportRejected as exc:
                raise ImportRejected(kind, path, sorted({*exc.errors, *errors})) from None
        warning = unknown_fields_warning(unknown)
        if warning:
            result.warnings.append(warning)
        return result

    return run


def _merge(conn: psycopg.Connection, org_id: int, table: str, model: type[BaseModel], keys: tuple[str, ...],
           extras: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
    where = " AND ".join(f"{k} = %s" for k in keys)
    with conn.cursor() as cur:
        for _, known, extra in extras:
            row = model.model_validate(known)
            cur.execute(f"UPDATE {table} SET extra = extra || %s WHERE org_id = %s AND {where}",
                        (Jsonb(redact_json(extra)), org_id, *(getattr(row, k) for k in keys)))


def install(importers: dict[str, Importer]) -> None:
    for kind in KINDS:
        if kind in importers:
            importers[kind] = keeping_unknown_fields(kind, importers[kind])
