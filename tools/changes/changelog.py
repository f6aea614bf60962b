"""Change log and change lookups: what changed on a service (and optionally what it depends on) in a
window, who made each change, what a deployment shipped, whether a commit was ever deployed, and a
service's dependencies and dependents. Read-only and org-scoped; the SQL for deployments and config
changes is shared with the correlator (:func:`tools.changes.load_changes`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes.models import CommitInfo, ConfigChangeInfo, DeploymentInfo
from tools.changes.queries import (
    _close,
    _utc,
    load_changes,
    resolve_service,
    walk_dependencies,
)

DEFAULT_DAYS = 7


class ServiceLinks(BaseModel):
    service: str
    depends_on: list[str] = Field(description="direct dependencies (services it calls)")
    dependents: list[str] = Field(description="direct dependents (services that call it)")
    transitive_dependencies: list[str] = Field(description="everything it depends on, any distance")


async def _links(session: AsyncSession, org_id: int, sid: int, name: str) -> ServiceLinks:
    rows = (await session.execute(text(
        """SELECT 'down' AS dir, s.name FROM service_dependencies d JOIN services s ON s.id = d.depends_on_id
               AND s.org_id = :org WHERE d.org_id = :org AND d.service_id = :sid
           UNION ALL
           SELECT 'up', s.name FROM service_dependencies d JOIN services s ON s.id = d.service_id AND s.org_id = :org
               WHERE d.org_id = :org AND d.depends_on_id = :sid ORDER BY 2"""), {"org": org_id, "sid": sid})).all()
    nodes = await walk_dependencies(session, org_id, [sid])
    return ServiceLinks(service=name, depends_on=[n for d, n in rows if d == "down"],
                        dependents=[n for d, n in rows if d == "up"],
                        transitive_dependencies=sorted(n.name for n in nodes.values() if n.distance > 0))


def _links_summary(links: ServiceLinks) -> str:
    down = ", ".join(links.depends_on) or "nothing recorded"
    up = ", ".join(links.dependents) or "nothing recorded"
    deeper = sorted(set(links.transitive_dependencies) - set(links.depends_on))
    return (f"{links.service} depends on {down}" + (f" (and, further down, {', '.join(deeper)})" if deeper else "")
            + f"; depended on by {up}")


async def service_links(ctx: ToolContext, *, service: str) -> ToolOutput[ServiceLinks]:
    """A service's dependencies (direct and transitive) and its dependents."""
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        links = await _links(session, ctx.org_id, sid, name)
    return ToolOutput(result=links, evidence=[EvidenceDraft(
        kind="service_links", source="tools.changes.service_links",
        ref={"tool": "service_links", "args": {"service": name},
             "query": "service_dependencies both ways; transitive walk (recursive CTE)"},
        payload=links.model_dump(mode="json"), summary=_links_summary(links),
    )])


# ------------------------------------------------------------------ change log


class ChangeLog(BaseModel):
    service: str
    services: list[str] = Field(description="the services whose changes are listed (itself, and dependencies if asked)")
    since: dt.datetime
    until: dt.datetime
    deployments: list[DeploymentInfo]
    config_changes: list[ConfigChangeInfo]
    links: ServiceLinks
    people: list[str] = Field(description="everyone who deployed, changed config or authored a shipped commit")


def _deploy_line(d: DeploymentInfo) -> str:
    commits = "; ".join(f"{c.sha[:8]} {c.message!r} by {c.author or 'unknown'}" for c in d.commits[:5])
    what = f"commits: {commits}" if d.commits else "no commits recorded"
    types = f"; change types {', '.join(d.change_types)}" if d.change_types else ""
    extra = " (a rollback)" if d.is_rollback else (f" (rolled back by {d.rolled_back_by})" if d.rolled_back_by else "")
    return (f"{d.external_id} {d.service} {d.version} by {d.deployed_by or 'unknown'} at "
            f"{(d.finished_at or d.started_at):%Y-%m-%d %H:%M} UTC, {d.status}{extra} — {what}{types}")


def _config_line(c: ConfigChangeInfo) -> str:
    values = c.values("(secret value)")
    rev = f" (reverted by {c.reverted_by})" if c.reverted_by else ""
    return (f"{c.external_id} {c.service} {c.key}: {values} by {c.changed_by or 'unknown'} at "
            f"{c.changed_at:%Y-%m-%d %H:%M} UTC{rev}")


