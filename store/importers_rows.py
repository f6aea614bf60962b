"""Row models of the JSON import kinds: every field checked, text Postgres cannot store rejected by name (the checks
the kinds share are in :mod:`store.importers_base`, re-exported here).

The API's webhook and ticket bodies extend these models, so a row is valid in the same way wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from store import importers_fields as aliases
from store.deploy_shapes import flatten_argo_application, flatten_change_request
from store.importers_base import _CODE, _KPI_CODE, _SERVICE, Name, Str, _aware, _code, _strings, in_utc_range
from store.importers_fields import is_text, is_text_list, is_time, split_known
from store.importers_limits import MAX_JSON_DEPTH
from store.importers_values import (
    DEPLOYMENT_STATUS_WORDS,
    DEPLOYMENT_UNSAID,
    epoch_guard,
    field_key,
    goal,
    higher_is_better,
    name_of,
)
from store.models import (
    Aggregation,
    ChangeType,
    DeploymentStatus,
    DocumentKind,
)

__all__ = ["MAX_JSON_DEPTH", "CommitFileRow", "CommitRow", "ConfigChangeRow", "DeploymentImportRow", "DeploymentRow", "KpiDefinitionRow",
           "MetricRoleRow", "Name", "Row", "RunbookRow", "ServiceRow", "StationRow", "Str", "in_utc_range"]


class Row(BaseModel):
    # numbers where text is expected (`"external_id": 48211`, `"version": 9.1`) are taken as their text
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    FIELD_ALIASES: ClassVar[dict[str, str]] = {}  # other tools' names for the fields (store.importers_fields)
    PREFERRED_ALIASES: ClassVar[frozenset[str]] = frozenset()
    JSON_TEXT_FIELDS: ClassVar[frozenset[str]] = frozenset()  # objects here are kept as their JSON text

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        """Fields under other tools' names are renamed, exports' shapes read (:meth:`_shape`); text Postgres cannot
        store (NUL characters, lone surrogates) and absurdly deep nesting are rejected here, with the field's
        name, instead of failing at write time."""
        data = cls.unwrap(data)
        if isinstance(data, dict):
            for name, value in data.items():
                for text in _strings(value, 1):
                    if "\x00" in text:
                        raise ValueError(f"{name}: contains a NUL character (\\u0000), which cannot be stored")
                    try:
                        text.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ValueError(f"{name}: contains an invalid character (a lone surrogate)") from None
            known, extra = split_known(data, cls.model_fields, cls.FIELD_ALIASES, cls.PREFERRED_ALIASES)
            # a field's other spellings that lost to a preferred one (``status`` beside ``conclusion``, ``created_at``
            # beside ``run_started_at``) are not unknown fields; the rest stay, for ``extra="forbid"`` to name
            unknown = {k: v for k, v in extra.items()
                       if field_key(k) not in cls.model_fields and field_key(k) not in cls.FIELD_ALIASES}
            data = {**cls._prepare(cls._shape(known)), **unknown}
        return data

    @classmethod
    def unwrap(cls, data: Any) -> Any:
        """A tool's resource shape read as this kind's flat record (see :mod:`store.deploy_shapes`); the default
        changes nothing."""
        return data

    @classmethod
    def _shape(cls, known: dict[str, Any]) -> dict[str, Any]:
        """``null`` is the same as leaving a field out; an object where a name is expected is read through its
        name (``"service": {"name": "payments"}``); a list written as one text cell (``"a, b; c"``) is split."""
        out: dict[str, Any] = {}
        for name, value in known.items():
            field = cls.model_fields[name]
            if value is None and not field.is_required() and field.default is not None:
                continue
            if is_time(field.annotation):
                try:
                    value = epoch_guard(value)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
            elif isinstance(value, dict | list) and name in cls.JSON_TEXT_FIELDS:
                value = json.dumps(value, sort_keys=True, ensure_ascii=False)
            elif isinstance(value, dict) and is_text(field.annotation):
                value = name_of(value, name)
            elif is_text_list(field.annotation):
                if isinstance(value, str):
                    value = [part.strip() for part in re.split(r"[,;|]", value) if part.strip()]
                elif isinstance(value, list):
                    value = [name_of(v, name) if isinstance(v, dict) else v for v in value]
            out[name] = value
        return out

    @classmethod
    def _prepare(cls, known: dict[str, Any]) -> dict[str, Any]:
        """Per-kind readings across fields (a KPI's goal saying its direction …); the default changes nothing."""
        return known


class StationRow(Row):
    FIELD_ALIASES = aliases.STATION
    code: Annotated[str, Field(min_length=2, max_length=32)]
    name: Str
    region: Annotated[str, Field(min_length=1, max_length=32)]
    region_name: Name | None = None

    @classmethod
    def unwrap(cls, data: Any) -> Any:
        """Sites under the organisation's own word ("Port Code", "Clinic ID"): see ``place_columns``."""
        return aliases.place_columns(data, cls.model_fields, cls.FIELD_ALIASES) if isinstance(data, dict) else data

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        return _code(v, _CODE, "code: use letters and digits, '-', '_' or '.' inside (e.g. KOL-1)")


class KpiDefinitionRow(Row):
    FIELD_ALIASES = aliases.KPI_DEFINITION
    code: Annotated[str, Field(min_length=2, max_length=64)]
    name: Str
    description: str | None = None
    aliases: list[str] = []
    unit: Annotated[str, Field(max_length=32)] = ""
    aggregation: Aggregation = "mean"
    goal: float | None = None
    upper_limit: float | None = None
    lower_limit: float | None = None
    decimals: Annotated[int, Field(ge=0, le=6)] | None = None  # None: chosen from the data when shown
    higher_is_better: bool
    related_services: list[str] = []

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        return _code(v, _KPI_CODE, "code: use a letter, then letters, digits or '_' (e.g. CALL_DROP_PCT)")

    @field_validator("higher_is_better", mode="before")
    @classmethod
    def _direction(cls, v: Any) -> Any:
        """``higher is better``, ``down is good``, ``↑``, ``yes`` … (see importers_values.higher_is_better)."""
        return higher_is_better(v) if isinstance(v, str | int) else v

    @field_validator("upper_limit", "lower_limit", mode="before")
    @classmethod
    def _limit(cls, v: Any) -> Any:
        return goal(v)[0] if isinstance(v, str) and v.strip() else v

    @classmethod
    def _prepare(cls, known: dict[str, Any]) -> dict[str, Any]:
        """A goal written as ``≥ 95%`` is 95 and says higher is better (``≤ 2`` lower); a percent goal without a
        unit gives the KPI the unit ``%``. A goal contradicting ``higher_is_better`` is rejected."""
        raw = known.get("goal")
        if not isinstance(raw, str):
            return known
        if not raw.strip():
            return {k: v for k, v in known.items() if k != "goal"}
        value, direction, percent = goal(raw)
        known = {**known, "goal": value}
        if direction is not None:
            said = known.get("higher_is_better")
            if said is None:
                known["higher_is_better"] = direction
            elif higher_is_better(said) != direction:
                raise ValueError(f"goal {raw.strip()!r} means {'higher' if direction else 'lower'} is better, but "
                                 f"higher_is_better is {said!r}; make them agree")
        if percent and not known.get("unit"):
            known["unit"] = "%"
        return known


class ServiceRow(Row):
    FIELD_ALIASES = aliases.SERVICE
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
    FIELD_ALIASES = aliases.DEPLOYMENT
    PREFERRED_ALIASES = aliases.PREFERRED["deployment"]
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

    @classmethod
    def unwrap(cls, data: Any) -> Any:
        """An Argo CD Application resource (the app's name in ``metadata.name``) or a ServiceNow change request
        (``number``, ``cmdb_ci``, ``work_start`` …) as a flat record."""
        return flatten_argo_application(flatten_change_request(data, "deployment"))

    @field_validator("status", mode="before")
    @classmethod
    def _status_words(cls, v: Any) -> Any:
        """Deploy tools' words (``success``, ``Healthy``, ``failure``, ``Running``, ``rolled back`` …); words that do
        not say what happened (``completed``, ``cancelled``) are rejected with what to write instead."""
        if not isinstance(v, str):
            return v
        raw = " ".join(v.strip().lower().replace("_", " ").replace("-", " ").split())
        if raw in DEPLOYMENT_UNSAID:
            raise ValueError(f"{v!r} {DEPLOYMENT_UNSAID[raw]}")
        return DEPLOYMENT_STATUS_WORDS.get(raw, raw)

    @classmethod
    def _prepare(cls, known: dict[str, Any]) -> dict[str, Any]:
        """A deployment without a version (a CI run) is named by the commit it deployed, when given."""
        if not known.get("version") and known.get("commit_to_sha"):
            return {**known, "version": known["commit_to_sha"]}
        return known


class DeploymentImportRow(DeploymentRow):
    """A deployment record in an imported file: its service may be left out when its message or host names one
    (``"deploy tidal-api 3.2"``, ``tidal-api-7.prod``) — :func:`store.importers_json.import_deployments` finds it."""

    FIELD_ALIASES = {**aliases.DEPLOYMENT, "hostname": "host", "commit_message": "message"}
    service: str | None = None  # type: ignore[assignment]
    message: Annotated[str, Field(max_length=2000)] | None = None
    host: Annotated[str, Field(max_length=300)] | None = None


class ConfigChangeRow(Row):
    FIELD_ALIASES = aliases.CONFIG_CHANGE
    JSON_TEXT_FIELDS = frozenset({"old_value", "new_value"})
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

    @classmethod
    def unwrap(cls, data: Any) -> Any:
        """A ServiceNow change request (``number``, ``cmdb_ci``, ``work_start`` …; its key still needed) as a flat
        record."""
        return flatten_change_request(data, "config-change")
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

    @field_validator("change_type", mode="before")
    @classmethod
    def _git_status(cls, v: Any) -> Any:
        """git's and the forges' file statuses ("added", "modified", "delete", "R") say how the file changed, not
        what kind of change it is: the kind is then read from the path."""
        return None if isinstance(v, str) and v.strip().lower() in _GIT_STATUSES else v


_GIT_STATUSES = {"a", "m", "d", "r", "c", "t", "u", "add", "added", "modify", "modified", "delete", "deleted", "removed",
                 "remove", "rename", "renamed", "copy", "copied", "changed", "change", "unchanged", "type_changed"}


class CommitRow(Row):
    FIELD_ALIASES = aliases.COMMIT
    sha: Annotated[str, Field(pattern=r"^[0-9a-f]{7,64}$")]
    service: str
    message: str
    author: Name | None = None
    committed_at: dt.datetime
    merged_at: dt.datetime | None = None
    pr_number: int | None = None
    files: list[CommitFileRow] = []

    _tz = field_validator("committed_at", "merged_at")(_aware)


class RunbookRow(Row):
    FIELD_ALIASES = aliases.RUNBOOK
    external_id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    body: Annotated[str, Field(min_length=1)]
    kind: DocumentKind = "runbook"
    service: Annotated[str, Field(max_length=100)] | None = None
    tags: list[Annotated[str, Field(max_length=100)]] = []


class MetricRoleRow(Row):
    metric: Annotated[str, Field(min_length=1, max_length=64)]
    role: Literal["errors", "latency", "throughput", "saturation"]
