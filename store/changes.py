"""Changes: deployments, commits and their files — the upserts shared by the file importers
(:mod:`store.importers`, sync psycopg) and the webhooks (async SQLAlchemy).

Each statement is written once with ``%(name)s`` parameters, which psycopg takes directly and SQLAlchemy passes
through ``exec_driver_sql``. Validation that needs the database raises :mod:`store.errors` before anything is
written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import Invalid
from store.names import close_matches
from store.secrets import redact_json

# ``keep_merged``: a push never moves a commit's merge time once known; an import states it.
# ``pr_number``: NULL keeps the stored one when ``keep_merged`` (pushes carry none).
UPSERT_COMMIT = """
    INSERT INTO commits (org_id, service_id, sha, message, author, committed_at, merged_at, pr_number)
    VALUES (%(org)s, %(svc)s, %(sha)s, %(msg)s, %(author)s, %(at)s, %(merged)s, %(pr)s)
    ON CONFLICT (org_id, sha) DO UPDATE SET service_id = EXCLUDED.service_id,
        message = EXCLUDED.message, author = EXCLUDED.author, committed_at = EXCLUDED.committed_at,
        merged_at = CASE WHEN %(keep_merged)s THEN coalesce(commits.merged_at, EXCLUDED.merged_at)
                         ELSE EXCLUDED.merged_at END,
        pr_number = CASE WHEN %(keep_merged)s THEN coalesce(EXCLUDED.pr_number, commits.pr_number)
                         ELSE EXCLUDED.pr_number END
    RETURNING id, (xmax = 0) AS created"""

# ``keep_counts``: a push (which carries no line counts) keeps what an import stored.
UPSERT_COMMIT_FILE = """
    INSERT INTO commit_files (org_id, commit_id, path, change_type, additions, deletions)
    VALUES (%(org)s, %(commit)s, %(path)s, %(type)s, coalesce(%(add)s, 0), coalesce(%(del)s, 0))
    ON CONFLICT (commit_id, path) DO UPDATE SET change_type = EXCLUDED.change_type,
        additions = CASE WHEN %(keep_counts)s THEN commit_files.additions ELSE EXCLUDED.additions END,
        deletions = CASE WHEN %(keep_counts)s THEN commit_files.deletions ELSE EXCLUDED.deletions END"""

# ``set_rollback``: an import resolves ``rollback_of`` after all its rows are in (they may refer to each other).
UPSERT_DEPLOYMENT = """
    INSERT INTO deployments (org_id, external_id, service_id, version, environment, status, started_at,
        finished_at, deployed_by, commit_from_sha, commit_to_sha, is_rollback, rollback_of_id)
    VALUES (%(org)s, %(ext)s, %(svc)s, %(ver)s, %(env)s, %(st)s, %(start)s, %(fin)s, %(by)s, %(cfrom)s, %(cto)s,
        %(rb)s, %(rbof)s)
    ON CONFLICT (org_id, external_id) DO UPDATE SET service_id = EXCLUDED.service_id,
        version = EXCLUDED.version, environment = EXCLUDED.environment, status = EXCLUDED.status,
        started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
        deployed_by = EXCLUDED.deployed_by, commit_from_sha = EXCLUDED.commit_from_sha,
        commit_to_sha = EXCLUDED.commit_to_sha, is_rollback = EXCLUDED.is_rollback,
        rollback_of_id = CASE WHEN %(set_rollback)s THEN EXCLUDED.rollback_of_id ELSE deployments.rollback_of_id END
    RETURNING id, (xmax = 0) AS created"""

LINK_DEPLOYMENT_COMMIT = """
    INSERT INTO deployment_commits (org_id, deployment_id, commit_id) VALUES (%(org)s, %(dep)s, %(commit)s)
    ON CONFLICT DO NOTHING"""

SET_ROLLBACK_OF = """
    UPDATE deployments d SET rollback_of_id = o.id FROM deployments o
    WHERE d.org_id = %(org)s AND d.external_id = %(ext)s AND o.org_id = %(org)s AND o.external_id = %(of)s"""


@dataclass(frozen=True)
class DeploymentIn:
    external_id: str
    service: str
    version: str | None
    environment: str | None
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    deployed_by: str | None
    commit_from_sha: str | None
    commit_to_sha: str | None
    is_rollback: bool
    rollback_of: str | None
    commits: Sequence[str]


@dataclass(frozen=True)
class CommitIn:
    sha: str
    message: str | None
    author: str | None
    committed_at: dt.datetime | None
    merged_at: dt.datetime | None
    files: Sequence[tuple[str, str]]  # (path, change type)


async def _run(session: AsyncSession, sql: str, params: dict[str, Any]) -> Any:
    conn = await session.connection()
    return await conn.exec_driver_sql(sql, params)


async def services(session: AsyncSession, org_id: int) -> dict[str, int]:
    return {n: i for i, n in await session.execute(text("SELECT id, name FROM services WHERE org_id = :org"),
                                                    {"org": org_id})}


def unknown_service(name: str, known: dict[str, int]) -> Invalid:
    return Invalid(f"unknown service {name!r}", close_matches(name, known) or sorted(known)[:8])


async def upsert_deployment(session: AsyncSession, org_id: int, d: DeploymentIn) -> tuple[int, bool]:
    """Insert or update by ``external_id`` with its commits; returns ``(id, created)``."""
    known = await services(session, org_id)
    if d.service not in known:
        raise unknown_service(d.service, known)
    if d.finished_at and d.finished_at < d.started_at:
        raise Invalid("finished_at is before started_at")
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
            raise Invalid(f"unknown commit(s) {', '.join(missing[:10])}: send the push (POST /api/webhooks/github) first",
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
            raise Invalid(f"rollback_of {d.rollback_of!r} is not a known deployment")
    row = (await _run(session, UPSERT_DEPLOYMENT, deployment_params(org_id, known[d.service], d, rollback_of_id))).first()
    dep_id, created = row
    for sha in shas:
        await _run(session, LINK_DEPLOYMENT_COMMIT, {"org": org_id, "dep": dep_id, "commit": commit_ids[sha]})
    return dep_id, bool(created)


async def merge_deployment_extra(session: AsyncSession, org_id: int, external_id: str, extra: dict[str, Any]) -> None:
    """Keep fields a deployment record has no column for (an Argo CD Application's metadata, spec, status) in its
    ``extra``, merged over what is there (a re-delivery writes the same values); secrets in it (Helm values,
    annotations, credentials in URLs) are stored as their redaction markers (:func:`store.secrets.redact_json`)."""
    await session.execute(text("UPDATE deployments SET extra = extra || CAST(:extra AS jsonb) "
                               "WHERE org_id = :org AND external_id = :ext"),
                          {"extra": json.dumps(redact_json(extra), ensure_ascii=False), "org": org_id, "ext": external_id})


def deployment_params(org_id: int, service_id: int, d: Any, rollback_of_id: int | None, *,
                      set_rollback: bool = True) -> dict[str, Any]:
    """Parameters of :data:`UPSERT_DEPLOYMENT` from anything with a deployment's fields."""
    return {"org": org_id, "ext": d.external_id, "svc": service_id, "ver": d.version, "env": d.environment,
            "st": d.status, "start": d.started_at, "fin": d.finished_at, "by": d.deployed_by,
            "cfrom": d.commit_from_sha, "cto": d.commit_to_sha, "rb": d.is_rollback, "rbof": rollback_of_id,
            "set_rollback": set_rollback}


async def upsert_pushed_commit(session: AsyncSession, org_id: int, service_id: int, c: CommitIn) -> bool:
    """One pushed commit and its files (a push keeps a known merge time); returns whether it was created."""
    cid, created = (await _run(session, UPSERT_COMMIT, {
        "org": org_id, "svc": service_id, "sha": c.sha, "msg": c.message, "author": c.author, "at": c.committed_at,
        "merged": c.merged_at, "pr": None, "keep_merged": True,
    })).first()
    for path, change_type in c.files:
        await _run(session, UPSERT_COMMIT_FILE, {"org": org_id, "commit": cid, "path": path, "type": change_type,
                                                 "add": None, "del": None, "keep_counts": True})
    return bool(created)
