"""Incidents (hypotheses, evidence, report, feedback), service changes and the change webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response

from api import queries as repo
from api.deploy_webhook import record as record_deployments
from api.deps import Member, State, Tools, Viewer
from api.errors import ApiError, responses
from api.incident_writes import IncidentWritten, create_incident, patch_incident
from api.models import (
    DeploymentRecorded,
    DeploymentsRecorded,
    FeedbackIn,
    FeedbackOut,
    GitHubPush,
    GitHubPushRecorded,
    IncidentDetail,
    IncidentList,
)
from api.services import add_feedback, record_push
from store.models import IncidentSeverity, IncidentStatus
from tools.changes import ServiceChanges, service_changes
from tools.incidents import get_incident

router = APIRouter()

IncidentId = Annotated[str, Path(min_length=1, max_length=64, description="the incident's external id",
                                 examples=["INC-2041"])]


@router.get("/api/incidents", response_model=IncidentList, tags=["incidents"], responses=responses(401, 422))
async def incidents(
    state: State, principal: Viewer,
    status: IncidentStatus | None = None,
    severity: IncidentSeverity | None = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> IncidentList:
    """The organisation's incidents, most recent first."""
    async with state.sessions() as s:
        items = await repo.list_incidents(s, principal.org_id, status=status, severity=severity, service=service,
                                          limit=limit, offset=offset)
    return IncidentList(items=items, limit=limit, offset=offset)


@router.get("/api/incidents/{incident_id}", response_model=IncidentDetail, tags=["incidents"],
            responses=responses(401, 404, 422))
async def incident(incident_id: IncidentId, state: State, ctx: Tools) -> IncidentDetail:
    """An incident by its external id, with its ranked hypotheses (and the feedback on them), the evidence
    gathered about it, its latest report and every feedback event."""
    info = (await get_incident(ctx, incident=incident_id)).result
    org = ctx.org_id
    async with state.sessions() as s:
        hyps = await repo.incident_hypotheses(s, org, info.id, info.external_id)
        evidence = await repo.incident_evidence(s, org, info.id, info.external_id)
        report = await repo.incident_report(s, org, info.id)
        feedback = await repo.incident_feedback(s, org, info.id)
    return IncidentDetail(incident=info, hypotheses=hyps, evidence=evidence, report=report, feedback=feedback)


@router.post("/api/incidents/{incident_id}/feedback", status_code=201, response_model=FeedbackOut, tags=["incidents"],
             responses=responses(401, 403, 404, 413, 422))
async def feedback(incident_id: IncidentId, body: FeedbackIn, state: State, principal: Member, ctx: Tools) -> FeedbackOut:
    """Appends a feedback event (they are never changed or deleted): confirm or reject a hypothesis, add a note,
    or rate the analysis."""
    info = (await get_incident(ctx, incident=incident_id)).result
    org = principal.org_id
    target_type, target_id = "incident", info.external_id
    text_body = body.body or None
    if body.kind in ("confirm", "reject"):
        if not body.hypothesis:
            raise ApiError(422, f"{body.kind} needs the hypothesis (its subject, e.g. DEP-0042, or its id)")
        async with state.sessions() as s:
            hyps = await repo.incident_hypotheses(s, org, info.id, info.external_id)
        wanted = body.hypothesis.strip().upper()
        match = next((h for h in hyps if h.subject.upper() == wanted or (h.id is not None and str(h.id) == wanted)), None)
        if match is None:
            known = [h.subject for h in hyps]
            raise ApiError(422, f"{info.external_id} has no hypothesis {body.hypothesis!r}"
                           + ("" if known else " (no hypotheses yet: ask what caused it first)"),
                           suggestions=known or None)
        target_type, target_id = "hypothesis", match.subject
    elif body.kind == "note":
        if not text_body:
            raise ApiError(422, "a note needs a body")
    elif body.kind == "rating":
        if body.rating is None:
            raise ApiError(422, "a rating needs rating (1-5)")
        text_body = f"{body.rating}/5" + (f": {text_body}" if text_body else "")
    actor = principal.name or f"key:{principal.prefix}"
    async with state.sessions() as s, s.begin():
        fid = await add_feedback(s, org, info.id, target_type=target_type, target_id=target_id, kind=body.kind,
                                 body=text_body, actor=actor)
    async with state.sessions() as s:
        rows = await repo.incident_feedback(s, org, info.id)
    return next(f for f in rows if f.id == fid)


@router.get("/api/services/{service}/changes", response_model=ServiceChanges, tags=["changes"],
            responses=responses(401, 404, 422))
async def changes(
    ctx: Tools,
    service: Annotated[str, Path(min_length=1, max_length=100, examples=["checkout-api"])],
    since: Annotated[dt.datetime | None, Query(description="default: 7 days before `until`")] = None,
    until: Annotated[dt.datetime | None, Query(description="default: now")] = None,
) -> ServiceChanges:
    """A service's deployments (with commits and per-file change types) and config changes in a time range."""
    end = until or ctx.now
    start = since or (end - dt.timedelta(days=7))
    return (await service_changes(ctx, service=service, since=start, until=end)).result


