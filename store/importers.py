"""``opsgraph import KIND FILE``: validate everything, then write everything.

Every row is validated (Pydantic for JSON records, vectorised checks for the
large CSVs) and every reference is resolved *before* anything is written; a
file with one bad row is rejected whole, with each problem reported as
``line N: reason``. Writes are upserts on natural keys, so importing the same
file twice changes nothing the second time.

Formats (examples in ``docs/import-examples/``):

- ``kpis`` CSV ``date,station,kpi,value``; ``metrics`` CSV ``ts,service,metric,value``
- ``stations``, ``kpi-definitions``, ``services``, ``deployments``,
  ``config-changes``, ``commits``, ``tickets``, ``runbooks``: JSON (an array
  of objects) or JSONL (one object per line).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import psycopg
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from store import changes, tickets
from store.bulk import upsert_frame
from store.changetypes import classify_path
from store.models import (
    Aggregation,
    ChangeType,
    CustomerTier,
    DeploymentStatus,
    DocumentKind,
    Priority,
    Product,
    TicketStatus,
    Urgency,
)
from store.secrets import redact_config_value, redact_text

MAX_ERRORS_SHOWN = 50


class ImportRejected(Exception):
    """The file was rejected; nothing was written. ``errors`` are ``(line, reason)``."""

    def __init__(self, kind: str, path: Path, errors: list[tuple[int, str]]) -> None:
        self.kind, self.path, self.errors = kind, path, errors
        shown = "\n".join(f"  line {line}: {reason}" for line, reason in errors[:MAX_ERRORS_SHOWN])
        more = f"\n  … and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        super().__init__(
            f"{path}: {len(errors)} bad row(s), nothing was imported:\n{shown}{more}"
        )


@dataclass
class ImportResult:
    kind: str
    rows: int
    details: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ row models

Str = Annotated[str, Field(min_length=1, max_length=500)]
Name = Annotated[str, Field(max_length=200)]
MAX_JSON_DEPTH = 8


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, depth + 1)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        """Text Postgres cannot store (NUL characters, lone surrogates) and absurdly deep nesting are rejected
        here, with the field's name, instead of failing at write time."""
        if isinstance(data, dict):
            for name, value in data.items():
                for text in _strings(value, 1):
                    if "\x00" in text:
                        raise ValueError(f"{name}: contains a NUL character (\\u0000), which cannot be stored")
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ValueError(f"{name}: contains an invalid character (a lone surrogate)") from None
        return data


def in_utc_range(v: dt.datetime) -> dt.datetime:
    """``v`` must lie in years 1–9999 once converted to UTC (what Python and every reader can represent)."""
    if v.tzinfo is not None:
        try:
            v.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError(
                f"timestamp {v.isoformat()} is outside years 1-9999 once converted to UTC"
            ) from None
    return v


def _aware(v: dt.datetime | None) -> dt.datetime | None:
    if v is not None and v.tzinfo is None:
        raise ValueError("timestamp needs a timezone (e.g. 2026-11-03T10:00:00Z)")
    return in_utc_range(v) if v is not None else v


class StationRow(_Row):
    code: Annotated[str, Field(min_length=2, max_length=8, pattern=r"^[A-Z0-9]+$")]
    name: Str
    region: Annotated[str, Field(min_length=1, max_length=32)]
    region_name: Name | None = None


class KpiDefinitionRow(_Row):
    code: Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Z][A-Z0-9_]*$")]
    name: Str
    description: str | None = None
    aliases: list[str] = []
    unit: Annotated[str, Field(max_length=32)] = ""
    aggregation: Aggregation = "mean"
    goal: float | None = None
    upper_limit: float | None = None
    lower_limit: float | None = None
    decimals: Annotated[int, Field(ge=0, le=6)] = 2
    higher_is_better: bool
    related_services: list[str] = []


class ServiceRow(_Row):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    team: Annotated[str, Field(max_length=100)] | None = None
    tier: Annotated[int, Field(ge=1, le=3)] = 2
    description: str | None = None
    depends_on: list[str] = []


class DeploymentRow(_Row):
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    service: str
    version: Annotated[str, Field(min_length=1, max_length=100)]
    environment: Annotated[str, Field(min_length=1, max_length=32)] = "production"
    status: DeploymentStatus = "succeeded"
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    deployed_by: Name | None = None
    commit_from_sha: Annotated[str, Field(max_length=64)] | None = None
    commit_to_sha: Annotated[str, Field(max_length=64)] | None = None
    commits: list[str] = []
    is_rollback: bool = False
    rollback_of: str | None = None

    _tz = field_validator("started_at", "finished_at")(_aware)


