"""Change correlator: what changed before an onset, ranked hypotheses with confidence."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.deps import RunDeps
from agents.plan import Operation, QueryPlan, plan_of
from agents.specialists import change_questions as cq
from agents.specialists.change_impact import kpis_after, the_change
from agents.specialists.change_verdict import better_cause, revised
from agents.specialists.common import first, step, update
from agents.specialists.incident_record import say_record
from agents.specialists.incident_times import resolve_times
from agents.specialists.metric_largest import largest_lasting
from agents.specialists.metric_recent import recent_span, say_recent_vs_before
from agents.specialists.metric_source import metrics_around, onset_from_prometheus, paged_later, say_incident_onset
from agents.state import GraphState, ThreadContext
from tools.changes import correlate_changes, leading, metric_onset, scoring, spikes
from tools.changes.focus import SLIGHT_MOVE
from tools.changes.roles import ROLES, percentile_asked, percentile_of

NAME = "change_correlator"
TITLE = "Change correlator"
DESCRIPTION = (
    "What changed before a KPI or service metric moved or an incident began: deployments, config changes and commits ranked as hypotheses; change logs, dependencies and incidents."
)
OPERATIONS: tuple[Operation, ...] = ("explain", "changelog", "incident_list", "incident_status", "incident_cause")


def _metric_for(question: str, plan: QueryPlan | None) -> str:
    """The organisation's metric name when the user named one, else its role (the tool maps a role to a name);
    "any" when they named none."""
    pct = percentile_asked(question)
    said = None if pct is None else (
        "tail latency" if pct == "tail" else "median latency" if pct == "50" and re.search(r"median", question, re.I)
        else f"p{pct} latency")  # "p99 on <svc>": that percentile, not whichever latency metric sorts first
    for m in plan.service_metrics if plan else []:
        if said and (m.name or m.role == "latency") and ((plan is not None and "service_metrics" in plan.inherited) or (
                m.name and percentile_of(m.name) not in (None, pct))):
            return said  # "and the median?" after "p99 on <svc>": the percentile asked now, not the thread's
        if m.name:
            return m.name
        if m.role:
            return said if m.role == "latency" and said else m.role
    if said:
        return said
    if re.search(r"latency|slow", question, re.I):
        return "latency"
    if re.search(r"throughput|traffic|requests", question, re.I):
        return "throughput"
    return "any"  # none named: the tool watches errors, else latency, saturation, throughput (whichever it has)


def _look_back(plan: QueryPlan | None, now: dt.datetime, has_time: bool) -> tuple[dt.datetime | None, int]:
    """(end of the period examined, hours back): the plan's window when the user gave one, else the last 3 days."""
    w = plan.window if plan else None
    if w is not None and w.explicit:
        end = min(now, dt.datetime.combine(w.end, dt.time.max, dt.UTC))
        start = dt.datetime.combine(w.start, dt.time.min, dt.UTC)
        return end, int(min(744, max(6, (end - start).total_seconds() // 3600 + 1)))
    return None, 24 * 7 if has_time else 24 * 3


_WIDEST_LOOK_BACK = 24 * 14  # hours: how far back an unqualified "errors jumped" is searched for its onset


async def _by_plan(s: Any, plan: QueryPlan, ctx: ThreadContext) -> bool:
    if plan.operation == "changelog" and not plan.subjects.incidents:  # "is DEP-… the cause of INC-…?" correlates
        await cq.changelog(s, plan, ctx)
        return True
    if plan.operation in ("incident_list", "incident_status"):
        s.title = "Incidents"  # "any incidents?", "what's our MTTR?": not "What changed"
    if plan.operation == "incident_list" and "incident:resolve_time" in plan.notes:
        await resolve_times(s, plan)  # "what's our MTTR this month?": how long incidents took, not a list
        return True
    if plan.operation == "incident_list":
        await cq.incidents(s, plan, ctx)
        return True
    if plan.operation == "incident_status":
        if plan.subjects.incidents:
            await cq.status(s, plan, ctx)
        else:
            await cq.incidents(s, plan.model_copy(update={"limit": plan.limit or 1}), ctx)
        return True
    return False


# Each role's metric, and the tail latency beside the first latency one (a p50 that held while the p99 rose).
_WATCHED = ("errors", "latency", "tail latency", "saturation", "throughput")


async def _another_metric_moved(s: Any, service: str, got: Any, around: dt.datetime | None, hours: int,
                                among: tuple[str, ...] = _WATCHED) -> Any:
    """No metric named (or only "latency") and the service's first one (errors, else latency …) is flat: the first
    of its other metrics ``among`` that moved ("what's going on with the lab interface engine": its queue depth;
    "when did the latency spike start": the p99 when the p50 held), else the flat one."""
    for role in among:
        if got[0].roles and role not in got[0].roles:
            continue  # a role the service has no metric for: not asked (no failed call in the run's steps)
        noticed = len(s.notices)
        other = await s.tool("metric_onset", metric_onset, service=service, metric=role, around=around, hours=hours)
        del s.notices[noticed:]  # a role the service has no metric for is no news
        if other is not None and other[0].metric != got[0].metric and other[0].onset is not None:
            return other
    return got


async def _begun_before(s: Any, service: str, metric: str, got: Any, around: dt.datetime | None, hours: int,
                        shape: Any) -> Any:
    """The period named begins inside a move ("5xx on the 26th" when they rose late on the 25th: its first stage
    ends in it, no onset after): the day before too, and that onset when it is the move the period began in."""
    noticed = len(s.notices)
    earlier = await s.tool("metric_onset", metric_onset, service=service, metric=got[0].metric, around=around,
                           hours=min(hours + 24, 744), **({"shape": shape} if shape else {}))
    del s.notices[noticed:]
    if earlier is None or earlier[0].onset is None or not (
            got[0].start - dt.timedelta(hours=24) <= earlier[0].onset <= got[0].stages[0].end):
        return got
    return earlier


#: A step found in the first day's look is part of an earlier move still going on when that move was this many times
#: larger (p95 180 → 413 ms yesterday afternoon, then 404 → 422 ms in the evening: "it got slow" is the first)
_BIGGER_MOVE = 3.0


async def _inside_a_bigger_move(s: Any, service: str, got: Any, around: dt.datetime | None, hours: int,
                                shape: Any) -> Any:
    """No time named and the first day's look found a small step: when the day began inside a move several times
    larger and still on (its level not given back), that move is the one asked about — the wider look's onset."""
    r = got[0]
    if r.onset is None or r.before_level is None or r.after_level is None:
        return got
    noticed = len(s.notices)
    wider = await s.tool("metric_onset", metric_onset, service=service, metric=r.metric, around=around,
                         hours=min(hours * 2 + 24, _WIDEST_LOOK_BACK), **({"shape": shape} if shape else {}))
    del s.notices[noticed:]
    if wider is None or (w := wider[0]).onset is None or w.onset >= r.start or w.before_level is None or (
            w.after_level is None):
        return got
    big, small = w.after_level - w.before_level, r.after_level - r.before_level
    if big * small > 0 and abs(big) >= _BIGGER_MOVE * abs(small) and (r.before_level - w.before_level) / big >= 0.5:
        return wider
    return got


async def _first_to_move(s: Any, service: str, got: Any, around: dt.datetime | None, hours: int) -> Any:
    """No metric named and the service's first one moved: another of its metrics that moved the same way up to
    two hours earlier is the same event seen sooner (latency before the errors), and its onset is the one to
    correlate (:func:`tools.changes.leading`)."""
    found: dict[str, Any] = {}
    for role in _WATCHED:
        if got[0].roles and role not in got[0].roles:
            continue
        noticed = len(s.notices)
        other = await s.tool("metric_onset", metric_onset, service=service, metric=role, around=around, hours=hours)
        del s.notices[noticed:]  # a role the service has no metric for is no news
        if other is not None and other[0].onset is not None and other[0].metric != got[0].metric:
            found.setdefault(other[0].metric, other)
    pick = leading(got[0], [o[0] for o in found.values()])
    return found.get(pick.metric, got)


SLIGHT = SLIGHT_MOVE  # a metric's shift smaller than this share of its level is no move to explain ("0.1021 → 0.1042")


def _service_of_title(cat: Any, incident: str) -> str | None:
    """An incident recorded without a service: the one service a word of its title names ("Late deliveries - route
    planning delays" → route-optimiser), a word of 4+ letters of the service's name; None when none or several."""
    ref = next((r for r in cat.incident_refs if r.external_id == incident), None)
    if ref is None or ref.service:
        return None
    words = set(re.findall(r"[a-z]{4,}", ref.title.lower()))
    hits = [svc for svc in cat.services
            if any(t in words for t in re.findall(r"[a-z]{4,}", svc.lower()) if t not in _GENERIC_SERVICE_WORDS)]
    return hits[0] if len(hits) == 1 else None


_GENERIC_SERVICE_WORDS = frozenset({"service", "server", "worker", "proxy", "portal", "gateway", "backend", "frontend",
                                    "core", "main", "sync", "data", "events", "web", "app", "api"})


async def run(state: GraphState, deps: RunDeps) -> dict[str, Any]:
    ctx = state.get("context", ThreadContext()).copy()
    question = state.get("question", "")
    plan = plan_of(state)
    task = {k: ctx.get(k) for k in ("incident", "service", "kpi", "station", "onset", "time") if ctx.get(k)}
    if plan is not None:
        task["operation"] = plan.operation
    async with step(deps, NAME, task) as s:
        if plan is not None and await _by_plan(s, plan, ctx):
            return update(state, s, ctx)
        kwargs: dict[str, Any] = {}
        if ctx.get("incident"):
            kwargs = {"incident": ctx["incident"]}
            if svc := _service_of_title(deps.catalog, ctx["incident"]):  # a status page's incident names none
                kwargs["service"] = svc
                s.say(f"{ctx['incident']} names no service; its title's words name {svc}, so that is the service "
                      "examined.")
        elif ctx.get("kpi") and ctx.get("onset"):
            kwargs = {"kpi": ctx["kpi"], "station": ctx.get("station"), "onset": dt.date.fromisoformat(ctx["onset"][:10])}
            if plan is not None and plan.subjects.services:  # "is it related to <service>?": a tie when none is recorded
                kwargs["service"] = plan.subjects.services[0]
            named = [*plan.subjects.config_changes, *plan.subjects.deployments] if plan is not None else []
            if any(deps.catalog.change_services.get(x, ("", None))[1] == kwargs["onset"] for x in named):
                # "did <change> help <KPI>" made that day: a daily value covers the whole day, so the onset is its end
                kwargs["onset"] = dt.datetime.combine(kwargs["onset"], dt.time(23, 59), dt.UTC)
            # otherwise the correlator gives the onset the whole period its point covers (tools.changes.focus)
        elif ctx.get("kpi"):
            s.notices.append("The KPI shows no stage change to explain, so there is no onset to correlate from.")
            return update(state, s, ctx)
        elif plan is not None and "explain:flagged" in plan.notes:
            return update(state, s, ctx)  # "how is <site> doing and why?" with nothing (or several) flagged: said above
        elif ctx.get("service"):
            around, hours = _look_back(plan, deps.now, bool(ctx.get("time")))
            if around is None and ctx.get("time"):
                around = dt.datetime.combine(dt.date.fromisoformat(ctx["time"]["end"]), dt.time.max, dt.UTC)
            metric = _metric_for(question, plan)
            if plan is not None and "change:metric" in plan.notes:
                from agents.specialists.change_metric_effect import say_metric_effect

                if await say_metric_effect(s, plan, ctx["service"], metric, deps.now):  # "did <change> hurt <metric>"
                    return update(state, s, ctx)
            if plan is not None and "metric:health" in plan.notes:
                from agents.specialists.metric_value import say_health

                moved = await say_health(s, ctx["service"])  # "is search ok?": each of its metrics now
                if moved is None:
                    return update(state, s, ctx)
                metric = moved  # the first one outside its usual range: when it moved and why, below
            if plan is not None and "metric:stable" in plan.notes:
                from agents.specialists.metric_stable import say_stable

                if await say_stable(s, ctx["service"], metric):  # "is <svc> stable?": the week's analysis, a verdict
                    return update(state, s, ctx)
            if (recent := recent_span(question)) is not None and await say_recent_vs_before(
                    s, ctx["service"], metric, recent, deps.now):  # "last 30 minutes vs the 30 before": both, compared
                return update(state, s, ctx)
            if plan is not None and any(n == "metric:window" or n.startswith("metric:at:") for n in plan.notes):
                from agents.specialists.metric_value import say_metric_window

                if await say_metric_window(s, ctx["service"], metric, plan, deps.now):  # "p99 over the last 24h"
                    return update(state, s, ctx)
            if plan is not None and "metric:now" in plan.notes:
                from agents.specialists.metric_value import say_metric_now

                if await say_metric_now(s, ctx["service"], metric):  # "p99 latency of X now": normal, so no story
                    return update(state, s, ctx)
            shape = spikes.shape_of(question)  # "what caused the cpu spike?": the spike, not the latest stage
            noticed = len(s.notices)
            asked = bool(plan and plan.window is not None and plan.window.explicit) or bool(ctx.get("time"))
            changed_at = None
            if plan is not None and "change:impact" in plan.notes and (span := await the_change(s, plan, deps.now)):
                around, hours, changed_at = span  # "did <change> break anything": the day before it to a day after
            if not asked:  # no time named: the day before first (measured on real telemetry, a 3-day first look
                hours = min(hours, 24)  # found older, unrelated moves), then wider while nothing moved
            got = await s.tool("metric_onset", metric_onset, service=ctx["service"], metric=metric, around=around,
                               hours=hours, **({"shape": shape} if shape else {}))
            while (not asked and got is not None and got[0].n_points and got[0].onset is None
                   and hours < _WIDEST_LOOK_BACK):  # "errors jumped" with no date: look further back, then say so
                hours = min(hours * 2 + 24, _WIDEST_LOOK_BACK)
                wider = await s.tool("metric_onset", metric_onset, service=ctx["service"], metric=metric,
                                     around=around, hours=hours, **({"shape": shape} if shape else {}))
                if wider is None:
                    break
                got = wider
            if not asked and got is not None and got[0].onset is not None and hours < _WIDEST_LOOK_BACK:
                got = await _inside_a_bigger_move(s, ctx["service"], got, around, hours, shape)
            if not asked and shape is None and changed_at is None and metric != "any":  # "<metric> went up": its
                got, hours = await largest_lasting(s, ctx["service"], got, around, hours)  # biggest step still on
            if asked and got is not None and got[0].onset is None and len(got[0].stages) >= 2:
                got = await _begun_before(s, ctx["service"], metric, got, around, hours, shape)
            if metric in ("any", "latency") and got is not None and got[0].n_points and got[0].onset is None:
                got = await _another_metric_moved(s, ctx["service"], got, around, hours,
                                                  _WATCHED if metric == "any" else ("latency", "tail latency"))
            elif got is not None and got[0].onset is not None and (metric == "any" or (shape is None and changed_at is None)):
                asked_for = got[0]  # a named metric too: saturation climbing before the errors is the event's start
                got = await _first_to_move(s, ctx["service"], got, around, hours)
                if metric != "any" and got[0].metric != asked_for.metric and got[0].onset is not None:
                    s.say(f"{asked_for.service} {asked_for.metric} moved {asked_for.direction or ''} at "
                          f"{asked_for.onset:%Y-%m-%d %H:%M} UTC, but its {got[0].metric} moved first — the same event "
                          "seen sooner — so changes are measured from that.",
                          first(got[1], "metric_onset") or (got[1][0] if got[1] else None))
            if got is None or got[0].n_points == 0:  # not in Postgres: Prometheus, when the metric is mapped there
                prom = await onset_from_prometheus(s, ctx["service"], "errors" if metric == "any" else metric, around,
                                                   hours)
                if prom is not None:
                    del s.notices[noticed:]
                    got = prom
            if got is None and metric not in ("any", *ROLES) and len(s.notices) > noticed:
                return update(state, s, ctx)  # "p99 of <svc>" it does not have: said with what it has, no other story
            kwargs = {"service": ctx["service"]}
            if got:
                onset, records = got
                # an onset found on a metric is an estimate (an hourly point holds its hour): a change up to the
                # tolerance after it may still have moved it, as correlate_changes ranks it
                if (onset.onset is not None and changed_at is not None and plan is not None
                        and onset.onset + dt.timedelta(minutes=scoring.ONSET_TOLERANCE_MIN) < changed_at):
                    s.say(f"{onset.service} {onset.metric} did not move after the change: its last move was at "
                          f"{onset.onset:%Y-%m-%d %H:%M} UTC (from {onset.before_level:.4g} to {onset.after_level:.4g}), "
                          "before it.", first(records, "metric_onset") or (records[0] if records else None))
                    await kpis_after(s, deps.catalog, ctx["service"], plan)
                    return update(state, s, ctx)
                # only where the assistant chose the metric ("what's going on with X"): a metric the user names as
                # having jumped or spiked moved for them, however little its stage means differ around a spike
                slight = (metric == "any" and onset.onset is not None
                          and onset.before_level is not None and onset.after_level is not None
                          and abs(onset.after_level - onset.before_level) < SLIGHT * abs(onset.before_level))
                if onset.onset is not None and not slight:
                    per = f" (a running total: its increase per {onset.per_point})" if onset.per_point else ""
                    s.say(f"{onset.service} {onset.metric}{per} moved {onset.direction or ''} at "
                          f"{onset.onset:%Y-%m-%d %H:%M} UTC (from {onset.before_level:.4g} to {onset.after_level:.4g}).",
                          first(records, "metric_onset") or (records[0] if records else None))
                    kwargs["onset"] = onset.onset
                    kwargs["onset_tolerance"] = dt.timedelta(minutes=scoring.ONSET_TOLERANCE_MIN)  # an estimate
                    ctx["onset"] = onset.onset.isoformat()
                else:
                    s.say(f"{onset.service} {onset.metric} shows no onset in the period examined." if not slight else
                          f"{onset.service} {onset.metric} shows no real move: its latest shift, at {onset.onset:%Y-%m-%d %H:%M} "
                          f"UTC, is from {onset.before_level:.4g} to {onset.after_level:.4g} (under {SLIGHT:.0%} of its "
                          "level, within what a busy series drifts by).", *records[:1])
                    if (not slight and onset.stages and plan is not None and plan.window is not None
                            and plan.window.explicit and plan.service_metrics):  # "solve time on <svc> tuesday"
                        st = onset.stages[-1]
                        since = max(st.start, onset.start, dt.datetime.combine(plan.window.start, dt.time.min, dt.UTC))
                        s.say(f"Over {since:%Y-%m-%d %H:%M}–{onset.end:%Y-%m-%d %H:%M} UTC it held "
                              f"steady around {st.cl:.4g} (its limits {st.lcl:.4g}–{st.ucl:.4g}).", *records[:1])
                    if plan is not None and (plan.subjects.deployments or plan.subjects.config_changes):
                        await kpis_after(s, deps.catalog, ctx["service"], plan)  # "did <change> break anything"
                    if metric == "any" and plan is not None:  # "what's going on with X": its open incidents too
                        still = plan.model_copy(deep=True)
                        still.filters.status, still.window, still.notes, still.limit = ["open", "mitigated"], None, [], None
                        still.subjects.services = [ctx["service"]]
                        await cq.incidents(s, still, ctx)
                    return update(state, s, ctx)
        else:
            s.notices.append("Name a service, an incident or a KPI so I know which change to look for.")
            return update(state, s, ctx)

        got = await s.tool("correlate_changes", correlate_changes, **kwargs)
        if got is None:
            if kwargs.get("incident"):  # "names no service": what its own record says, still
                await say_record(s, kwargs["incident"], explained=False)
            return update(state, s, ctx)
        if (kwargs.get("incident") and not kwargs.get("onset") and not got[0].plausible and got[0].services
                and (later := await paged_later(s, kwargs["incident"], got[0]))):
            s.say(later[2], later[1])
            got = later[0]
        corr, records = got
        await say_incident_onset(s, corr, deps.tools.now, cite=first(records, "hypotheses"))  # it moved before it began
        metrics = await metrics_around(s, corr.services[0], corr.onset, deps.tools.now) if corr.services else []
        ranking = first(records, "hypotheses")
        if corr.unlinked:  # no service recorded behind the KPI: what was weighed instead, and how to record them
            s.say(corr.unlinked, ranking)
        if not corr.plausible or not corr.hypotheses:
            s.say(f"{corr.conclusion}", ranking)
            for i, h in enumerate(corr.hypotheses[:2]):  # what the nearest ones are and why they fall short
                s.say(f"{'The closest change considered' if i == 0 else 'Next closest'}: {h.rationale} — not a likely "
                      f"cause on this evidence (confidence {h.confidence:.2f}).", records[h.evidence_refs[0]])
        else:
            top = corr.hypotheses[0]
            s.say(f"Most likely cause for {corr.label}: {top.subject} on {top.service} "
                  f"(confidence {top.confidence:.2f}) — {top.rationale}", records[top.evidence_refs[0]], ranking)
            if corr.why_first:  # timing, scope, size: what puts it above the runner-up
                s.say(corr.why_first, ranking)
            for h in corr.hypotheses[1:3]:
                if h.plausible:
                    s.say(f"Also possible: {h.subject} on {h.service} (confidence {h.confidence:.2f}) — {h.rationale}",
                          records[h.evidence_refs[0]])
            ctx["top_hypothesis"] = top.subject
        if corr.incident:  # what the incident's own record says, beside the change analysis
            await say_record(s, corr.incident, explained=corr.plausible and bool(corr.hypotheses))
        named = [*plan.subjects.config_changes, *plan.subjects.deployments] if plan and plan.operation == "explain" else []
        for ext in named:  # "did the routing.max_drops change cause it?": where that change stands
            h = next((x for x in corr.hypotheses if x.subject == ext), None)
            if (better := better_cause(corr.hypotheses[0] if corr.plausible else None, h, ext)) is not None:
                state = {**state, "findings": revised(state.get("findings", []), ext, better) or state.get("findings", [])}
            day = deps.catalog.change_services.get(ext, ("", None))[1]
            if h is None and day is not None and day > corr.onset.date():  # after the onset the chart dates the shift to
                s.say(f"{ext} ({day}) came after the onset the control chart dates to {corr.onset:%Y-%m-%d}, so it is "
                      "not among the changes ranked before it; a daily series dates a shift only to within a few days, "
                      "so this does not rule it out.", ranking)
                continue
            svc = deps.catalog.change_services.get(ext, ("", None))[0]
            if h is None and svc and day is not None and svc not in {x.service for x in corr.searched}:
                s.say(f"{ext} ({day}, on {svc}) was not weighed: {svc} is not recorded as a service behind "
                      f"{corr.label}, so this ranking neither blames nor clears it — it came "
                      f"{(corr.onset.date() - day).days} day(s) before the onset.", ranking)
                continue
            s.say(f"{ext} ranks #{h.rank} of the changes before the onset (confidence {h.confidence:.2f})"
                  + (f": {better}." if better else ".") if h else
                  f"{ext} is not among the {corr.candidates_considered} change(s) considered between "
                  f"{corr.window_start:%Y-%m-%d %H:%M} and the onset {corr.onset:%Y-%m-%d %H:%M} UTC on "
                  f"{', '.join(x.service for x in corr.searched) or 'the services behind it'}, so it is not "
                  "a likely cause.", ranking)
        if plan is not None and not kwargs.get("incident") and ctx.get("service") and _metric_for(question, plan) == "any" and any(
                r.service == ctx["service"] and r.status in ("open", "mitigated") for r in deps.catalog.incident_refs):
            still = plan.model_copy(deep=True)  # "what's wrong with X": what moved and why, and what is still open on it
            still.filters.status, still.window, still.notes, still.limit = ["open", "mitigated"], None, [], None
            still.subjects.services = [ctx["service"]]
            await cq.incidents(s, still, ctx)
        s.data = {"hypotheses": [h.model_dump(mode="json") for h in corr.hypotheses[:5]], "plausible": corr.plausible}
        if metrics:
            s.data["metrics"] = metrics
        return update(state, s, ctx)
