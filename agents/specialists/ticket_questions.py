"""The ticket triager's answers to ticket_stats questions (counts, SLA met rates, breached/at-risk lists)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext
from tools.retrieval import search
from tools.tickets import sla_overview
from tools.tickets.listing import list_tickets
from tools.tickets.search import search_tickets
from tools.tickets.stats import sla_list, sla_rate, ticket_counts

MAX_LINES = 25


def _window(plan: QueryPlan) -> dict[str, Any]:
    w = plan.window
    return {"start": w.start, "end": w.end} if w is not None and w.explicit else {}


def _narrowed(plan: QueryPlan) -> bool:
    f = plan.filters
    return bool(f.customer_tier or f.product or f.priority or f.sla_clock or _window(plan) or plan.limit)


async def stats(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    f = plan.filters
    if plan.subjects.scopes:  # "open tickets for <station>": tickets record no place, so never pretend to filter
        where = ", ".join(x.name or x.code or x.level for x in plan.subjects.scopes)
        s.say(f"Tickets are not recorded by station or region, so these are the organisation's tickets (not only {where}).")
        await _naming(s, plan)
    if plan.rate:
        clock = "resolution" if plan.rate == "sla_resolution" else "response"
        got = await s.tool("sla_rate", sla_rate, clock=clock, product=f.product or None,
                           customer_tier=f.customer_tier or None, priority=f.priority or None, **_window(plan))
        if got:
            r, records = got
            pct = "not measurable yet (no ticket's clock has finished)" if r.rate is None else f"{100 * r.rate:.1f}%"
            if r.rate is None and r.not_recorded:
                pct = "not recorded (the tickets' export has no first-response time)"
            scope = r.filters.label()
            unrec = f"; {r.not_recorded} with no first response recorded" if r.not_recorded else ""
            s.say(f"{clock.capitalize()} SLA met rate for {scope}: {pct} — {r.met} met, {r.breached} breached "
                  f"({r.pending} still running, not counted{unrec}; {r.tickets} tickets).", records[0])
            tiers = {t: v for t, v in r.by_tier.items() if v is not None}
            if len(tiers) > 1:
                s.say("By tier: " + ", ".join(f"{t} {100 * v:.1f}%" for t, v in tiers.items()) + ".", records[0])
        return
    if waited_on := next((n.removeprefix("ticket_time:") for n in plan.notes if n.startswith("ticket_time:")), None):
        from agents.specialists.ticket_times import waited

        await waited(s, plan, waited_on)  # "average first response time this week (by priority)"
        return
    if f.sla in ("breached", "at_risk"):
        await _sla(s, plan)
        return
    if (not plan.count and (f.priority or f.customer_tier) and not f.sla) or _customer(plan):
        await list_tickets_in(s, plan)  # "show me P1 tickets", "tickets from Brightwell Retail": the tickets themselves
        return
    by = "status"
    if f.status:
        by = "priority" if f.product else "product"
    by = next((n.removeprefix("ticket_by:") for n in plan.notes if n.startswith("ticket_by:")), by)  # "by product"
    w = plan.window if plan.window is not None and plan.window.explicit else None
    snapshot = w is not None and bool(set(f.status) & {"open", "pending"})  # "open on nov 3": the backlog then
    finished = w is not None and bool(f.status) and set(f.status) <= {"resolved", "closed"}  # "resolved last week"
    at = dt.datetime.combine(w.end, dt.time.max, dt.UTC) if snapshot and w is not None else None
    got = await s.tool("ticket_counts", ticket_counts, by=by, status=f.status or None, product=f.product or None,
                       customer_tier=f.customer_tier or None, priority=f.priority or None,
                       **({"at": at} if snapshot else _window(plan)), **({"finished_in_window": True} if finished else {}))
    if got:
        r, records = got
        moment = r.at or s.deps.now
        if finished and w is not None:
            which = r.filters.model_copy(update={"start": None, "end": None}).label()
            s.say(f"{_tickets(r.total)}{'' if which == 'all tickets' else f' ({which})'} {_were(r.total)} resolved or closed "
                  f"{w.label} ({w.start} to {min(w.end, moment.date())}; counted by when the work was finished, "
                  f"whatever their status since).", records[0])
        elif snapshot and w is not None:
            s.say(f"{_tickets(r.total)} ({r.filters.label()}) {_were(r.total)} open at {_end_of(w, moment)} ({moment:%Y-%m-%d %H:%M} "
                  f"UTC) — {AS_OF_MEANS}.", records[0])
        else:
            s.say(f"There {'is' if r.total == 1 else 'are'} {_tickets(r.total)} ({r.filters.label()}) as of {moment:%Y-%m-%d %H:%M} UTC "
                  f"({AS_OF_MEANS}).", records[0])
        share = next((n.removeprefix("share:").split(",") for n in plan.notes if n.startswith("share:")), None)
        if share and r.total:  # "what % of tickets this month were critical": that value's share, first
            n = sum(v for k, v in r.counts.items() if str(k).lower() in {x.lower() for x in share})
            s.lines.insert(len(s.lines) - 1, {"text": f"{100 * n / r.total:.1f}% of the tickets were {' or '.join(share)}: "
                                                      f"{n} of {r.total}.", "evidence_ids": [records[0].id]})
        if r.counts:
            s.say(f"By {by.replace('_', ' ')}: " + ", ".join(
                f"{k} {v}" + (f" ({100 * v / r.total:.0f}%)" if share and r.total else "") for k, v in r.counts.items())
                + ".", records[0])
        s.data = {"total": r.total, "counts": r.counts}


AS_OF_MEANS = ("each ticket's status at that moment, read from its status history and its created/resolved times, "
               "not its status today")


def _end_of(w: Any, moment: dt.datetime) -> str:
    if moment.date() < w.end:
        return "the end of the data so far" if moment.date() < w.start else f"{w.label}, so far"
    return f"the end of {w.end}" if w.single_day or w.start == w.end else f"the end of {w.label} ({w.end})"


def _customer(plan: QueryPlan) -> str | None:
    return next((n.removeprefix("customer:") for n in plan.notes if n.startswith("customer:")), None)


async def list_tickets_in(s: StepScope, plan: QueryPlan) -> None:
    """The tickets matching tier / priority / status / product / window, newest first, with how many in all."""
    f = plan.filters
    w = plan.window if plan.window is not None and plan.window.explicit else None
    got = await s.tool("list_tickets", list_tickets, status=f.status or None, customer_tier=f.customer_tier or None,
                       priority=f.priority or None, product=f.product or None, since=w.start if w else None,
                       until=w.end if w else None, k=min(plan.limit or 25, MAX_LINES),
                       **({"customer": c} if (c := _customer(plan)) else {}))
    if got is None:
        return
    r, records = got
    ev = records[0]
    when = f"as of {s.deps.now:%Y-%m-%d %H:%M} UTC (each ticket's status at that moment)"
    if not r.items:
        s.say(f"{'No — there are' if 'yesno' in plan.notes else 'There are'} no tickets ({r.label()}) {when}.", ev)
        return
    more = f"; the {len(r.items)} newest" if r.total > len(r.items) else ""
    s.say(f"There {'is' if r.total == 1 else 'are'} {r.total} ticket{'' if r.total == 1 else 's'} ({r.label()}) "
          f"{when}{more}:", ev)
    for i in r.items:
        s.say(f"{i.external_id} “{' '.join(i.subject.split())[:120]}” — {i.status}, {i.priority} priority, "
              f"{i.customer_tier} tier, {i.product or 'no product label'}, opened {i.created_at:%Y-%m-%d} "
              f"({_age(i.age_days)}).", ev)
    s.data = {"tickets": [i.external_id for i in r.items], "total": r.total}


async def _sla(s: StepScope, plan: QueryPlan) -> None:
    f = plan.filters
    state = f.sla or "breached"
    if not _narrowed(plan):  # the whole open queue: the overview, and every ticket in the asked state
        got = await s.tool("sla_overview", sla_overview)
        if not got:
            return
        ov, records = got
        ev = records[0]
        s.say(f"{len(ov.items)} open ticket(s) are at risk or breached out of {ov.open_tickets} open as of "
              f"{ov.as_of:%Y-%m-%d %H:%M} UTC (open = {AS_OF_MEANS}).", ev)
        if unrec := ov.counts.get("response", {}).get("not_recorded"):
            s.say(f"First responses are not recorded for {unrec} of them (their export has no first-response time), "
                  "so their response SLA is not counted as met or breached; their resolution SLA is.", ev)
        items = [i for i in ov.items if i.state == state] if state == "breached" else ov.items
        for i in items[:MAX_LINES]:
            s.say(f"{i.external_id} ({i.priority}, {i.customer_tier}): {i.clock} {i.state.replace('_', ' ')}, "
                  f"deadline {i.deadline:%Y-%m-%d %H:%M} UTC.", ev)
        if len(items) > MAX_LINES:
            s.say(f"… and {len(items) - MAX_LINES} more in the evidence (ask for the next page).", ev)
        return
    if state == "breached" and plan.count and _window(plan) and not f.status:
        await _breached_in_window(s, plan)  # "how many P1s breached SLA this month": every ticket, not only open ones
    limit = min(plan.limit or 50, 200)
    w = plan.window if plan.window is not None and plan.window.explicit else None
    past = state == "breached" and w is not None and w.end < s.deps.now.date()  # "breached last week": done or not
    got = await s.tool("sla_list", sla_list, state=state, clock=f.sla_clock, product=f.product or None,
                       customer_tier=f.customer_tier or None, priority=f.priority or None, limit=limit,
                       include_finished=past, **_window(plan))
    if not got:
        return
    r, records = got
    ev = records[0]
    what = state.replace("_", " ")
    clocks = f.sla_clock or "response or resolution"
    if r.include_finished and w is not None:
        still = sum(1 for i in r.items if i.completed_at is None)
        s.say(f"{r.total} ticket(s) ({r.filters.label().replace('deadline ', 'deadline in ')}) breached their {clocks} "
              f"SLA: the deadline passed during {w.label} without the work done by then; {still} of those listed "
              f"still open as of {s.deps.now:%Y-%m-%d %H:%M} UTC ({AS_OF_MEANS}).", ev)
    else:
        s.say(f"{r.total} open ticket(s) {'have' if state == 'breached' else 'are'} "
              f"{'a breached' if state == 'breached' else 'at risk on their'} {clocks} SLA ({r.filters.label()}) as of "
              f"{s.deps.now:%Y-%m-%d %H:%M} UTC (open = {AS_OF_MEANS}).", ev)
    for i in r.items[:MAX_LINES]:
        if state != "breached":
            late = f"{i.remaining_minutes or 0:.0f} min left"
        elif i.completed_at is not None:
            late = f"done {i.overdue_minutes:.0f} min late, at {i.completed_at:%Y-%m-%d %H:%M}; now {i.status}"
        else:
            late = f"{i.overdue_minutes:.0f} min over" + (f", still {i.status}" if r.include_finished else "")
        s.say(f"{i.external_id} ({i.priority}, {i.customer_tier}, {i.product or 'unlabelled'}): {i.clock} {what}, "
              f"deadline {i.deadline:%Y-%m-%d %H:%M} UTC ({late}).", ev)
    if r.total > len(r.items[:MAX_LINES]):
        s.say(f"… {r.total - len(r.items[:MAX_LINES])} more in the evidence (ask for the next page).", ev)


async def _breached_in_window(s: StepScope, plan: QueryPlan) -> None:
    """Tickets created in the asked window (any status) whose response or resolution SLA was breached."""
    f = plan.filters
    for clock in ([f.sla_clock] if f.sla_clock else ["response", "resolution"]):
        got = await s.tool("sla_rate", sla_rate, clock=clock, product=f.product or None,
                           customer_tier=f.customer_tier or None, priority=f.priority or None, **_window(plan))
        if got:
            r, records = got
            s.say(f"{r.breached} of {_tickets(r.tickets)} ({r.filters.label()}) breached their {clock} SLA "
                  f"({r.met} met, {r.pending} still running).", records[0])


async def runbooks(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    """The runbooks (and past-incident summaries) nearest to what the user asked about, best first."""
    topic = plan.ticket_text.subject if plan.ticket_text else ""
    query = topic or (plan.ticket_text.content if plan.ticket_text else "")  # the topic, without "find the runbook"
    like = next((n.split(":", 1)[1] for n in plan.notes if n.startswith("like:")), None)  # "incidents like <id>"
    got = await s.tool("search", search, query=query, k=4 if like else 3, kinds=("runbook", "incident_summary"))
    if got is None:
        return
    r, records = got
    hits = [h for h in r.hits if (h.text_rank is not None or (h.distance is not None and h.distance < 0.9))
            and not (like and h.external_id == like)][:3]  # never the incident itself
    if not hits:
        s.say(f"No runbook or past-incident summary matches “{topic}”"
              f"{f' (the title of {like})' if like else ''}.", *records[:1])
        return
    if like:
        s.say(f"Nearest to {like} (“{topic}”), by meaning:", records[0])
    for h, rec in zip(hits, records if len(records) == len(r.hits) else [records[0]] * len(hits), strict=False):
        label = "Runbook" if h.kind == "runbook" else "Past incident summary"
        where = f" (service {h.service})" if h.service else ""
        snippet = " ".join(h.snippet.replace("**", "").split())[:200]
        s.say(f"{label} {h.external_id or h.id} “{h.title}”{where}: {snippet}", rec)
    s.data = {"runbooks": [h.external_id for h in hits]}


def _age(days: int) -> str:
    return "under a day old" if days == 0 else "1 day old" if days == 1 else f"{days} days old"


async def find_tickets(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    """The organisation's tickets about a topic, or like a given ticket: id, subject, status, product, age."""
    like = plan.subjects.tickets[0] if plan.subjects.tickets else None
    topic = plan.ticket_text.subject if plan.ticket_text else None
    status = plan.filters.status or None
    w = plan.window if plan.window is not None and plan.window.explicit else None
    got = await s.tool("search_tickets", search_tickets, query=None if like else topic, like=like,
                       k=min(plan.limit or 10, 25), status=status, since=w.start if w else None,
                       until=w.end if w else None, customer_tier=plan.filters.customer_tier or None,
                       priority=plan.filters.priority or None)
    if got is None:
        return
    r, records = got
    head, per = records[0], records[1:]
    which = "".join(f"{' or '.join(v)} " for v in (r.status, r.priority, r.customer_tier) if v)
    which += "tier " if r.customer_tier else ""
    asof = f"{s.deps.now:%Y-%m-%d %H:%M} UTC"
    if w is not None:
        asof = f"{w.label} ({w.start} to {min(w.end, s.deps.now.date())})"
    if r.like:
        if not r.hits:
            s.say(f"No other {which}ticket is like {r.like} (tickets created by {asof}).", head)
            return
        s.say(f"The {len(r.hits)} {which}tickets most like {r.like} (“{r.query[:120]}”), closest first:", head)
    elif not r.hits:
        s.say(f"{'No — no' if 'yesno' in plan.notes else 'No'} {which}ticket mentions “{topic}” (searched every ticket "
              f"created {'by ' if w is None else ''}{asof}, by its words and by meaning).", head)
        return
    else:
        how = {"all": "", "some": f" (none has all of “{' '.join(r.words)}”; these have two of those words at least)",
               "any": f" (none has all of “{' '.join(r.words)}”, nor two of them; these have one)"}.get(r.match, "")
        more = f"; the {len(r.hits)} best matches" if r.total > len(r.hits) else ""
        when = f" created {asof}" if w is not None else ""
        s.say(f"{'Yes — ' if 'yesno' in plan.notes else ''}{r.total} {which}ticket(s) about “{topic}”{when}{how}{more}:", head)
    for h, rec in zip(r.hits, per, strict=False):
        s.say(f"{h.external_id} “{' '.join(h.subject.split())[:120]}” — {h.status}, {h.product or 'no product label'}, "
              f"{h.priority} priority, opened {h.created_at:%Y-%m-%d} ({_age(h.age_days)}).", rec)
    s.data = {"tickets": [h.external_id for h in r.hits], "total": r.total}