class ConfigChangeRow(_Row):
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    service: str
    key: Annotated[str, Field(min_length=1, max_length=200)]
    old_value: str | None = None
    new_value: str | None = None
    is_secret: bool = False
    changed_at: dt.datetime
    changed_by: Name | None = None
    description: str | None = None

    _tz = field_validator("changed_at")(_aware)


class CommitFileRow(_Row):
    path: Annotated[str, Field(min_length=1)]
    change_type: ChangeType | None = None
    additions: Annotated[int, Field(ge=0)] = 0
    deletions: Annotated[int, Field(ge=0)] = 0


class CommitRow(_Row):
    sha: Annotated[str, Field(pattern=r"^[0-9a-f]{7,64}$")]
    service: str
    message: str
    author: Name | None = None
    committed_at: dt.datetime
    merged_at: dt.datetime | None = None
    pr_number: int | None = None
    files: list[CommitFileRow] = []

    _tz = field_validator("committed_at", "merged_at")(_aware)


# common helpdesk priority words → ours (Zendesk urgent/normal, Jira blocker/highest/…, P1–P4)
TICKET_PRIORITY_WORDS = {
    "urgent": "critical", "blocker": "critical", "highest": "critical", "emergency": "critical", "p1": "critical",
    "1": "critical", "major": "high", "p2": "high", "2": "high", "normal": "medium", "moderate": "medium",
    "standard": "medium", "p3": "medium", "3": "medium", "minor": "low", "lowest": "low", "trivial": "low",
    "p4": "low", "4": "low", "p5": "low", "5": "low",
    "critical": "critical", "high": "high", "medium": "medium", "low": "low",
}


class TicketRow(_Row):
    external_id: Annotated[str, Field(min_length=1, max_length=64)]
    subject: Annotated[str, Field(min_length=1, max_length=500)]
    content: str
    product: Product | None = None
    urgency: Urgency | None = None
    priority: Priority = "medium"
    customer: Name | None = None
    customer_tier: CustomerTier = "standard"
    status: TicketStatus = "new"
    created_at: dt.datetime
    first_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    status_history: Annotated[list[dict[str, Any]], Field(max_length=1000)] = []
    resolution: str | None = None

    _tz = field_validator("created_at", "first_response_at", "resolved_at", "closed_at", "updated_at")(_aware)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority_words(cls, v: Any) -> Any:
        """Other helpdesks' priority words (see TICKET_PRIORITY_WORDS); anything else is rejected by name."""
        return TICKET_PRIORITY_WORDS.get(str(v).strip().lower(), v) if isinstance(v, (str, int)) else v


class RunbookRow(_Row):
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    body: Annotated[str, Field(min_length=1)]
    kind: DocumentKind = "runbook"
    service: Annotated[str, Field(max_length=100)] | None = None
    tags: list[Annotated[str, Field(max_length=100)]] = []


# ------------------------------------------------------------------ reading files


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


def read_records(path: Path) -> list[tuple[int, Any]]:
    """Read JSON (array) or JSONL; return ``(line, object)`` pairs. Syntax errors raise ImportRejected."""
    text = read_text(path)
    stripped = text.lstrip()
    if not stripped:
        raise ImportRejected("?", path, [(1, "the file is empty")])
    if stripped.startswith("["):
        decoder = json.JSONDecoder()
        pos = text.index("[") + 1
        out: list[tuple[int, Any]] = []
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text):
                raise ImportRejected("?", path, [(text.count("\n") + 1, "unterminated JSON array")])
            if text[pos] == "]":
                return out
            line = text.count("\n", 0, pos) + 1
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise ImportRejected("?", path, [(exc.lineno, f"invalid JSON: {exc.msg}")]) from None
            except RecursionError:
                raise ImportRejected("?", path, [(line, "JSON nested too deeply")]) from None
            out.append((line, obj))
    out = []
    errors: list[tuple[int, str]] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            out.append((i, json.loads(raw)))
        except json.JSONDecodeError as exc:
            errors.append((i, f"invalid JSON: {exc.msg}"))
        except RecursionError:
            errors.append((i, "JSON nested too deeply"))
    if errors:
        raise ImportRejected("?", path, errors)
    return out


