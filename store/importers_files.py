"""Reading import files (JSON, JSONL, CSV) and the shared checks: ``line N: reason`` for every problem, and
nothing is written while any remains (:class:`ImportRejected`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from pydantic import ValidationError

from store.importers_limits import record_too_big, too_long, too_wide
from store.importers_rows import Row
from store.importers_values import excel_text, field_key
from store.names import close_matches, did_you_mean

MAX_ERRORS_SHOWN = 50


class MoreRows(str):
    """A reason standing for ``rows`` further rows with one problem (:func:`csv_errors` lists a few of each)."""

    rows: int = 1

    def __new__(cls, text: str, rows: int) -> MoreRows:
        out = super().__new__(cls, text)
        out.rows = rows
        return out


class ImportRejected(Exception):
    """The file was rejected; nothing was written. ``errors`` are ``(line, reason)``."""

    def __init__(self, kind: str, path: Path, errors: list[tuple[int, str]]) -> None:
        self.kind, self.path, self.errors = kind, path, errors
        shown = "\n".join(f"  line {line}: {reason}" for line, reason in errors[:MAX_ERRORS_SHOWN])
        more = f"\n  … and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        bad = sum(r.rows if isinstance(r, MoreRows) else 1 for _, r in errors)  # every bad row, not those listed
        super().__init__(f"{path}: {bad} bad row(s), nothing was imported:\n{shown}{more}")


@dataclass
class ImportResult:
    kind: str
    rows: int
    details: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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


def _envelope(text: str, path: Path, fields: Iterable[str]) -> int | None:
    """Where the records start when the file is one JSON object wrapping them, as APIs export lists
    (``{"tickets": [...], "count": 2}``, ``{"workflow_runs": [...]}``): the object names none of the kind's
    ``fields`` and holds exactly one list of objects. None when the file is not such an envelope."""
    try:
        whole = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(whole, dict):
        return None
    known = {field_key(f) for f in fields}
    if any(field_key(k) in known for k in whole):
        return None
    lists = [k for k, v in whole.items() if isinstance(v, list) and all(isinstance(x, dict) for x in v)]
    if len(lists) != 1:
        many = f"several lists ({', '.join(map(str, lists))})" if lists else "no list of records"
        raise ImportRejected("?", path, [(1, f"the file is one JSON object holding {many}; "
                                             "give an array of records, or one record per line (JSONL)")])
    m = re.search(r'"' + re.escape(json.dumps(lists[0])[1:-1]) + r'"\s*:\s*\[', text)
    return m.end() if m else None


def read_records(path: Path, fields: Iterable[str] = ()) -> list[tuple[int, Any]]:
    """Read JSON (array), JSONL or a CSV export (``.csv``/``.tsv``: one record per row); return ``(line, object)``
    pairs. With the kind's ``fields``, a JSON object wrapping the array (an API's list export) is read too.
    Syntax errors raise ImportRejected."""
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        raise ImportRejected("?", path, [(1, "a Markdown file can only be imported as runbooks; "
                                             "this kind takes JSON (an array) or JSONL")])
    if path.suffix.lower() in CSV_SUFFIXES:
        return csv_records(path)
    text = read_text(path)
    stripped = text.lstrip()
    if not stripped:
        raise ImportRejected("?", path, [(1, "the file is empty")])
    start = _envelope(text, path, fields) if fields and stripped.startswith("{") else None
    sized: list[tuple[int, Any, int]] = []  # (line, record, its characters in the file)
    if stripped.startswith("{") and start is None:  # one record, possibly pretty-printed over several lines
        try:
            whole = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            whole = None
        if isinstance(whole, dict):
            return _within_limits(path, [(text.count("\n", 0, text.index("{")) + 1, whole, len(stripped))])
    if stripped.startswith("[") or start is not None:
        decoder = json.JSONDecoder()
        pos = start if start is not None else text.index("[") + 1
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text):
                raise ImportRejected("?", path, [(text.count("\n") + 1, "unterminated JSON array")])
            if text[pos] == "]":
                return _within_limits(path, sized)
            line = text.count("\n", 0, pos) + 1
            begin = pos
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise ImportRejected("?", path, [(exc.lineno, f"invalid JSON: {exc.msg}")]) from None
            except RecursionError:
                raise ImportRejected("?", path, [(line, "JSON nested too deeply")]) from None
            sized.append((line, obj, pos - begin))
    errors: list[tuple[int, str]] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            sized.append((i, json.loads(raw), len(raw)))
        except json.JSONDecodeError as exc:
            errors.append((i, f"invalid JSON: {exc.msg}"))
        except RecursionError:
            errors.append((i, "JSON nested too deeply"))
    if errors:
        raise ImportRejected("?", path, errors)
    return _within_limits(path, sized)


def _within_limits(path: Path, sized: list[tuple[int, Any, int]]) -> list[tuple[int, Any]]:
    """The records, once none is past the limits (:func:`store.importers_limits.record_too_big`)."""
    reject_if([(line, reason) for line, obj, chars in sized if (reason := record_too_big(obj, chars))], "?", path)
    return [(line, obj) for line, obj, _ in sized]


def kind_fields(model: type[Any]) -> list[str]:
    """The names a record of ``model`` may use for its fields (its own and other tools' spellings)."""
    return [*model.model_fields, *getattr(model, "FIELD_ALIASES", {})]


def validate_rows(records: list[tuple[int, Any]], model: type[Row], errors: list[tuple[int, str]]) -> list[tuple[int, Any]]:
    rows = []
    for line, obj in records:
        if not isinstance(obj, dict):
            errors.append((line, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        try:
            rows.append((line, model.model_validate(obj)))
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            errors.append((line, reasons))
    return rows


MARKDOWN_SUFFIXES = (".md", ".markdown")


def markdown_record(path: Path) -> tuple[int, dict[str, Any]]:
    """One runbook from a Markdown file: id = ``id:`` in a ``---`` front-matter block or the file name, title =
    ``title:`` or the first heading, body = the rest; front-matter ``service``, ``tags`` (``a, b``) and ``kind``
    are used, other keys ignored."""
    text = read_text(path).lstrip("\ufeff")
    lines = text.splitlines()
    meta: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            for raw in lines[1:end]:
                key, sep, value = raw.partition(":")
                if sep:
                    meta[key.strip().lower()] = value.strip().strip("'\"")
            lines = lines[end + 1:]
    body = "\n".join(lines).strip()
    heading = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("#") and ln.lstrip("#").strip()), "")
    rec: dict[str, Any] = {
        "external_id": meta.get("id") or meta.get("external_id") or path.stem,
        "title": meta.get("title") or heading or path.stem,
        "body": body,
    }
    if meta.get("service"):
        rec["service"] = meta["service"]
    if meta.get("kind"):
        rec["kind"] = meta["kind"]
    if meta.get("tags"):
        rec["tags"] = [t.strip().strip("'\"") for t in meta["tags"].strip("[]").split(",") if t.strip()]
    return 1, rec


def check_duplicates(rows: Iterable[tuple[int, Any]], key: Callable[[Any], Any], what: str, errors: list[tuple[int, str]]) -> None:
    seen: dict[Any, int] = {}
    for line, row in rows:
        k = key(row)
        if k in seen:
            errors.append((line, f"duplicate {what} {k!r} (first on line {seen[k]})"))
        else:
            seen[k] = line


def read_rows(
    path: Path, model: type[Row], key: Callable[[Any], Any], what: str, *, allow_markdown: bool = False
) -> tuple[list[tuple[int, Any]], list[tuple[int, str]]]:
    """The file's records validated as ``model``, and the problems found so far (bad rows, duplicate keys)."""
    errors: list[tuple[int, str]] = []
    markdown = allow_markdown and path.suffix.lower() in MARKDOWN_SUFFIXES
    rows = validate_rows([markdown_record(path)] if markdown else read_records(path, kind_fields(model)), model, errors)
    check_duplicates(rows, key, what, errors)
    return rows, errors


def ids_by_name(cur: psycopg.Cursor, table: str, column: str, org_id: int) -> dict[str, int]:
    # table/column come from the fixed call sites below, never from input
    return {name: i for i, name in cur.execute(f"SELECT id, {column} FROM {table} WHERE org_id = %s", (org_id,))}


def unknown_name(name: str, what: str, known: dict[str, int], hint: str = "") -> str:
    return f"unknown {what} {name!r}{did_you_mean(close_matches(name, known))}{hint}"


def _separator(text: str) -> str:
    """``,`` unless the header line is split by ``;`` or a tab instead (spreadsheet exports in many locales)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > counts[","] else ","


def decimal_comma(values: pd.Series) -> pd.Series:
    """``0,77`` → ``0.77`` (a decimal comma, only in a file whose cells are split by ``;`` or tabs)."""
    return values.str.strip().str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True)


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


def read_csv(path: Path, required: dict[str, tuple[str, ...]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a CSV, mapping accepted column aliases to canonical names."""
    frame, sep = read_table(path)
    mapping = find_columns(frame, required)
    missing = [canon for canon in required if canon not in mapping]
    if missing:
        raise ImportRejected("?", path, [(frame.attrs.get("header_line", 1),
                                          f"missing column(s) {', '.join(missing)}; header is {', '.join(frame.columns)}")])
    frame = frame.rename(columns={v: k for k, v in mapping.items()})[list(required)]
    if "value" in frame and sep != ",":
        frame["value"] = decimal_comma(frame["value"])
    return frame, mapping


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


def reject_if(errors: list[tuple[int, str]], kind: str, path: Path) -> None:
    if errors:
        raise ImportRejected(kind, path, sorted(errors))


def returned_id(cur: psycopg.Cursor[Any]) -> int:
    """The id of an ``INSERT … ON CONFLICT DO UPDATE … RETURNING id`` (such an upsert always returns its row)."""
    row = cur.fetchone()
    if row is None:  # pragma: no cover - an upsert without DO NOTHING returns a row
        raise RuntimeError("the upsert returned no row")
    return int(row[0])
