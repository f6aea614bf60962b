"""``POST /api/incidents`` and ``PATCH /api/incidents/{id}``: validated like the import (same fields, same
spellings, unknown fields kept as metadata with a warning, unknown services answered with close matches)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from api.errors import ApiError
from store import incidents as db
from store.incident_records import (
    ALIASES,
    IncidentFields,
    IncidentRecord,
    check_order,
    check_storable,
    split_fields,
)
from tools.base import ToolContext
from tools.incidents import IncidentInfo, get_incident


class IncidentWritten(BaseModel):
    incident: IncidentInfo
    metadata: dict[str, Any] = Field(default_factory=dict, description="fields kept that opsgraph has no column for")
    warnings: list[str] = Field(default_factory=list)


def _invalid(exc: ValidationError) -> ApiError:
    errors = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"].removeprefix("Value error, ")}
              for e in exc.errors()]
    return ApiError(422, "; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)


def _warning(extra: dict[str, Any]) -> list[str]:
    return [f"unknown field(s) kept as metadata: {', '.join(sorted(extra))}"] if extra else []


async def _service_id(s: Any, org_id: int, name: str | None) -> int | None:
    if name is None:
        return None
    try:
        sid, _ = await db.resolve_service(s, org_id, name)
    except db.NotFound as exc:
        raise ApiError(422, f"service: {exc}", suggestions=exc.suggestions or None) from None
    return sid


def _storable(body: dict[str, Any]) -> None:
    bad = check_storable(body)
    if bad:
        raise ApiError(422, "; ".join(bad))


async def create_incident(state: Any, org_id: int, body: dict[str, Any], ctx: ToolContext) -> IncidentWritten:
    _storable(body)
    known, extra = split_fields(body, IncidentRecord, ALIASES)
    try:
        rec = IncidentRecord.model_validate(known)
    except ValidationError as exc:
        raise _invalid(exc) from None
    async with state.sessions() as s, s.begin():
        sid = await _service_id(s, org_id, rec.service)
        if await db.incident_exists(s, org_id, rec.external_id):
            raise ApiError(409, f"incident {rec.external_id!r} already exists; change it with PATCH "
                                f"/api/incidents/{rec.external_id}")
        values = rec.model_dump(exclude={"service"}) | {"service_id": sid}
        await db.insert_incident(s, org_id, values, extra)
    info = (await get_incident(ctx, incident=rec.external_id)).result
    return IncidentWritten(incident=info, metadata=extra, warnings=_warning(extra))


async def patch_incident(state: Any, org_id: int, external_id: str, body: dict[str, Any], ctx: ToolContext
                         ) -> IncidentWritten:
    await get_incident(ctx, incident=external_id)  # 404 with close matches
    if "external_id" in body:
        raise ApiError(422, "external_id cannot be changed")
    _storable(body)
    known, extra = split_fields(body, IncidentFields, ALIASES)
    if not known and not extra:
        raise ApiError(422, "nothing to change: send at least one field")
    try:
        fields = IncidentFields.model_validate(known)
    except ValidationError as exc:
        raise _invalid(exc) from None
    changes = fields.model_dump(exclude_unset=True)
    for required in ("title", "started_at", "severity", "status"):
        if required in changes and changes[required] is None:
            raise ApiError(422, f"{required} cannot be empty")
    async with state.sessions() as s, s.begin():
        row = await db.incident_row(s, org_id, external_id)
        assert row is not None
        merged = {k: changes.get(k, row[k]) for k in ("started_at", "detected_at", "resolved_at")}
        try:
            check_order(merged["started_at"], merged["detected_at"], merged["resolved_at"])
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        if "service" in changes:
            changes["service_id"] = await _service_id(s, org_id, changes.pop("service"))
        await db.update_incident(s, org_id, row["id"], changes, extra)
        metadata = await db.incident_extra(s, org_id, row["id"])
    info = (await get_incident(ctx, incident=external_id)).result
    return IncidentWritten(incident=info, metadata=metadata, warnings=_warning(extra))
