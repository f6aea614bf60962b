"""Reading an import file's text and its CSV tables: the encoding, the separator, the header as written, each row's
line in the file, and the cells as records for the kinds that take JSON."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from store.import_errors import MAX_ERRORS_SHOWN, ImportRejected, MoreRows
from store.importers_limits import too_long, too_wide
from store.importers_values import excel_text, field_key


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (a leading BOM is fine) or UTF-16 with a BOM (or recognisably without one).
    Anything else — latin-1, cp1252 … — is rejected with the line of the first byte that is not UTF-8, as is
    a NUL character anywhere."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0:4:2] == b"\x00\x00" and data[1] and data[3]:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        what = f"byte 0x{data[exc.start]:02X} at column {col}" if exc.start < len(data) else "the end of the file"
        reason = f"not valid {encoding.removesuffix('-sig').upper()} text ({what}); save the file as UTF-8"
        raise ImportRejected("?", path, [(line, reason)]) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        nul = text.index("\x00")
        raise ImportRejected("?", path, [(text.count("\n", 0, nul) + 1, "contains a NUL character, which cannot be stored")])
    return text


def _separator(text: str) -> str:
    """``,`` unless the header line is split by ``;`` or a tab instead (spreadsheet exports in many locales)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > counts[","] else ","


def read_table(path: Path, *, repeated: bool = False) -> tuple[pd.DataFrame, str]:
    """A CSV as text cells (blank rows dropped; ``frame.index + 2`` is each row's line in the file) and its
    separator. ``repeated``: a header named twice is a multi-valued field (Jira writes one ``Components`` /
    ``Labels`` column per value), recorded in ``frame.attrs["repeated"]`` (pandas' ``x.1`` → ``x``), not refused."""
    text = read_text(path)
    hint = re.match(r"\ufeff?sep=([,;\t|])\r?\n", text)  # Excel's "sep=;" first line names the separator
    skip = 1 if hint else 0
    sep = hint.group(1) if hint else _separator(text)
    text = text[hint.end():] if hint else text
    if errors := too_wide(text, sep, 1 + skip):
        raise ImportRejected("?", path, errors)
    try:
        # Blank lines are kept (then dropped below) so that the index stays "file line - 2" (- 3 after sep=).
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                            skip_blank_lines=False, sep=sep)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ImportRejected("?", path, [((int(m.group(1)) if m else 1) + skip, f"unreadable CSV: {exc}")]) from None
    except pd.errors.EmptyDataError:
        raise ImportRejected("?", path, [(1, "the file is empty")]) from None
    frame.index += skip
    frame = frame[(frame.apply(lambda c: c.str.strip()) != "").any(axis=1)]
    if errors := too_long(frame, text):
        raise ImportRejected("?", path, errors)
    frame = _named_columns(path, frame, text, sep, 1 + skip, repeated)
    frame.attrs["header_line"] = 1 + skip
    return frame, sep



def _named_columns(path: Path, frame: pd.DataFrame, text: str, sep: str, line: int, repeated: bool) -> pd.DataFrame:
    """The header as written: a name given twice is refused (pandas would quietly read the second as ``x.1``), and
    a column without a name is dropped when it is empty (a trailing separator) and refused when it holds values."""
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff").split("\n", 1)[0]), delimiter=sep), [])
    if len(header) != len(frame.columns):
        return frame
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    unnamed = []
    again: dict[str, str] = {}
    for i, (raw, column) in enumerate(zip(header, frame.columns, strict=True), start=1):
        name = raw.strip()
        if not name:
            if (frame[column].str.strip() != "").any():
                errors.append((line, f"column {i} has values but no name in the header; name it or remove it"))
            unnamed.append(column)
        elif name.lower() in seen and repeated:
            again[str(column)] = name
        elif name.lower() in seen:
            errors.append((line, f"column {name!r} appears twice in the header (columns {seen[name.lower()]} and "
                                 f"{i}); keep one"))
        else:
            seen[name.lower()] = i
    if errors:
        raise ImportRejected("?", path, errors)
    frame = frame.drop(columns=unnamed)
    frame.attrs["repeated"] = again
    return frame


def find_columns(frame: pd.DataFrame, wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical name → the file's column for each of ``wanted`` found (``Site Code`` is ``site_code``)."""
    lower: dict[str, str] = {}
    for c in frame.columns:
        lower.setdefault(field_key(c), c)
    found: dict[str, str] = {}
    for canon, aliases in wanted.items():
        column = next((lower[a] for a in (canon, *aliases) if a in lower), None)
        if column is not None:
            found[canon] = column
    return found


CSV_SUFFIXES = (".csv", ".tsv")


def csv_records(path: Path) -> list[tuple[int, Any]]:
    """A CSV (or TSV) export as records, one per row: ``(line, {column: cell})`` with empty cells left out and
    Excel's ``="0042"`` cells unwrapped, for the kinds that take JSON (incidents, KPI definitions, stations …)."""
    frame, _ = read_table(path, repeated=True)
    header_line = frame.attrs.get("header_line", 1)
    again: dict[str, str] = frame.attrs.get("repeated", {})
    if frame.empty:
        raise ImportRejected("?", path, [(header_line, "the file has a header but no rows")])
    blank = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    if blank:
        raise ImportRejected("?", path, [(header_line, "a column has no name in the header; name it or delete it")])
    out: list[tuple[int, Any]] = []
    for index, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        cells: dict[str, Any] = {}
        for k, v in zip(frame.columns, row, strict=True):
            key, value = again.get(str(k), str(k)).strip(), excel_text(str(v))
            if value == "":
                continue
            if key in cells:  # a repeated column (a multi-valued field): its values as a list
                cells[key] = [*(cells[key] if isinstance(cells[key], list) else [cells[key]]), value]
            else:
                cells[key] = value
        out.append((int(index) + 2, cells))
    return out


def drop_blank_values(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows whose value cell is empty (no reading that day) are skipped and reported once as a warning."""
    blank = (frame["value"].str.strip() == "").to_numpy()
    if not blank.any():
        return frame, []
    lines = [int(i) + 2 for i in frame.index[blank]]
    shown = ", ".join(map(str, lines[:5])) + (" …" if len(lines) > 5 else "")
    return frame[~blank], [f"{len(lines)} row(s) with an empty value skipped (line(s) {shown})"]


def csv_errors(mask: np.ndarray, frame: pd.DataFrame, reason: Callable[[pd.Series], str]) -> list[tuple[int, str]]:
    idx = np.flatnonzero(mask)
    cap = MAX_ERRORS_SHOWN * 4
    out = [(int(frame.index[int(i)]) + 2, reason(frame.iloc[int(i)])) for i in idx[:cap]]
    if len(idx) > cap:  # the rest counted, not listed: "4,000 bad rows" stays true when 200 are shown
        first, last = int(frame.index[int(idx[cap])]) + 2, int(frame.index[int(idx[-1])]) + 2
        out.append((first, MoreRows(f"… {len(idx) - cap} more row(s) like these, lines {first}–{last}", len(idx) - cap)))
    return out


