"""CSV input for ``opsgraph analyze``: one dated metric column → XmR analysis JSON.

:func:`analyze_csv` reads a CSV, finds its date column and a numeric value
column, sorts rows by date and returns :meth:`SeriesAnalysis.to_json` of the
series plus a few descriptive keys.  Empty, ``NaN`` or non-numeric cells in
the value column are gaps (missing values), which the analysis skips; an
infinite value (``inf``, ``-inf``, ``1e999``) among them is refused with
``line N: reason`` (it is no measurement, and would wreck every limit).

pandas is imported lazily so importing :mod:`tools.control_limits` stays cheap.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.control_limits.analysis import analyze_series

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["DATE_COLUMN_NAMES", "analyze_csv", "find_date_column", "numeric_columns"]

#: Column names recognised as the date column (case-insensitive), in preference order.
DATE_COLUMN_NAMES: tuple[str, ...] = ("date", "day", "timestamp", "time", "ts", "week")
_PARSE_SHARE = 0.8  # share of non-empty cells that must parse for a column to count


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", str(name).strip().lower()) if t]


def _epoch_unit(col: pd.Series) -> str | None:
    """``"s"``/``"ms"`` when a numeric column looks like Unix epoch timestamps."""
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return None
    v = col.dropna()
    if v.empty:
        return None
    lo, hi = float(v.min()), float(v.max())
    if 1e8 <= lo and hi < 1e10:
        return "s"
    if 1e11 <= lo and hi < 1e13:
        return "ms"
    return None


def _parse_dates(col: pd.Series) -> pd.Series:
    """Datetimes for a date column (NaT where a cell does not parse)."""
    import warnings

    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    unit = _epoch_unit(col)
    if unit is not None:
        return pd.to_datetime(col, unit=unit, errors="coerce")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(col.astype("string"), errors="coerce", format="mixed")


def _parses_as_dates(col: pd.Series, *, allow_epoch: bool = False) -> bool:
    """Whether at least 80% of the non-empty cells are dates.

    Bare numbers only count as dates (Unix epoch seconds/milliseconds) when
    ``allow_epoch`` is set, i.e. for a column whose *name* says it is a date.
    """
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(col):
        return True
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return allow_epoch and _epoch_unit(col) is not None
    s = col.dropna().astype(str).str.strip()
    s = s[s != ""]
    if s.empty or bool(s.str.fullmatch(r"[-+]?\d+(\.\d*)?").all()):
        return False
    try:
        parsed = _parse_dates(s)
    except (ValueError, TypeError, OverflowError):
        return False
    return bool(parsed.notna().mean() >= _PARSE_SHARE)


def find_date_column(df: pd.DataFrame) -> str | None:
    """Name of the date column: by name first (exact, then as a word), else by parseability."""
    cols = [str(c) for c in df.columns]
    lowered = {c: c.strip().lower() for c in cols}
    for wanted in DATE_COLUMN_NAMES:
        for c in cols:
            if lowered[c] == wanted and _parses_as_dates(df[c], allow_epoch=True):
                return c
    for wanted in DATE_COLUMN_NAMES:
        for c in cols:
            if wanted in _tokens(c) and _parses_as_dates(df[c], allow_epoch=True):
                return c
    for c in cols:
        if _parses_as_dates(df[c]):
            return c
    return None


def _as_numeric(col: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    s = col.astype("string").str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(s, errors="coerce").astype(float)


def _is_numeric_column(col: pd.Series) -> bool:
    import pandas as pd

    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    present = col.dropna().astype(str).str.strip()
    present = present[present != ""]
    if present.empty:
        return False
    return bool(_as_numeric(present).notna().mean() >= _PARSE_SHARE)


def numeric_columns(df: pd.DataFrame, exclude: str | None = None) -> list[str]:
    """Columns that hold numbers (at least 80% of non-empty cells numeric)."""
    return [str(c) for c in df.columns if str(c) != exclude and _is_numeric_column(df[c])]


def _iso_dates(dates: pd.Series) -> list[str | None]:
    """ISO strings; date-only (``YYYY-MM-DD``) when every timestamp is at midnight."""
    import pandas as pd

    dt = pd.DatetimeIndex(dates)
    if dt.tz is None and bool((dt.dropna() == dt.dropna().normalize()).all()):
        return [None if pd.isna(d) else d.date().isoformat() for d in dt]
    return [None if pd.isna(d) else d.isoformat() for d in dt]


def analyze_csv(
    path: str | Path,
    column: str | None = None,
    *,
    higher_is_better: bool | None = None,
    filters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Analyse one metric column of a dated CSV with Wheeler XmR stages and signals.

    ``filters`` (``{column: value}``) keeps only the matching rows first (one station of a multi-station
    export); without one, a file holding several series on the same dates is refused with the values to
    pick from, never silently merged into one series.

    The date column is found by name (``date``, ``day``, ``timestamp``,
    ``time``, ``ts``, ``week``; exact or as a word such as ``order_date``;
    such a column may also hold Unix epoch seconds/milliseconds) or else as
    the first column whose cells parse as dates.  ``column`` selects
    the value column; by default the first numeric column other than the date
    column is used.  Rows are sorted by date (rows whose date does not parse
    are dropped); empty/non-numeric values are gaps.

    Returns :meth:`SeriesAnalysis.to_json` (``{"stages": [...], "signals":
    [...], ...}`` with ISO dates) plus ``column``, ``date_column``, ``path``.

    Raises:
        ValueError: missing file, unreadable/empty CSV, no date column, unknown
            or non-numeric ``column`` (the message lists the numeric columns),
            no numeric column, fewer than 2 values.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise ValueError(f"CSV file not found: {p}")
    try:
        # blank lines kept (then dropped) so that ``index + 2`` is each row's line in the file
        df = pd.read_csv(p, skipinitialspace=True, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"CSV file is empty: {p}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"could not parse CSV file {p}: {exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    df = df.dropna(how="all")
    if df.empty:
        raise ValueError(f"CSV file has no data rows: {p}")

    df = apply_filters(df, filters or {}, p.name)

    date_col = find_date_column(df)
    if date_col is None:
        raise ValueError(
            f"no date/timestamp column found in {p.name}: expected a column named one of "
            f"{', '.join(DATE_COLUMN_NAMES)} or a column of parseable dates "
            f"(columns: {', '.join(map(str, df.columns))})"
        )
    available = numeric_columns(df, exclude=date_col)
    if column is not None:
        if column not in df.columns:
            raise ValueError(
                f"column {column!r} not found in {p.name}; available numeric columns: "
                f"{', '.join(available) if available else '(none)'}"
            )
        if column == date_col or column not in available:
            raise ValueError(
                f"column {column!r} is not numeric; available numeric columns: "
                f"{', '.join(available) if available else '(none)'}"
            )
        value_col = column
    else:
        if not available:
            raise ValueError(
                f"no numeric column found in {p.name} "
                f"(columns: {', '.join(map(str, df.columns))})"
            )
        value_col = available[0]

    dates = _parse_dates(df[date_col])
    if not filters:
        _refuse_merged_series(df, dates, date_col, value_col, p.name)
    frame = pd.DataFrame({"date": dates, "value": _as_numeric(df[value_col])})
    frame = frame[frame["date"].notna()]
    _refuse_infinite(frame["value"], value_col, p)
    frame = frame.sort_values("date", kind="stable")
    values = frame["value"].to_numpy(dtype=float)
    n_values = int((~pd.isna(values)).sum())
    if n_values < 2:
        raise ValueError(
            f"column {value_col!r} has {n_values} numeric value(s) with a valid date; "
            "at least 2 are needed"
        )
    analysis = analyze_series(values, higher_is_better=higher_is_better)
    out = analysis.to_json(dates=_iso_dates(frame["date"]))
    out.update({"path": str(p), "column": value_col, "date_column": date_col})
    return out


def _refuse_infinite(values: pd.Series, column: str, path: Path) -> None:
    """``line N: reason`` for every infinite value (``inf``, ``-inf``, ``1e999``): a gap is an empty cell."""
    import numpy as np
    import pandas as pd

    bad = values.index[np.isinf(values.to_numpy(dtype=float))]
    if len(bad) == 0:
        return
    raw = pd.read_csv(path, skipinitialspace=True, skip_blank_lines=False, dtype=str, keep_default_na=False)
    raw.columns = [str(c).strip() for c in raw.columns]  # the cells as written (1e999, not inf)
    name = path.name
    lines = [f"line {int(i) + 2}: {column} {str(raw[column].loc[i]).strip()!r} is not a finite number" for i in bad[:5]]
    more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
    raise ValueError(f"{name}: " + "; ".join(lines) + more
                     + "; write a number, or leave the cell empty where there was no value")


def apply_filters(df: pd.DataFrame, filters: dict[str, str], name: str) -> pd.DataFrame:
    """Rows whose ``column`` equals ``value`` for every filter (trimmed, case-insensitive)."""
    for column, value in filters.items():
        col = next((c for c in df.columns if str(c).strip().lower() == column.strip().lower()), None)
        if col is None:
            raise ValueError(f"--filter {column}={value}: no column {column!r} in {name} "
                             f"(columns: {', '.join(map(str, df.columns))})")
        cells = df[col].astype(str).str.strip()
        keep = cells.str.lower() == value.strip().lower()
        if not keep.any():
            seen = sorted(cells.unique())
            shown = ", ".join(seen[:10]) + (f" … ({len(seen)} values)" if len(seen) > 10 else "")
            raise ValueError(f"--filter {column}={value}: no row has {column} = {value!r} (values: {shown})")
        df = df[keep]
    return df


def _refuse_merged_series(df: pd.DataFrame, dates: pd.Series, date_col: str, value_col: str, name: str) -> None:
    """Several rows per date and a text column telling them apart: several series, not one."""
    valid = dates.dropna()
    if valid.duplicated().sum() == 0:
        return
    for col in df.columns:
        if col in (date_col, value_col) or col in numeric_columns(df, exclude=date_col):
            continue
        values = df[col].astype(str).str.strip()
        distinct = values.nunique()
        if 1 < distinct <= max(50, len(df) // 2):
            shown = sorted(values.unique())[:6]
            raise ValueError(
                f"{name} holds {distinct} series told apart by {col!r} ({', '.join(shown)}"
                f"{' …' if distinct > 6 else ''}); pick one with --filter {col}={shown[0]}"
            )
