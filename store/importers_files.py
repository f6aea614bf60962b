"""Reading import files as records (JSON, JSONL, a CSV export, a Markdown runbook) and the shared checks:
``line N: reason`` for every problem, and nothing is written while any remains (:class:`ImportRejected`). CSV tables
are read in :mod:`store.importers_tables`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from pydantic import ValidationError

from store.import_errors import ImportRejected
from store.importers_limits import record_too_big
from store.importers_rows import Row
from store.importers_tables import CSV_SUFFIXES, csv_records, read_text
from store.importers_values import field_key
from store.names import close_matches, did_you_mean


@dataclass
class ImportResult:
    kind: str
    rows: int
    details: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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


def reject_if(errors: list[tuple[int, str]], kind: str, path: Path) -> None:
    if errors:
        raise ImportRejected(kind, path, sorted(errors))


def returned_id(cur: psycopg.Cursor[Any]) -> int:
    """The id of an ``INSERT … ON CONFLICT DO UPDATE … RETURNING id`` (such an upsert always returns its row)."""
    row = cur.fetchone()
    if row is None:  # pragma: no cover - an upsert without DO NOTHING returns a row
        raise RuntimeError("the upsert returned no row")
    return int(row[0])
