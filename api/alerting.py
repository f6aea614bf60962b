"""Alerts in, investigations out: what ``POST /api/webhooks/alertmanager`` does with each alert.

A firing alert is matched to a service (the organisation's label→service map, then the labels ``service``,
``job`` … in the configured order), opens an incident or joins the open one of that service within the join
window, and — once per fingerprint — starts an investigation run (trigger ``alert``) asking what caused the
incident: the change correlator ranks the changes before the alert's ``startsAt`` and reads the service's
mapped Prometheus metrics. A follow-up job (:mod:`api.alert_jobs`, queued on the run's thread lock, so it
executes after the run, on any worker) writes the ranked hypotheses to ``hypotheses`` (with confidence and
their evidence ids) and, with Slack configured, the result is posted to the alert channel as a
thread whose replies continue the investigation. A resolved alert marks its incident mitigated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from api import alert_jobs
from api.errors import ApiError
from store import incidents as db
from store.incident_records import normalise_severity, unstorable
from store.names import close_matches

if TYPE_CHECKING:
    from api.state import AppState
    from store.keys import ApiKeyInfo

log = logging.getLogger(__name__)
ZERO_TIME = dt.datetime(1, 1, 2, tzinfo=dt.UTC)  # Alertmanager's "0001-01-01T00:00:00Z" means "not ended"


class AlertIn(BaseModel):
    status: str = Field("firing", max_length=16, examples=["firing"])
    labels: dict[str, str] = Field(default_factory=dict, examples=[{"alertname": "HighErrorRate", "service": "payments"}])
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: dt.datetime
    endsAt: dt.datetime | None = None
    generatorURL: str | None = Field(None, max_length=4000)
    fingerprint: str | None = Field(None, max_length=128)

    @field_validator("labels", "annotations", "fingerprint", "generatorURL")
    @classmethod
    def _text(cls, v: Any) -> Any:
        reason = unstorable(v)
        if reason:
            raise ValueError(reason)
        return v

    @field_validator("startsAt", "endsAt")
    @classmethod
    def _sane(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is None:
            return None
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.UTC)  # Alertmanager always sends UTC
        if v.year <= 1:
            return v  # "0001-01-01T00:00:00Z": not set
        if not 1970 <= v.year <= 9000:
            raise ValueError("timestamp out of range")
        return v


class AlertmanagerPayload(BaseModel):
    """Alertmanager's webhook body (``version`` 4)."""

    model_config = {"json_schema_extra": {"examples": [{
        "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "truncatedAlerts": 0, "status": "firing",
        "receiver": "opsgraph", "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "service": "checkout-api", "severity": "page"},
        "commonAnnotations": {"summary": "checkout-api error ratio above 5%"},
        "externalURL": "http://alertmanager:9093",
        "alerts": [{"status": "firing", "labels": {"alertname": "HighErrorRate", "service": "checkout-api",
                                                   "severity": "page"},
                    "annotations": {"summary": "checkout-api error ratio above 5%"},
                    "startsAt": "2026-11-19T14:12:30Z", "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus:9090/graph?g0.expr=...", "fingerprint": "c4a1f2b3d4e5f607"}],
    }]}}

    version: str = Field("4", max_length=8)
    groupKey: str | None = Field(None, max_length=4000)
    truncatedAlerts: int = 0
    status: str = Field("firing", max_length=16)
    receiver: str | None = Field(None, max_length=500)
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str | None = Field(None, max_length=4000)
    alerts: list[AlertIn] = Field(max_length=1000)


class AlertIncident(BaseModel):
    incident_id: str = Field(description="the incident's external id")
    run_id: uuid.UUID | None = Field(description="the investigation run of this alert (None when resolved)")
    created: bool = Field(description="True when this alert opened the incident")
    fingerprint: str
    status: str = Field(description="firing | resolved")
    service: str
    new_run: bool = Field(description="False: this fingerprint was seen before, no second run")


class IgnoredAlert(BaseModel):
    fingerprint: str
    alertname: str | None
    reason: str
    suggestions: list[str] = []


class AlertsAccepted(BaseModel):
    incidents: list[AlertIncident]
    ignored: list[IgnoredAlert] = []


def fingerprint_of(alert: AlertIn) -> str:
    if alert.fingerprint:
        return alert.fingerprint.strip()
    return hashlib.sha256(json.dumps(alert.labels, sort_keys=True).encode()).hexdigest()[:16]


def match_service(labels: dict[str, str], cfg: db.AlertConfig, services: dict[str, int]) -> tuple[str | None, str]:
    """(service, how) — or (None, reason) with the label values tried."""
    lowered = {k.lower(): k for k in services}
    tried = []
    for label in cfg.service_labels:
        value = labels.get(label)
        if not value:
            continue
        tried.append(f"{label}={value}")
        mapped = cfg.service_map.get(value) or cfg.service_map.get(f"{label}={value}")
        for cand in (mapped, value):
            if cand and cand.lower() in lowered:
                return lowered[cand.lower()], label
    if not tried:
        return None, f"no {' / '.join(cfg.service_labels)} label to name the service"
    return None, "no service matches " + ", ".join(tried)


