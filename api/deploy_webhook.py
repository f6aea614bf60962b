"""What ``POST /api/webhooks/deployments`` accepts, read into deployment records, and how they are recorded.

The body is one of

- a **deployment record** (:class:`api.models.DeploymentWebhook`; unknown fields are refused, as before);
- an **Argo CD Application** (``kind: Application``, or any object with ``metadata.name`` and
  ``status.operationState``) — read by :func:`store.deploy_shapes.flatten_argo_application`, the same reading
  ``opsgraph import deployments`` uses: the app's name is the service, its last sync the deployment, and the rest
  of the resource is kept in the deployment's ``extra``;
- a **list** of those: a Kubernetes ``List`` / ``ApplicationList`` (``{"kind": "List", "items": [...]}``) or a
  JSON array.

Anything else (another Kubernetes resource, a scalar, an empty list) is a 422 that says what is accepted. Records
are upserted by ``external_id`` (an Application without one is named ``<app>#<history id>`` or ``<app>@<sync
start>``), so a re-delivered body changes nothing; a list is written all or nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import ApiError, from_store_error
from api.models import DeploymentRecorded, DeploymentsRecorded, DeploymentWebhook
from api.services import upsert_deployment
from store.changes import merge_deployment_extra
from store.deploy_shapes import flatten_argo_application, is_argo_application
from store.errors import StoreError
from store.incident_records import check_storable, split_fields

MAX_ITEMS = 500
ACCEPTED = ("a deployment record (external_id, service, version, started_at …), an Argo CD Application, or a List "
            "(or JSON array) of them")


class Parsed:
    """One deployment of the body: the record, the Argo CD fields kept as ``extra``, where it was in the body."""

    def __init__(self, record: DeploymentWebhook, extra: dict[str, Any], loc: list[str | int], app: str | None):
        self.record, self.extra, self.loc, self.app = record, extra, loc, app


def _items(body: Any) -> tuple[list[Any], list[str | int], bool]:
    """``(objects, location of the list in the body, is a list)``."""
    if isinstance(body, list):
        return body, ["body"], True
    if isinstance(body, dict) and isinstance(body.get("items"), list) and (
            str(body.get("kind", "")).endswith("List") or "apiVersion" in body):
        return body["items"], ["body", "items"], True
    return [body], ["body"], False


def _errors(exc: ValidationError, loc: list[str | int], app: str | None) -> list[dict[str, Any]]:
    what = f"Argo CD Application {app!r}: " if app else ""

    def msg(e: Any) -> str:
        if app and e["type"] == "missing" and tuple(e["loc"]) == ("started_at",):
            return "it has no sync to record (no status.operationState.startedAt nor status.history)"
        return str(e["msg"])

    return [{"loc": [*loc, *e["loc"]], "msg": what + msg(e), "type": e["type"]} for e in exc.errors()]


def parse(body: Any) -> tuple[list[Parsed], bool]:
    """The body's deployments (see the module docstring) and whether it was a list; 422 with every bad item."""
    objects, at, many = _items(body)
    if many and not objects:
        raise ApiError(422, f"the list holds no deployments; send {ACCEPTED}")
    if len(objects) > MAX_ITEMS:
        raise ApiError(422, f"{len(objects)} deployments in one request; send at most {MAX_ITEMS} at a time")
    out: list[Parsed] = []
    errors: list[dict[str, Any]] = []
    for i, obj in enumerate(objects):
        loc: list[str | int] = [*at, i] if many else list(at)
        if not isinstance(obj, dict):
            errors.append({"loc": loc, "msg": f"expected a JSON object: {ACCEPTED}", "type": "object_type"})
            continue
        if is_argo_application(obj):
            app = obj["metadata"]["name"].strip()
            known, extra = split_fields(flatten_argo_application(obj), DeploymentWebhook)
            bad = check_storable(extra)
            if bad:
                errors += [{"loc": loc, "msg": f"Argo CD Application {app!r}: {b}", "type": "value_error"} for b in bad]
                continue
        elif "apiVersion" in obj and "kind" in obj:
            errors.append({"loc": loc, "msg": f"a {obj.get('kind')!s:.60} resource is not a deployment; send {ACCEPTED}",
                           "type": "value_error"})
            continue
        else:
            app, known, extra = None, obj, {}
        try:
            out.append(Parsed(DeploymentWebhook.model_validate(known), extra, loc, app))
        except ValidationError as exc:
            errors += _errors(exc, loc, app)
    if errors:
        raise RequestValidationError(errors)
    return out, many


async def record(session: AsyncSession, org_id: int, body: Any) -> tuple[DeploymentRecorded | DeploymentsRecorded,
                                                                            bool]:
    """Upsert the body's deployments in the caller's transaction; ``(answer, anything created)``."""
    parsed, many = parse(body)
    done: list[DeploymentRecorded] = []
    for p in parsed:
        try:
            out = await upsert_deployment(session, org_id, p.record)
            if p.extra:
                await merge_deployment_extra(session, org_id, out.external_id, p.extra)
        except StoreError as exc:
            if not many:
                raise
            err = from_store_error(exc)
            where = ".".join(map(str, p.loc))
            raise ApiError(err.status, f"{where} ({p.record.external_id}): {err.detail}", **err.extra) from None
        done.append(out)
    created = any(d.created for d in done)
    if not many:
        return done[0], created
    return DeploymentsRecorded(deployments=done, created=sum(d.created for d in done),
                               updated=sum(not d.created for d in done)), created
