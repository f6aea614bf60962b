"""Alertmanager webhook, alert settings and the per-service PromQL mappings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, field_validator

from api.alerting import AlertmanagerPayload, AlertsAccepted, accept_alerts
from api.deps import Admin, Member, State, Viewer
from api.errors import ApiError, responses
from store import incidents as db
from store.incident_records import unstorable
from store.names import close_matches

router = APIRouter()

ServiceName = Annotated[str, Path(min_length=1, max_length=100, examples=["payments"])]
MetricName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_.:-]*$",
                                 examples=["error_rate"])]


@router.post("/api/webhooks/alertmanager", status_code=202, response_model=AlertsAccepted, tags=["incidents"],
             responses=responses(401, 403, 413, 422))
async def alertmanager_webhook(body: AlertmanagerPayload, state: State, principal: Member
                               ) -> AlertsAccepted:
    """Prometheus Alertmanager's webhook (payload version 4). Each firing alert is matched to a service, opens an
    incident (or joins the open one of that service) and starts one investigation run per fingerprint (trigger
    `alert`); the same alert again starts nothing new; a resolved alert marks its incident mitigated. Alerts whose
    service cannot be told are listed under `ignored` with the reason."""
    if body.version.strip() not in ("4", "3"):
        raise ApiError(422, f"unsupported Alertmanager webhook version {body.version!r}; opsgraph reads version 4")
    return await accept_alerts(state, principal, body)


class AlertSettingsIn(BaseModel):
    prometheus_url: str | None = Field(None, max_length=2000, examples=["http://prometheus:9090"],
                                       description="Prometheus base URL (default: OPSGRAPH_PROMETHEUS_URL)")
    service_labels: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        ["service", "job"], min_length=1, max_length=10, description="alert labels naming the service, in order")
    service_map: dict[str, str] = Field(default_factory=dict, examples=[{"payments-prod": "payments"}],
                                        description="label value (or `label=value`) → opsgraph service")
    join_window_minutes: int = Field(120, ge=0, le=10080,
                                     description="an alert joins the open incident of its service started this close")

    @field_validator("service_labels", "service_map")
    @classmethod
    def _text(cls, v: Any) -> Any:
        reason = unstorable(v)
        if reason:
            raise ValueError(reason)
        return v

    @field_validator("prometheus_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("http://", "https://")):
            raise ValueError("prometheus_url must start with http:// or https://")
        return v.rstrip("/")


@router.get("/api/alerts/settings", response_model=AlertSettingsIn, tags=["incidents"], responses=responses(401))
async def get_alert_settings(state: State, principal: Viewer) -> AlertSettingsIn:
    """How alerts are matched to services, and where Prometheus is."""
    async with state.sessions() as s:
        cfg = await db.get_alert_config(s, principal.org_id)
    return AlertSettingsIn(prometheus_url=cfg.prometheus_url, service_labels=list(cfg.service_labels),
                           service_map=dict(cfg.service_map), join_window_minutes=cfg.join_window_minutes)


@router.put("/api/alerts/settings", response_model=AlertSettingsIn, tags=["incidents"],
            responses=responses(401, 403, 422))
async def put_alert_settings(body: AlertSettingsIn, state: State, principal: Admin) -> AlertSettingsIn:
    """Replace the alert settings (admin). Mapped services must exist."""
    async with state.sessions() as s, s.begin():
        services = await db.service_names(s, principal.org_id)
        lowered = {k.lower(): k for k in services}
        for key, svc in body.service_map.items():
            if svc.lower() not in lowered:
                raise ApiError(422, f"service_map[{key!r}]: unknown service {svc!r}",
                               suggestions=close_matches(svc, services) or None)
        mapping = {k: lowered[v.lower()] for k, v in body.service_map.items()}
        await db.set_alert_config(s, principal.org_id, db.AlertConfig(
            prometheus_url=body.prometheus_url, service_labels=body.service_labels, service_map=mapping,
            join_window_minutes=body.join_window_minutes))
    return body.model_copy(update={"service_map": mapping})


class PromqlIn(BaseModel):
    promql: str = Field(min_length=1, max_length=4000, examples=['sum(rate(http_errors_total{job="$service"}[1m]))'],
                        description="PromQL; `$service` is replaced by the service name")
    step_seconds: int = Field(60, ge=1, le=86400)

    @field_validator("promql")
    @classmethod
    def _text(cls, v: str) -> str:
        reason = unstorable(v)
        if reason:
            raise ValueError(reason)
        return v


class PromqlOut(BaseModel):
    service: str
    metric: str
    promql: str
    step_seconds: int


class PromqlList(BaseModel):
    items: list[PromqlOut]


async def _service(state: Any, org_id: int, name: str) -> tuple[int, str]:
    async with state.sessions() as s:
        try:
            return await db.resolve_service(s, org_id, name)
        except db.NotFound as exc:
            raise ApiError(404, str(exc), suggestions=exc.suggestions or None) from None


@router.get("/api/services/{service}/promql", response_model=PromqlList, tags=["changes"],
            responses=responses(401, 404, 422))
async def list_service_promql(service: ServiceName, state: State, principal: Viewer) -> PromqlList:
    """The service's metrics that are read from Prometheus, with their PromQL."""
    _, name = await _service(state, principal.org_id, service)
    async with state.sessions() as s:
        rows = await db.list_promql(s, principal.org_id, name)
    return PromqlList(items=[PromqlOut(**{k: r[k] for k in PromqlOut.model_fields}) for r in rows])


@router.put("/api/services/{service}/promql/{metric}", response_model=PromqlOut, tags=["changes"],
            responses=responses(401, 403, 404, 422))
async def set_service_promql(service: ServiceName, metric: MetricName, body: PromqlIn, state: State,
                             principal: Member) -> PromqlOut:
    """Map a service metric to PromQL (create or replace)."""
    sid, name = await _service(state, principal.org_id, service)
    async with state.sessions() as s, s.begin():
        await db.set_promql(s, principal.org_id, sid, metric, body.promql.strip(), body.step_seconds)
    return PromqlOut(service=name, metric=metric, promql=body.promql.strip(), step_seconds=body.step_seconds)


@router.delete("/api/services/{service}/promql/{metric}", status_code=204, tags=["changes"],
               responses=responses(401, 403, 404, 422))
async def delete_service_promql(service: ServiceName, metric: MetricName, state: State, principal: Member) -> None:
    """Remove a mapping."""
    sid, name = await _service(state, principal.org_id, service)
    async with state.sessions() as s, s.begin():
        if not await db.delete_promql(s, principal.org_id, sid, metric):
            raise ApiError(404, f"{name} has no PromQL for metric {metric!r}")
