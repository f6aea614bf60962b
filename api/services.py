"""The API's write paths (investigations, feedback, webhooks, tickets): request models in, :mod:`store` calls,
response models out. The SQL (and the validation that needs the database) lives in ``store/``, which raises
:mod:`store.errors` that :mod:`api.errors` answers as 404/409/422; each call runs in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

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
)
from store import changes
from store.changetypes import classify_path
from store.incidents import add_feedback
from store.investigations import (
    ActionIn,
    create_investigation,
    lock_open_investigation,
    record_step,
)
from store.investigations import finalize_investigation as _finalize
from store.secrets import redact_text
from store.tickets import upsert_ticket

__all__ = ["add_feedback", "create_investigation", "finalize_investigation", "lock_open_investigation",
           "record_push", "record_step", "upsert_deployment", "upsert_ticket"]


async def finalize_investigation(
    session: AsyncSession, org_id: int, inv_id: int, body: FinalizeRequest, author: str | None
) -> None:
    await _finalize(session, org_id, inv_id, root_cause=body.root_cause, evidence_ids=body.evidence_ids,
                    actions=[ActionIn(a.description, a.owner, a.due_date) for a in body.actions], notes=body.notes,
                    author=author)


async def upsert_deployment(session: AsyncSession, org_id: int, d: DeploymentWebhook) -> DeploymentRecorded:
    known = await changes.services(session, org_id)
    if d.service not in known:  # `WMS-core` from a deploy tool is the service imported as `wms-core` (as in files)
        lowered = {k.lower(): k for k in known}
        d.service = lowered.get(d.service.lower(), d.service)
    _, created = await changes.upsert_deployment(session, org_id, changes.DeploymentIn(
        external_id=d.external_id, service=d.service, version=d.version, environment=d.environment, status=d.status,
        started_at=d.started_at, finished_at=d.finished_at, deployed_by=d.deployed_by,
        commit_from_sha=d.commit_from_sha, commit_to_sha=d.commit_to_sha, is_rollback=d.is_rollback,
        rollback_of=d.rollback_of, commits=d.commits,
    ))
    return DeploymentRecorded(external_id=d.external_id, service=d.service, status=d.status, created=created,
                              commits=len(dict.fromkeys(d.commits)))


async def record_push(
    session: AsyncSession, org_id: int, push: GitHubPush, *, service: str | None, now: dt.datetime
) -> GitHubPushRecorded:
    """Commits of a push with their files' change types (classified now, at push time)."""
    name = service or (push.repository.name if push.repository else None)
    if not name:
        raise ApiError(422, "cannot tell which service the push belongs to: no repository.name (or pass ?service=)")
    known = await changes.services(session, org_id)
    if name not in known:
        raise changes.unknown_service(name, known)
    branch = (push.ref or "").removeprefix("refs/heads/")
    default = push.repository.default_branch if push.repository else None
    merged = bool(branch) and branch == (default or "main")
    out: list[PushedCommit] = []
    types: Counter[str] = Counter()
    for c in push.commits:
        author = (c.author.name or c.author.username or c.author.email) if c.author else None
        files: dict[str, PushedFile] = {}
        for status, paths in (("added", c.added), ("modified", c.modified), ("removed", c.removed)):
            for path in paths:
                files[path] = PushedFile(path=path, status=status, change_type=classify_path(path))
        for f in files.values():
            types[f.change_type] += 1
        created = await changes.upsert_pushed_commit(session, org_id, known[name], changes.CommitIn(
            sha=c.id, message=redact_text(c.message), author=author, committed_at=c.timestamp,
            merged_at=now if merged else None, files=[(f.path, f.change_type) for f in files.values()],
        ))
        out.append(PushedCommit(sha=c.id, created=created, files=list(files.values())))
    return GitHubPushRecorded(event="push", service=name, ref=push.ref, commits=out, change_types=dict(types))
