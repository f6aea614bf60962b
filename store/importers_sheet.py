"""KPI values (and service metrics) as a spreadsheet exports them, turned into ``(line, date, station, kpi,
value)`` rows — one reader, :func:`read_layout`, for both kinds: a :class:`Layout` names the kind's columns (``ts,
service, metric`` for metrics) and how a value column's header is read. What follows describes the KPI sheet.

Long files have ``date, station, kpi, value`` columns. Wide files have a ``date`` column, then either a
``station`` column and one column per KPI, or a ``kpi`` column and one column per station — or ``station`` and
``kpi`` columns and one column per period (``Jan 2026``, ``2026-W05`` …); a KPI column is found by its code, name
or an alias, with an optional unit after it (``Availability (%)``). A units row under
the header (its date cell empty or ``unit``) and totals rows (``Total``, ``Average`` … in the date, station or
KPI cell) are skipped with a warning; a unit that disagrees with the KPI's definition rejects the file. Columns
that are neither known nor hold numbers (notes) are ignored with a warning; a numeric column that names nothing
known is rejected with the closest names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg

from store.importers_tables import find_columns, read_table
from store.importers_values import is_total, number, period, same_unit
from store.names import close_matches, did_you_mean

ID_COLUMNS = {
    "date": ("day", "period", "month", "week", "datum", "fecha", "business_date", "report_date", "reporting_date",
             "calendar_date", "as_of_date", "snapshot_date"),
    "station": ("site", "station_code", "site_code", "location"),
    "kpi": ("kpi_code", "indicator", "measure"),
    "value": ("val", "amount"),
}
UNIT_LABELS = {"", "unit", "units", "uom", "einheit", "unité", "unidad"}
_HEADER_UNIT = re.compile(r"^(.*?)\s*[(\[]\s*([^)\]]*)\s*[)\]]\s*$")


@dataclass
class Catalog:
    """The organisation's stations and KPIs, as a file may name them."""

    stations: dict[str, int]
    kpis: dict[str, int]
    units: dict[str, str]
    kpi_names: dict[str, str]  # code, name or alias, case-folded → code

    @classmethod
    def load(cls, conn: psycopg.Connection, org_id: int) -> Catalog:
        stations = {code: i for i, code in conn.execute("SELECT id, code FROM stations WHERE org_id = %s", (org_id,))}
        kpis: dict[str, int] = {}
        units: dict[str, str] = {}
        names: dict[str, str] = {}
        for i, code, name, aliases, unit in conn.execute(
                "SELECT id, code, name, aliases, unit FROM kpi_definitions WHERE org_id = %s ORDER BY code", (org_id,)):
            kpis[code], units[code] = i, unit or ""
            for label in (name, *(aliases or [])):
                names.setdefault(" ".join(str(label).casefold().split()), code)
        for code in kpis:  # codes win over another KPI's name or alias
            names[code.casefold()] = code
        return cls(stations, kpis, units, names)

    def kpi(self, header: str) -> tuple[str | None, str]:
        """``(code, unit written in the header)`` for a column header such as ``Availability (%)``."""
        label, unit = header.strip(), ""
        m = _HEADER_UNIT.match(label)
        for text, u in ((label, ""), *(((m.group(1), m.group(2)),) if m else ())):
            code = self.kpi_names.get(" ".join(text.casefold().split()))
            if code:
                return code, u
        return None, unit

    def station(self, header: str) -> str | None:
        code = header.strip().upper()
        return code if code in self.stations else None


@dataclass
class Sheet:
    rows: pd.DataFrame  # index = line - 2; columns date, station, kpi, value (text)
    decimal_comma: bool
    warnings: list[str]
    errors: list[tuple[int, str]]


def _numeric(cells: pd.Series, decimal_comma: bool) -> pd.Series:
    def ok(cell: str) -> bool:
        try:
            number(cell, decimal_comma=decimal_comma)
            return True
        except ValueError:
            return False
    return cells.map(ok)


def _lines(index: pd.Index) -> str:
    lines = [int(i) + 2 for i in index]
    return ", ".join(map(str, lines[:5])) + (" …" if len(lines) > 5 else "")


Resolver = Callable[[str], tuple[str | None, str, str]]  # column header → (key, unit in the header, why not)


