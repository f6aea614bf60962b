"""The change correlator's rollback answers: "any rollbacks this week?", "who rolled back search?" — the deployments
the organisation's records mark as rollbacks and the config changes that restored a key's previous value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext
from tools.changes.changelog import change_log
from tools.changes.org_changes import org_change_log

MAX_LINES = 20


async def rollbacks(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    """"Were there any rollbacks this week?": the deployments the organisation's records mark as rollbacks (and the
    config changes that restored a key's previous value), Yes/No first, then each with what it undid."""
    w = plan.window if plan.window and plan.window.explicit else None
    found: list[tuple[dt.datetime, str, Any]] = []
    if plan.subjects.services:  # no period named: the last 90 days ("who rolled back search?")
        since, until = (w.start, w.end) if w else ((s.deps.now - dt.timedelta(days=90)).date(), s.deps.now.date())
        heads = []
        for service in plan.subjects.services[:3]:
            got = await s.tool("change_log", change_log, service=service, since=since, until=until,
                               include_dependencies=plan.include_dependencies)
            if got is None:
                continue
            r, records = got
            heads.append((r, records[0]))
            by_id = {(rec.ref.get("subject") or {}).get("external_id"): rec for rec in records[1:]}
            found += [(d.finished_at or d.started_at, _rollback_line(d), by_id.get(d.external_id) or records[0])
                      for d in r.deployments if d.is_rollback]
            found += [(c.changed_at, _revert_line(c), by_id.get(c.external_id) or records[0])
                      for c in r.config_changes if _is_revert(c, r.config_changes)]
        if not heads:
            return
        r0, head = heads[0]
        where = "on " + ", ".join(r.service for r, _ in heads)
        period = f"between {r0.since:%Y-%m-%d %H:%M} and {r0.until:%Y-%m-%d %H:%M} UTC"
    else:
        assert w is not None
        got = await s.tool("org_change_log", org_change_log, since=w.start, until=w.end, kinds=None)
        if got is None:
            return
        r, records = got
        head = records[0]
        by_id = {rec.payload.get("external_id"): rec for rec in records[1:]}
        for g in r.groups:
            found += [(d.finished_at or d.started_at, _rollback_line(d), by_id.get(d.external_id) or head)
                      for d in g.deployments if d.is_rollback]
            found += [(c.changed_at, _revert_line(c), by_id.get(c.external_id) or head)
                      for c in g.config_changes if _is_revert(c, g.config_changes)]
        where = "on any service"
        period = f"{w.label} ({r.since:%Y-%m-%d %H:%M} to {r.until:%Y-%m-%d %H:%M} UTC)"
    yes = "yesno" in plan.notes
    if not found:
        s.say(f"{'No — no' if yes else 'No'} rollbacks {where} {period}.", head)
        s.data = {"rollbacks": []}
        if w is not None and not plan.subjects.services:  # "any rollbacks this week?" on a Monday: the last one
            await _last_rollback_before(s, w.start)
        return
    n_dep = sum(1 for _at, line, _rec in found if " rolled back to " in line)
    n_cfg = len(found) - n_dep
    what = ", ".join(x for x in (f"{n_dep} rollback deployment(s)" if n_dep else "",
                                 f"{n_cfg} config revert(s) (a key restored to its previous value)" if n_cfg else "") if x)
    s.say(f"{'Yes — ' if yes else ''}{what} {where} {period}:", head)
    for _at, line, rec in sorted(found, key=lambda x: x[0], reverse=True)[:MAX_LINES]:
        s.say(line, rec)
    s.data = {"rollbacks": [line.split(" ", 1)[0] for _at, line, _rec in found]}


async def _last_rollback_before(s: StepScope, day: dt.date) -> None:
    """The latest rollback deployment in the 90 days before ``day`` (nothing said when there is none)."""
    got = await s.tool("org_change_log", org_change_log, since=day - dt.timedelta(days=90), until=day, kinds=["deployment"])
    if got is None:
        return
    r, records = got
    by_id = {rec.payload.get("external_id"): rec for rec in records[1:]}
    last = max((d for g in r.groups for d in g.deployments if d.is_rollback),
               key=lambda d: d.finished_at or d.started_at, default=None)
    if last is not None:
        s.say(f"The last one before that: {_rollback_line(last)}", by_id.get(last.external_id) or records[0])


def _rollback_line(d: Any) -> str:
    undid = f", undoing {d.rollback_of}" if d.rollback_of else ""
    return (f"{d.external_id} on {d.service}: rolled back to {d.version}{undid}, by {d.deployed_by or 'unknown'} at "
            f"{(d.finished_at or d.started_at):%Y-%m-%d %H:%M} UTC.")


def _is_revert(c: Any, same_service: list[Any]) -> bool:
    """A config change that restored the value an earlier change in the list had replaced (that one's reverted_by)."""
    return any(o.reverted_by == c.external_id for o in same_service)


def _revert_line(c: Any) -> str:
    return (f"{c.external_id} on {c.service}: config {c.key} restored to its previous value"
            f"{'' if c.is_secret else f' ({c.new_value})'}, by "
            f"{c.changed_by or 'unknown'} at {c.changed_at:%Y-%m-%d %H:%M} UTC.")
