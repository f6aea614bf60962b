"""The CSV import kinds: ``kpis`` (``date,station,kpi,value``) and ``metrics`` (``ts,service,metric,value``), each
long or wide (one sheet reader, :func:`store.importers_sheet.read_layout`), checked column-wise (vectorised) and
written with one bulk upsert each.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg

from store.bulk import upsert_frame
from store.import_errors import ImportRejected
from store.importers_files import ImportResult, ids_by_name, unknown_name
from store.importers_sheet import _HEADER_UNIT, Catalog, Layout, read_layout, read_sheet
from store.importers_tables import csv_errors, drop_blank_values
from store.importers_times import _EPOCH_MAX, _EPOCH_MIN
from store.importers_values import current_file_zone, number, period, same_unit
from store.names import close_matches, did_you_mean


def _periods(raw: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """``(first day, period length, reasons)`` per cell (see :func:`store.importers_values.period`); cells that
    are not a period get NaT and their reason."""
    days: dict[str, object] = {}
    kinds: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for cell in raw.unique():
        try:
            days[cell], kinds[cell] = period(cell)
        except ValueError as exc:
            reasons[cell] = str(exc)
    return pd.to_datetime(raw.map(days), errors="coerce"), raw.map(kinds), reasons


_DOT_GROUPS = r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+%?"
_DOT_DECIMAL = r"[+-]?\d*\.\d+%?"


def _dot_marks(text: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """Where the decimal mark is a comma, what a point means — decided by the file, never guessed per cell: with
    decimal commas in the file, ``1.234`` is 1234 (a ``2.5`` beside them mixes the marks and is refused); with
    decimal points (``2.5``) it is 1.234; with neither, ``1.234`` alone could be either and is refused."""
    groups = text.str.fullmatch(_DOT_GROUPS)
    points = text.str.fullmatch(_DOT_DECIMAL) & ~groups
    commas = text.str.contains(",", regex=False)
    reasons: dict[str, str] = {}
    if commas.any():
        for cell in text[points].unique():
            reasons[cell] = (f"{cell!r} has a decimal point, but this file's other values have a decimal comma; "
                             "use one decimal mark")
        return text.where(~groups, text.str.replace(".", "", regex=False)), reasons
    if not points.any():
        for cell in text[groups].unique():
            reasons[cell] = (f"{cell!r} could be {cell.replace('.', '')} (a thousands point) or a decimal; "
                             f"write {cell.replace('.', '')} or {cell.replace('.', ',')}")
    return text, reasons


def _numbers(raw: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """``(value, is_percent, reasons)``: plain numbers in one vectorised pass, the rest (``87.5%``, ``1 234``,
    ``="42"`` …) through :func:`store.importers_values.number`; reasons are keyed by the cell as written."""
    text = raw.str.strip()
    reasons: dict[str, str] = {}
    if decimal_comma:
        text, dots = _dot_marks(text)
        reasons = {raw_cell: dots[cell] for raw_cell, cell in zip(raw, raw.str.strip(), strict=True) if cell in dots}
        text = text.str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True)
    value = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, copy=True)
    value[~np.isfinite(value)] = np.nan
    if reasons:
        value[raw.isin(list(reasons)).to_numpy()] = np.nan
    percent = np.zeros(len(raw), dtype=bool)
    todo = np.flatnonzero(np.isnan(value))
    parsed: dict[str, tuple[float, bool]] = {}
    for i in todo:
        cell = raw.iat[int(i)]
        if cell not in parsed and cell not in reasons:
            try:
                parsed[cell] = number(text.iat[int(i)], decimal_comma=decimal_comma)
            except ValueError as exc:
                reasons[cell] = str(exc).replace(repr(text.iat[int(i)]), repr(cell.strip()))
        if cell in parsed:
            value[i], percent[i] = parsed[cell]
    return pd.Series(value, index=raw.index), pd.Series(percent, index=raw.index), reasons


def import_kpis(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    catalog = Catalog.load(conn, org_id)
    sheet = read_sheet(path, catalog)
    errors = list(sheet.errors)
    if errors:
        raise ImportRejected("kpis", path, sorted(errors))
    frame, warnings = drop_blank_values(sheet.rows)
    warnings = sheet.warnings + warnings
    stations, kpis = catalog.stations, catalog.kpis
    day, length, bad_day = _periods(frame["date"].str.strip())
    value, percent, bad_value = _numbers(frame["value"], sheet.decimal_comma)
    station = frame["station"].str.strip().str.upper()
    kpi = frame["kpi"].map({c: catalog.kpi(c)[0] or c.strip().upper() for c in frame["kpi"].unique()})  # code/name/alias
    errors += csv_errors(day.isna().to_numpy(), frame, lambda r: f"date {bad_day[r['date'].strip()]}")
    errors += csv_errors(value.isna().to_numpy(), frame,
                         lambda r: bad_value.get(r["value"], f"{r['value'].strip()!r} is not a number")
                         .replace("'", "value '", 1))
    lengths = length.dropna()
    if lengths.nunique() > 1:
        usual = lengths.mode().iloc[0]
        errors += csv_errors((length.notna() & (length != usual)).to_numpy(), frame,
                             lambda r: f"date {r['date'].strip()!r} is a {period(r['date'].strip())[1]}, but the file's "
                                       f"other dates are {usual}s; one period length per file")
    elif len(lengths) and lengths.iloc[0] != "day":
        first = lengths.iloc[0]
        warnings.append(f"dates are {first}s: each value is stored on the {first}'s first day"
                        + (" (its Monday)" if first == "week" else ""))
    not_pct = {k for k, unit in catalog.units.items() if unit and not same_unit(unit, "%")}
    frame = frame.assign(code=kpi)
    errors += csv_errors((percent & kpi.isin(not_pct)).to_numpy(), frame,
                         lambda r: f"value {r['value'].strip()!r} is a percentage, but KPI {r['code']} "
                                   f"is measured in {catalog.units[r['code']]!r}")
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
           & ~np.isnan(out["kpi_id"].to_numpy(dtype=float)) & ~np.isnan(out["station_id"].to_numpy(dtype=float))
           & day.notna().to_numpy())  # rows of an unknown station are said as that, not as duplicates
    errors += csv_errors(dup, frame, lambda r: f"duplicate point for {r['kpi'].strip()} at {r['station'].strip()} "
                                               f"on {r['date'].strip()}")
    if errors:
        raise ImportRejected("kpis", path, sorted(errors))
    if out.empty:
        raise ImportRejected("kpis", path, [(1, "no values in the file")])
    out["kpi_id"] = out["kpi_id"].astype(int)
    out["station_id"] = out["station_id"].astype(int)
    with conn.transaction(), conn.cursor() as cur:
        n = upsert_frame(cur, "kpi_points", out, list(out.columns), ["kpi_id", "station_id", "day"], ["value"])
    return ImportResult("kpis", n, warnings=warnings)


METRIC_COLUMNS = {
    "ts": ("timestamp", "time", "datetime", "date_time"),
    "service": ("service_name", "app", "application", "component"),
    "metric": ("metric_name", "series"),
    "value": ("val", "reading"),
}
_METRIC_NAME = r"[a-z][a-z0-9_]{0,63}"


def metric_name(header: str) -> str:
    """A metric column's header as a metric name: ``Error Rate (%)`` → ``error_rate``, ``p99-ms`` → ``p99_ms``."""
    label = _HEADER_UNIT.sub(r"\1", header.strip()) if _HEADER_UNIT.match(header.strip()) else header.strip()
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def metrics_layout(services: dict[str, int]) -> Layout:
    lowered = {k.lower(): k for k in services}

    def metric_column(header: str) -> tuple[str | None, str, str]:
        name = metric_name(header)
        if re.fullmatch(_METRIC_NAME, name):
            return name, "", ""
        return None, "", f"column {header.strip()!r} is not a metric name (letters, digits and _; starting with a letter)"

    def service_column(header: str) -> tuple[str | None, str, str]:
        name = lowered.get(header.strip().lower())
        if name:
            return name, "", ""
        return None, "", (f"column {header.strip()!r} is not a known service{did_you_mean(close_matches(header, services))}"
                          "; import services first, or remove the column")

    return Layout(time="ts", row="service", col="metric", columns=METRIC_COLUMNS, row_label="service",
                  col_label="metric", col_header=metric_column, row_header=service_column, free_names=True)