def _severity(labels: dict[str, str]) -> str:
    for key in ("severity", "priority", "level"):
        if labels.get(key):
            try:
                return normalise_severity(labels[key])
            except ValueError:
                pass
    return "sev3"


async def accept_alerts(state: AppState, principal: ApiKeyInfo, payload: AlertmanagerPayload) -> AlertsAccepted:
    """Record every alert of the payload; start the runs and queue their follow-up jobs."""
    org = principal.org_id
    async with state.sessions() as s:
        cfg = await db.get_alert_config(s, org)
        services = await db.service_names(s, org)
    out = AlertsAccepted(incidents=[])
    for i, alert in enumerate(payload.alerts):  # refuse the whole payload before writing anything
        if alert.startsAt.year < 1970:
            raise ApiError(422, f"alerts[{i}].startsAt is not set")
    for alert in payload.alerts:
        labels = {**payload.commonLabels, **alert.labels}
        fp = fingerprint_of(alert)
        name = labels.get("alertname")
        service, how = match_service(labels, cfg, services)
        if service is None:
            out.ignored.append(IgnoredAlert(fingerprint=fp, alertname=name, reason=how,
                                            suggestions=_suggest(labels, cfg, services)))
            continue
        status = (alert.status or payload.status).strip().lower()
        if status == "resolved":
            async with state.sessions() as s, s.begin():
                res = await db.record_resolved(s, org, fingerprint=fp, ends_at=_ended(alert))
            if res is None:
                out.ignored.append(IgnoredAlert(fingerprint=fp, alertname=name,
                                                reason="resolved before opsgraph saw it firing"))
            else:
                out.incidents.append(AlertIncident(incident_id=res.incident, run_id=res.run_id, created=False,
                                                   fingerprint=fp, status="resolved", service=service, new_run=False))
            continue
        out.incidents.append(await _firing(state, principal, alert, labels, fp, service, services, cfg))
    return out


async def _firing(state: AppState, principal: ApiKeyInfo, alert: AlertIn,
                  labels: dict[str, str], fp: str, service: str, services: dict[str, int], cfg: db.AlertConfig,
                  ) -> AlertIncident:
    org = principal.org_id
    ann = {**alert.annotations}
    name = labels.get("alertname")
    title = ann.get("summary") or ann.get("title") or f"{name or 'Alert'} on {service}"
    starts = alert.startsAt.astimezone(dt.UTC)
    async with state.sessions() as s, s.begin():
        res = await db.record_firing(
            s, org, fingerprint=fp, service_id=services[service], alertname=name, title=title,
            severity=_severity(labels), labels=labels, annotations=ann, starts_at=starts,
            generator_url=alert.generatorURL, summary=ann.get("description"),
            join_window=dt.timedelta(minutes=cfg.join_window_minutes),
        )
    run_id = res.run_id
    if res.start_run and state.assistant is not None:
        question = f"What caused incident {res.incident} on {service}?"
        try:
            started = await state.assistant.start(org_id=org, question=question, trigger="alert",
                                                  api_key_id=principal.id)
        except Exception:  # the alert is recorded; Alertmanager's next notification retries
            log.exception("could not start the investigation of alert %s", fp)
            return AlertIncident(incident_id=res.incident, run_id=None, created=res.created, fingerprint=fp,
                                 status="firing", service=service, new_run=False)
        run_id = started.run_id
        info = {"title": title, "alertname": name, "service": service, "incident": res.incident,
                "severity": labels.get("severity") or _severity(labels), "starts_at": starts.isoformat()}
        # The alert's run and its follow-up job (after the run, on its thread's lock) commit together.
        async with state.sessions() as s, s.begin():
            await db.attach_run(s, org, fp, run_id)
            await alert_jobs.defer_follow_up(state.assistant.queue, s, org_id=org, run_id=run_id,
                                             thread_id=started.thread_id, incident_id=res.incident_id, alert=info)
    return AlertIncident(incident_id=res.incident, run_id=run_id, created=res.created, fingerprint=fp,
                         status="firing", service=service, new_run=res.start_run)


def _ended(alert: AlertIn) -> dt.datetime | None:
    return alert.endsAt if alert.endsAt is not None and alert.endsAt > ZERO_TIME else None


def _suggest(labels: dict[str, str], cfg: db.AlertConfig, services: dict[str, int]) -> list[str]:
    out: list[str] = []
    for label in cfg.service_labels:
        if labels.get(label):
            out += close_matches(labels[label], services)
    return list(dict.fromkeys(out))[:3]
