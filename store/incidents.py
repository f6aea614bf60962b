"""Incident writes (API), alert fingerprints, hypotheses, PromQL mappings and alert settings.

All functions take an ``AsyncSession`` the caller opened (inside ``session.begin()`` for writes) and are
scoped to one organisation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import (
    NotFound as NotFound,  # re-exported: callers catch ``store.incidents.NotFound``
)
from store.models import HYPOTHESIS_TYPES
from store.names import close_matches
from store.secrets import redact_json

# ------------------------------------------------------------------ services


async def service_names(s: AsyncSession, org_id: int) -> dict[str, int]:
    rows = await s.execute(text("SELECT name, id FROM services WHERE org_id = :org"), {"org": org_id})
    return dict(rows.all())


async def resolve_service(s: AsyncSession, org_id: int, name: str) -> tuple[int, str]:
    services = await service_names(s, org_id)
    if name in services:
        return services[name], name
    lowered = {k.lower(): k for k in services}
    if name.lower() in lowered:
        real = lowered[name.lower()]
        return services[real], real
    raise NotFound(f"unknown service {name!r}", close_matches(name, list(services)) or sorted(services)[:5])


# ------------------------------------------------------------------ incidents


async def incident_exists(s: AsyncSession, org_id: int, external_id: str) -> bool:
    return (await s.execute(
        text("SELECT 1 FROM incidents WHERE org_id = :org AND upper(external_id) = upper(:ext)"),
        {"org": org_id, "ext": external_id})).first() is not None


async def insert_incident(s: AsyncSession, org_id: int, values: dict[str, Any], extra: dict[str, Any]) -> int:
    return (await s.execute(
        text("""INSERT INTO incidents (org_id, external_id, title, service_id, severity, status, started_at,
                    detected_at, resolved_at, summary, extra)
                VALUES (:org, :external_id, :title, :service_id, :severity, :status, :started_at, :detected_at,
                    :resolved_at, :summary, CAST(:extra AS jsonb))
                RETURNING id"""),
        {"org": org_id, **values, "extra": json.dumps(redact_json(extra), default=str)},
    )).scalar_one()


async def incident_row(s: AsyncSession, org_id: int, external_id: str) -> dict[str, Any] | None:
    row = (await s.execute(
        text("""SELECT id, external_id, started_at, detected_at, resolved_at, status FROM incidents
                WHERE org_id = :org AND upper(external_id) = upper(:ext) FOR UPDATE"""),
        {"org": org_id, "ext": external_id})).mappings().first()
    return dict(row) if row else None


async def update_incident(s: AsyncSession, org_id: int, incident_id: int, values: dict[str, Any],
                          extra: dict[str, Any] | None) -> None:
    allowed = ("title", "service_id", "severity", "status", "started_at", "detected_at", "resolved_at", "summary")
    sets = [f"{k} = :{k}" for k in allowed if k in values]
    params: dict[str, Any] = {k: values[k] for k in allowed if k in values}
    if extra:
        sets.append("extra = extra || CAST(:extra AS jsonb)")
        params["extra"] = json.dumps(redact_json(extra), default=str)
    if not sets:
        return
    await s.execute(text(f"UPDATE incidents SET {', '.join(sets)} WHERE org_id = :org AND id = :id"),
                    {**params, "org": org_id, "id": incident_id})


async def incident_extra(s: AsyncSession, org_id: int, incident_id: int) -> dict[str, Any]:
    return (await s.execute(text("SELECT extra FROM incidents WHERE org_id = :org AND id = :id"),
                            {"org": org_id, "id": incident_id})).scalar() or {}


# ------------------------------------------------------------------ alert settings


@dataclass
class AlertConfig:
    prometheus_url: str | None = None
    service_labels: list[str] = field(default_factory=lambda: ["service", "job"])
    service_map: dict[str, str] = field(default_factory=dict)
    join_window_minutes: int = 120


async def get_alert_config(s: AsyncSession, org_id: int) -> AlertConfig:
    row = (await s.execute(
        text("""SELECT prometheus_url, service_labels, service_map, join_window_minutes FROM alert_settings
                WHERE org_id = :org"""), {"org": org_id})).mappings().first()
    return AlertConfig(**row) if row else AlertConfig()


async def set_alert_config(s: AsyncSession, org_id: int, cfg: AlertConfig) -> None:
    await s.execute(
        text("""INSERT INTO alert_settings (org_id, prometheus_url, service_labels, service_map, join_window_minutes)
                VALUES (:org, :url, :labels, CAST(:map AS jsonb), :win)
                ON CONFLICT (org_id) DO UPDATE SET prometheus_url = EXCLUDED.prometheus_url,
                    service_labels = EXCLUDED.service_labels, service_map = EXCLUDED.service_map,
                    join_window_minutes = EXCLUDED.join_window_minutes, updated_at = now()"""),
        {"org": org_id, "url": cfg.prometheus_url, "labels": cfg.service_labels, "map": json.dumps(cfg.service_map),
         "win": cfg.join_window_minutes},
    )


# ------------------------------------------------------------------ alerts


RUN_START_GRACE_SECONDS = 60


@dataclass
class AlertOutcome:
    incident_id: int
    incident: str  # external id
    created: bool  # a new incident was opened
    start_run: bool  # a new fingerprint (or a re-fire): start an investigation
    run_id: uuid.UUID | None


def _alert_incident_id(fingerprint: str, starts_at: dt.datetime) -> str:
    digest = hashlib.sha1(fingerprint.encode()).hexdigest()[:6].upper()
    return f"ALERT-{starts_at:%Y%m%d-%H%M}-{digest}"


async def record_firing(
    s: AsyncSession, org_id: int, *, fingerprint: str, service_id: int, alertname: str | None, title: str,
    severity: str, labels: dict[str, Any], annotations: dict[str, Any], starts_at: dt.datetime,
    generator_url: str | None, summary: str | None, join_window: dt.timedelta,
) -> AlertOutcome:
    """A firing alert: open an incident (or join the open one of the service within the window); one row per
    fingerprint. ``start_run`` is False when this fingerprint was already seen firing."""
    # Concurrent deliveries of the same alert (or of alerts of one service) take turns.
    await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": (org_id * 1_000_003 + service_id) % (2**62)})
    seen = (await s.execute(
        text("""SELECT f.id, f.status, f.starts_at, f.incident_id, f.run_id, i.external_id,
                       f.run_id IS NULL AND f.updated_at < now() - make_interval(secs => :stale) AS lost
                FROM alert_fingerprints f LEFT JOIN incidents i ON i.id = f.incident_id
                WHERE f.org_id = :org AND f.fingerprint = :fp"""),
        {"org": org_id, "fp": fingerprint, "stale": RUN_START_GRACE_SECONDS})).mappings().first()
    if seen is not None and seen["incident_id"] is not None and (
        seen["status"] == "firing" or seen["starts_at"] == starts_at
    ):
        await s.execute(text("UPDATE alert_fingerprints SET updated_at = now(), labels = CAST(:l AS jsonb) "
                             "WHERE id = :id"), {"id": seen["id"], "l": json.dumps(labels)})
        # A run that never started (the process died between recording the alert and starting it) is retried
        # by the next notification; a run still being started by another request is not.
        retry = bool(seen["lost"]) and seen["status"] == "firing"
        return AlertOutcome(seen["incident_id"], seen["external_id"], False, retry, seen["run_id"])
    open_inc = (await s.execute(
        text("""SELECT id, external_id FROM incidents
                WHERE org_id = :org AND service_id = :sid AND status = 'open'
                  AND started_at BETWEEN :lo AND :hi
                ORDER BY started_at DESC LIMIT 1"""),
        {"org": org_id, "sid": service_id, "lo": starts_at - join_window, "hi": starts_at + join_window},
    )).mappings().first()
    created = open_inc is None
    if open_inc is None:
        external_id = _alert_incident_id(fingerprint, starts_at)
        incident_id = await insert_incident(s, org_id, {
            "external_id": external_id, "title": title[:300], "service_id": service_id, "severity": severity,
            "status": "open", "started_at": starts_at, "detected_at": starts_at, "resolved_at": None,
            "summary": summary}, {"source": "alertmanager", "alertname": alertname, "labels": labels})
    else:
        incident_id, external_id = open_inc["id"], open_inc["external_id"]
    params = {"org": org_id, "fp": fingerprint, "inc": incident_id, "name": alertname, "labels": json.dumps(labels),
              "ann": json.dumps(annotations), "start": starts_at, "url": generator_url}
    await s.execute(
        text("""INSERT INTO alert_fingerprints (org_id, fingerprint, incident_id, alertname, status, labels, annotations,
                    starts_at, generator_url)
                VALUES (:org, :fp, :inc, :name, 'firing', CAST(:labels AS jsonb), CAST(:ann AS jsonb), :start, :url)
                ON CONFLICT (org_id, fingerprint) DO UPDATE SET incident_id = EXCLUDED.incident_id,
                    alertname = EXCLUDED.alertname, status = 'firing', labels = EXCLUDED.labels,
                    annotations = EXCLUDED.annotations, starts_at = EXCLUDED.starts_at, ends_at = NULL,
                    generator_url = EXCLUDED.generator_url, run_id = NULL, updated_at = now()"""),
        params,
    )
    return AlertOutcome(incident_id, external_id, created, True, None)


async def attach_run(s: AsyncSession, org_id: int, fingerprint: str, run_id: uuid.UUID) -> None:
    await s.execute(text("UPDATE alert_fingerprints SET run_id = :run WHERE org_id = :org AND fingerprint = :fp"),
                    {"run": run_id, "org": org_id, "fp": fingerprint})


async def record_resolved(s: AsyncSession, org_id: int, *, fingerprint: str, ends_at: dt.datetime | None
                          ) -> AlertOutcome | None:
    """A resolved alert: the fingerprint is resolved; when none of its incident's alerts still fires, an open
    incident becomes ``mitigated`` (a person marks it resolved). None for a fingerprint never seen firing."""
    row = (await s.execute(
        text("""UPDATE alert_fingerprints SET status = 'resolved', ends_at = :end, updated_at = now()
                WHERE org_id = :org AND fingerprint = :fp RETURNING incident_id, run_id"""),
        {"org": org_id, "fp": fingerprint, "end": ends_at})).mappings().first()
    if row is None or row["incident_id"] is None:
        return None
    inc = row["incident_id"]
    await s.execute(
        text("""UPDATE incidents SET status = 'mitigated'
                WHERE org_id = :org AND id = :inc AND status = 'open'
                  AND NOT EXISTS (SELECT 1 FROM alert_fingerprints f WHERE f.org_id = :org AND f.incident_id = :inc
                                  AND f.status = 'firing')"""),
        {"org": org_id, "inc": inc})
    ext = (await s.execute(text("SELECT external_id FROM incidents WHERE id = :inc"), {"inc": inc})).scalar_one()
    return AlertOutcome(inc, ext, False, False, row["run_id"])


# ------------------------------------------------------------------ hypotheses


async def write_hypotheses(
    s: AsyncSession, org_id: int, *, incident_id: int, run_id: uuid.UUID, hypotheses: list[dict[str, Any]],
    evidence_ids: dict[str, list[int]] | None = None,
) -> int:
    """Store a run's ranked change hypotheses (replacing that run's earlier ones); returns how many."""
    await s.execute(text("DELETE FROM hypotheses WHERE org_id = :org AND run_id = :run"),
                    {"org": org_id, "run": run_id})
    n = 0
    for h in hypotheses:
        kind = h.get("type") if h.get("type") in HYPOTHESIS_TYPES else "unknown"
        subject = str(h.get("subject") or "")[:200]
        await s.execute(
            text("""INSERT INTO hypotheses (org_id, incident_id, run_id, rank, type, subject, title, confidence,
                        rationale, evidence_ids)
                    VALUES (:org, :inc, :run, :rank, :type, :subject, :title, :conf, :why, :ev)"""),
            {"org": org_id, "inc": incident_id, "run": run_id, "rank": max(1, int(h.get("rank") or n + 1)),
             "type": kind, "subject": subject,
             "title": f"{subject} on {h.get('service')}" if h.get("service") else subject,
             "conf": min(1.0, max(0.0, float(h.get("confidence") or 0.0))), "why": str(h.get("rationale") or ""),
             "ev": (evidence_ids or {}).get(subject, [])},
        )
        n += 1
    return n


# ------------------------------------------------------------------ PromQL per service metric


async def set_promql(s: AsyncSession, org_id: int, service_id: int, metric: str, promql: str, step_seconds: int
                     ) -> bool:
    """Create or replace; True when it was new."""
    return bool((await s.execute(
        text("""INSERT INTO service_promql (org_id, service_id, metric, promql, step_seconds)
                VALUES (:org, :sid, :metric, :q, :step)
                ON CONFLICT (org_id, service_id, metric) DO UPDATE SET promql = EXCLUDED.promql,
                    step_seconds = EXCLUDED.step_seconds, updated_at = now()
                RETURNING (xmax = 0)"""),
        {"org": org_id, "sid": service_id, "metric": metric, "q": promql, "step": step_seconds})).scalar())


async def list_promql(s: AsyncSession, org_id: int, service: str | None = None) -> list[dict[str, Any]]:
    rows = await s.execute(
        text("""SELECT sv.name AS service, p.metric, p.promql, p.step_seconds, p.updated_at
                FROM service_promql p JOIN services sv ON sv.id = p.service_id
                WHERE p.org_id = :org AND (CAST(:svc AS text) IS NULL OR sv.name = :svc)
                ORDER BY sv.name, p.metric"""),
        {"org": org_id, "svc": service})
    return [dict(r) for r in rows.mappings()]


async def delete_promql(s: AsyncSession, org_id: int, service_id: int, metric: str) -> bool:
    return (await s.execute(
        text("DELETE FROM service_promql WHERE org_id = :org AND service_id = :sid AND metric = :m RETURNING id"),
        {"org": org_id, "sid": service_id, "m": metric})).first() is not None


# ------------------------------------------------------------------ feedback


async def add_feedback(
    s: AsyncSession, org_id: int, incident_id: int, *, target_type: str, target_id: str, kind: str,
    body: str | None, actor: str | None,
) -> int:
    return (
        await s.execute(
            text(
                """INSERT INTO feedback_events (org_id, target_type, target_id, incident_id, kind, body, actor)
                   VALUES (:org, :tt, :tid, :inc, :kind, :body, :actor) RETURNING id"""
            ),
            {"org": org_id, "tt": target_type, "tid": target_id, "inc": incident_id, "kind": kind, "body": body,
             "actor": actor},
        )
    ).scalar_one()


# ------------------------------------------------------------------ reads for the API (rows as dicts)

#: Evidence about an incident: linked to it, or produced by a run that looked it up or ranked its causes
#: (a fixed clause for :func:`store.evidence.evidence_briefs`, parameters ``inc`` and ``ext``).
EVIDENCE_WHERE = """incident_id = :inc OR run_id IN (
       SELECT e2.run_id FROM evidence e2 WHERE e2.org_id = :org AND e2.run_id IS NOT NULL AND
         (e2.incident_id = :inc OR upper(e2.ref -> 'args' ->> 'incident') = upper(:ext)))
   OR run_id IN (SELECT rp.run_id FROM reports rp WHERE rp.org_id = :org AND rp.incident_id = :inc)"""
REPORTS_WHERE = "incident_id = :inc"


async def list_incidents(
    s: AsyncSession, org_id: int, *, status: str | None, severity: str | None, service: str | None,
    limit: int, offset: int,
) -> list[dict[str, Any]]:
    rows = (
        await s.execute(
            text(
                """SELECT i.external_id, i.title, sv.name AS service, i.severity, i.status, i.started_at,
                          i.detected_at, i.resolved_at
                   FROM incidents i LEFT JOIN services sv ON sv.id = i.service_id
                   WHERE i.org_id = :org AND (CAST(:status AS text) IS NULL OR i.status = :status)
                     AND (CAST(:sev AS text) IS NULL OR i.severity = :sev)
                     AND (CAST(:svc AS text) IS NULL OR sv.name = :svc)
                   ORDER BY i.started_at DESC, i.id DESC LIMIT :limit OFFSET :offset"""
            ),
            {"org": org_id, "status": status, "sev": severity, "svc": service, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [dict(r) for r in rows]


async def stored_hypotheses(s: AsyncSession, org_id: int, incident_id: int) -> list[dict[str, Any]]:
    """Newest first, then by rank."""
    rows = (
        await s.execute(
            text(
                """SELECT id, rank, type, subject, title, confidence, rationale, evidence_ids, run_id FROM hypotheses
                   WHERE org_id = :org AND incident_id = :inc ORDER BY created_at DESC, rank"""
            ),
            {"org": org_id, "inc": incident_id},
        )
    ).mappings()
    return [{**h, "evidence_ids": list(h["evidence_ids"] or [])} for h in rows]


async def latest_ranking(s: AsyncSession, org_id: int, external_id: str) -> dict[str, Any] | None:
    """The newest ``hypotheses`` evidence a run produced for the incident (``id``, ``run_id``, ``payload``)."""
    row = (
        await s.execute(
            text(
                """SELECT id, run_id, payload FROM evidence
                   WHERE org_id = :org AND kind = 'hypotheses' AND upper(ref -> 'args' ->> 'incident') = upper(:ext)
                   ORDER BY id DESC LIMIT 1"""
            ),
            {"org": org_id, "ext": external_id},
        )
    ).mappings().first()
    return dict(row) if row else None


async def hypothesis_tallies(s: AsyncSession, org_id: int, incident_id: int) -> list[dict[str, Any]]:
    """Confirm/reject counts per hypothesis target, with the id of the last one."""
    rows = (
        await s.execute(
            text(
                """SELECT target_id, kind, count(*) AS n, max(id) AS last FROM feedback_events
                   WHERE org_id = :org AND incident_id = :inc AND target_type = 'hypothesis'
                     AND kind IN ('confirm', 'reject')
                   GROUP BY target_id, kind"""
            ),
            {"org": org_id, "inc": incident_id},
        )
    ).mappings()
    return [dict(r) for r in rows]


async def incident_feedback(s: AsyncSession, org_id: int, incident_id: int) -> list[dict[str, Any]]:
    rows = (
        await s.execute(
            text(
                """SELECT id, target_type, target_id, kind, body, actor, created_at FROM feedback_events
                   WHERE org_id = :org AND incident_id = :inc ORDER BY id"""
            ),
            {"org": org_id, "inc": incident_id},
        )
    ).mappings()
    return [dict(r) for r in rows]
