"""The API's write paths (investigations, feedback, webhooks, tickets), each one transaction, org-scoped.

Validation that needs the database (unknown services, commits, evidence ids)
raises :class:`api.errors.ApiError` with a 4xx status before anything is written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import uuid
from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import ApiError
from api.models import (
    DeploymentRecorded,
    DeploymentWebhook,
    FinalizeRequest,
    GitHubPush,
    GitHubPushRecorded,
    PushedCommit,
    PushedFile,
    TicketIn,
)
from store.changetypes import classify_path
from store.secrets import redact_text

# ------------------------------------------------------------------ investigations


async def create_investigation(
    session: AsyncSession, org_id: int, *, title: str, question: str | None, kpi_id: int | None,
    station_id: int | None, region_id: int | None, summary_level: str, created_by: str | None, api_key_id: int,
) -> int:
    thread_id = uuid.uuid4()
    await session.execute(
        text("INSERT INTO threads (id, org_id, title, api_key_id, context) VALUES (:id, :org, :title, :key, CAST(:ctx AS jsonb))"),
        {"id": thread_id, "org": org_id, "title": title[:300], "key": api_key_id,
         "ctx": '{"kind": "investigation"}'},
    )
    return (
        await session.execute(
            text(
                """INSERT INTO investigations (org_id, title, question, kpi_id, station_id, region_id, summary_level,
                       thread_id, status, created_by)
                   VALUES (:org, :title, :q, :kpi, :station, :region, :level, :thread, 'open', :by) RETURNING id"""
            ),
            {"org": org_id, "title": title[:300], "q": question, "kpi": kpi_id, "station": station_id,
             "region": region_id, "level": summary_level, "thread": thread_id, "by": created_by},
        )
    ).scalar_one()


async def lock_open_investigation(session: AsyncSession, org_id: int, inv_id: int) -> dict[str, Any]:
    """The investigation row, locked; 404 when absent (or another org's), 409 when already finalised."""
    row = (
        await session.execute(
            text("SELECT id, status, thread_id FROM investigations WHERE id = :id AND org_id = :org FOR UPDATE"),
            {"id": inv_id, "org": org_id},
        )
    ).mappings().first()
    if row is None:
        raise ApiError(404, f"investigation {inv_id} not found")
    if row["status"] != "open":
        raise ApiError(409, f"investigation {inv_id} is already finalised")
    return dict(row)


async def record_step(session: AsyncSession, org_id: int, inv_id: int, content: str, run_id: uuid.UUID) -> int:
    """Append the run as the investigation's next iteration (the caller holds the row lock)."""
    return (
        await session.execute(
            text(
                """INSERT INTO investigation_steps (org_id, investigation_id, iteration, kind, content, run_id)
                   SELECT :org, :inv, coalesce(max(iteration), 0) + 1, 'question', :content, :run
                   FROM investigation_steps WHERE investigation_id = :inv
                   RETURNING iteration"""
            ),
            {"org": org_id, "inv": inv_id, "content": content, "run": run_id},
        )
    ).scalar_one()


async def finalize_investigation(
    session: AsyncSession, org_id: int, inv_id: int, body: FinalizeRequest, author: str | None
) -> None:
    await lock_open_investigation(session, org_id, inv_id)
    ids = list(dict.fromkeys(body.evidence_ids))
    if ids:
        found = {
            r[0] for r in await session.execute(
                text("SELECT id FROM evidence WHERE org_id = :org AND id = ANY(:ids)"), {"org": org_id, "ids": ids}
            )
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise ApiError(422, f"unknown evidence id(s): {', '.join(map(str, missing[:20]))}", missing=missing)
        await session.execute(
            text("UPDATE evidence SET investigation_id = :inv WHERE org_id = :org AND id = ANY(:ids)"),
            {"inv": inv_id, "org": org_id, "ids": ids},
        )
    for a in body.actions:
        await session.execute(
            text(
                """INSERT INTO investigation_actions (org_id, investigation_id, description, owner, due_date)
                   VALUES (:org, :inv, :d, :o, :due)"""
            ),
            {"org": org_id, "inv": inv_id, "d": a.description, "o": a.owner, "due": a.due_date},
        )
    if body.notes:
        await session.execute(
            text("INSERT INTO investigation_notes (org_id, investigation_id, author, body) VALUES (:org, :inv, :a, :b)"),
            {"org": org_id, "inv": inv_id, "a": author, "b": body.notes},
        )
    await session.execute(
        text(
            """UPDATE investigations SET status = 'finalized', root_cause = :rc, finalized_at = now()
               WHERE id = :inv AND org_id = :org"""
        ),
        {"rc": body.root_cause, "inv": inv_id, "org": org_id},
    )


# ------------------------------------------------------------------ incidents


async def add_feedback(
    session: AsyncSession, org_id: int, incident_id: int, *, target_type: str, target_id: str, kind: str,
    body: str | None, actor: str | None,
) -> int:
    return (
        await session.execute(
            text(
                """INSERT INTO feedback_events (org_id, target_type, target_id, incident_id, kind, body, actor)
                   VALUES (:org, :tt, :tid, :inc, :kind, :body, :actor) RETURNING id"""
            ),
            {"org": org_id, "tt": target_type, "tid": target_id, "inc": incident_id, "kind": kind, "body": body,
             "actor": actor},
        )
    ).scalar_one()


# ------------------------------------------------------------------ changes


async def _services(session: AsyncSession, org_id: int) -> dict[str, int]:
    return {n: i for i, n in await session.execute(text("SELECT id, name FROM services WHERE org_id = :org"), {"org": org_id})}


def _unknown_service(name: str, services: dict[str, int]) -> ApiError:
    close = difflib.get_close_matches(name, list(services), n=3, cutoff=0.5)
    return ApiError(422, f"unknown service {name!r}", suggestions=close or sorted(services)[:8])


async def upsert_deployment(session: AsyncSession, org_id: int, d: DeploymentWebhook) -> DeploymentRecorded:
    services = await _services(session, org_id)
    if d.service not in services:
        raise _unknown_service(d.service, services)
    if d.finished_at and d.finished_at < d.started_at:
        raise ApiError(422, "finished_at is before started_at")
    shas = list(dict.fromkeys(d.commits))
    commit_ids: dict[str, int] = {}
    if shas:
        commit_ids = {
            sha: cid for cid, sha in await session.execute(
                text("SELECT id, sha FROM commits WHERE org_id = :org AND sha = ANY(:shas)"), {"org": org_id, "shas": shas}
            )
        }
        missing = [s for s in shas if s not in commit_ids]
        if missing:
            raise ApiError(422, f"unknown commit(s) {', '.join(missing[:10])}: send the push (POST /api/webhooks/github) first",
                           missing=missing)
    rollback_of_id = None
    if d.rollback_of:
        rollback_of_id = (
            await session.execute(
                text("SELECT id FROM deployments WHERE org_id = :org AND external_id = :ext"),
                {"org": org_id, "ext": d.rollback_of},
            )
        ).scalar()
        if rollback_of_id is None:
            raise ApiError(422, f"rollback_of {d.rollback_of!r} is not a known deployment")
    row = (
        await session.execute(
            text(
                """INSERT INTO deployments (org_id, external_id, service_id, version, environment, status, started_at,
                       finished_at, deployed_by, commit_from_sha, commit_to_sha, is_rollback, rollback_of_id)
                   VALUES (:org, :ext, :svc, :ver, :env, :st, :start, :fin, :by, :cfrom, :cto, :rb, :rbof)
                   ON CONFLICT (org_id, external_id) DO UPDATE SET service_id = EXCLUDED.service_id,
                       version = EXCLUDED.version, environment = EXCLUDED.environment, status = EXCLUDED.status,
                       started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                       deployed_by = EXCLUDED.deployed_by, commit_from_sha = EXCLUDED.commit_from_sha,
                       commit_to_sha = EXCLUDED.commit_to_sha, is_rollback = EXCLUDED.is_rollback,
                       rollback_of_id = EXCLUDED.rollback_of_id
                   RETURNING id, (xmax = 0) AS created"""
            ),
            {"org": org_id, "ext": d.external_id, "svc": services[d.service], "ver": d.version, "env": d.environment,
             "st": d.status, "start": d.started_at, "fin": d.finished_at, "by": d.deployed_by,
             "cfrom": d.commit_from_sha, "cto": d.commit_to_sha, "rb": d.is_rollback, "rbof": rollback_of_id},
        )
    ).first()
    dep_id, created = row
    for sha in shas:
        await session.execute(
            text("""INSERT INTO deployment_commits (org_id, deployment_id, commit_id) VALUES (:org, :d, :c)
                    ON CONFLICT DO NOTHING"""),
            {"org": org_id, "d": dep_id, "c": commit_ids[sha]},
        )
    return DeploymentRecorded(external_id=d.external_id, service=d.service, status=d.status, created=bool(created),
                              commits=len(shas))


async def record_push(
    session: AsyncSession, org_id: int, push: GitHubPush, *, service: str | None, now: dt.datetime
) -> GitHubPushRecorded:
    """Commits of a push with their files' change types (classified now, at push time)."""
    name = service or (push.repository.name if push.repository else None)
    if not name:
        raise ApiError(422, "cannot tell which service the push belongs to: no repository.name (or pass ?service=)")
    services = await _services(session, org_id)
    if name not in services:
        raise _unknown_service(name, services)
    branch = (push.ref or "").removeprefix("refs/heads/")
    default = push.repository.default_branch if push.repository else None
    merged = bool(branch) and branch == (default or "main")
    out: list[PushedCommit] = []
    types: Counter[str] = Counter()
    for c in push.commits:
        author = (c.author.name or c.author.username or c.author.email) if c.author else None
        cid, created = (
            await session.execute(
                text(
                    """INSERT INTO commits (org_id, service_id, sha, message, author, committed_at, merged_at)
                       VALUES (:org, :svc, :sha, :msg, :author, :at, :merged)
                       ON CONFLICT (org_id, sha) DO UPDATE SET service_id = EXCLUDED.service_id,
                           message = EXCLUDED.message, author = EXCLUDED.author,
                           committed_at = EXCLUDED.committed_at,
                           merged_at = coalesce(commits.merged_at, EXCLUDED.merged_at)
                       RETURNING id, (xmax = 0) AS created"""
                ),
                {"org": org_id, "svc": services[name], "sha": c.id, "msg": redact_text(c.message), "author": author,
                 "at": c.timestamp, "merged": now if merged else None},
            )
        ).first()
        files: dict[str, PushedFile] = {}
        for status, paths in (("added", c.added), ("modified", c.modified), ("removed", c.removed)):
            for path in paths:
                files[path] = PushedFile(path=path, status=status, change_type=classify_path(path))  # type: ignore[arg-type]
        for f in files.values():
            types[f.change_type] += 1
            await session.execute(
                text(
                    """INSERT INTO commit_files (org_id, commit_id, path, change_type) VALUES (:org, :c, :p, :t)
                       ON CONFLICT (commit_id, path) DO UPDATE SET change_type = EXCLUDED.change_type"""
                ),
                {"org": org_id, "c": cid, "p": f.path, "t": f.change_type},
            )
        out.append(PushedCommit(sha=c.id, created=bool(created), files=list(files.values())))
    return GitHubPushRecorded(event="push", service=name, ref=push.ref, commits=out, change_types=dict(types))


# ------------------------------------------------------------------ tickets


def _vector(vec: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.8g}" for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


async def upsert_ticket(session: AsyncSession, org_id: int, t: TicketIn, embedding: np.ndarray) -> bool:
    """Insert or update by ``external_id``; returns whether it was created."""
    for name in ("first_response_at", "resolved_at", "closed_at"):
        v = getattr(t, name)
        if v is not None and v < t.created_at:
            raise ApiError(422, f"{name} is before created_at")
    created = (
        await session.execute(
            text(
                """INSERT INTO tickets (org_id, external_id, subject, content, product, urgency, priority, customer,
                       customer_tier, status, created_at, first_response_at, resolved_at, closed_at, updated_at,
                       status_history, resolution, embedding)
                   VALUES (:org, :ext, :subject, :content, :product, :urgency, :priority, :customer, :tier, :status,
                       :created, :fr, :res, :closed, :updated, CAST(:history AS jsonb), :resolution, CAST(:emb AS vector))
                   ON CONFLICT (org_id, external_id) DO UPDATE SET subject = EXCLUDED.subject,
                       content = EXCLUDED.content, product = EXCLUDED.product, urgency = EXCLUDED.urgency,
                       priority = EXCLUDED.priority, customer = EXCLUDED.customer,
                       customer_tier = EXCLUDED.customer_tier, status = EXCLUDED.status,
                       created_at = EXCLUDED.created_at, first_response_at = EXCLUDED.first_response_at,
                       resolved_at = EXCLUDED.resolved_at, closed_at = EXCLUDED.closed_at,
                       updated_at = EXCLUDED.updated_at, status_history = EXCLUDED.status_history,
                       resolution = EXCLUDED.resolution, embedding = EXCLUDED.embedding
                   RETURNING (xmax = 0) AS created"""
            ),
            {"org": org_id, "ext": t.external_id, "subject": t.subject, "content": t.content, "product": t.product,
             "urgency": t.urgency, "priority": t.priority, "customer": t.customer, "tier": t.customer_tier,
             "status": t.status, "created": t.created_at, "fr": t.first_response_at, "res": t.resolved_at,
             "closed": t.closed_at, "updated": t.updated_at, "history": json.dumps(t.status_history, default=str),
             "resolution": t.resolution, "emb": _vector(embedding)},
        )
    ).scalar_one()
    return bool(created)