def _validate(records: list[tuple[int, Any]], model: type[_Row], errors: list[tuple[int, str]]) -> list[tuple[int, Any]]:
    rows = []
    for line, obj in records:
        if not isinstance(obj, dict):
            errors.append((line, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        try:
            rows.append((line, model.model_validate(obj)))
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()
            )
            errors.append((line, reasons))
    return rows


def _dupes(rows: Iterable[tuple[int, Any]], key: Callable[[Any], Any], what: str, errors: list[tuple[int, str]]) -> None:
    seen: dict[Any, int] = {}
    for line, row in rows:
        k = key(row)
        if k in seen:
            errors.append((line, f"duplicate {what} {k!r} (first on line {seen[k]})"))
        else:
            seen[k] = line


def _names(cur: psycopg.Cursor, table: str, column: str, org_id: int) -> dict[str, int]:
    # table/column come from the fixed call sites below, never from input
    return {name: i for i, name in cur.execute(f"SELECT id, {column} FROM {table} WHERE org_id = %s", (org_id,))}


def _unknown(name: str, what: str, known: dict[str, int], hint: str = "") -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3)
    tail = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"unknown {what} {name!r}{tail}{hint}"


# ------------------------------------------------------------------ CSV kinds


def _read_csv(path: Path, required: dict[str, tuple[str, ...]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a CSV, mapping accepted column aliases to canonical names."""
    text = read_text(path)
    try:
        # Blank lines are kept (then dropped below) so that the index stays "file line - 2".
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                            skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ImportRejected("?", path, [(int(m.group(1)) if m else 1, f"unreadable CSV: {exc}")]) from None
    except pd.errors.EmptyDataError:
        raise ImportRejected("?", path, [(1, "the file is empty")]) from None
    frame = frame[(frame != "").any(axis=1)]
    lower = {c.strip().lower(): c for c in frame.columns}
    mapping: dict[str, str] = {}
    missing = []
    for canon, aliases in required.items():
        found = next((lower[a] for a in (canon, *aliases) if a in lower), None)
        if found is None:
            missing.append(canon)
        else:
            mapping[canon] = found
    if missing:
        raise ImportRejected(
            "?", path, [(1, f"missing column(s) {', '.join(missing)}; header is {', '.join(frame.columns)}")]
        )
    frame = frame.rename(columns={v: k for k, v in mapping.items()})[list(required)]
    return frame, mapping


def _csv_errors(mask: np.ndarray, frame: pd.DataFrame, reason: Callable[[pd.Series], str]) -> list[tuple[int, str]]:
    idx = np.flatnonzero(mask)
    return [(int(frame.index[int(i)]) + 2, reason(frame.iloc[int(i)])) for i in idx[: MAX_ERRORS_SHOWN * 4]]


def import_kpis(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    frame, _ = _read_csv(path, {"date": ("day",), "station": (), "kpi": ("kpi_code",), "value": ()})
    errors: list[tuple[int, str]] = []
    with conn.cursor() as cur:
        stations = _names(cur, "stations", "code", org_id)
        kpis = _names(cur, "kpi_definitions", "code", org_id)
    day = pd.to_datetime(frame["date"], errors="coerce", format="mixed")
    value = pd.to_numeric(frame["value"], errors="coerce")
    station = frame["station"].str.strip().str.upper()
    kpi = frame["kpi"].str.strip().str.upper()
    errors += _csv_errors(day.isna().to_numpy(), frame, lambda r: f"date {r['date']!r} is not a date")
    errors += _csv_errors(
        (value.isna() | ~np.isfinite(value.fillna(0))).to_numpy(), frame, lambda r: f"value {r['value']!r} is not a number"
    )
    errors += _csv_errors(
        ~station.isin(list(stations)).to_numpy(),
        frame,
        lambda r: _unknown(r["station"].strip().upper(), "station", stations, "; import stations first"),
    )
    errors += _csv_errors(
        ~kpi.isin(list(kpis)).to_numpy(),
        frame,
        lambda r: _unknown(r["kpi"].strip().upper(), "KPI", kpis, "; import kpi-definitions first"),
    )
    out = pd.DataFrame(
        {"org_id": org_id, "kpi_id": kpi.map(kpis), "station_id": station.map(stations), "day": day.dt.date, "value": value}
    )
    dup = out.duplicated(["kpi_id", "station_id", "day"], keep="first").to_numpy() & ~np.isnan(
        out["kpi_id"].to_numpy(dtype=float)
    )
    errors += _csv_errors(dup, frame, lambda r: f"duplicate point for {r['kpi']} at {r['station']} on {r['date']}")
    if errors:
        raise ImportRejected("kpis", path, sorted(errors))
    out["kpi_id"] = out["kpi_id"].astype(int)
    out["station_id"] = out["station_id"].astype(int)
    with conn.transaction(), conn.cursor() as cur:
        n = upsert_frame(cur, "kpi_points", out, list(out.columns), ["kpi_id", "station_id", "day"], ["value"])
    return ImportResult("kpis", n)


def import_metrics(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    frame, _ = _read_csv(path, {"ts": ("timestamp", "time"), "service": (), "metric": (), "value": ()})
    errors: list[tuple[int, str]] = []
    with conn.cursor() as cur:
        services = _names(cur, "services", "name", org_id)
    ts = pd.to_datetime(frame["ts"], errors="coerce", utc=True, format="ISO8601")
    naive = ~frame["ts"].str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    value = pd.to_numeric(frame["value"], errors="coerce")
    service = frame["service"].str.strip()
    metric = frame["metric"].str.strip()
    errors += _csv_errors(ts.isna().to_numpy(), frame, lambda r: f"ts {r['ts']!r} is not an ISO timestamp")
    errors += _csv_errors(
        (naive & ts.notna()).to_numpy(), frame, lambda r: f"ts {r['ts']!r} needs a timezone (e.g. …Z)"
    )
    errors += _csv_errors(
        (value.isna() | ~np.isfinite(value.fillna(0))).to_numpy(), frame, lambda r: f"value {r['value']!r} is not a number"
    )
    errors += _csv_errors(
        ~service.isin(list(services)).to_numpy(),
        frame,
        lambda r: _unknown(r["service"].strip(), "service", services, "; import services first"),
    )
    errors += _csv_errors(
        ~metric.str.fullmatch(r"[a-z][a-z0-9_]{0,63}").to_numpy(dtype=bool),
        frame,
        lambda r: f"metric {r['metric']!r} must be a lower_snake_case name",
    )
    out = pd.DataFrame({"org_id": org_id, "service_id": service.map(services), "metric": metric, "ts": ts, "value": value})
    dup = out.duplicated(["service_id", "metric", "ts"], keep="first").to_numpy() & out["service_id"].notna().to_numpy()
    errors += _csv_errors(dup, frame, lambda r: f"duplicate point for {r['service']}/{r['metric']} at {r['ts']}")
    if errors:
        raise ImportRejected("metrics", path, sorted(errors))
    out["service_id"] = out["service_id"].astype(int)
    out["ts"] = frame["ts"].str.strip()  # validated ISO 8601 with a zone: Postgres parses it as is (faster than strftime)
    with conn.transaction(), conn.cursor() as cur:
        n = upsert_frame(cur, "metric_points", out, list(out.columns), ["service_id", "metric", "ts"], ["value"])
    return ImportResult("metrics", n)


# ------------------------------------------------------------------ JSON kinds


def _reject_if(errors: list[tuple[int, str]], kind: str, path: Path) -> None:
    if errors:
        raise ImportRejected(kind, path, sorted(errors))


def _returned_id(cur: psycopg.Cursor[Any]) -> int:
    """The id of an ``INSERT … ON CONFLICT DO UPDATE … RETURNING id`` (such an upsert always returns its row)."""
    row = cur.fetchone()
    if row is None:  # pragma: no cover - an upsert without DO NOTHING returns a row
        raise RuntimeError("the upsert returned no row")
    return int(row[0])


def import_stations(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), StationRow, errors)
    _dupes(rows, lambda r: r.code, "station", errors)
    _reject_if(errors, "stations", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO regions (org_id, code, name) VALUES (%s, %s, %s)
                   ON CONFLICT (org_id, code) DO UPDATE SET name = COALESCE(%s, regions.name)""",
                (org_id, r.region, r.region_name or r.region, r.region_name),
            )
            cur.execute(
                """INSERT INTO stations (org_id, code, name, region_id)
                   SELECT %s, %s, %s, id FROM regions WHERE org_id = %s AND code = %s
                   ON CONFLICT (org_id, code) DO UPDATE SET name = EXCLUDED.name, region_id = EXCLUDED.region_id""",
                (org_id, r.code, r.name, org_id, r.region),
            )
    return ImportResult("stations", len(rows))


def import_kpi_definitions(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), KpiDefinitionRow, errors)
    _dupes(rows, lambda r: r.code, "KPI", errors)
    _reject_if(errors, "kpi-definitions", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO kpi_definitions (org_id, code, name, description, aliases, unit, aggregation, goal,
                       upper_limit, lower_limit, decimals, higher_is_better, related_services)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, code) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
                       aliases = EXCLUDED.aliases, unit = EXCLUDED.unit, aggregation = EXCLUDED.aggregation,
                       goal = EXCLUDED.goal, upper_limit = EXCLUDED.upper_limit, lower_limit = EXCLUDED.lower_limit,
                       decimals = EXCLUDED.decimals, higher_is_better = EXCLUDED.higher_is_better,
                       related_services = EXCLUDED.related_services""",
                (org_id, r.code, r.name, r.description, r.aliases, r.unit, r.aggregation, r.goal, r.upper_limit,
                 r.lower_limit, r.decimals, r.higher_is_better, r.related_services),
            )
    return ImportResult("kpi-definitions", len(rows))


def import_services(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), ServiceRow, errors)
    _dupes(rows, lambda r: r.name, "service", errors)
    with conn.cursor() as cur:
        known = set(_names(cur, "services", "name", org_id)) | {r.name for _, r in rows}
    for line, r in rows:
        for dep in r.depends_on:
            if dep == r.name:
                errors.append((line, f"service {r.name!r} cannot depend on itself"))
            elif dep not in known:
                errors.append((line, _unknown(dep, "dependency", dict.fromkeys(known, 0))))
    _reject_if(errors, "services", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO services (org_id, name, team, tier, description) VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, name) DO UPDATE SET team = EXCLUDED.team, tier = EXCLUDED.tier,
                       description = EXCLUDED.description""",
                (org_id, r.name, r.team, r.tier, r.description),
            )
        ids = _names(cur, "services", "name", org_id)
        for _, r in rows:
            for dep in r.depends_on:
                cur.execute(
                    """INSERT INTO service_dependencies (org_id, service_id, depends_on_id) VALUES (%s, %s, %s)
                       ON CONFLICT DO NOTHING""",
                    (org_id, ids[r.name], ids[dep]),
                )
    return ImportResult("services", len(rows))


