"""The API's read side: org-scoped rows from ``store/`` turned into response models (the SQL lives in
``store.threads``, ``store.investigations``, ``store.incidents``, ``store.tickets``, ``store.evidence``,
``store.stations`` and ``store.evals``).

Every store read filters on ``org_id``; a row of another organisation is simply not found (the routes answer
404, exactly as for a missing one).
"""

from __future__ import annotations

import uuid
from typing import Any

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
from store import evidence, incidents, investigations, stations, threads, tickets
from store.runs import EvidenceBrief
from store.threads import run_status as run_status  # re-exported for the routes
from store.threads import thread_exists as thread_exists

# ------------------------------------------------------------------ runs & threads


async def list_runs(
    session: AsyncSession, org_id: int, *, thread_id: uuid.UUID | None, status: str | None, limit: int, offset: int
) -> list[RunSummary]:
    rows = await threads.list_runs(session, org_id, thread_id=thread_id, status=status, limit=limit, offset=offset)
    return [RunSummary(**r) for r in rows]


async def list_threads(session: AsyncSession, org_id: int, limit: int, offset: int) -> list[ThreadSummary]:
    return [ThreadSummary(**r) for r in await threads.list_threads(session, org_id, limit, offset)]


async def get_thread(session: AsyncSession, org_id: int, thread_id: uuid.UUID) -> ThreadDetail | None:
    found = await threads.get_thread(session, org_id, thread_id)
    if found is None:
        return None
    row, messages, runs = found
    return ThreadDetail(**row, messages=[MessageOut(**m) for m in messages], runs=[RunSummary(**r) for r in runs])


# ------------------------------------------------------------------ Tech Ops


async def stations_and_regions(session: AsyncSession, org_id: int) -> tuple[list[StationOut], list[RegionOut]]:
    st, rg = await stations.stations_and_regions(session, org_id)
    return ([StationOut(code=c, name=n, region=r) for c, n, r in st],
            [RegionOut(code=c, name=n, stations=s) for c, n, s in rg])


async def list_investigations(
    session: AsyncSession, org_id: int, status: str | None, limit: int, offset: int
) -> list[InvestigationSummary]:
    return [InvestigationSummary(**r)
            for r in await investigations.list_investigations(session, org_id, status, limit, offset)]


investigation_row = investigations.investigation_row


async def get_investigation(session: AsyncSession, org_id: int, inv_id: int) -> InvestigationOut | None:
    row = await investigations.investigation_row(session, org_id, inv_id)
    if row is None:
        return None
    steps, actions, notes = await investigations.investigation_parts(session, org_id, inv_id)
    reports = await evidence.report_rows(session, org_id, investigations.REPORTS_WHERE, {"id": inv_id})
    briefs = await evidence.evidence_briefs(session, org_id, investigations.EVIDENCE_WHERE, {"id": inv_id})
    return InvestigationOut(
        **row, steps=[InvestigationStepOut(**s) for s in steps], actions=[ActionOut(**a) for a in actions],
        notes=[NoteOut(**n) for n in notes], evidence=briefs, reports=[ReportOut(**r) for r in reports],
    )


# ------------------------------------------------------------------ incidents


async def list_incidents(
    session: AsyncSession, org_id: int, *, status: str | None, severity: str | None, service: str | None,
    limit: int, offset: int,
) -> list[IncidentSummary]:
    rows = await incidents.list_incidents(session, org_id, status=status, severity=severity, service=service,
                                          limit=limit, offset=offset)
    return [IncidentSummary(**r) for r in rows]


async def incident_hypotheses(session: AsyncSession, org_id: int, incident_id: int, external_id: str) -> list[HypothesisOut]:
    """Stored hypotheses of the incident, else the latest ranking a run produced for it (``correlate_changes``)."""
    out: list[HypothesisOut] = []
    seen: set[str] = set()
    for row in await incidents.stored_hypotheses(session, org_id, incident_id):
        if row["subject"] in seen:
            continue
        seen.add(row["subject"])
        out.append(HypothesisOut(**row, source="hypotheses"))
    if not out:
        ranking = await incidents.latest_ranking(session, org_id, external_id)
        if ranking is not None:
            for item in ranking["payload"].get("hypotheses", []):
                subject = str(item.get("subject", ""))
                if not subject or subject in seen:
                    continue
                seen.add(subject)
                out.append(
                    HypothesisOut(
                        rank=int(item.get("rank", len(out) + 1)), type=str(item.get("type", "unknown")),
                        subject=subject, title=f"{subject} on {item.get('service', '?')}",
                        confidence=float(item.get("confidence", 0.0)), rationale=str(item.get("rationale", "")),
                        evidence_ids=[ranking["id"]], run_id=ranking["run_id"],
                        source="evidence",
                    )
                )
    if out:
        by: dict[str, dict[str, Any]] = {}
        for t in await incidents.hypothesis_tallies(session, org_id, incident_id):
            d = by.setdefault(t["target_id"], {"confirm": 0, "reject": 0, "last": (0, None)})
            d[t["kind"]] = t["n"]
            if t["last"] > d["last"][0]:
                d["last"] = (t["last"], t["kind"])
        for h in out:
            fb = by.get(h.subject) or (by.get(str(h.id)) if h.id is not None else None)
            if fb:
                verdict = {"confirm": "confirmed", "reject": "rejected"}.get(fb["last"][1] or "")
                h.feedback = HypothesisFeedback(confirmed=fb["confirm"], rejected=fb["reject"], verdict=verdict)
    return out


async def incident_evidence(session: AsyncSession, org_id: int, incident_id: int, external_id: str) -> list[EvidenceBrief]:
    return await evidence.evidence_briefs(session, org_id, incidents.EVIDENCE_WHERE,
                                          {"inc": incident_id, "ext": external_id})


async def incident_report(session: AsyncSession, org_id: int, incident_id: int) -> ReportOut | None:
    rows = await evidence.report_rows(session, org_id, incidents.REPORTS_WHERE, {"inc": incident_id}, limit=1)
    return ReportOut(**rows[0]) if rows else None


async def incident_feedback(session: AsyncSession, org_id: int, incident_id: int) -> list[FeedbackOut]:
    return [FeedbackOut(**r) for r in await incidents.incident_feedback(session, org_id, incident_id)]


# ------------------------------------------------------------------ tickets


async def get_ticket(session: AsyncSession, org_id: int, external_id: str) -> tuple[int, TicketOut] | None:
    found = await tickets.get_ticket(session, org_id, external_id)
    return (found[0], TicketOut(**found[1])) if found else None


async def latest_classification(session: AsyncSession, org_id: int, ticket_id: int) -> ClassificationBrief | None:
    row = await tickets.latest_classification(session, org_id, ticket_id)
    return ClassificationBrief(**row) if row else None


list_sla_alerts = tickets.list_sla_alerts


# ------------------------------------------------------------------ evaluations


async def get_eval_run(session: AsyncSession, org_id: int, eval_id: uuid.UUID) -> EvalRunOut | None:
    run = await evals_store.read_eval_run(session, org_id, eval_id)
    if run is None:
        return None
    out = EvalRunOut.model_validate(run, from_attributes=True)
    out.results.sort(key=lambda r: (r.case_id, r.variant, r.evaluator))
    return out


async def list_eval_runs(session: AsyncSession, org_id: int, limit: int) -> list[EvalRunOut]:
    return [EvalRunOut.model_validate(r, from_attributes=True)
            for r in await evals_store.read_eval_runs(session, org_id, limit)]
