"""KPI analyst: series, stage limits, signals, YoY for a KPI at a station, region or the company."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.deps import RunDeps
from agents.plan import Operation, QueryPlan, plan_of
from agents.specialists import kpi_questions as q
from agents.specialists.common import StepScope, first, step, update
from agents.specialists.kpi_anchors import asked_point, new_level, recent_burst
from agents.specialists.kpi_effect import change_effect, change_what, effect_verdict
from agents.specialists.kpi_excursion import centre, centre_words, excursion_line, later_excursion, state_words
from agents.specialists.kpi_extremes import extreme_day, limits_of
from agents.specialists.kpi_moves import asked_move, first_day, level_line, others_line, quarter_drift
from agents.specialists.kpi_moves import drift as _drift
from agents.specialists.kpi_rank_noise import explained_after_rank
from agents.specialists.kpi_sites_periods import sites_by_period, two_periods_many_sites
from agents.specialists.kpi_trend_drift import with_drift
from agents.state import GraphState, ThreadContext
from tools.kpis import active_signals, kpi_series
from tools.kpis.shaping import fmt_amount, fmt_rate

NAME = "kpi_analyst"
TITLE = "KPI analyst"
DESCRIPTION = (
    "KPI values, series, control limits and stages, signals, comparisons, rankings and what needs attention for stations, regions or the company."
)
OPERATIONS: tuple[Operation, ...] = ("lookup", "explain", "compare", "rank", "attention")


def _fmt(x: float | None, decimals: int, unit: str) -> str:
    return fmt_amount(x, decimals, unit, grouped=False)


def _window(context: ThreadContext, today: dt.date, *, after: int = 7) -> tuple[dt.date | None, dt.date | None]:
    """Show the 30 days around the asked period (or the asked period when longer).

    ``after`` days past the asked end are shown too (an explanation looks a little beyond); a lookup passes 0 so
    the series' latest point is the asked period's last day, never a later date the user did not ask about.
    """
    time = context.get("time")
    if not time:
        return None, None
    start, end = dt.date.fromisoformat(time["start"]), dt.date.fromisoformat(time["end"])
    if (end - start).days >= 29:
        return start, end
    shown_end = end if after == 0 else min(end + dt.timedelta(days=after), today - dt.timedelta(days=1))
    return shown_end - dt.timedelta(days=29), shown_end


def _when_span(start: dt.date, end: dt.date) -> str:
    return str(start) if start == end else f"{start} to {end}"


def _severity(sig: Any) -> tuple[int, float]:
    """How bad a flagged point is: critical before warning, then how far beyond its limit (in limit widths)."""
    width = (sig.ucl - sig.cl) if sig.side in ("above", "upper") else (sig.cl - sig.lcl)
    beyond = (sig.value - sig.ucl) if sig.side in ("above", "upper") else (sig.lcl - sig.value)
    return (1 if sig.state == "critical" else 0, beyond / width if width and width > 0 else 0.0)


def _why_state(rule: str | None) -> str:
    """A warning that is only the goal (no control-chart signal) says so, as the site's status does."""
    return " — the current level is short of the goal, no control-chart signal" if rule and rule.startswith(
        "stage centre") and "XmR:" not in rule else ""


def _miss(m: Any) -> str:
    """One KPI short of its goal: its current centre against the goal, and by how much."""
    f = lambda x: _fmt(x, m.decimals, m.unit)  # noqa: E731
    gap = f"{abs(m.cl - m.goal):.{m.decimals}f} points" if m.unit == "%" else f(abs(m.cl - m.goal))
    return f"{m.kpi_name} (centre {f(m.cl)} against a goal of {f(m.goal)}, {gap} {'below' if m.higher_is_better else 'above'})"