def _service_refs(
    cur: psycopg.Cursor, org_id: int, rows: list[tuple[int, Any]], errors: list[tuple[int, str]]
) -> dict[str, int]:
    services = _names(cur, "services", "name", org_id)
    for line, r in rows:
        if r.service not in services:
            errors.append((line, _unknown(r.service, "service", services, "; import services first")))
    return services


def import_commits(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), CommitRow, errors)
    _dupes(rows, lambda r: r.sha, "commit", errors)
    with conn.cursor() as cur:
        services = _service_refs(cur, org_id, rows, errors)
    _reject_if(errors, "commits", path)
    n_files = 0
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(changes.UPSERT_COMMIT, {
                "org": org_id, "svc": services[r.service], "sha": r.sha, "msg": redact_text(r.message),
                "author": r.author, "at": r.committed_at, "merged": r.merged_at, "pr": r.pr_number,
                "keep_merged": False,
            })
            commit_id = _returned_id(cur)
            for f in r.files:
                cur.execute(changes.UPSERT_COMMIT_FILE, {
                    "org": org_id, "commit": commit_id, "path": f.path, "type": f.change_type or classify_path(f.path),
                    "add": f.additions, "del": f.deletions, "keep_counts": False,
                })
                n_files += 1
    return ImportResult("commits", len(rows), {"files": n_files})


