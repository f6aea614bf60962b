"""``opsgraph import KIND FILE``: validate everything, then write everything.

Every row is validated (Pydantic for JSON records, vectorised checks for the
large CSVs) and every reference is resolved *before* anything is written; a
file with one bad row is rejected whole, with each problem reported as
``line N: reason``. Writes are upserts on natural keys, so importing the same
file twice changes nothing the second time.

Formats (examples in ``docs/import-examples/``):

- ``kpis`` CSV ``date,station,kpi,value`` or a wide sheet (:mod:`store.importers_sheet`);
  ``metrics`` CSV ``ts,service,metric,value``
- ``stations``, ``kpi-definitions``, ``services``, ``deployments``,
  ``config-changes``, ``commits``, ``tickets``, ``runbooks``: JSON (an array
  of objects, or an API's object wrapping one), JSONL (one object per line) or a CSV export (one record
  per row); ``incidents``, ``metric-roles`` and ``freeze-windows`` (:mod:`store.importers_freeze`) too. Other tools' field names and value shapes are read by
  :mod:`store.importers_fields` and :mod:`store.importers_values`.

Modules: the row models in :mod:`store.importers_rows`, reading files and the shared checks in
:mod:`store.importers_files` (KPI spreadsheets in :mod:`store.importers_sheet`), the CSV kinds in :mod:`store.importers_csv`, the JSON kinds in
:mod:`store.importers_json` (incidents in :mod:`store.importers_incidents`), unknown fields kept in ``extra`` by
:mod:`store.importers_extra`; this module registers the kinds and runs one import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg

from store.import_errors import MAX_ERRORS_SHOWN, ImportRejected
from store.importers_csv import import_kpis, import_metrics
from store.importers_extra import install
from store.importers_files import ImportResult, read_records
from store.importers_freeze import FreezeWindowRow, import_freeze_windows
from store.importers_incidents import import_incidents
from store.importers_json import (
    import_commits,
    import_config_changes,
    import_deployments,
    import_kpi_definitions,
    import_metric_roles,
    import_runbooks,
    import_services,
    import_stations,
    import_tickets,
)
from store.importers_limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_JSON_DEPTH, MAX_ROW_CHARS
from store.importers_rows import (
    CommitFileRow,
    CommitRow,
    ConfigChangeRow,
    DeploymentRow,
    KpiDefinitionRow,
    MetricRoleRow,
    RunbookRow,
    ServiceRow,
    StationRow,
    in_utc_range,
)
from store.importers_tables import read_text
from store.importers_values import file_zone, times_in_zone
from store.ticket_rows import TicketRow
from store.ticket_words import TICKET_PRIORITY_WORDS

__all__ = [
    "IMPORTERS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_ERRORS_SHOWN",
    "MAX_JSON_DEPTH",
    "MAX_ROW_CHARS",
    "TICKET_PRIORITY_WORDS",
    "CommitFileRow",
    "CommitRow",
    "ConfigChangeRow",
    "DeploymentRow",
    "FreezeWindowRow",
    "ImportRejected",
    "ImportResult",
    "KpiDefinitionRow",
    "MetricRoleRow",
    "RunbookRow",
    "ServiceRow",
    "StationRow",
    "TicketRow",
    "choose_org",
    "in_utc_range",
    "read_records",
    "read_text",
    "run_import",
]

IMPORTERS: dict[str, Callable[[psycopg.Connection, int, Path], ImportResult]] = {
    "kpis": import_kpis,
    "metrics": import_metrics,
    "stations": import_stations,
    "kpi-definitions": import_kpi_definitions,
    "services": import_services,
    "deployments": import_deployments,
    "config-changes": import_config_changes,
    "commits": import_commits,
    "tickets": import_tickets,
    "runbooks": import_runbooks,
    "metric-roles": import_metric_roles,
    "incidents": import_incidents,
    "freeze-windows": import_freeze_windows,
}
install(IMPORTERS)  # unknown fields of JSON kinds are kept (``extra``) with a warning, not rejected


def choose_org(conn: psycopg.Connection, org_slug: str | None) -> str:
    """The organisation an import without ``--org`` writes into: the only one there is. With several, the user
    must say which (a file must never land in another organisation's data by default); with none, how to make one."""
    if org_slug:
        return org_slug
    orgs = [r[0] for r in conn.execute("SELECT slug FROM orgs ORDER BY slug")]
    if len(orgs) == 1:
        return str(orgs[0])
    if not orgs:
        raise ValueError("no organisation exists yet; create one with: opsgraph keys create --org SLUG --role admin "
                         "(or load the demo with: opsgraph seed)")
    raise ValueError(f"{len(orgs)} organisations exist ({', '.join(orgs)}); say which one to import into with --org")


def run_import(conn: psycopg.Connection, org_slug: str, kind: str, path: Path, tz: str | None = None) -> ImportResult:
    """Import ``path`` as ``kind`` into organisation ``org_slug`` (all or nothing). ``tz`` names the zone the file's
    times without one are in (``Europe/Oslo``, ``UTC``, ``+01:00``); without it such times are refused."""
    zone = file_zone(tz) if tz is not None else None
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}; choose one of {', '.join(IMPORTERS)}")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    row = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org_slug,)).fetchone()
    if row is None:
        orgs = [r[0] for r in conn.execute("SELECT slug FROM orgs ORDER BY slug")]
        raise ValueError(
            f"organisation {org_slug!r} does not exist (known: {', '.join(orgs) or 'none'}); "
            f"create it with: opsgraph keys create --org {org_slug} --role admin"
        )
    try:
        with times_in_zone(zone):
            return IMPORTERS[kind](conn, row[0], path)
    except ImportRejected as exc:
        exc.kind = kind
        raise
    except psycopg.errors.DataError as exc:  # a value validation let through; nothing was committed
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportRejected(kind, path, [(0, f"a value cannot be stored ({reason})")]) from None