async def _scope_signals(s: StepScope, ctx: ThreadContext, level: str, *, worst: bool = False,
                         on: dt.date | None = None) -> None:
    """The KPIs of one scope's own series (a station, or a region's aggregate) in warning or critical; with
    ``worst`` ("why?" at a site where several are flagged), the worst of them becomes the one explained; ``on`` (a
    past day asked): their states on that day."""
    got = await s.tool("active_signals", active_signals, station=ctx.get("station"), region=ctx.get("region"),
                       summary_level=level, **({"on": on} if on else {}))
    if got:
        result, records = got
        point, level_then = "on its latest point", "the current level"
        if on is not None:
            point = f"on {on}" if result.as_of == on else f"on {result.as_of}, the latest day with data up to {on}"
            level_then = "the level then"
        # a region's own series are its stations taken together: said so, so that a station flagged below reads
        # as a station's problem, not as a contradiction
        label = f"{result.scope.label} as a whole (its stations combined)" if level == "region" else result.scope.label
        misses = result.goal_misses
        if not result.signals and not misses:
            s.say(f"No KPI at {label} is in a warning or critical state {point}.", *records[:1])
        elif not result.signals:  # the same state a lookup of each KPI gives (a stage short of its goal warns)
            s.say(f"No KPI at {label} has a control-chart signal {point}, but {len(misses)} "
                  f"{'is' if len(misses) == 1 else 'are'} in warning because {level_then} is short of the goal: "
                  + "; ".join(_miss(m) for m in misses) + ".", *records[-1:])
        for sig, rec in zip(result.signals, records, strict=False):
            s.say(f"{sig.kpi_name} at {label} is {sig.state} on {sig.date} ({sig.rule}, "
                  f"value {sig.value:.4g}, limits {sig.lcl:.4g}–{sig.ucl:.4g}).", rec)
        if result.signals and misses:
            s.say(f"Also in warning because {level_then} is short of the goal: "
                  + "; ".join(_miss(m) for m in misses) + ".", records[-1])
        if len(result.signals) == 1:
            ctx["kpi"] = result.signals[0].kpi
        elif not result.signals and len(misses) == 1:
            ctx["kpi"] = misses[0].kpi
        elif worst and len(result.signals) > 1:
            top = max(result.signals, key=_severity)
            others = [x.kpi_name for x in result.signals if x is not top]
            s.say(f"The worst of the {len(result.signals)} flagged is {top.kpi_name} ({top.state}, {top.rule}); "
                  f"explaining it (also flagged: {', '.join(others)}).", records[0])
            ctx["kpi"] = top.kpi


def _day_asked(plan: QueryPlan, today: dt.date) -> dt.date | None:
    """The past day a question about a site's state names ("what happened at <site> on 12 November"), else None."""
    w = plan.window
    return w.end if w is not None and w.explicit and w.single_day and w.end < today else None