def import_deployments(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), DeploymentRow, errors)
    _dupes(rows, lambda r: r.external_id, "deployment", errors)
    with conn.cursor() as cur:
        services = _service_refs(cur, org_id, rows, errors)
        commits = _names(cur, "commits", "sha", org_id)
        deployments = set(_names(cur, "deployments", "external_id", org_id)) | {r.external_id for _, r in rows}
    for line, r in rows:
        for sha in r.commits:
            if sha not in commits:
                errors.append((line, f"unknown commit {sha!r}; import commits first"))
        if r.rollback_of and r.rollback_of not in deployments:
            errors.append((line, f"rollback_of {r.rollback_of!r} is not a known deployment"))
        if r.finished_at and r.finished_at < r.started_at:
            errors.append((line, "finished_at is before started_at"))
    _reject_if(errors, "deployments", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                changes.UPSERT_DEPLOYMENT, changes.deployment_params(org_id, services[r.service], r, None, set_rollback=False)
            )
            dep_id = _returned_id(cur)
            cur.executemany(changes.LINK_DEPLOYMENT_COMMIT,
                            [{"org": org_id, "dep": dep_id, "commit": commits[sha]} for sha in dict.fromkeys(r.commits)])
        for _, r in rows:
            if r.rollback_of:
                cur.execute(changes.SET_ROLLBACK_OF, {"org": org_id, "ext": r.external_id, "of": r.rollback_of})
    return ImportResult("deployments", len(rows))


