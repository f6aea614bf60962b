"""What an incident record may hold, shared by ``opsgraph import incidents`` and ``POST/PATCH /api/incidents``.

Real exports (PagerDuty, Opsgenie, incident.io, a spreadsheet) spell severities and statuses their own way and
carry fields opsgraph has no column for: severities and statuses are normalised (``SEV-1``, ``P1``,
``critical`` → ``sev1``; ``triggered``/``acknowledged`` → ``open``, ``closed`` → ``resolved``), and unknown
fields are returned separately so the caller can keep them as metadata and warn about them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from store.importers_fields import split_known
from store.importers_limits import MAX_JSON_DEPTH
from store.importers_values import epoch_guard, html_to_text, name_of
from store.models import INCIDENT_SEVERITIES, INCIDENT_STATUSES

_SEVERITY_WORDS = {
    "critical": "sev1", "crit": "sev1", "page": "sev1", "emergency": "sev1", "fatal": "sev1", "blocker": "sev1",
    "high": "sev2", "major": "sev2", "error": "sev2", "urgent": "sev2",
    "medium": "sev3", "moderate": "sev3", "warning": "sev3", "warn": "sev3", "minor": "sev3", "normal": "sev3",
    "low": "sev4", "info": "sev4", "informational": "sev4", "trivial": "sev4", "none": "sev4",
}
_STATUS_WORDS = {
    "open": "open", "triggered": "open", "firing": "open", "acknowledged": "open", "investigating": "open",
    "identified": "open", "active": "open", "ongoing": "open", "new": "open", "onhold": "open",
    "inprogress": "open", "assigned": "open", "reopened": "open", "restored": "mitigated", "completed": "resolved",
    "canceled": "resolved", "cancelled": "resolved",  # ServiceNow: not (or no longer) an open incident
    "mitigated": "mitigated", "monitoring": "mitigated", "stabilized": "mitigated", "stabilised": "mitigated",
    "resolved": "resolved", "closed": "resolved", "done": "resolved", "fixed": "resolved", "postmortem": "resolved",
}


def normalise_severity(value: object) -> str:
    """``sev1``…``sev4`` from the usual spellings (SEV-1, S2, P3, critical, warning, 1…4)."""
    raw = str(value).strip().lower()
    if raw in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[raw]
    numbered = re.fullmatch(r"([0-5])\s*-\s*[a-z][a-z ]*", raw)  # ServiceNow's "1 - Critical" … "5 - Planning"
    if numbered:
        raw = numbered.group(1)
    m = re.fullmatch(r"(?:sev|s|p|severity|priority)?[\s_-]*([0-5])", raw)
    if m:
        n = min(max(int(m.group(1)), 1), 4)  # SEV0 / P0 are the worst there is: sev1; P5 is sev4
        return f"sev{n}"
    raise ValueError(f"unknown severity {value!r}; use one of {', '.join(INCIDENT_SEVERITIES)} "
                     "(SEV-1, P2, critical, warning … are understood too)")


def normalise_status(value: object) -> str:
    raw = str(value).strip().lower().replace("_", " ").replace("-", " ")
    raw = raw.replace(" ", "")
    if raw in _STATUS_WORDS:
        return _STATUS_WORDS[raw]
    raise ValueError(f"unknown status {value!r}; use one of {', '.join(INCIDENT_STATUSES)} "
                     "(triggered, acknowledged, monitoring, closed … are understood too)")


MAX_DEPTH = MAX_JSON_DEPTH  # one limit for every JSON record (store.importers_limits)


def unstorable(value: Any, depth: int = 0) -> str | None:
    """Why Postgres could not store ``value`` (a NUL character, a lone surrogate, absurd nesting), else None."""
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character (\\u0000), which cannot be stored"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains text that is not valid Unicode"
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            reason = unstorable(str(k), depth + 1) or unstorable(v, depth + 1)
            if reason:
                return reason
    elif isinstance(value, list | tuple):
        for v in value:
            reason = unstorable(v, depth + 1)
            if reason:
                return reason
    return None


def check_storable(obj: dict[str, Any]) -> list[str]:
    """``field: reason`` for every field of ``obj`` that cannot be stored."""
    out = []
    for k, v in obj.items():
        reason = unstorable(str(k)) or unstorable(v, 1)
        if reason:
            out.append(f"{k}: {reason}")
    return out


def _aware(v: dt.datetime | None) -> dt.datetime | None:
    if v is not None and v.tzinfo is None:
        raise ValueError("timestamp needs a timezone (e.g. 2026-11-03T10:00:00Z)")
    return v


ExternalId = Annotated[str, Field(min_length=1, max_length=64)]
_NAMED = frozenset({"service", "severity", "status", "title"})


class IncidentFields(BaseModel):
    """The fields opsgraph stores for an incident (everything optional: PATCH sends some of them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    severity: str | None = None
    status: str | None = None
    started_at: dt.datetime | None = None
    detected_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    summary: Annotated[str, Field(max_length=20_000)] | None = None

    _tz = field_validator("started_at", "detected_at", "resolved_at")(_aware)
    _epoch = field_validator("started_at", "detected_at", "resolved_at", mode="before")(epoch_guard)

    @field_validator("title", "summary", mode="before")
    @classmethod
    def _plain_text(cls, v: object) -> object:
        """HTML bodies from paging tools are stored as inert plain text (scripts dropped, links as ``text (url)``)."""
        return html_to_text(v) if isinstance(v, str) else v

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, v: object) -> str | None:
        return None if v is None else normalise_severity(v)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: object) -> str | None:
        return None if v is None else normalise_status(v)

    @field_validator("external_id", mode="before", check_fields=False)
    @classmethod
    def _ext(cls, v: object) -> object:
        # ids of any shape: numbers, UUIDs, "PD-Q1W2E3", "2026/11/incident 7" (trimmed, kept as written)
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class IncidentRecord(IncidentFields):
    """A whole incident (import rows and ``POST /api/incidents``)."""

    external_id: ExternalId
    title: Annotated[str, Field(min_length=1, max_length=300)]
    started_at: dt.datetime
    severity: str = "sev3"
    status: str = "open"

    @model_validator(mode="before")
    @classmethod
    def _title_from_summary(cls, data: Any) -> Any:
        """Paging tools' CSV exports carry the incident's text as ``description`` only: its first line titles it.
        An object where a name is expected is read through its name (PagerDuty's ``"service": {"summary": …}``,
        ``"priority": {"summary": "P1"}``, ServiceNow's ``{"display_value": …}``); ``null`` is left out."""
        if isinstance(data, dict):
            data = {k: (name_of(v, k) if isinstance(v, dict) and k in _NAMED else v)
                    for k, v in data.items() if v is not None}
        if isinstance(data, dict) and not data.get("title") and isinstance(data.get("summary"), str):
            first = html_to_text(data["summary"]).strip().split("\n", 1)[0].strip()
            if first:
                data = {**data, "title": first[:300]}
        return data

    @model_validator(mode="after")
    def _order(self) -> IncidentRecord:
        check_order(self.started_at, self.detected_at, self.resolved_at)
        return self


