"""Row models of the JSON import kinds: every field checked, text Postgres cannot store rejected by name.

The API's webhook and ticket bodies extend these models, so a row is valid in the same way wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class Row(BaseModel):
    # numbers where text is expected (`"external_id": 48211`, `"version": 9.1`) are taken as their text
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

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


_CODE = re.compile(r"[^\W_][\w.-]*")
_KPI_CODE = re.compile(r"[^\W\d_][\w]*")
_SERVICE = re.compile(r"[^\W_][\w.-]*")


def _code(v: Any, rule: re.Pattern[str], what: str) -> Any:
    """Codes are matched case-insensitively (stored upper-case); a bad one is explained, not shown as a regex."""
    if not isinstance(v, str):
        return v
    v = v.strip().upper()
    if v and not rule.fullmatch(v):
        raise ValueError(f"{v!r} is not a valid {what}")
    return v


class StationRow(Row):
    code: Annotated[str, Field(min_length=2, max_length=8)]
    name: Str
    region: Annotated[str, Field(min_length=1, max_length=32)]
    region_name: Name | None = None

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        return _code(v, _CODE, "code: use letters and digits, '-', '_' or '.' inside (e.g. KOL-1)")


class KpiDefinitionRow(Row):
    code: Annotated[str, Field(min_length=2, max_length=64)]
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

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        return _code(v, _KPI_CODE, "code: use a letter, then letters, digits or '_' (e.g. CALL_DROP_PCT)")


class ServiceRow(Row):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    team: Annotated[str, Field(max_length=100)] | None = None
    tier: Annotated[int, Field(ge=1, le=3)] = 2
    description: str | None = None
    depends_on: list[str] = []

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _SERVICE.fullmatch(v):
            raise ValueError(f"{v!r} is not a valid service name: use letters, digits, '-', '_' or '.' (no spaces)")
        return v


class DeploymentRow(Row):
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


class ConfigChangeRow(Row):
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

    @field_validator("old_value", "new_value", mode="before")
    @classmethod
    def _scalar_text(cls, v: Any) -> Any:
        """Exports write numbers and booleans as JSON values (``"POLL_INTERVAL": 300``): kept as their text."""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v) if isinstance(v, (int, float)) else v


class CommitFileRow(Row):
    path: Annotated[str, Field(min_length=1)]
    change_type: ChangeType | None = None
    additions: Annotated[int, Field(ge=0)] = 0
    deletions: Annotated[int, Field(ge=0)] = 0


class CommitRow(Row):
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


TICKET_STATUS_WORDS = {
    "in progress": "open", "assigned": "open", "reopened": "open", "working": "open", "active": "open",
    "on hold": "pending", "waiting": "pending", "waiting for customer": "pending", "hold": "pending",
    "solved": "resolved", "done": "resolved", "fixed": "resolved", "completed": "resolved", "cancelled": "closed",
}


class TicketRow(Row):
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

    @field_validator("status", mode="before")
    @classmethod
    def _status_words(cls, v: Any) -> Any:
        """``Open``, ``In Progress``, ``On hold``, ``Solved`` … from other helpdesks; anything else is rejected."""
        if not isinstance(v, str):
            return v
        raw = " ".join(v.strip().lower().replace("_", " ").replace("-", " ").split())
        return TICKET_STATUS_WORDS.get(raw, raw)


class RunbookRow(Row):
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    body: Annotated[str, Field(min_length=1)]
    kind: DocumentKind = "runbook"
    service: Annotated[str, Field(max_length=100)] | None = None
    tags: list[Annotated[str, Field(max_length=100)]] = []


class MetricRoleRow(Row):
    metric: Annotated[str, Field(min_length=1, max_length=64)]
    role: Literal["errors", "latency", "throughput", "saturation"]
