"""The change correlator's answers to change-log, change-lookup and incident questions, driven by the QueryPlan."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.change_freeze import freeze_window
from agents.specialists.change_rollbacks import config_reverted, only_secrets, rollbacks
from agents.specialists.change_search import topic_of, topic_search
from agents.specialists.common import StepScope, first
from agents.state import ThreadContext
from tools.changes.changelog import change_log, change_lookup, service_links
from tools.changes.org_changes import org_change_log
from tools.incidents import incident_list, incident_status

MAX_LINES = 20


def _day_end(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time.max, dt.UTC)


async def changelog(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    subj = plan.subjects
    if topic := topic_of(plan):  # "did anyone change the retry settings?": the change log searched for it
        await topic_search(s, plan, topic)
        return
    if "asks:approval" in plan.notes:  # "who approved the checkout change?": not in the data, who made it is
        s.say("Approvals are not recorded: deployments and config changes carry who made them, not who approved them. "
              "Who made the changes:")
    if subj.deployments or subj.config_changes or subj.commits:
        for kind, ids in (("deployment", subj.deployments), ("config_change", subj.config_changes),
                          ("commit", subj.commits)):
            for ext in ids[:5]:
                got = await s.tool("change_lookup", change_lookup, **{kind: ext})
                if got is None:
                    continue
                r, records = got
                if kind == "config_change" and r.config_change and "asks:rolled_back" in plan.notes:
                    await config_reverted(s, r.config_change, records[0])  # "was CFG-7 reverted?": Yes/No first
                if kind == "deployment" and r.deployment and "asks:rolled_back" in plan.notes:
                    d = r.deployment
                    s.say(f"Yes — {d.external_id} was rolled back by {d.rolled_back_by}"
                          + (f" at {d.rolled_back_at:%Y-%m-%d %H:%M} UTC" if d.rolled_back_at else "") + "."
                          if d.rolled_back_by else
                          f"Yes — {d.external_id} is itself a rollback" + (f" of {d.rollback_of}" if d.rollback_of else "")
                          + "; nothing rolled it back." if d.is_rollback else
                          f"No — nothing in the records rolled {d.external_id} back (status {d.status}).", records[0])
                for rec in records:
                    s.say(_lookup_line(r, kind), rec)
        if not subj.services:
            return
    if "only:rollback" in plan.notes and (subj.services or (plan.window and plan.window.explicit)):
        await rollbacks(s, plan, ctx)
        return
    if (latest := next((n.split(":", 1)[1] for n in plan.notes if n.startswith("latest:")), None)) and subj.services:
        await latest_change(s, plan, latest)
        return
    if not subj.services:
        if plan.window and (plan.window.explicit or any(n.startswith("freeze:") for n in plan.notes)):
            await org_changelog(s, plan)
            return
        s.notices.append("Name a service (or a deployment, config change or commit id) so I know which changes to list.")
        return
    window = plan.window if plan.window and plan.window.explicit else None
    for service in subj.services[:3]:
        got = await s.tool("change_log", change_log, service=service,
                           since=window.start if window else None, until=window.end if window else None,
                           include_dependencies=plan.include_dependencies)
        if got is not None and window is None and not (got[0].deployments or got[0].config_changes):
            # "leakwatch deploy history": nothing in the default week, so the last 90 days (the period is stated)
            until = got[0].until
            wider = await s.tool("change_log", change_log, service=service,
                                 since=(until - dt.timedelta(days=90)).date(), until=until.date(),
                                 include_dependencies=plan.include_dependencies)
            got = wider or got
        if got is None:
            continue
        r, records = got
        head = records[0]
        where = r.service + (f" and its dependencies ({', '.join(x for x in r.services if x != r.service)})"
                             if plan.include_dependencies and len(r.services) > 1 else "")
        kinds = _kinds(plan)
        changes = [rec for rec in records[1:] if (rec.ref.get("subject") or {}).get("type") in kinds]
        if kinds != ["deployment", "config_change"]:  # "did anyone change config on X today?": that kind only
            what = "config change(s)" if kinds == ["config_change"] else "deployment(s)"
            n = len(r.config_changes) if kinds == ["config_change"] else len(r.deployments)
            who = sorted({p for p in ([c.changed_by for c in r.config_changes] if kinds == ["config_change"]
                                      else [d.deployed_by for d in r.deployments]) if p})
            period = f"between {r.since:%Y-%m-%d %H:%M} and {r.until:%Y-%m-%d %H:%M} UTC"
            if n == 0:
                s.say(f"No — no {what.replace('(s)', 's')} on {where} {period}." if "yesno" in plan.notes else
                      f"{where}: no {what.replace('(s)', 's')} {period}.", head)
                if kinds == ["deployment"] and r.config_changes:  # "anything deployed to X today?": a flag flip is news
                    s.say(f"But {len(r.config_changes)} config change(s) then: " + "; ".join(
                        f"{c.external_id} {c.key} " + c.values()
                        + f" by {c.changed_by or 'unknown'} at {c.changed_at:%Y-%m-%d %H:%M} UTC"
                        for c in r.config_changes[:5]) + ".", head)
            else:
                s.say(f"{'Yes — ' if 'yesno' in plan.notes else ''}{where}: {n} {what} {period}"
                      + (f", by {', '.join(who)}" if who else "") + ".", head)
        else:
            by = f", by {', '.join(r.people)}" if r.people else ""
            lead = ("Yes — " if r.deployments or r.config_changes else "No — ") if "yesno" in plan.notes else ""
            s.say(f"{lead}{where}: {len(r.deployments)} deployment(s) and {len(r.config_changes)} config change(s) between "
                  f"{r.since:%Y-%m-%d %H:%M} and {r.until:%Y-%m-%d %H:%M} UTC{by}.", head)
        for rec in changes[:MAX_LINES]:
            s.say(rec.summary + ".", rec)
        if len(changes) > MAX_LINES:
            s.say(f"… and {len(changes) - MAX_LINES} more changes in the evidence.", head)
        links = r.links
        s.say(f"{r.service} depends on {', '.join(links.depends_on) or 'no recorded service'}"
              + (f" (transitively also {', '.join(sorted(set(links.transitive_dependencies) - set(links.depends_on)))})"
                 if set(links.transitive_dependencies) - set(links.depends_on) else "")
              + f"; {', '.join(links.dependents) or 'no recorded service'} depend(s) on it.", head)
        ctx["service"] = r.service
    s.data = {"services": subj.services}


async def org_changelog(s: StepScope, plan: QueryPlan) -> None:
    """Every service's changes in the asked window, grouped by service (who, when), capped with a count of the rest."""
    assert plan.window is not None
    kinds = [n.split(":", 1)[1] for n in plan.notes if n.startswith("kinds:")] or None
    since: dt.date | dt.datetime = plan.window.start
    until: dt.date | dt.datetime = plan.window.end
    if hours := next((int(n.split(":", 1)[1]) for n in plan.notes if n.startswith("hours:")), None):
        since, until = s.deps.now - dt.timedelta(hours=hours), s.deps.now  # "deploys last 2h": those hours, not days
    if any(n.startswith("freeze:") for n in plan.notes) and (fw := await freeze_window(s, plan)):
        since, until = fw  # "did anyone change anything during the peak freeze?": the days the runbook page gives
        plan = plan.model_copy(update={"window": plan.window.model_copy(update={"label": "during the freeze"})})
    label = plan.window.label if plan.window is not None else ""
    got = await s.tool("org_change_log", org_change_log, since=since, until=until, kinds=kinds)
    if got is None:
        return
    r, records = got
    if "only:secret" in plan.notes:  # "were any passwords or secrets changed this month?": the secret keys' changes
        r = only_secrets(r)
    head = records[0]
    by_id = {rec.payload.get("external_id"): rec for rec in records[1:]}
    if person := next((n.split(":", 1)[1] for n in plan.notes if n.startswith("person:")), None):
        mine: list[tuple[Any, ...]] = [(d.finished_at or d.started_at, d.deployed_by, f"{d.external_id} on {d.service} {d.version} at "
                  f"{(d.finished_at or d.started_at):%Y-%m-%d %H:%M} UTC ({d.status})", by_id.get(d.external_id), "d")
                 for g in r.groups for d in g.deployments]
        mine += [(c.changed_at, c.changed_by, f"{c.external_id} on {c.service}: {c.key} "
                   + c.values()
                   + f" at {c.changed_at:%Y-%m-%d %H:%M} UTC", by_id.get(c.external_id), "c") for g in r.groups
                  for c in g.config_changes]
        period = f"{label} ({r.since:%Y-%m-%d %H:%M} to {r.until:%Y-%m-%d %H:%M} UTC)"
        _person_answer(s, plan, person, mine, period, head, r.people)
        return
    what = " and ".join({"deployment": "deployments", "config_change": "config changes"}[k] for k in r.kinds)
    period = (f"{label} ({r.since:%Y-%m-%d %H:%M} to {r.until:%Y-%m-%d %H:%M} UTC)")
    yes = "yesno" in plan.notes
    if not r.groups:
        s.say(f"{'No — no' if yes else 'No'} {what} on any service {period}.", head)
        s.data = {"services": []}
        if r.kinds == ["deployment"] and (cfg := await s.tool("org_change_log", org_change_log, since=since, until=until,
                                                               kinds=["config_change"])) and cfg[0].groups:
            changes = [c for g in cfg[0].groups for c in g.config_changes]  # "deploys last 2h": a flag flip is news
            s.say(f"But {len(changes)} config change(s) then: " + "; ".join(
                f"{c.external_id} {c.service} {c.key} " + c.values()
                + f" by {c.changed_by or 'unknown'} at {c.changed_at:%Y-%m-%d %H:%M} UTC" for c in changes[:5]) + ".", cfg[1][0])
        return
    counts = ", ".join(x for x in (f"{r.deployments} deployment(s)" if "deployment" in r.kinds else "",
                                   f"{r.config_changes} config change(s)" if "config_change" in r.kinds else "") if x)
    s.say(f"{'Yes — ' if yes else ''}{counts} on {len(r.groups)} service(s) {period}"
          + (f", by {', '.join(r.people)}" if r.people else "") + ":", head)
    shown = 0
    for g in r.groups:
        parts = [x for x in (f"{len(g.deployments)} deployment(s)" if g.deployments else "",
                             f"{len(g.config_changes)} config change(s)" if g.config_changes else "") if x]
        s.say(f"{g.service}: {' and '.join(parts)}" + (f" by {', '.join(g.people)}" if g.people else "") + ".", head)
        items: list[tuple[dt.datetime, str, str]] = [
            ((d.finished_at or d.started_at), d.external_id,
             f"{d.external_id} {d.version} by {d.deployed_by or 'unknown'} at "
             f"{(d.finished_at or d.started_at):%Y-%m-%d %H:%M} UTC ({d.status}"
             + (", a rollback" if d.is_rollback else f", rolled back by {d.rolled_back_by}" if d.rolled_back_by else "")
             + ")") for d in g.deployments]
        items += [(c.changed_at, c.external_id,
                   f"{c.external_id} {c.key} " + c.values()
                   + f" by {c.changed_by or 'unknown'} at {c.changed_at:%Y-%m-%d %H:%M} UTC") for c in g.config_changes]
        for _at, ext, line in sorted(items, reverse=True):
            if shown >= MAX_LINES:
                break
            s.say(line + ".", by_id.get(ext) or head)
            shown += 1
    total = r.deployments + r.config_changes
    if "rank:services" in plan.notes:  # "top 3 services by deployments this month"
        ranked = sorted(r.groups, key=lambda g: (-(len(g.deployments) + len(g.config_changes)), g.service))
        ranked = ranked[: plan.limit or len(ranked)]
        what = "deployments" if r.kinds == ["deployment"] else "config changes" if r.kinds == ["config_change"] else "changes"
        s.lines.insert(0, {"text": f"Most {what} {period}: " + "; ".join(
            f"{i}. {g.service} " + ", ".join(x for x in (f"{len(g.deployments)} deployment(s)" if g.deployments else "",
                                                          f"{len(g.config_changes)} config change(s)" if g.config_changes
                                                          else "") if x)
            for i, g in enumerate(ranked, 1)) + ".", "evidence_ids": [head.id]})
    if "rank:people" in plan.notes:
        _people_line(s, [d.deployed_by for g in r.groups for d in g.deployments],
                     [c.changed_by for g in r.groups for c in g.config_changes], head, first=True)
    if total > shown:
        s.say(f"… and {total - shown} more change(s) not listed here (all counted above).", head)
    s.data = {"services": [g.service for g in r.groups]}


