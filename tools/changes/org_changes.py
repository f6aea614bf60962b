"""The organisation's change log: every deployment and config change in a window, across all its services, grouped
by service ("which deploys happened on Thursday?", "what changed yesterday?"). Read-only and org-scoped; the SQL is
the correlator's (:func:`tools.changes.load_changes`) over all of the organisation's services."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes.changelog import _config_line, _deploy_line
from tools.changes.models import ConfigChangeInfo, DeploymentInfo
from tools.changes.queries import _services, _utc, load_changes

ChangeKind = Literal["deployment", "config_change"]
MAX_CHANGE_EVIDENCE = 60  # one evidence item per change up to this many (newest first); the summary counts them all


class ServiceChangeGroup(BaseModel):
    service: str
    deployments: list[DeploymentInfo]
    config_changes: list[ConfigChangeInfo]
    people: list[str]
    latest: dt.datetime = Field(description="when its latest change in the window happened")


class OrgChangeLog(BaseModel):
    since: dt.datetime
    until: dt.datetime
    kinds: list[ChangeKind]
    groups: list[ServiceChangeGroup] = Field(description="services with changes, most recently changed first")
    deployments: int
    config_changes: int
    people: list[str]


def _at(d: DeploymentInfo) -> dt.datetime:
    return d.finished_at or d.started_at


async def org_change_log(
    ctx: ToolContext, *, since: dt.datetime | dt.date, until: dt.datetime | dt.date,
    kinds: list[ChangeKind] | None = None,
) -> ToolOutput[OrgChangeLog]:
    """Deployments and/or config changes of every service of the organisation in [since, until] (a date ``until``
    means the end of that day; never past now), grouped by service with who made each change."""
    kinds = list(kinds or ["deployment", "config_change"])
    end = _utc(until) + (dt.timedelta(days=1) if not isinstance(until, dt.datetime) else dt.timedelta(0))
    end = min(end, ctx.now)
    start = _utc(since)
    if start > end:
        raise ToolError(f"since ({start:%Y-%m-%d}) is after until ({end:%Y-%m-%d})")
    async with ctx.read() as session:
        services = await _services(session, ctx.org_id)
        deps, cfgs = await load_changes(session, ctx.org_id, list(services.values()), start, end)
    deployments = [d for _, d in deps] if "deployment" in kinds else []
    configs = [c for _, c in cfgs] if "config_change" in kinds else []
    by_service: dict[str, ServiceChangeGroup] = {}
    for d in deployments:
        g = by_service.setdefault(d.service, ServiceChangeGroup(service=d.service, deployments=[], config_changes=[],
                                                                 people=[], latest=_at(d)))
        g.deployments.append(d)
    for c in configs:
        g = by_service.setdefault(c.service, ServiceChangeGroup(service=c.service, deployments=[], config_changes=[],
                                                                 people=[], latest=c.changed_at))
        g.config_changes.append(c)
    for g in by_service.values():
        g.deployments.sort(key=_at, reverse=True)
        g.config_changes.sort(key=lambda c: c.changed_at, reverse=True)
        g.latest = max([*(_at(d) for d in g.deployments), *(c.changed_at for c in g.config_changes)])
        g.people = sorted({p for p in [*(d.deployed_by for d in g.deployments),
                                       *(c.changed_by for c in g.config_changes)] if p})
    groups = sorted(by_service.values(), key=lambda g: g.latest, reverse=True)
    people = sorted({p for g in groups for p in g.people})
    result = OrgChangeLog(since=start, until=end, kinds=kinds, groups=groups, deployments=len(deployments),
                          config_changes=len(configs), people=people)
    what = " and ".join({"deployment": "deployments", "config_change": "config changes"}[k] for k in kinds)
    ref = {"tool": "org_change_log", "args": {"since": start.isoformat(), "until": end.isoformat(), "kinds": kinds},
           "query": f"{what} of all the organisation's services in the window"}
    evidence = [EvidenceDraft(
        kind="change_log", source="tools.changes.org_change_log", ref=ref,
        payload={"services": {g.service: {"deployments": [d.external_id for d in g.deployments],
                                          "config_changes": [c.external_id for c in g.config_changes],
                                          "people": g.people} for g in groups}, "people": people},
        summary=(f"{len(deployments)} deployment(s) and {len(configs)} config change(s) on {len(groups)} service(s) "
                 f"between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC"
                 + (": " + "; ".join(f"{g.service} {len(g.deployments)}+{len(g.config_changes)}" for g in groups)
                    if groups else "")),
    )]
    changes: list[tuple[dt.datetime, EvidenceDraft]] = []
    for d in deployments:
        changes.append((_at(d), EvidenceDraft(
            kind="change", source="tools.changes.org_change_log",
            ref=ref | {"subject": {"type": "deployment", "external_id": d.external_id}},
            payload={"type": "deployment", "external_id": d.external_id, "changed_at": _at(d).isoformat(),
                     "change": d.model_dump(mode="json")}, summary=_deploy_line(d))))
    for c in configs:
        changes.append((c.changed_at, EvidenceDraft(
            kind="change", source="tools.changes.org_change_log",
            ref=ref | {"subject": {"type": "config_change", "external_id": c.external_id}},
            payload={"type": "config_change", "external_id": c.external_id, "changed_at": c.changed_at.isoformat(),
                     "change": c.model_dump(mode="json")}, summary=_config_line(c))))
    changes.sort(key=lambda x: x[0], reverse=True)
    evidence += [e for _, e in changes[:MAX_CHANGE_EVIDENCE]]
    return ToolOutput(result=result, evidence=evidence)