async def change_log(
    ctx: ToolContext, *, service: str, since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None, include_dependencies: bool = False,
) -> ToolOutput[ChangeLog]:
    """Deployments (who, commits, file change types) and config changes (who, key, values) of a service — and of
    everything it depends on when asked — in [since, until] (default: the last 7 days), with its dependencies and
    dependents. One evidence item per change, so each line can be cited."""
    end = _utc(until) + (dt.timedelta(days=1) if isinstance(until, dt.date) and not isinstance(until, dt.datetime)
                         else dt.timedelta(0)) if until is not None else ctx.now
    end = min(end, ctx.now)
    start = _utc(since) if since is not None else end - dt.timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise ToolError(f"since ({start:%Y-%m-%d}) is after until ({end:%Y-%m-%d})")
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        links = await _links(session, ctx.org_id, sid, name)
        ids = {sid: name}
        if include_dependencies:
            ids |= {n.service_id: n.name for n in (await walk_dependencies(session, ctx.org_id, [sid])).values()}
        deps, cfgs = await load_changes(session, ctx.org_id, list(ids), start, end)
    deployments = sorted((d for _, d in deps), key=lambda d: d.started_at, reverse=True)
    configs = sorted((c for _, c in cfgs), key=lambda c: c.changed_at, reverse=True)
    people = sorted({p for p in [*(d.deployed_by for d in deployments), *(c.changed_by for c in configs),
                                 *(cm.author for d in deployments for cm in d.commits)] if p})
    result = ChangeLog(service=name, services=sorted(ids.values()), since=start, until=end, deployments=deployments,
                       config_changes=configs, links=links, people=people)
    ref = {"tool": "change_log", "args": {"service": name, "since": start.isoformat(), "until": end.isoformat(),
                                          "include_dependencies": include_dependencies},
           "query": "deployments (deployment_commits → commits → commit_files) and config_changes of the service"
                    + (" and its transitive dependencies" if include_dependencies else "") + " in the window"}
    where = name + (" and its dependencies" if include_dependencies else "")
    evidence = [EvidenceDraft(
        kind="change_log", source="tools.changes.change_log", ref=ref,
        payload={"deployments": [d.external_id for d in deployments],
                 "config_changes": [c.external_id for c in configs], "people": people,
                 "links": links.model_dump(mode="json")},
        summary=(f"{where}: {len(deployments)} deployment(s) and {len(configs)} config change(s) between "
                 f"{start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC" + (f" by {', '.join(people)}" if people else "")
                 + f"; {_links_summary(links)}"),
    )]
    evidence += [EvidenceDraft(kind="change", source="tools.changes.change_log",
                               ref=ref | {"subject": {"type": "deployment", "external_id": d.external_id}},
                               payload={"type": "deployment", "external_id": d.external_id,
                                        "changed_at": (d.finished_at or d.started_at).isoformat(),
                                        "change": d.model_dump(mode="json")},
                               summary=_deploy_line(d)) for d in deployments]
    evidence += [EvidenceDraft(kind="change", source="tools.changes.change_log",
                               ref=ref | {"subject": {"type": "config_change", "external_id": c.external_id}},
                               payload={"type": "config_change", "external_id": c.external_id,
                                        "changed_at": c.changed_at.isoformat(), "change": c.model_dump(mode="json")},
                               summary=_config_line(c)) for c in configs]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ lookups by id


class CommitDeployment(BaseModel):
    external_id: str
    service: str
    version: str
    at: dt.datetime
    environment: str
    rolled_back_by: str | None = None  # the deployment that rolled this one back
    rolled_back_at: dt.datetime | None = None


class CommitLookup(BaseModel):
    commit: CommitInfo
    service: str
    deployed: bool
    deployments: list[CommitDeployment]


class ChangeLookup(BaseModel):
    deployment: DeploymentInfo | None = None
    config_change: ConfigChangeInfo | None = None
    commit: CommitLookup | None = None


async def _find_deployment(session: AsyncSession, org_id: int, ext: str) -> DeploymentInfo:
    row = (await session.execute(text(
        """SELECT d.service_id, d.started_at FROM deployments d
           WHERE d.org_id = :org AND upper(d.external_id) = upper(:ext)"""), {"org": org_id, "ext": ext.strip()})).first()
    if row is None:
        known = [r[0] for r in await session.execute(text(
            "SELECT external_id FROM deployments WHERE org_id = :org ORDER BY started_at DESC"), {"org": org_id})]
        raise ToolError(f"unknown deployment {ext!r}", suggestions=_close(ext, known))
    deps, _ = await load_changes(session, org_id, [row[0]], row[1], row[1])
    return next(d for _, d in deps if d.external_id.upper() == ext.strip().upper())


async def _find_config(session: AsyncSession, org_id: int, ext: str) -> ConfigChangeInfo:
    row = (await session.execute(text(
        """SELECT service_id, changed_at FROM config_changes WHERE org_id = :org AND upper(external_id) = upper(:ext)"""),
        {"org": org_id, "ext": ext.strip()})).first()
    if row is None:
        known = [r[0] for r in await session.execute(text(
            "SELECT external_id FROM config_changes WHERE org_id = :org ORDER BY changed_at DESC"), {"org": org_id})]
        raise ToolError(f"unknown config change {ext!r}", suggestions=_close(ext, known))
    _, cfgs = await load_changes(session, org_id, [row[0]], row[1], row[1])
    return next(c for _, c in cfgs if c.external_id.upper() == ext.strip().upper())