def _lookup_line(r: Any, kind: str) -> str:
    if kind == "deployment" and r.deployment:
        d = r.deployment
        commits = "; ".join(f"{c.sha[:8]} “{c.message}” by {c.author or 'unknown'}" for c in d.commits[:6])
        return (f"{d.external_id} deployed {d.service} {d.version} — by {d.deployed_by or 'unknown'} at "
                f"{(d.finished_at or d.started_at):%Y-%m-%d %H:%M} UTC ({d.status})"
                + (f"; it shipped {len(d.commits)} commit(s): {commits}" if d.commits else "; no commits recorded")
                + (f"; file change types {', '.join(d.change_types)}" if d.change_types else "")
                + (f"; rolled back by {d.rolled_back_by}" if d.rolled_back_by else "") + ".")
    if kind == "config_change" and r.config_change:
        c = r.config_change
        values = c.values("a secret value")
        return (f"{c.external_id} changed {c.service} {c.key} ({values}) — by {c.changed_by or 'unknown'} at "
                f"{c.changed_at:%Y-%m-%d %H:%M} UTC" + (f"; reverted by {c.reverted_by}" if c.reverted_by else "") + ".")
    cl = r.commit
    ships = ", ".join(f"{d.external_id} ({d.at:%Y-%m-%d %H:%M} UTC" + (
        f"; rolled back by {d.rolled_back_by} at {d.rolled_back_at:%Y-%m-%d %H:%M} UTC" if d.rolled_back_by
        and d.rolled_back_at else "") + ")" for d in cl.deployments)
    return (f"Commit {cl.commit.sha[:10]} “{cl.commit.message}” on {cl.service} by {cl.commit.author or 'unknown'} "
            + (f"was deployed in {ships}." if cl.deployed else "was never deployed (no deployment shipped it)."))