@dataclass
class Layout:
    """How one import kind's sheets look: its time, row-key and column-key columns (``date, station, kpi``;
    ``ts, service, metric``), and how a value column's header is read when the columns are the column key's
    values (a column per KPI / metric) or the row key's values (a column per station / service)."""

    time: str
    row: str
    col: str
    columns: dict[str, tuple[str, ...]]  # canonical name → accepted aliases (time, row, col, value)
    row_label: str
    col_label: str
    col_header: Resolver  # a column per col-key value ("Availability (%)" → a KPI code)
    row_header: Resolver  # a column per row-key value ("SITE-7" → a station)
    by_period: bool = False  # row and col columns with one column per period ("Jan 2026")
    free_names: bool = False  # any header can be a col-key value (metric names): a column with no numbers is a note
    unit_error: Callable[[str, str, str], str | None] = lambda _column, _key, _unit: None
    row_value: Callable[[str], str | None] | None = None  # a cell naming a known row key (a station's code)
    no_rows_yet: str = ""  # said when no row key is known yet ("no stations are imported yet: …")


def kpi_layout(catalog: Catalog) -> Layout:
    def unit_error(column: str, code: str, unit: str) -> str | None:
        if unit and catalog.units.get(code) and not same_unit(unit, catalog.units[code]):
            return (f"column {column.strip()!r} is in {unit!r} but KPI {code} is defined in "
                    f"{catalog.units[code]!r}; convert the values or fix the definition")
        return None

    return Layout(time="date", row="station", col="kpi", columns=ID_COLUMNS, row_label="station", col_label="KPI",
                  col_header=lambda c: _column(c, "KPI", catalog), row_header=lambda c: _column(c, "station", catalog),
                  by_period=True, unit_error=unit_error, row_value=catalog.station,
                  no_rows_yet="" if catalog.stations else "no stations are imported yet: import stations first, "
                                                             "then this file")


def read_sheet(path: Path, catalog: Catalog) -> Sheet:
    """KPI values from a long or wide sheet (see the module docstring)."""
    return read_layout(path, kpi_layout(catalog))


