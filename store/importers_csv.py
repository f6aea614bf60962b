"""The CSV import kinds: ``kpis`` (``date,station,kpi,value``) and ``metrics`` (``ts,service,metric,value``),
checked column-wise (vectorised) and written with one bulk upsert each.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

from store.bulk import upsert_frame
from store.importers_files import (
    ImportRejected,
    ImportResult,
    csv_errors,
    drop_blank_values,
    ids_by_name,
    read_csv,
    unknown_name,
)

_ISO_DAY = r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_DOTTED_DAY = r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"


def _days(raw: pd.Series) -> pd.Series:
    """The day each cell names: ISO ``2026-09-01`` (a time and offset after it are ignored: the day is the one
    written, in the exporter's own zone) or day-first ``01.09.2026``. Slashed dates (``01/09/2026``) are
    ambiguous between day-first and month-first, so they are not guessed; neither is anything else."""
    text = raw.str.strip()
    iso = text.str.extract(_ISO_DAY)[0]
    dotted = text.str.extract(_DOTTED_DAY)
    iso = iso.fillna(dotted[2] + "-" + dotted[1].str.zfill(2) + "-" + dotted[0].str.zfill(2))
    return pd.to_datetime(iso, errors="coerce", format="%Y-%m-%d")


def import_kpis(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    frame, _ = read_csv(path, {"date": ("day",), "station": (), "kpi": ("kpi_code",), "value": ()})
    frame, warnings = drop_blank_values(frame)
    errors: list[tuple[int, str]] = []
    with conn.cursor() as cur:
        stations = ids_by_name(cur, "stations", "code", org_id)
        kpis = ids_by_name(cur, "kpi_definitions", "code", org_id)
    day = _days(frame["date"])
    value = pd.to_numeric(frame["value"], errors="coerce")
    station = frame["station"].str.strip().str.upper()
    kpi = frame["kpi"].str.strip().str.upper()
    errors += csv_errors(
        day.isna().to_numpy(), frame, lambda r: f"date {r['date']!r} is not a date; write YYYY-MM-DD (or DD.MM.YYYY)"
    )
    errors += csv_errors(
        (value.isna() | ~np.isfinite(value.fillna(0))).to_numpy(), frame, lambda r: f"value {r['value']!r} is not a number"
    )
    errors += csv_errors(
        ~station.isin(list(stations)).to_numpy(),
        frame,
        lambda r: unknown_name(r["station"].strip().upper(), "station", stations, "; import stations first"),
    )
    errors += csv_errors(
        ~kpi.isin(list(kpis)).to_numpy(),
        frame,
        lambda r: unknown_name(r["kpi"].strip().upper(), "KPI", kpis, "; import kpi-definitions first"),
    )
    out = pd.DataFrame(
        {"org_id": org_id, "kpi_id": kpi.map(kpis), "station_id": station.map(stations), "day": day.dt.date, "value": value}
    )
    dup = (out.duplicated(["kpi_id", "station_id", "day"], keep="first").to_numpy()
           & ~np.isnan(out["kpi_id"].to_numpy(dtype=float)) & day.notna().to_numpy())
    errors += csv_errors(dup, frame, lambda r: f"duplicate point for {r['kpi']} at {r['station']} on {r['date']}")
    if errors:
        raise ImportRejected("kpis", path, sorted(errors))
    out["kpi_id"] = out["kpi_id"].astype(int)
    out["station_id"] = out["station_id"].astype(int)
    with conn.transaction(), conn.cursor() as cur:
        n = upsert_frame(cur, "kpi_points", out, list(out.columns), ["kpi_id", "station_id", "day"], ["value"])
    return ImportResult("kpis", n, warnings=warnings)


def import_metrics(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    frame, _ = read_csv(path, {"ts": ("timestamp", "time"), "service": (), "metric": (), "value": ()})
    frame, warnings = drop_blank_values(frame)
    errors: list[tuple[int, str]] = []
    with conn.cursor() as cur:
        services = ids_by_name(cur, "services", "name", org_id)
    ts = pd.to_datetime(frame["ts"], errors="coerce", utc=True, format="ISO8601")
    naive = ~frame["ts"].str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    value = pd.to_numeric(frame["value"], errors="coerce")
    lowered = {k.lower(): k for k in services}
    service = frame["service"].str.strip().map(lambda name: name if name in services else lowered.get(name.lower(), name))
    metric = frame["metric"].str.strip()
    errors += csv_errors(ts.isna().to_numpy(), frame, lambda r: f"ts {r['ts']!r} is not an ISO timestamp")
    errors += csv_errors(
        (naive & ts.notna()).to_numpy(), frame, lambda r: f"ts {r['ts']!r} needs a timezone (e.g. …Z)"
    )
    errors += csv_errors(
        (value.isna() | ~np.isfinite(value.fillna(0))).to_numpy(), frame, lambda r: f"value {r['value']!r} is not a number"
    )
    errors += csv_errors(
        ~service.isin(list(services)).to_numpy(),
        frame,
        lambda r: unknown_name(r["service"].strip(), "service", services, "; import services first"),
    )
    errors += csv_errors(
        ~metric.str.fullmatch(r"[a-z][a-z0-9_]{0,63}").to_numpy(dtype=bool),
        frame,
        lambda r: f"metric {r['metric']!r} must be a lower_snake_case name",
    )
    out = pd.DataFrame({"org_id": org_id, "service_id": service.map(services), "metric": metric, "ts": ts, "value": value})
    dup = out.duplicated(["service_id", "metric", "ts"], keep="first").to_numpy() & out["service_id"].notna().to_numpy()
    errors += csv_errors(dup, frame, lambda r: f"duplicate point for {r['service']}/{r['metric']} at {r['ts']}")
    if errors:
        raise ImportRejected("metrics", path, sorted(errors))
    out["service_id"] = out["service_id"].astype(int)
    out["ts"] = frame["ts"].str.strip()  # validated ISO 8601 with a zone: Postgres parses it as is (faster than strftime)
    with conn.transaction(), conn.cursor() as cur:
        n = upsert_frame(cur, "metric_points", out, list(out.columns), ["service_id", "metric", "ts"], ["value"])
    return ImportResult("metrics", n, warnings=warnings)