_ARGO_APP = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
    "metadata": {"name": "checkout-api", "namespace": "argocd"},
    "spec": {"source": {"repoURL": "https://git.example/checkout.git", "targetRevision": "main"}},
    "status": {"sync": {"status": "Synced", "revision": "3f2a9c1d7e"}, "history": [{"id": 12, "revision": "3f2a9c1d7e"}],
               "operationState": {"phase": "Succeeded", "startedAt": "2026-11-19T14:02:00Z",
                                  "finishedAt": "2026-11-19T14:09:30Z", "syncResult": {"revision": "3f2a9c1d7e"},
                                  "operation": {"initiatedBy": {"username": "ana"}}}},
}
_DEPLOYMENT_EXAMPLES = {
    "record": {"summary": "a deployment record", "value": {
        "external_id": "DEP-9001", "service": "checkout-api", "version": "2.14.0", "status": "succeeded",
        "started_at": "2026-11-19T14:02:00Z", "finished_at": "2026-11-19T14:09:30Z", "deployed_by": "ci",
        "commits": ["3f2a9c1d7e"], "is_rollback": False}},
    "argocd": {"summary": "an Argo CD Application (kubectl get application NAME -o json)", "value": _ARGO_APP},
    "argocd-list": {"summary": "an Argo CD List / ApplicationList (kubectl get applications -o json)",
                    "value": {"apiVersion": "v1", "kind": "List", "items": [_ARGO_APP]}},
}


@router.post("/api/webhooks/deployments", response_model=DeploymentRecorded | DeploymentsRecorded, status_code=201,
             tags=["changes"],
             responses={200: {"model": DeploymentRecorded | DeploymentsRecorded,
                              "description": "Every deployment was already recorded (updated; a re-delivery)"},
                        **responses(401, 403, 413, 422)})
async def deployment_webhook(
    state: State, principal: Member, response: Response,
    body: Annotated[dict[str, Any] | list[Any], Body(
        description="a deployment record, an Argo CD Application, or a List (or JSON array) of them",
        openapi_examples=_DEPLOYMENT_EXAMPLES)],
) -> DeploymentRecorded | DeploymentsRecorded:
    """Records deployments, upserted by `external_id` (a re-delivery changes nothing and answers 200). The body is
    a deployment record (its commits must have been pushed before), an **Argo CD Application** (the app's name is
    the service, its last sync the deployment: revision, phase, start and finish, who started it; the rest of the
    resource is kept with the deployment), or a **List** / **ApplicationList** / JSON array of them (all or
    nothing). Anything else answers 422 saying what is accepted."""
    async with state.sessions() as s, s.begin():
        out, created = await record_deployments(s, principal.org_id, body)
    if not created:
        response.status_code = 200
    return out


@router.post("/api/webhooks/github", response_model=GitHubPushRecorded, tags=["changes"],
             responses=responses(401, 403, 413, 422))
async def github_webhook(
    body: GitHubPush, state: State, principal: Member,
    x_github_event: Annotated[str | None, Header(alias="X-GitHub-Event", max_length=100)] = None,
    service: Annotated[str | None, Query(max_length=100, description="default: the repository's name")] = None,
) -> GitHubPushRecorded:
    """GitHub `push` events: each commit with its files' change types (db_migration, dependency, config,
    timeout_retry, …), classified from the paths when the push arrives. Other events are acknowledged and ignored."""
    event = (x_github_event or "push").strip().lower()
    if event != "push":
        return GitHubPushRecorded(event=event, ignored=True)
    async with state.sessions() as s, s.begin():
        return await record_push(s, principal.org_id, body, service=service, now=state.now())


_INCIDENT_EXAMPLE = {"external_id": "PD-Q7ZK2", "service": "payments", "title": "Card payments failing",
                     "severity": "SEV-2", "status": "resolved", "started_at": "2026-11-03T10:04:00Z",
                     "detected_at": "2026-11-03T10:09:00Z", "resolved_at": "2026-11-03T11:02:00Z",
                     "summary": "Errors after the 4.2 release", "assignee": "kim"}


@router.post("/api/incidents", status_code=201, response_model=IncidentWritten, tags=["incidents"],
             responses=responses(401, 403, 409, 413, 422))
async def post_incident(
    state: State, principal: Member, ctx: Tools,
    body: Annotated[dict, Body(openapi_examples={"export": {"summary": "an incident from another tool",
                                                            "value": _INCIDENT_EXAMPLE}})],
) -> IncidentWritten:
    """Records one of your incidents: `external_id` (any shape), `title`, `started_at` (with a time zone), and
    optionally `service`, `severity` (sev1-sev4; SEV-1, P2, critical … are understood), `status`
    (open/mitigated/resolved; triggered, acknowledged, closed … too), `detected_at`, `resolved_at`, `summary`.
    Other fields are kept as the incident's metadata and listed in `warnings`."""
    return await create_incident(state, principal.org_id, body, ctx)


@router.patch("/api/incidents/{incident_id}", response_model=IncidentWritten, tags=["incidents"],
              responses=responses(401, 403, 404, 413, 422))
async def update_incident(
    incident_id: IncidentId, state: State, principal: Member, ctx: Tools,
    body: Annotated[dict, Body(openapi_examples={"resolve": {"summary": "mark it resolved",
                                                             "value": {"status": "resolved",
                                                                       "resolved_at": "2026-11-03T11:02:00Z"}}})],
) -> IncidentWritten:
    """Changes some fields of an incident (same fields and spellings as `POST /api/incidents`; `external_id`
    cannot change). Other fields are merged into its metadata and listed in `warnings`."""
    return await patch_incident(state, principal.org_id, incident_id, body, ctx)