async def _naming(s: StepScope, plan: QueryPlan) -> None:
    """The tickets whose words name the place asked about ("tickets from greenhow": a customer writing "no signal
    since the storm (Greenhow)"), by full-text match only — a ticket merely similar in meaning is not "from" there."""
    stations = [x for x in plan.subjects.scopes if x.level == "station" and (x.name or x.code)]
    if not stations:
        return
    named: dict[str, tuple[Any, Any]] = {}
    heads = []
    for where in dict.fromkeys(w for x in stations for w in _naming_words(x.code, x.name)):
        got = await s.tool("search_tickets", search_tickets, query=where, k=10, status=plan.filters.status or None)
        if got is None or got[0].match != "all":  # only tickets that have that word ("wind" is not Tregarth's)
            continue
        r, records = got
        heads.append(records[0])
        for h, rec in zip(r.hits, records[1:], strict=False):
            if h.text_rank is not None:
                named.setdefault(h.external_id, (h, rec))
    if named:
        s.say(f"Tickets whose text names {', '.join(x.name or x.code or '' for x in stations)}: "
              + "; ".join(f"{h.external_id} “{' '.join(h.subject.split())[:80]}” ({h.status})" for h, _ in named.values())
              + ".", *heads, *(rec for _, rec in named.values()))


def _naming_words(code: str | None, name: str | None) -> list[str]:
    """What a ticket writes to name a site: its code, a numbered part of its name ("Tower 114" of "Tower 114 -
    Greenhow Hill"), or the longest word of its name ("Tregarth" of "Tregarth Ridge Wind Farm" — the kind words
    "Wind Farm" other sites share are no name)."""
    words = sorted((w for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", name or "")), key=len, reverse=True)
    numbered = re.findall(r"[A-Za-z]+\s+\d+", name or "")
    return [w for w in (code, *numbered, words[0] if words else None) if w]


def _tickets(n: int) -> str:
    return f"{n} ticket" if n == 1 else f"{n} tickets"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"