def read_layout(path: Path, layout: Layout) -> Sheet:
    """``(line, time, row key, column key, value)`` rows of a long or wide sheet of ``layout``; shapes that could
    be read more than one way are refused with the line of the header and the shapes accepted."""
    frame, sep = read_table(path)
    header = frame.attrs.get("header_line", 1)
    frame.columns = [str(c) for c in frame.columns]
    comma = sep != ","
    T, R, C = layout.time, layout.row, layout.col
    cols = find_columns(frame, layout.columns)
    warnings: list[str] = []
    if R not in cols and C not in cols and (named := _row_key_column(frame, cols, layout)):
        cols[R] = named  # a "Gym" or "Depot" column whose every cell is a known station's code
        warnings.append(f"column {named.strip()!r} read as the {R} (every cell is a known {layout.row_label} code)")
    errors: list[tuple[int, str]] = []
    long = C in cols and "value" in cols
    by_period = layout.by_period and T not in cols and R in cols and C in cols and "value" not in cols
    shapes = (f"give {T}, {R}, {C}, value columns, or {T} and {R} with one column per {layout.col_label}, "
              f"or {T} and {C} with one column per {layout.row_label}")
    if T not in cols and not by_period:
        aliases = ", ".join(layout.columns[T][:4])
        tail = f", or {R} and {C} columns with one column per period" if layout.by_period else ""
        return Sheet(frame.iloc[0:0], comma, [], [(header, f"missing column {T} (or {aliases}){tail}; "
                                                           f"header is {', '.join(frame.columns)}")])
    ids = [cols[c] for c in (T, R, C) if c in cols]
    others = [c for c in frame.columns if c not in cols.values()]
    # a units row: the first row, time cell empty or "unit", no number where values are
    units: dict[str, str] = {}
    if len(frame) and T in cols:
        first = frame.iloc[0]
        value_cols = [cols["value"]] if long else others
        if (first[cols[T]].strip().lower() in UNIT_LABELS and value_cols
                and not _numeric(first[value_cols], comma).any()):
            units = {c: first[c].strip() for c in value_cols}
            warnings.append(f"line {int(frame.index[0]) + 2}: units row skipped")
            frame = frame.iloc[1:]
    total = frame[ids].apply(lambda c: c.map({v: is_total(v) for v in c.unique()})).any(axis=1)
    if total.any():
        warnings.append(f"{int(total.sum())} totals row(s) skipped (line(s) {_lines(frame.index[total])})")
        frame = frame[~total]
    if long:
        out = frame.rename(columns={cols[c]: c for c in (T, R, C, "value") if c in cols})
        if R not in out and len(others) == 1:  # the organisation's own word for its places ("clinic", "port")
            out = out.rename(columns={others[0]: R})
            warnings.append(f"column {others[0].strip()!r} read as the {R} (the one column left)")
        if R not in out:
            errors.append((header, f"missing column {R}; header is {', '.join(frame.columns)}"))
            return Sheet(frame.iloc[0:0], comma, warnings, errors)
        return Sheet(out[[T, R, C, "value"]], comma, warnings, errors)
    if not by_period and (R in cols) == (C in cols):
        reason = (f"has both a {R} and a {C} column but no value column" if R in cols else
                  f"has no {R} or {C} column: {shapes}" + (f" ({layout.no_rows_yet})" if layout.no_rows_yet else ""))
        return Sheet(frame.iloc[0:0], comma, warnings, [(header, f"the file {reason}")])
    axis = "period" if by_period else layout.col_label if R in cols else layout.row_label
    resolve = layout.col_header if axis == layout.col_label else layout.row_header
    parts = []
    for column in others:
        if is_total(column):
            warnings.append(f"column {column.strip()!r} skipped (a total, not a {axis})")
            continue
        if axis == "period":
            try:
                period(column)
                code, unit, reason = column.strip(), "", ""
            except ValueError as exc:
                code, unit, reason = None, "", f"column {exc}"
        elif layout.free_names and axis == layout.col_label and not _numeric(
                frame[column][frame[column].str.strip() != ""], comma).any():
            code, unit, reason = None, "", ""  # text only (notes, hosts): not a metric
        else:
            code, unit, reason = resolve(column)
        unit = units.get(column, "") or unit
        if code is None:
            cells = frame[column][frame[column].str.strip() != ""]
            if cells.empty or not _numeric(cells, comma).any():
                warnings.append(f"column {column.strip()!r} ignored (no numbers; not a {axis})")
            else:
                errors.append((header, reason))
            continue
        if axis == layout.col_label and (bad := layout.unit_error(column, code, unit)):
            errors.append((header, bad))
        part = pd.DataFrame({"value": frame[column]}, index=frame.index)
        part[T] = column.strip() if axis == "period" else frame[cols[T]]
        part[R] = code if axis == layout.row_label else frame[cols[R]]
        part[C] = code if axis == layout.col_label else frame[cols[C]]
        parts.append(part)
    if not parts and not errors:
        errors.append((header, f"no column names a {'known ' if axis != 'period' else ''}{axis}; "
                               f"header is {', '.join(frame.columns)}"))
    if errors or not parts:
        return Sheet(frame.iloc[0:0], comma, warnings, errors)
    rows = pd.concat(parts)
    blank = rows["value"].str.strip() == ""
    rows = rows[~blank]  # an empty cell of a wide sheet: no value then
    return Sheet(rows[[T, R, C, "value"]], comma, warnings, errors)


def _row_key_column(frame: pd.DataFrame, cols: dict[str, str], layout: Layout) -> str | None:
    """The one column, under a name of the organisation's own, whose non-empty cells are all known row keys."""
    if layout.row_value is None:
        return None
    found = []
    for column in frame.columns:
        if column in cols.values():
            continue
        cells = frame[column][frame[column].str.strip() != ""]
        if not cells.empty and all(layout.row_value(v) for v in cells.unique()):
            found.append(column)
    return found[0] if len(found) == 1 else None


def _column(column: str, axis: str, catalog: Catalog) -> tuple[str | None, str, str]:
    """``(KPI code, station code or period text; the unit in the header; why not)`` for a value column."""
    if axis == "KPI":
        code, unit = catalog.kpi(column)
        known, hint = list(catalog.kpi_names), "import kpi-definitions first"
    else:
        code, unit = catalog.station(column), ""
        known, hint = list(catalog.stations), "import stations first"
    return code, unit, (f"column {column.strip()!r} is not a known {axis}{did_you_mean(close_matches(column, known))}; "
                        f"{hint}, or remove the column")
