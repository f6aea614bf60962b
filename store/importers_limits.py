"""What one CSV import file may hold, whatever its kind: how many columns (a wide sheet has one per KPI, site,
period, metric or service), how long a cell and a row may be. Past them the file is refused at once with the
reason (``line N: reason``), never parsed for minutes. This module imports no project code."""

from __future__ import annotations

import csv
import io

import pandas as pd

MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767  # a spreadsheet cell's own limit (Excel, LibreOffice)
MAX_ROW_CHARS = 1 << 20  # 1 MiB, the API's request body limit: no row is larger than a request may be
_SHOWN = 50


def too_wide(text: str, sep: str, line: int) -> list[tuple[int, str]]:
    """The header's ``line: reason`` when it has more than :data:`MAX_COLUMNS` columns (read before the rest)."""
    first = text.split("\n", 1)[0]
    if first.count(sep) < MAX_COLUMNS and '"' not in first:
        return []  # fewer separators than the cap and no quoted cell (which could span lines): fewer columns
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    except csv.Error:  # a header cell longer than the csv module reads: count it as written
        header = first.split(sep)
    if len(header) <= MAX_COLUMNS:
        return []
    return [(line, f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are read: split the file, or "
                   "use the long layout (one row per value)")]


def too_long(frame: pd.DataFrame, text: str) -> list[tuple[int, str]]:
    """``(line, reason)`` for cells over :data:`MAX_CELL_CHARS` characters and rows over :data:`MAX_ROW_CHARS`
    (``frame`` holds the file's cells as text, ``index + 2`` being each row's line)."""
    if len(text) <= MAX_CELL_CHARS:
        return []
    lengths = frame.apply(lambda c: c.str.len()).fillna(0).astype(int)
    errors: list[tuple[int, str]] = []
    for column in lengths.columns:
        for i in lengths.index[(lengths[column] > MAX_CELL_CHARS).to_numpy()][:_SHOWN]:
            errors.append((int(i) + 2, f"column {str(column).strip()!r}: a cell of {int(lengths.at[i, column]):,} "
                                       f"characters; at most {MAX_CELL_CHARS:,} (a spreadsheet cell's own limit)"))
    rows = lengths.sum(axis=1)
    for i in rows.index[(rows > MAX_ROW_CHARS).to_numpy()][:_SHOWN]:
        errors.append((int(i) + 2, f"the row holds {int(rows.at[i]):,} characters; at most {MAX_ROW_CHARS:,}"))
    return sorted(errors)[: _SHOWN * 2]