def _epoch_as_iso(cells: pd.Series) -> pd.Series:
    """Epoch seconds or milliseconds (a Prometheus or InfluxDB dump's ``1790812800``) as ISO text in UTC; a number
    outside 2000–2100 either way (``20260305``) is left as written, to be refused as no timestamp."""
    text = cells.str.strip()
    numeric = text.str.fullmatch(r"\d{9,13}(?:\.\d+)?").fillna(False).astype(bool)
    if not numeric.any():
        return cells
    n = pd.to_numeric(text[numeric])
    seconds = n.where(n <= 2e10, n / 1000)
    ok = seconds.between(_EPOCH_MIN, _EPOCH_MAX)
    iso = pd.to_datetime(seconds[ok], unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return cells.where(~numeric | ~ok.reindex(cells.index, fill_value=False), iso.reindex(cells.index))


def import_metrics(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    """Service telemetry, long (``ts, service, metric, value``) or wide (``ts, service`` and a column per metric, or
    ``ts, metric`` and a column per service); numbers as :func:`_numbers` reads them (thousands separators, decimal
    commas in ``;``/tab files)."""
    with conn.cursor() as cur:
        services = ids_by_name(cur, "services", "name", org_id)
    sheet = read_layout(path, metrics_layout(services))
    if sheet.errors:
        raise ImportRejected("metrics", path, sorted(sheet.errors))
    frame, warnings = drop_blank_values(sheet.rows)
    warnings = sheet.warnings + warnings
    errors: list[tuple[int, str]] = []
    frame["ts"] = _epoch_as_iso(frame["ts"])
    ts = pd.to_datetime(frame["ts"].str.strip(), errors="coerce", utc=True, format="ISO8601")
    naive = ~frame["ts"].str.strip().str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    text_ts = frame["ts"].str.strip()
    zone = current_file_zone()  # opsgraph import --tz: times without a zone are in this one
    clock_change = pd.Series(False, index=frame.index)
    if zone is not None and naive.any():
        local = pd.to_datetime(text_ts[naive], errors="coerce", format="ISO8601")
        zoned = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        clock_change = (local.notna() & zoned.isna()).reindex(frame.index, fill_value=False)
        ts = ts.where(~naive, zoned.reindex(frame.index))
        text_ts = text_ts.where(~naive, zoned.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").reindex(frame.index))
        naive = pd.Series(False, index=frame.index)
    value, _percent, bad_value = _numbers(frame["value"], sheet.decimal_comma)
    lowered = {k.lower(): k for k in services}
    service = frame["service"].str.strip().map(lambda name: name if name in services else lowered.get(name.lower(), name))
    metric = frame["metric"].str.strip()
    errors += csv_errors(clock_change.to_numpy(), frame,
                         lambda r: f"ts {r['ts']!r} is repeated or skipped by a clock change in {zone}; "
                                   "write its offset (…+01:00)")
    errors += csv_errors((ts.isna() & ~clock_change).to_numpy(), frame,
                         lambda r: f"ts {r['ts']!r} is not an ISO timestamp")
    errors += csv_errors(
        (naive & ts.notna()).to_numpy(), frame, lambda r: f"ts {r['ts']!r} needs a timezone (e.g. …Z)"
    )
    year = ts.dt.year
    errors += csv_errors((ts.notna() & ((year < 1) | (year > 9999))).to_numpy(), frame,
                         lambda r: f"ts {r['ts'].strip()!r} is outside years 1-9999 once converted to UTC")
    errors += csv_errors(value.isna().to_numpy(), frame,
                         lambda r: bad_value.get(r["value"], f"{r['value'].strip()!r} is not a number")
                         .replace("'", "value '", 1))
    errors += csv_errors(
        ~service.isin(list(services)).to_numpy(),
        frame,
        lambda r: unknown_name(r["service"].strip(), "service", services, "; import services first"),
    )
    errors += csv_errors(
        ~metric.str.fullmatch(_METRIC_NAME).to_numpy(dtype=bool),
        frame,
        lambda r: f"metric {r['metric']!r} must be a lower_snake_case name",
    )
    out = pd.DataFrame({"org_id": org_id, "service_id": service.map(services), "metric": metric, "ts": ts, "value": value})
    dup = out.duplicated(["service_id", "metric", "ts"], keep="first").to_numpy() & out["service_id"].notna().to_numpy()
    errors += csv_errors(dup, frame, lambda r: f"duplicate point for {r['service']}/{r['metric']} at {r['ts']}")
    if errors:
        raise ImportRejected("metrics", path, sorted(errors))
    if out.empty:
        raise ImportRejected("metrics", path, [(1, "no values in the file")])
    out["service_id"] = out["service_id"].astype(int)
    out["ts"] = text_ts  # validated ISO 8601 with a zone: Postgres parses it as is (faster than strftime)
    with conn.transaction(), conn.cursor() as cur:
        n = upsert_frame(cur, "metric_points", out, list(out.columns), ["service_id", "metric", "ts"], ["value"])
    return ImportResult("metrics", n, warnings=warnings)