async def dependencies(s: StepScope, service: str) -> None:
    got = await s.tool("service_links", service_links, service=service)
    if got:
        _result, records = got
        s.say(records[0].summary + ".", records[0])


async def incidents(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    window = plan.window if plan.window and plan.window.explicit else None
    latest = plan.limit == 1
    got = await s.tool("incident_list", incident_list, status=plan.filters.status or None,
                       service=plan.subjects.services[0] if plan.subjects.services else None,
                       severity=plan.filters.severity or None, start=window.start if window else None,
                       end=window.end if window else None, limit=plan.limit or MAX_LINES)
    if got is None:
        return
    r, records = got
    ev = records[0]
    what = " or ".join(r.status) if r.status else ""
    if plan.filters.severity:  # "any open P1s?": say which severity was looked at
        what = " ".join(x for x in (what, "/".join(plan.filters.severity)) if x)
    where = f" on {r.service}" if r.service else ""
    yes = "yesno" in plan.notes
    if not r.items:
        s.say(f"{'No — no' if yes else 'No'} {what + ' ' if what else ''}incidents{where}"
              + (f" between {r.start} and {r.end}" if r.start else "") + ".", ev)
        return
    if not latest:
        s.say(f"{'Yes — ' if yes else ''}{r.total} {what + ' ' if what else ''}incident(s){where}"
              + (f" active between {r.start} and {r.end}" if r.start else "") + ":", ev)
    for i in r.items:
        lead = "The most recent incident is " if latest else ""
        state = (f"resolved {i.resolved_at:%Y-%m-%d %H:%M} UTC" if i.resolved_at else f"still {i.status}")
        s.say(f"{lead}{i.external_id} ({i.severity}) on {i.service or 'an unknown service'}: {i.title} — started "
              f"{i.started_at:%Y-%m-%d %H:%M} UTC, {state}.", ev)
    ctx["incident"] = r.items[0].external_id  # the latest listed: what "the latest one" / "it" refers to next
    s.data = {"incidents": [i.external_id for i in r.items]}


async def status(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    for ext in plan.subjects.incidents[:3]:
        got = await s.tool("incident_status", incident_status, incident=ext)
        if got is None:
            continue
        r, records = got
        ev = first(records, "incident_status")
        i = r.incident
        s.say(f"{i.external_id} ({i.severity}) on {i.service or 'an unknown service'}: {i.title}.", ev)  # what it is
        if "asks:who_handled" in plan.notes:  # "who was on it?": not in the record; who made a fixing change may be
            s.say(f"The record of {i.external_id} does not name who worked on it (no assignee or responder is stored)"
                  + ("; who made the fixing change is below." if r.remediation else "."), ev)
        if r.resolved:
            s.say(f"{i.external_id} is resolved: it started {i.started_at:%Y-%m-%d %H:%M} UTC and was resolved "
                  f"{i.resolved_at:%Y-%m-%d %H:%M} UTC, after {_lasted(int(r.duration_minutes or 0))}.", ev)
        else:
            s.say(f"{i.external_id} is not resolved: it is {i.status} (started {i.started_at:%Y-%m-%d %H:%M} UTC).", ev)
        if r.resolution and r.resolution.strip().rstrip(".").lower() != i.title.strip().rstrip(".").lower():
            s.say(f"{'How it ended' if r.resolved else 'Summary on the incident'}: {r.resolution}", ev)
        for m in r.remediation:
            verb = {"rollback": "Rolled back", "revert": "Reverted", "decision": "Decision"}[m.type]
            s.say(f"{verb}: {m.subject} at {m.at:%Y-%m-%d %H:%M} UTC{' by ' + m.by if m.by else ''} — {m.detail}.", ev)
        if not r.remediation and not r.resolution:
            s.say(f"No rollback, revert or decision is recorded for {i.external_id}.", ev)
        ctx["incident"] = i.external_id


def _kinds(plan: QueryPlan) -> list[str]:
    """The kinds of change asked about (the parser's ``kinds:`` note), both when none was named."""
    return [n.split(":", 1)[1] for n in plan.notes if n.startswith("kinds:")] or ["deployment", "config_change"]


def _people_line(s: StepScope, deployers: list[str | None], changers: list[str | None], ev: Any, *,
                 first: bool = False) -> None:
    """"Who made the most …": people ranked by their changes in the window (deployments, then config changes)."""
    from collections import Counter

    deps, cfgs = Counter(p or "unknown" for p in deployers), Counter(p or "unknown" for p in changers)
    people = sorted(set(deps) | set(cfgs), key=lambda p: (-(deps[p] + cfgs[p]), -deps[p], p))
    if not people:
        return
    top = people[0]
    tied = [p for p in people if deps[p] + cfgs[p] == deps[top] + cfgs[top]]

    def counts(p: str) -> str:
        return ", ".join(x for x in (f"{deps[p]} deployment(s)" if deps[p] else "",
                                     f"{cfgs[p]} config change(s)" if cfgs[p] else "") if x)

    most = "Most deployments" if not cfgs else "Most config changes" if not deps else "Most changes"
    text = (f"{most}: {' and '.join(tied)} ({counts(top)} each)" if len(tied) > 1 else f"{most}: {top} ({counts(top)})"
            ) + ". By person: " + "; ".join(f"{p} {counts(p)}" for p in people[:10]) + "."
    if first:
        s.lines.insert(0, {"text": text, "evidence_ids": [ev.id] if ev is not None else []})
    else:
        s.say(text, ev)


def _is_person(name: str | None, person: str) -> bool:
    """``lena.fischer`` is "lena.fischer", "lena" or "lena.fischer@corp" as people write it."""
    n = (name or "").lower()
    return bool(n) and (n == person or n.split("@")[0] == person or re.split(r"[._@ -]", n)[0] == person)


def _person_answer(s: StepScope, plan: QueryPlan, person: str, items: list[tuple[Any, ...]], period: str, head: Any,
                   people: list[str]) -> None:
    """"Did lena.fischer deploy anything this week?", "how many config changes did alice make?": that person's."""
    mine = sorted((x for x in items if _is_person(x[1], person)), key=lambda x: x[0], reverse=True)
    n_dep = sum(1 for x in mine if x[4] == "d")
    n_cfg = len(mine) - n_dep
    kinds = _kinds(plan)
    counts = ", ".join(x for x in (f"{n_dep} deployment(s)" if "deployment" in kinds else "",
                                   f"{n_cfg} config change(s)" if "config_change" in kinds else "") if x)
    yes = "yesno" in plan.notes
    if not mine:
        known = f"; the changes then were made by {', '.join(people)}" if people else ""
        s.say(f"{'No — ' if yes else ''}{person} made no {counts.replace('0 ', '').replace('(s)', 's')} {period}{known}.",
              head)
        s.data = {"person": person, "changes": []}
        return
    who = sorted({x[1] for x in mine if x[1]})
    s.say(f"{'Yes — ' if yes else ''}{', '.join(who)}: {counts} {period}.", head)
    for _at, _by, line, rec, _k in mine[:MAX_LINES]:
        s.say(line + ".", rec or head)
    s.data = {"person": person, "changes": [x[2].split(" ", 1)[0] for x in mine]}


LATEST_LOOK_BACK_DAYS = 365


async def latest_change(s: StepScope, plan: QueryPlan, kind: str) -> None:
    """"When was the last deploy to search?": the most recent deployment (or config change, or either) of each asked
    service within the last year, with how long ago it was."""
    now = s.deps.now
    for service in plan.subjects.services[:3]:
        got = await s.tool("change_log", change_log, service=service,
                           since=(now - dt.timedelta(days=LATEST_LOOK_BACK_DAYS)).date(), until=now.date())
        if got is None:
            continue
        r, records = got
        by_id = {(rec.ref.get("subject") or {}).get("external_id"): rec for rec in records[1:]}
        found: list[tuple[dt.datetime, str, str]] = []
        if kind in ("deployment", "any"):
            found += [((d.finished_at or d.started_at), d.external_id,
                       f"the last deployment to {r.service} was {d.external_id} ({d.version}, {d.status}"
                       + (", a rollback" if d.is_rollback else "") + f") by {d.deployed_by or 'unknown'}")
                      for d in r.deployments]
        if kind in ("config_change", "any"):
            found += [(c.changed_at, c.external_id, f"the last config change on {r.service} was {c.external_id} "
                       f"({c.key}: " + c.values("a secret value")
                       + f") by {c.changed_by or 'unknown'}") for c in r.config_changes]
        what = {"deployment": "deployment", "config_change": "config change"}.get(kind, "deployment or config change")
        if not found:
            s.say(f"No {what} on {r.service} in the last {LATEST_LOOK_BACK_DAYS} days (since {r.since:%Y-%m-%d}).",
                  records[0])
            continue
        at, ext, text = max(found)
        ago = now - at
        hours, minutes = int(ago.total_seconds() // 3600), int(ago.total_seconds() // 60)
        when = f"{ago.days} day(s)" if ago.days else f"{hours} hour(s)" if hours else f"{minutes} minute(s)"
        s.say(f"{text[:1].upper()}{text[1:]} at {at:%Y-%m-%d %H:%M} UTC, {when} before {now:%Y-%m-%d %H:%M} UTC.",
              by_id.get(ext) or records[0])
        s.data = {"latest": ext}


def _lasted(minutes: int) -> str:
    """"205 minutes (3 h 25 min)": an incident's length in minutes, and in hours when it ran an hour or more."""
    if minutes < 60:
        return f"{minutes} minutes"
    h, m = divmod(minutes, 60)
    days = f"{h // 24} d {h % 24} h" if h >= 24 else f"{h} h"
    return f"{minutes} minutes ({days}{f' {m} min' if m else ''})"