async def _by_plan(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> bool:
    """compare / rank / attention from the plan; False when the plan is a lookup or an explanation."""
    if plan.operation == "attention" and plan.kpis:
        from agents.specialists.kpi_goals import goal_asked, goal_count

        if how := goal_asked(plan):  # "how many stations are below goal on X right now": counted, and which
            await goal_count(s, plan, ctx, how)
            return True
    if plan.operation == "attention" and any(n.startswith("attention:moving_") for n in plan.notes):
        from agents.specialists.kpi_worsening import moving_the_wrong_way

        await moving_the_wrong_way(s, plan, ctx)  # "is anything getting worse?": every series checked
        return True
    if plan.operation == "attention" and "attention:goal" in plan.notes:  # "which KPIs miss their goal?": every one
        many = [x.code for x in plan.subjects.scopes if x.level == "station" and x.code]
        await q.needs_attention(s, plan, ctx, stations=many if len(many) > 1 else None)
        return True
    if plan.operation == "attention":
        levels = {x.level for x in plan.subjects.scopes}
        stations = [x.code for x in plan.subjects.scopes if x.level == "station" and x.code]
        if len(stations) > 1:  # several stations ("the reservoirs"): every KPI at each of them
            await q.needs_attention(s, plan, ctx, stations=stations)
            return True
        if "station" in levels and ctx.get("station"):  # one station: its own series (on the day asked, if one was)
            await _scope_signals(s, ctx, "station", on=_day_asked(plan, s.deps.tools.today))
            return True
        if plan.group_by == "region" and not levels & {"station", "region"}:  # "which region needs attention?"
            from agents.specialists.kpi_region_attention import regions_attention

            await regions_attention(s, plan, ctx)
            return True
        if "region" in levels and ctx.get("region"):  # a region: its aggregate series, then every station in it
            await _scope_signals(s, ctx, "region")
        await q.needs_attention(s, plan, ctx)
        return True
    if plan.operation == "compare" and not plan.kpis and "period:one" in plan.notes:
        from agents.specialists.kpi_site_period import site_period

        scope = plan.subjects.scopes[0] if plan.subjects.scopes else None
        w = plan.window
        if scope is not None and w is not None:
            s.say(f"{scope.code} ({scope.name or scope.code}), {w.label} ({_when_span(w.start, w.end)}):")
        await site_period(s, plan, ctx)  # "how did <site> do yesterday": every KPI there, that period
        return True
    if plan.operation == "compare" and not plan.kpis and "vs:rest" in plan.notes:
        from agents.specialists.kpi_site_period import site_vs_rest

        await site_vs_rest(s, plan, ctx)  # "how are we doing at <site> vs everyone else?": every KPI, its place
        return True
    w = plan.window
    if two_periods_many_sites(plan):  # "X at A vs B, october vs november": each site's two periods side by side
        await sites_by_period(s, plan, ctx)
        return True
    if (plan.operation in ("lookup", "compare") and plan.kpis and w is not None and " vs " in f" {w.label} "
            and (w.grain in ("week", "month") or (w.grain == "day" and not w.single_day))
            and len(plan.subjects.scopes) <= 1 and not plan.chart):
        from agents.specialists.kpi_periods import compare_periods

        await compare_periods(s, plan, ctx)  # "check-ins at <site> october vs november": the two, the difference
        return True
    if plan.operation == "compare" and not plan.kpis and "all_kpis" in plan.notes:
        from agents.specialists.kpi_periods import compare_periods

        await compare_periods(s, plan, ctx)  # "dallas this week vs the week before": every KPI there
        return True
    if plan.operation == "rank" and plan.kpis and (how := next(
            (n.removeprefix("rank:change_") for n in plan.notes if n.startswith("rank:change_")), None)):
        from agents.specialists.kpi_periods import rank_changes

        await rank_changes(s, plan, ctx, how)  # "which station improved most on X this month?": by the change
        return True
    if plan.operation in ("compare", "rank"):
        if not plan.kpis:
            s.notices.append(f"Which KPI should I {'compare' if plan.operation == 'compare' else 'rank'} by?")
        elif plan.operation == "compare":
            await q.compare(s, plan, ctx)
        else:
            await q.rank(s, plan, ctx)
        return True
    return False


async def run(state: GraphState, deps: RunDeps) -> dict[str, Any]:
    ctx = state.get("context", ThreadContext()).copy()
    plan = plan_of(state)
    level = "station" if ctx.get("station") else "region" if ctx.get("region") else "company"
    code = ctx.get("station") or ctx.get("region")
    task = {"kpi": ctx.get("kpi"), "summary_level": level, "code": code, "time": ctx.get("time"),
            "operation": plan.operation if plan else None}
    async with step(deps, NAME, task) as s:
        if plan is not None and "asks:cost" in plan.notes:  # "what did the delays cost us?": said, not guessed
            s.say(f"There are no cost or money figures in the data: {', '.join(plan.kpis)} is counted in its own unit, "
                  "not money (a cost needs a rate per unit, which is not recorded). Here is the quantity itself.")
        if plan is not None and (by := next((n.split(":", 2)[2] for n in plan.notes if n.startswith("asks:breakdown:")), None)):
            named = ", ".join(s.deps.catalog.kpis.get(k, [k])[0] for k in plan.kpis)  # "which tail numbers had most …"
            s.say(f"The data has no breakdown by {by}: {named} is recorded per station and day only. "
                  + ("Here it is by station instead." if plan.operation == "rank" else "Here is what it has."))
        if plan is not None and "asks:future" in plan.notes:  # "what will X be next week?": no forecast is made up
            named = ", ".join(s.deps.catalog.kpis.get(k, [k])[0] for k in plan.kpis)
            s.say(f"I can't tell what {named} will be: there are no forecasts in the data and I don't "
                  "extrapolate. Here is where it stands now; while the process stays as it is, expect values within "
                  "its natural process limits.")
        if plan is not None and await _by_plan(s, plan, ctx):
            return update(state, s, ctx)
        among = [x.code for x in plan.subjects.scopes if x.level == "station" and x.code] if plan else []
        compared = False
        if plan is not None and plan.operation == "explain" and plan.group_by and plan.kpis and len(among) >= 2:
            # "which fc is worst on X and why?" (a word several sites share): those compared, then the worst explained
            await q.compare(s, plan.model_copy(update={"operation": "compare"}), ctx)
            picked = s.data.get("best" if plan.order == "best" else "worst")
            if not picked:
                return update(state, s, ctx)
            ctx["station"] = code = next((c for c in among if picked.startswith(f"{c} ") or picked == c), among[0])
            s.say(f"Why {code} is the {plan.order or 'worst'}:", *s.evidence[-1:])
            compared = True
        elif plan is not None and plan.operation == "explain" and plan.group_by and plan.kpis and not ctx.get("station"):
            # "which site is worst on X this month and why?": the ranking first, then the worst one explained
            await q.rank(s, plan.model_copy(update={"operation": "rank", "limit": max(plan.limit or 1, 3)}), ctx)
            ranked = s.data.get("ranking") or []
            if not ranked:
                return update(state, s, ctx)
            level, code = explained_after_rank(s, plan, ctx, ranked)  # the first, or all when none stands out
        if not ctx.get("kpi"):
            await _scope_signals(s, ctx, level, worst=plan is not None and "explain:flagged" in plan.notes)
            if not (plan is not None and "explain:flagged" in plan.notes and ctx.get("kpi")):
                return update(state, s, ctx)  # "how is <site> doing and why?" goes on with the one KPI flagged there

        effect = None
        if plan is not None and any(n.startswith("change:effect:") for n in plan.notes):

            effect = await change_effect(s, plan, ctx, level)  # "did <change> help <KPI>": the days before and after
        w = plan.window if plan else None
        lookup = bool(plan and plan.operation == "lookup" and plan.kpis and w and (w.explicit or w.grain != "day"))
        start, end = _window(ctx, deps.now.date(), after=0 if lookup else 7)
        if lookup and plan is not None:  # the asked period's value or total/mean first
            await q.values(s, plan, ctx, level, code)
        got = await s.tool("kpi_series", kpi_series, kpi=ctx["kpi"], station=ctx.get("station"), region=ctx.get("region"),
                           summary_level=level, start=start, end=end)
        if got is None:
            return update(state, s, ctx)
        series, records = got
        k, sm = series.kpi, series.summary
        f = lambda x: _fmt(x, k.decimals, k.unit)  # noqa: E731
        ev_series, ev_shift, ev_signals = first(records, "kpi_series"), first(records, "stage_change"), first(records, "signals")
        top, others = asked_move(plan, state.get("question", ""), series)  # "why did it drop?": the drop they saw
        if top is not None and top != series.shift:
            series, ev_shift = series.model_copy(update={"shift": top}), ev_series
        values = [p.value for p in series.points if p.value is not None]
        if sm.lcl is not None and sm.lcl < 0 <= min(values, default=-1):  # counts: a limit below zero is no limit
            limits = f"{'a count limit (Poisson, rare events) of' if sm.upper_limit_kind == 'count limit' else 'natural process limits up to'} {f(sm.ucl)} (the lower limit falls below zero)"
        else:
            limits = f"natural process limits {f(sm.lcl)}–{f(sm.ucl)}"
        s.say(
            f"{k.name} at {series.scope.label} was {f(sm.latest_value)} on {sm.latest_date}; the current stage's centre "
            f"is {f(sm.cl)} with {limits} (state: {state_words(sm)}{_why_state(sm.rule)}).", ev_series,
        )
        limit = k.lower_limit if k.higher_is_better else k.upper_limit
        if level != "station" and k.aggregation == "sum":
            limit = None  # a configured limit is per station: a region's or the company's total is not held to it
        if limit is not None and sm.latest_value is not None and (
                sm.latest_value < limit if k.higher_is_better else sm.latest_value > limit):
            s.say(f"That is {'below the configured lower' if k.higher_is_better else 'above the configured upper'} "
                  f"limit of {f(limit)} (the organisation's own threshold, not a control-chart signal).", ev_series)
        goal = k.goal if (level == "station" or k.aggregation != "sum") else None  # a goal is per station
        if goal is not None and sm.latest_value is not None and sm.cl is not None:
            def side(x: float) -> str:
                met = x >= goal if k.higher_is_better else x <= goal
                return f"{'above' if x > goal else 'below' if x < goal else 'at'} it ({'meets' if met else 'short of'} the goal)"

            s.say(f"Goal {f(goal)} ({'higher' if k.higher_is_better else 'lower'} is better): the latest value is "
                  f"{side(sm.latest_value)}, {centre_words(sm)} is {side(centre(sm))}.", ev_series)
        if series.shift is not None and series.shift.kind == "dispersion":
            sh = series.shift
            s.say(
                f"It became {'more' if sh.direction == 'up' else 'less'} variable from {sh.onset}: the average moving "
                f"range went from {f(sh.before_mr)} to {f(sh.after_mr)} around a centre of {f(sh.after_cl)} "
                f"({'a change for the worse' if sh.bad else 'an improvement'}; confirmed by {sh.confirmed_by}).",
                ev_shift,
            )
            ctx["onset"] = sh.onset.isoformat()
        elif series.shift is not None and (said := ((line, ev_shift) if (line := excursion_line(series, f)) else await
                                                    later_excursion(s, ctx, level, series, f, deps.now.date()))):
            s.say(*said)
            ctx["onset"] = series.shift.onset.isoformat()
        elif series.shift is not None:
            sh = series.shift
            by = sh.confirmed_by or "the change-point search"
            s.say(
                f"The trend turned at {sh.onset}: the stage's centre was {f(sh.before_cl)} before and {f(sh.after_cl)} "
                f"since (confirmed by {by})." if sh.kind == "trend" else
                f"It shifted {sh.direction} from {f(sh.before_cl)} to {f(sh.after_cl)} starting {sh.onset} "
                f"({'a change for the worse' if sh.bad else 'an improvement'}; confirmed by {by}).",
                ev_shift,
            )
            ctx["onset"] = sh.onset.isoformat()
            if top is not None and others:
                s.say(others_line(top, others, f, k.unit), ev_series)
        elif len(series.stages) <= 1:
            s.say(level_line(series, f), ev_series)
        if sm.past_value is not None and sm.delta is not None:
            s.say(f"A year earlier it was {f(sm.past_value)} ({sm.delta:+.{k.decimals}f} year over year).", ev_series)
        if series.signals:
            bad = [x for x in series.signals if x.state in ("warning", "critical")]
            if bad:
                last = bad[-1]
                s.say(f"{len(bad)} warning/critical signal(s) in the window; the latest on {last.date} "
                      f"({last.rule}, {last.state}).", ev_signals)
        if plan is not None and "dow" in plan.notes:  # "why is it so bad on weekends?": the week's rhythm
            from agents.specialists.kpi_patterns import weekly_pattern

            if line := weekly_pattern(series, f):
                s.say(line, ev_series)
        explaining = (plan.operation == "explain") if plan else ctx.get("intent") == "why_kpi"
        if plan is not None and "trend" in plan.notes and not explaining and series.shift is None:
            longer = await s.tool("kpi_series", kpi_series, kpi=k.code, station=ctx.get("station"),  # "how is X trending"
                                  region=ctx.get("region"), summary_level=level,
                                  start=series.end - dt.timedelta(days=89), end=series.end)
            if longer is not None and (drift := _drift(longer[0])):
                s.say(f"Over the last 90 days it has been drifting {drift[0]} steadily: about {f(drift[1])} on "
                      f"{longer[0].start} and {f(drift[2])} on {longer[0].end} (a trend of "
                      f"{'+' if drift[3] > 0 else ''}{fmt_rate(drift[3], k.decimals, k.unit)} a week).", first(longer[1], "kpi_series"))
            elif longer is not None:
                s.say(f"Over the last 90 days ({longer[0].start} to {longer[0].end}) there is no steady drift up or down.",
                      first(longer[1], "kpi_series"))
        if explaining and compared and series.shift is None and sm.state == "ok":
            # the worse of a few sites that is in control: its usual level, not a change, puts it last
            s.say(f"{series.scope.label} is in control on {k.name} (a stable process around {f(sm.cl)}): it is behind by "
                  "its usual level, not because something changed, so there is no change to look for.", ev_series)
        elif explaining and series.shift is None and (ext := extreme_day(plan, series)) is not None:
            day, sig = ext  # "what was the worst day for X in november, and why?": that day is what to explain
            if sig is not None:
                s.say(f"That day is a single point beyond the natural process limits ({sig.rule}, {sig.state}). "
                      "Explaining from that day.", ev_signals or ev_series)
                ctx["onset"] = day.date.isoformat()
            else:
                s.say(f"{day.date} ({f(day.value)}) is inside the natural process limits{limits_of(series, day.date, f)}: "
                      "ordinary day-to-day variation of a stable process, with no single cause to look for.", ev_series)
        elif explaining and series.shift is None and (point := asked_point(series.signals, plan)) is not None:
            # "why did it drop yesterday?": a single point beyond the limits on the asked day is what to explain
            s.say(f"There is no stage change: the value on {point.date} ({f(point.value)}) is a single point beyond "
                  f"the natural process limits ({point.rule}, {point.state}). Explaining from that day.",
                  ev_signals or ev_series)
            ctx["onset"] = point.date.isoformat()
        elif explaining and series.shift is None and (slow := await quarter_drift(s, ctx, k.code, level, series)):
            # a slow drift has no onset: its days beyond the limits are no burst nor a new level
            (way, a, b, week), lser, lrecs = slow
            s.say(f"It has been drifting {way} steadily rather than stepping: about {f(a)} on {first_day(lser)} and "
                  f"{f(b)} on {lser.end} (a trend of {'+' if week > 0 else ''}{fmt_rate(week, k.decimals, k.unit)} a week), so no single change "
                  "marks its start.", first(lrecs, "kpi_series"))
        elif explaining and series.shift is None and (burst := recent_burst(series.signals, sm.latest_date)):
            # "why so many cold-chain breaches?": a few days beyond the limits lately, over now, are what to explain
            s.say(f"There is no stage change: {len(burst)} day(s) beyond the limits from {burst[0].date} to "
                  f"{burst[-1].date} ({', '.join(f(x.value) for x in burst)}), a burst. Explaining from {burst[0].date}.",
                  ev_signals or ev_series)
            ctx["onset"] = burst[0].date.isoformat()
        elif explaining and series.shift is None and (fresh := new_level(series.signals, sm.latest_date)):
            s.say(f"There is no stage change yet: the latest value{'s' if len(fresh) > 1 else ''} since "
                  f"{fresh[0].date} ({', '.join(f(x.value) for x in fresh)}) {'are' if len(fresh) > 1 else 'is'} "
                  "beyond the natural process limits, a level too new to confirm. Explaining from "
                  f"{fresh[0].date}.", ev_signals or ev_series)
            ctx["onset"] = fresh[0].date.isoformat()
        elif explaining and series.shift is None:
            await q.shift_at_any_distance(s, plan, ctx, k.code, level, code, end, f)
            longer = None if ctx.get("onset") else await s.tool(  # a slow drift shows over a quarter, not a month
                "kpi_series", kpi_series, kpi=k.code, station=ctx.get("station"), region=ctx.get("region"),
                summary_level=level, start=series.end - dt.timedelta(days=89), end=series.end)
            if longer is not None and (drift := _drift(longer[0])):
                s.say(f"It has been drifting {drift[0]} steadily rather than stepping: about {f(drift[1])} on "
                      f"{longer[0].start} and {f(drift[2])} on {longer[0].end} (a trend of "
                      f"{'+' if drift[3] > 0 else ''}{fmt_rate(drift[3], k.decimals, k.unit)} a week), so no single change marks its start.",
                      first(longer[1], "kpi_series"))
        from agents.specialists.kpi_leads import lead
        from agents.specialists.kpi_side_since import side_since

        answer = lead(plan, series)
        if answer is not None and plan is not None and (drifted := await with_drift(s, plan, ctx, level, series, answer, f, ev_series)):
            s.lines[:0], answer = drifted, None  # "getting worse?": level for a fortnight, drifting for months
        if answer is None and effect is not None:  # "is the rise related to <change>?": Yes / No / Can't tell, first
            answer = effect_verdict(state.get("question", ""), series, effect, change_what(deps.catalog, effect["ext"]))
        if (dated := await side_since(s, plan, ctx, level)) is not None:  # "how long has it been below goal?"
            s.lines.insert(0, dated)  # over the whole history, not the window shown
        elif answer is not None:  # the direct answer first, then the series' state
            s.lines.insert(0, {"text": answer, "evidence_ids": [r.id for r in (ev_series, ev_signals) if r is not None]})
        if series.chart is not None:
            await deps.recorder.emit("chart", {"title": f"{k.name} — {series.scope.label}",
                                               "evidence_id": ev_series.id if ev_series else None,
                                               "figure": series.chart})
        s.data = {"kpi": k.code, "scope": series.scope.code, "shift": series.shift.model_dump(mode="json") if series.shift else None}
        return update(state, s, ctx)
