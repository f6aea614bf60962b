"""Read-only, organisation-scoped queries the API needs beyond ``store.runs`` and the tools.

Every statement filters on ``org_id``; a row of another organisation is simply
not found (the routes answer 404, exactly as for a missing one).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    ActionOut,
    ClassificationBrief,
    EvalRunOut,
    FeedbackOut,
    HypothesisFeedback,
    HypothesisOut,
    IncidentSummary,
    InvestigationOut,
    InvestigationStepOut,
    InvestigationSummary,
    MessageOut,
    NoteOut,
    RegionOut,
    ReportOut,
    RunSummary,
    StationOut,
    ThreadDetail,
    ThreadSummary,
    TicketOut,
)
from store import evals as evals_store
from store.runs import EvidenceBrief

# ------------------------------------------------------------------ runs & threads


async def run_status(session: AsyncSession, org_id: int, run_id: uuid.UUID) -> tuple[str, int] | None:
    row = (
        await session.execute(
            text("SELECT status, last_seq FROM runs WHERE id = :id AND org_id = :org"), {"id": run_id, "org": org_id}
        )
    ).first()
    return (row[0], row[1]) if row else None


async def active_runs_of_key(session: AsyncSession, org_id: int, key_id: int) -> int:
    return (
        await session.execute(
            text("SELECT count(*) FROM runs WHERE org_id = :org AND api_key_id = :key AND status IN ('queued', 'running')"),
            {"org": org_id, "key": key_id},
        )
    ).scalar_one()


_RUN_COLS = "id, thread_id, trigger, status, question, created_at, finished_at, last_seq"


async def list_runs(
    session: AsyncSession, org_id: int, *, thread_id: uuid.UUID | None, status: str | None, limit: int, offset: int
) -> list[RunSummary]:
    rows = (
        await session.execute(
            text(
                f"""SELECT {_RUN_COLS} FROM runs
                    WHERE org_id = :org AND (CAST(:thread AS uuid) IS NULL OR thread_id = :thread)
                      AND (CAST(:status AS text) IS NULL OR status = :status)
                    ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset"""
            ),
            {"org": org_id, "thread": thread_id, "status": status, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [RunSummary(**r) for r in rows]


async def list_threads(session: AsyncSession, org_id: int, limit: int, offset: int) -> list[ThreadSummary]:
    rows = (
        await session.execute(
            text(
                """SELECT t.id, t.title, t.created_at, t.updated_at,
                          (SELECT count(*) FROM runs r WHERE r.thread_id = t.id AND r.org_id = t.org_id) AS runs,
                          (SELECT r.status FROM runs r WHERE r.thread_id = t.id AND r.org_id = t.org_id
                           ORDER BY r.created_at DESC LIMIT 1) AS last_status
                   FROM threads t WHERE t.org_id = :org
                   ORDER BY t.updated_at DESC, t.id LIMIT :limit OFFSET :offset"""
            ),
            {"org": org_id, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [ThreadSummary(**r) for r in rows]


async def get_thread(session: AsyncSession, org_id: int, thread_id: uuid.UUID) -> ThreadDetail | None:
    p = {"org": org_id, "id": thread_id}
    row = (
        await session.execute(
            text(
                """SELECT t.id, t.title, t.created_at, t.updated_at,
                          (SELECT i.id FROM investigations i WHERE i.thread_id = t.id AND i.org_id = t.org_id
                           ORDER BY i.id LIMIT 1) AS investigation_id
                   FROM threads t WHERE t.id = :id AND t.org_id = :org"""
            ),
            p,
        )
    ).mappings().first()
    if row is None:
        return None
    messages = (
        await session.execute(
            text(
                """SELECT id, role, content, evidence_ids, run_id, created_at FROM messages
                   WHERE thread_id = :id AND org_id = :org ORDER BY created_at, id"""
            ),
            p,
        )
    ).mappings()
    runs = (
        await session.execute(
            text(f"SELECT {_RUN_COLS} FROM runs WHERE thread_id = :id AND org_id = :org ORDER BY created_at, id"), p
        )
    ).mappings()
    return ThreadDetail(
        **row,
        messages=[MessageOut(**{**m, "evidence_ids": list(m["evidence_ids"] or [])}) for m in messages],
        runs=[RunSummary(**r) for r in runs],
    )


async def thread_exists(session: AsyncSession, org_id: int, thread_id: uuid.UUID) -> bool:
    return (
        await session.execute(text("SELECT 1 FROM threads WHERE id = :id AND org_id = :org"), {"id": thread_id, "org": org_id})
    ).first() is not None


# ------------------------------------------------------------------ evidence


async def evidence_briefs(session: AsyncSession, org_id: int, where: str, params: dict[str, Any], limit: int = 200) -> list[EvidenceBrief]:
    """``where`` is one of the fixed clauses of this module (never user text)."""
    rows = (
        await session.execute(
            text(
                f"""SELECT id, kind, source, summary, step_id, tool_call_id FROM evidence
                    WHERE org_id = :org AND ({where}) ORDER BY id LIMIT :limit"""
            ),
            {"org": org_id, "limit": limit, **params},
        )
    ).mappings()
    return [EvidenceBrief(**r) for r in rows]


async def existing_evidence_ids(session: AsyncSession, org_id: int, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    rows = await session.execute(
        text("SELECT id FROM evidence WHERE org_id = :org AND id = ANY(:ids)"), {"org": org_id, "ids": list(ids)}
    )
    return {r[0] for r in rows}


# ------------------------------------------------------------------ Tech Ops


async def stations_and_regions(session: AsyncSession, org_id: int) -> tuple[list[StationOut], list[RegionOut]]:
    stations = [
        StationOut(code=c, name=n, region=r)
        for c, n, r in await session.execute(
            text(
                """SELECT s.code, s.name, r.code FROM stations s JOIN regions r ON r.id = s.region_id
                   WHERE s.org_id = :org ORDER BY s.code"""
            ),
            {"org": org_id},
        )
    ]
    regions = [
        RegionOut(code=c, name=n, stations=list(st or []))
        for c, n, st in await session.execute(
            text(
                """SELECT r.code, r.name, array_remove(array_agg(s.code ORDER BY s.code), NULL)
                   FROM regions r LEFT JOIN stations s ON s.region_id = r.id
                   WHERE r.org_id = :org GROUP BY r.code, r.name ORDER BY r.code"""
            ),
            {"org": org_id},
        )
    ]
    return stations, regions


_INVESTIGATION_SQL = """
    SELECT i.id, i.title, i.question, i.status, k.code AS kpi, k.name AS kpi_name, s.code AS station,
           coalesce(r.code, sr.code) AS region, i.summary_level, i.thread_id, i.root_cause, i.created_by,
           i.created_at, i.finalized_at
    FROM investigations i
    LEFT JOIN kpi_definitions k ON k.id = i.kpi_id
    LEFT JOIN stations s ON s.id = i.station_id
    LEFT JOIN regions r ON r.id = i.region_id
    LEFT JOIN regions sr ON sr.id = s.region_id
    WHERE i.org_id = :org"""


async def list_investigations(
    session: AsyncSession, org_id: int, status: str | None, limit: int, offset: int
) -> list[InvestigationSummary]:
    rows = (
        await session.execute(
            text(_INVESTIGATION_SQL + " AND (CAST(:status AS text) IS NULL OR i.status = :status)"
                 " ORDER BY i.created_at DESC, i.id DESC LIMIT :limit OFFSET :offset"),
            {"org": org_id, "status": status, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [InvestigationSummary(**r) for r in rows]


async def investigation_row(session: AsyncSession, org_id: int, inv_id: int) -> dict[str, Any] | None:
    row = (await session.execute(text(_INVESTIGATION_SQL + " AND i.id = :id"), {"org": org_id, "id": inv_id})).mappings().first()
    return dict(row) if row else None


async def get_investigation(session: AsyncSession, org_id: int, inv_id: int) -> InvestigationOut | None:
    row = await investigation_row(session, org_id, inv_id)
    if row is None:
        return None
    p = {"org": org_id, "id": inv_id}
    steps = (
        await session.execute(
            text(
                """SELECT st.iteration, st.kind, st.content, st.run_id, r.status AS run_status, st.created_at
                   FROM investigation_steps st LEFT JOIN runs r ON r.id = st.run_id AND r.org_id = st.org_id
                   WHERE st.investigation_id = :id AND st.org_id = :org ORDER BY st.iteration"""
            ),
            p,
        )
    ).mappings()
    actions = (
        await session.execute(
            text(
                """SELECT id, description, owner, due_date, status, created_at FROM investigation_actions
                   WHERE investigation_id = :id AND org_id = :org ORDER BY id"""
            ),
            p,
        )
    ).mappings()
    notes = (
        await session.execute(
            text("SELECT id, author, body, created_at FROM investigation_notes WHERE investigation_id = :id AND org_id = :org ORDER BY id"),
            p,
        )
    ).mappings()
    reports = await _reports(session, org_id, "investigation_id = :id OR run_id IN (SELECT run_id FROM investigation_steps "
                                                "WHERE investigation_id = :id AND org_id = :org)", {"id": inv_id})
    evidence = await evidence_briefs(session, org_id, "investigation_id = :id", {"id": inv_id})
    return InvestigationOut(
        **row, steps=[InvestigationStepOut(**s) for s in steps], actions=[ActionOut(**a) for a in actions],
        notes=[NoteOut(**n) for n in notes], evidence=evidence, reports=reports,
    )


async def _reports(session: AsyncSession, org_id: int, where: str, params: dict[str, Any], limit: int = 20) -> list[ReportOut]:
    rows = (
        await session.execute(
            text(
                f"""SELECT id, kind, title, markdown, evidence_ids, run_id, created_at FROM reports
                    WHERE org_id = :org AND ({where}) ORDER BY created_at DESC, id DESC LIMIT :limit"""
            ),
            {"org": org_id, "limit": limit, **params},
        )
    ).mappings()
    return [ReportOut(**{**r, "evidence_ids": list(r["evidence_ids"] or [])}) for r in rows]


# ------------------------------------------------------------------ incidents


async def list_incidents(
    session: AsyncSession, org_id: int, *, status: str | None, severity: str | None, service: str | None,
    limit: int, offset: int,
) -> list[IncidentSummary]:
    rows = (
        await session.execute(
            text(
                """SELECT i.external_id, i.title, s.name AS service, i.severity, i.status, i.started_at, i.detected_at,
                          i.resolved_at
                   FROM incidents i LEFT JOIN services s ON s.id = i.service_id
                   WHERE i.org_id = :org AND (CAST(:status AS text) IS NULL OR i.status = :status)
                     AND (CAST(:sev AS text) IS NULL OR i.severity = :sev)
                     AND (CAST(:svc AS text) IS NULL OR s.name = :svc)
                   ORDER BY i.started_at DESC, i.id DESC LIMIT :limit OFFSET :offset"""
            ),
            {"org": org_id, "status": status, "sev": severity, "svc": service, "limit": limit, "offset": offset},
        )
    ).mappings()
    return [IncidentSummary(**r) for r in rows]


async def incident_hypotheses(session: AsyncSession, org_id: int, incident_id: int, external_id: str) -> list[HypothesisOut]:
    """Stored hypotheses of the incident, else the latest ranking a run produced for it (``correlate_changes``)."""
    stored = (
        await session.execute(
            text(
                """SELECT id, rank, type, subject, title, confidence, rationale, evidence_ids, run_id FROM hypotheses
                   WHERE org_id = :org AND incident_id = :inc ORDER BY created_at DESC, rank"""
            ),
            {"org": org_id, "inc": incident_id},
        )
    ).mappings().all()
    out: list[HypothesisOut] = []
    seen: set[str] = set()
    for h in stored:
        if h["subject"] in seen:
            continue
        seen.add(h["subject"])
        out.append(HypothesisOut(**{**h, "evidence_ids": list(h["evidence_ids"] or [])}, source="hypotheses"))
    if not out:
        ranking = (
            await session.execute(
                text(
                    """SELECT id, run_id, payload FROM evidence
                       WHERE org_id = :org AND kind = 'hypotheses' AND upper(ref -> 'args' ->> 'incident') = upper(:ext)
                       ORDER BY id DESC LIMIT 1"""
                ),
                {"org": org_id, "ext": external_id},
            )
        ).mappings().first()
        if ranking is not None:
            for h in ranking["payload"].get("hypotheses", []):
                subject = str(h.get("subject", ""))
                if not subject or subject in seen:
                    continue
                seen.add(subject)
                out.append(
                    HypothesisOut(
                        rank=int(h.get("rank", len(out) + 1)), type=str(h.get("type", "unknown")), subject=subject,
                        title=f"{subject} on {h.get('service', '?')}", confidence=float(h.get("confidence", 0.0)),
                        rationale=str(h.get("rationale", "")), evidence_ids=[ranking["id"]], run_id=ranking["run_id"],
                        source="evidence",
                    )
                )
    if out:
        tallies = (
            await session.execute(
                text(
                    """SELECT target_id, kind, count(*) AS n, max(id) AS last FROM feedback_events
                       WHERE org_id = :org AND incident_id = :inc AND target_type = 'hypothesis'
                         AND kind IN ('confirm', 'reject')
                       GROUP BY target_id, kind"""
                ),
                {"org": org_id, "inc": incident_id},
            )
        ).mappings().all()
        by: dict[str, dict[str, Any]] = {}
        for t in tallies:
            d = by.setdefault(t["target_id"], {"confirm": 0, "reject": 0, "last": (0, None)})
            d[t["kind"]] = t["n"]
            if t["last"] > d["last"][0]:
                d["last"] = (t["last"], t["kind"])
        for h in out:
            d = by.get(h.subject) or (by.get(str(h.id)) if h.id is not None else None)
            if d:
                verdict = {"confirm": "confirmed", "reject": "rejected"}.get(d["last"][1] or "")
                h.feedback = HypothesisFeedback(confirmed=d["confirm"], rejected=d["reject"], verdict=verdict)  # type: ignore[arg-type]
    return out


async def incident_evidence(session: AsyncSession, org_id: int, incident_id: int, external_id: str) -> list[EvidenceBrief]:
    """Evidence about the incident: linked to it, or produced by a run that looked it up or ranked its causes."""
    return await evidence_briefs(
        session, org_id,
        """incident_id = :inc OR run_id IN (
               SELECT e2.run_id FROM evidence e2 WHERE e2.org_id = :org AND e2.run_id IS NOT NULL AND
                 (e2.incident_id = :inc OR upper(e2.ref -> 'args' ->> 'incident') = upper(:ext)))
           OR run_id IN (SELECT rp.run_id FROM reports rp WHERE rp.org_id = :org AND rp.incident_id = :inc)""",
        {"inc": incident_id, "ext": external_id},
    )


async def incident_report(session: AsyncSession, org_id: int, incident_id: int) -> ReportOut | None:
    reports = await _reports(session, org_id, "incident_id = :inc", {"inc": incident_id}, limit=1)
    return reports[0] if reports else None


async def incident_feedback(session: AsyncSession, org_id: int, incident_id: int) -> list[FeedbackOut]:
    rows = (
        await session.execute(
            text(
                """SELECT id, target_type, target_id, kind, body, actor, created_at FROM feedback_events
                   WHERE org_id = :org AND incident_id = :inc ORDER BY id"""
            ),
            {"org": org_id, "inc": incident_id},
        )
    ).mappings()
    return [FeedbackOut(**r) for r in rows]


# ------------------------------------------------------------------ tickets


_TICKET_COLS = """external_id, subject, content, product, urgency, priority, customer, customer_tier, status, created_at,
                  first_response_at, resolved_at, closed_at, updated_at, status_history, resolution"""


async def get_ticket(session: AsyncSession, org_id: int, external_id: str) -> tuple[int, TicketOut] | None:
    row = (
        await session.execute(
            text(f"SELECT id, {_TICKET_COLS} FROM tickets WHERE org_id = :org AND upper(external_id) = upper(:ext) "
                 "ORDER BY (external_id = :ext) DESC LIMIT 1"),
            {"org": org_id, "ext": external_id},
        )
    ).mappings().first()
    if row is None:
        return None
    d = dict(row)
    tid = d.pop("id")
    d["status_history"] = list(d["status_history"] or [])
    return tid, TicketOut(**d)


async def latest_classification(session: AsyncSession, org_id: int, ticket_id: int) -> ClassificationBrief | None:
    row = (
        await session.execute(
            text(
                """SELECT id, product, urgency, confidence, reasoning, model, created_at FROM ticket_classifications
                   WHERE org_id = :org AND ticket_id = :t ORDER BY created_at DESC, id DESC LIMIT 1"""
            ),
            {"org": org_id, "t": ticket_id},
        )
    ).mappings().first()
    return ClassificationBrief(**row) if row else None


async def list_sla_alerts(
    session: AsyncSession, org_id: int, *, state: str | None, alert_type: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            text(
                """SELECT a.id, a.org_id, a.ticket_id, t.external_id, a.alert_type, a.state, a.deadline,
                          a.escalation_level, a.notification_sent, a.created_at
                   FROM sla_alerts a JOIN tickets t ON t.id = a.ticket_id AND t.org_id = a.org_id
                   WHERE a.org_id = :org AND (CAST(:state AS text) IS NULL OR a.state = :state)
                     AND (CAST(:type AS text) IS NULL OR a.alert_type = :type)
                   ORDER BY a.created_at DESC, a.deadline, a.id DESC LIMIT :limit"""
            ),
            {"org": org_id, "state": state, "type": alert_type, "limit": limit},
        )
    ).mappings()
    return [dict(r) for r in rows]


# ------------------------------------------------------------------ evaluations


async def get_eval_run(session: AsyncSession, org_id: int, eval_id: uuid.UUID) -> EvalRunOut | None:
    run = await evals_store.read_eval_run(session, org_id, eval_id)
    if run is None:
        return None
    out = EvalRunOut.model_validate(run, from_attributes=True)
    out.results.sort(key=lambda r: (r.case_id, r.variant, r.evaluator))
    return out


async def list_eval_runs(session: AsyncSession, org_id: int, limit: int) -> list[EvalRunOut]:
    return [EvalRunOut.model_validate(r, from_attributes=True) for r in await evals_store.read_eval_runs(session, org_id, limit)]