def import_config_changes(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), ConfigChangeRow, errors)
    _dupes(rows, lambda r: r.external_id, "config change", errors)
    with conn.cursor() as cur:
        services = _service_refs(cur, org_id, rows, errors)
    _reject_if(errors, "config-changes", path)
    redacted = 0
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            old, old_secret = redact_config_value(r.key, r.old_value, secret=r.is_secret)
            new, new_secret = redact_config_value(r.key, r.new_value, secret=r.is_secret)
            secret = r.is_secret or old_secret or new_secret
            redacted += secret
            cur.execute(
                """INSERT INTO config_changes (org_id, external_id, service_id, key, old_value, new_value, is_secret,
                       changed_at, changed_by, description)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, external_id) DO UPDATE SET service_id = EXCLUDED.service_id,
                       key = EXCLUDED.key, old_value = EXCLUDED.old_value, new_value = EXCLUDED.new_value,
                       is_secret = EXCLUDED.is_secret, changed_at = EXCLUDED.changed_at,
                       changed_by = EXCLUDED.changed_by, description = EXCLUDED.description""",
                (org_id, r.external_id, services[r.service], r.key, old, new, secret, r.changed_at, r.changed_by,
                 redact_text(r.description)),
            )
    return ImportResult("config-changes", len(rows), {"secret_values_redacted": redacted})


def import_tickets(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), TicketRow, errors)
    _dupes(rows, lambda r: r.external_id, "ticket", errors)
    for line, r in rows:
        errors.extend((line, msg) for msg in tickets.time_order_errors(r))
    _reject_if(errors, "tickets", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(tickets.UPSERT_TICKET, tickets.ticket_params(org_id, r))
    return ImportResult("tickets", len(rows))


def import_runbooks(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), RunbookRow, errors)
    _dupes(rows, lambda r: (r.kind, r.external_id), "document", errors)
    _reject_if(errors, "runbooks", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO documents (org_id, kind, external_id, title, body, service, tags)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (org_id, kind, external_id) DO UPDATE SET title = EXCLUDED.title,
                       body = EXCLUDED.body, service = EXCLUDED.service, tags = EXCLUDED.tags,
                       embedding = CASE WHEN documents.title = EXCLUDED.title AND documents.body = EXCLUDED.body
                                        THEN documents.embedding END""",
                (org_id, r.kind, r.external_id, redact_text(r.title), redact_text(r.body), r.service, r.tags),
            )
    return ImportResult("runbooks", len(rows))


class MetricRoleRow(_Row):
    metric: Annotated[str, Field(min_length=1, max_length=64)]
    role: Literal["errors", "latency", "throughput", "saturation"]


def import_metric_roles(conn: psycopg.Connection, org_id: int, path: Path) -> ImportResult:
    """An organisation's own role for metric names its naming does not make obvious (wins over the convention)."""
    errors: list[tuple[int, str]] = []
    rows = _validate(read_records(path), MetricRoleRow, errors)
    _dupes(rows, lambda r: r.metric, "metric", errors)
    _reject_if(errors, "metric-roles", path)
    with conn.transaction(), conn.cursor() as cur:
        for _, r in rows:
            cur.execute(
                """INSERT INTO metric_roles (org_id, metric, role) VALUES (%s, %s, %s)
                   ON CONFLICT (org_id, metric) DO UPDATE SET role = EXCLUDED.role""",
                (org_id, r.metric, r.role),
            )
    return ImportResult("metric-roles", len(rows))


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
}


def _register_incidents() -> None:  # modules of their own (alerts), registered here
    from store.importers_extra import install
    from store.importers_incidents import import_incidents

    IMPORTERS["incidents"] = import_incidents
    install(IMPORTERS)  # unknown fields of JSON kinds are kept (``extra``) with a warning, not rejected


_register_incidents()


def run_import(conn: psycopg.Connection, org_slug: str, kind: str, path: Path) -> ImportResult:
    """Import ``path`` as ``kind`` into organisation ``org_slug`` (all or nothing)."""
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
        return IMPORTERS[kind](conn, row[0], path)
    except ImportRejected as exc:
        exc.kind = kind
        raise
    except psycopg.errors.DataError as exc:  # a value validation let through; nothing was committed
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportRejected(kind, path, [(0, f"a value cannot be stored ({reason})")]) from None
