"""What one import file may hold, whatever its kind: how many columns a CSV has (a wide sheet has one per KPI, site,
period, metric or service), how long a cell and a row may be; and the same for a JSON / JSONL record — as many
fields (in the record and in any object inside it) as a CSV has columns, as many characters as a CSV row, nested
at most :data:`MAX_JSON_DEPTH` levels. Past them the file is refused at once with the reason (``line N: reason``),
never parsed for minutes. This module imports no project code."""

from __future__ import annotations

import csv
import io

import pandas as pd

MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767  # a spreadsheet cell's own limit (Excel, LibreOffice)
MAX_ROW_CHARS = 1 << 20  # 1 MiB, the API's request body limit: no row is larger than a request may be
MAX_JSON_DEPTH = 8  # objects / lists inside a record: a deployment's nested spec, a ticket's status history
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


def record_too_big(obj: object, chars: int) -> str | None:
    """Why one JSON / JSONL record (``chars`` characters of the file) is past the limits, else None: more fields
    than a CSV may have columns (in the record or any object inside it), more characters than a CSV row, or
    nested deeper than :data:`MAX_JSON_DEPTH` (read without recursion, however deep it is)."""
    if chars > MAX_ROW_CHARS:
        return f"the record holds {chars:,} characters; at most {MAX_ROW_CHARS:,} (as a CSV row)"
    stack: list[tuple[object, int, str]] = [(obj, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"{where or 'the record'}: nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(value, dict):
            if len(value) > MAX_COLUMNS:
                return (f"{where + ': ' if where else ''}{len(value):,} fields in one object; at most "
                        f"{MAX_COLUMNS:,} (as a CSV's columns)")
            stack.extend((v, depth + 1, where or str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, where) for v in value)
    return None
