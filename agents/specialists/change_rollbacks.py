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


async def config_reverted(s: StepScope, c: Any, ev: Any) -> None:
    """"Was CFG-7 reverted?", "who changed <key> and when was it reverted?": Yes/No from the change's own record — and
    when the change asked about is itself the revert (a key named in words links to its latest change), the change it
    undid, found among the service's changes of the 30 days before."""
    if c.reverted_by:
        after = f", {_minutes(c.reverted_at - c.changed_at)} later" if c.reverted_at else ""
        s.say(f"Yes — {c.external_id} ({c.key} on {c.service}, by {c.changed_by or 'unknown'}) was reverted by "
              f"{c.reverted_by}" + (f" at {c.reverted_at:%Y-%m-%d %H:%M} UTC" if c.reverted_at else "") + f"{after}.", ev)
        return
    got = await s.tool("change_log", change_log, service=c.service, since=(c.changed_at - dt.timedelta(days=30)).date(),
                       until=c.changed_at.date())
    undone = next((o for o in (got[0].config_changes if got else []) if o.reverted_by == c.external_id), None)
    if undone is not None:
        values = undone.values("a secret value")
        s.say(f"{c.external_id} is itself the revert: {undone.external_id} changed {c.service} {c.key} ({values}) — by "
              f"{undone.changed_by or 'unknown'} at {undone.changed_at:%Y-%m-%d %H:%M} UTC — and {c.external_id} restored "
              f"the previous value{'' if c.is_secret else f' ({c.new_value})'}, by {c.changed_by or 'unknown'} at "
              f"{c.changed_at:%Y-%m-%d %H:%M} UTC, {_minutes(c.changed_at - undone.changed_at)} later.",
              ev, *(got[1][:1] if got else []))
        return
    now = "" if c.is_secret else f"; {c.key} is still {c.new_value} as far as the records show"
    s.say(f"No — nothing in the records reverted {c.external_id} ({c.key} on {c.service}){now}.", ev)


def _minutes(d: dt.timedelta) -> str:
    m = round(d.total_seconds() / 60)
    return f"{m} min" if m < 120 else f"{m / 60:.1f} h" if m < 48 * 60 else f"{m / 1440:.1f} days"


def only_secrets(r: Any) -> Any:
    """An org change log cut to the changes of secret keys (passwords, tokens…: their values are never shown)."""
    groups = []
    for g in r.groups:
        secret = [c for c in g.config_changes if c.is_secret]
        if secret:
            people = sorted({c.changed_by for c in secret if c.changed_by})
            groups.append(g.model_copy(update={"deployments": [], "config_changes": secret, "people": people,
                                               "latest": max(c.changed_at for c in secret)}))
    return r.model_copy(update={"groups": groups, "deployments": 0, "kinds": ["config_change"],
                                "config_changes": sum(len(g.config_changes) for g in groups),
                                "people": sorted({p for g in groups for p in g.people})})