async def _find_commit(session: AsyncSession, org_id: int, sha: str) -> CommitLookup:
    q = sha.strip().lower()
    rows = (await session.execute(text(
        """SELECT c.id, c.sha, c.message, c.author, c.committed_at, c.merged_at, c.pr_number, s.name AS service,
                  COALESCE((SELECT jsonb_agg(jsonb_build_object('path', f.path, 'change_type', f.change_type,
                                'additions', f.additions, 'deletions', f.deletions) ORDER BY f.path)
                            FROM commit_files f WHERE f.commit_id = c.id AND f.org_id = :org), '[]'::jsonb) AS files
           FROM commits c JOIN services s ON s.id = c.service_id AND s.org_id = :org
           WHERE c.org_id = :org AND (c.sha LIKE :prefix OR c.message ILIKE :words)
           ORDER BY c.committed_at DESC LIMIT 3"""),
        {"org": org_id, "prefix": q + "%", "words": "%" + q + "%"})).mappings().all()
    if len(rows) != 1:
        known = [r["sha"][:10] + " " + r["message"][:40] for r in rows]
        raise ToolError(f"{'no' if not rows else 'more than one'} commit matches {sha!r}", suggestions=known)
    r = rows[0]
    shipped = (await session.execute(text(
        """SELECT d.external_id, s.name, d.version, COALESCE(d.finished_at, d.started_at) AS at, d.environment,
                  rb.external_id, rb.at
           FROM deployment_commits dc JOIN deployments d ON d.id = dc.deployment_id AND d.org_id = :org
           JOIN services s ON s.id = d.service_id AND s.org_id = :org
           LEFT JOIN LATERAL (SELECT r.external_id, COALESCE(r.finished_at, r.started_at) AS at FROM deployments r
                              WHERE r.org_id = :org AND r.rollback_of_id = d.id ORDER BY r.started_at LIMIT 1) rb ON TRUE
           WHERE dc.org_id = :org AND dc.commit_id = :cid ORDER BY d.started_at"""),
        {"org": org_id, "cid": r["id"]})).all()
    commit = CommitInfo(**{k: r[k] for k in ("sha", "message", "author", "committed_at", "merged_at", "pr_number",
                                             "files")})
    return CommitLookup(commit=commit, service=r["service"], deployed=bool(shipped),
                        deployments=[CommitDeployment(external_id=e, service=s, version=v, at=a, environment=env,
                                                      rolled_back_by=rb, rolled_back_at=rb_at)
                                     for e, s, v, a, env, rb, rb_at in shipped])


async def change_lookup(
    ctx: ToolContext, *, deployment: str | None = None, config_change: str | None = None, commit: str | None = None,
) -> ToolOutput[ChangeLookup]:
    """One change by id: a deployment (who, version, commits, file change types, rollback), a config change (who,
    key, old → new, revert), or a commit by sha prefix or words of its message (author, files, ever deployed?)."""
    if not (deployment or config_change or commit):
        raise ToolError("give a deployment id, a config change id or a commit sha")
    out = ChangeLookup()
    evidence: list[EvidenceDraft] = []
    async with ctx.read() as session:
        if deployment:
            d = await _find_deployment(session, ctx.org_id, deployment)
            out.deployment = d
            evidence.append(_ev("deployment", d.external_id, d.model_dump(mode="json"), _deploy_line(d),
                                {"deployment": deployment}))
        if config_change:
            c = await _find_config(session, ctx.org_id, config_change)
            out.config_change = c
            evidence.append(_ev("config_change", c.external_id, c.model_dump(mode="json"), _config_line(c),
                                {"config_change": config_change}))
        if commit:
            cl = await _find_commit(session, ctx.org_id, commit)
            out.commit = cl
            ships = ", ".join(f"{d.external_id} ({d.version}, {d.at:%Y-%m-%d %H:%M} UTC"
                              + (f", rolled back by {d.rolled_back_by}" if d.rolled_back_by else "") + ")"
                              for d in cl.deployments)
            summary = (f"commit {cl.commit.sha[:10]} {cl.commit.message!r} on {cl.service} by "
                       f"{cl.commit.author or 'unknown'}: " + (f"deployed in {ships}" if cl.deployed
                                                              else "never deployed (in no deployment)"))
            evidence.append(_ev("commit", cl.commit.sha, cl.model_dump(mode="json"), summary, {"commit": commit}))
    return ToolOutput(result=out, evidence=evidence)


def _ev(kind: str, subject: str, payload: dict[str, Any], summary: str, args: dict[str, Any]) -> EvidenceDraft:
    return EvidenceDraft(
        kind="change", source="tools.changes.change_lookup",
        ref={"tool": "change_lookup", "args": args, "subject": {"type": kind, "external_id": subject},
             "query": f"{kind} by id, with its commits, files and deployments"},
        payload={"type": kind, "external_id": subject, "change": payload}, summary=summary,
    )
