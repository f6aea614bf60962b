"""``service_changes``: one service's deployments and config changes in a time range (the API's change list)."""

from __future__ import annotations

import datetime as dt

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import scoring
from tools.changes.models import (
    ServiceChanges,
)
from tools.changes.queries import (
    _utc,
    load_changes,
    resolve_service,
)

# ------------------------------------------------------------------ service_changes


async def service_changes(
    ctx: ToolContext, *, service: str, since: dt.datetime | dt.date, until: dt.datetime | dt.date
) -> ToolOutput[ServiceChanges]:
    """One service's deployments (with commits and per-file change types) and config changes in [since, until].

    Deployments are listed when they overlap the range (started before ``until``,
    finished after ``since``); config changes when they happened inside it.
    """
    start, end = _utc(since), _utc(until)
    if start > end:
        raise ToolError(f"since ({start.isoformat()}) is after until ({end.isoformat()})")
    async with ctx.read() as session:
        sid, name = await resolve_service(session, ctx.org_id, service)
        deps, cfgs = await load_changes(session, ctx.org_id, [sid], start, end)
    result = ServiceChanges(service=name, since=start, until=end, deployments=[d for _, d in deps],
                            config_changes=[c for _, c in cfgs])
    risky = [d.external_id for d in result.deployments if set(d.change_types) & scoring.RISKY_CHANGE_TYPES]
    evidence = [
        EvidenceDraft(
            kind="changes", source="tools.changes.service_changes",
            ref={"tool": "service_changes", "args": {"service": name, "since": start.isoformat(), "until": end.isoformat()},
                 "query": "deployments (with deployment_commits → commits → commit_files) and config_changes of the "
                          "service in the range"},
            payload={"deployments": [d.external_id for d in result.deployments],
                     "config_changes": [c.external_id for c in result.config_changes], "risky_deployments": risky},
            summary=(f"{name}: {len(result.deployments)} deployment(s) and {len(result.config_changes)} config "
                     f"change(s) between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC"
                     + (f"; risky: {', '.join(risky)}" if risky else "")),
        )
    ]
    return ToolOutput(result=result, evidence=evidence)