def check_order(started: dt.datetime | None, detected: dt.datetime | None, resolved: dt.datetime | None) -> None:
    if started is not None and detected is not None and detected < started:
        raise ValueError("detected_at is before started_at")
    if started is not None and resolved is not None and resolved < started:
        raise ValueError("resolved_at is before started_at")


# Common spellings of the known fields in other tools' exports.
ALIASES = {
    "id": "external_id", "incident_id": "external_id", "incident_number": "external_id", "number": "external_id", "key": "external_id",
    "name": "title", "subject": "title", "summary_title": "title", "short_description": "title",
    "message": "title",  # Opsgenie alerts
    "service_name": "service", "component": "service", "impacted_service": "service",
    "cmdb_ci": "service", "configuration_item": "service", "business_service": "service",  # ServiceNow
    "priority": "severity", "sev": "severity", "level": "severity",
    "urgency": "severity",  # PagerDuty's high/low, when no priority is given
    "impact": "severity",  # Statuspage's none/minor/major/critical
    "state": "status",
    "created_at": "started_at", "created_on": "started_at", "triggered_at": "started_at", "opened_at": "started_at",
    "resolved_on": "resolved_at", "start": "started_at", "start_time": "started_at", "began_at": "started_at",
    "opened": "started_at", "created": "started_at", "sys_created_on": "started_at",
    "acknowledged_at": "detected_at", "detected": "detected_at",
    "end": "resolved_at", "ended_at": "resolved_at", "end_time": "resolved_at", "closed_at": "resolved_at",
    "resolved": "resolved_at",
    "description": "summary", "details": "summary",
}


def split_fields(obj: dict[str, Any], model: type[BaseModel], aliases: dict[str, str] | None = None,
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(known, extra)``: the fields ``model`` knows — by name in any spelling (``startedAt``), else by one of
    ``aliases`` (default: the model's ``FIELD_ALIASES``) — and the rest.

    The generic "unknown fields are kept as metadata with a warning" step of an import: validate ``known``,
    store ``extra`` as the row's metadata, and tell the user which field names were kept that way.
    """
    return split_known(obj, model.model_fields, aliases if aliases is not None else getattr(model, "FIELD_ALIASES", {}),
                       getattr(model, "PREFERRED_ALIASES", frozenset()))
