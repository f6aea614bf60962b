"""The KPI analyst's answers to compare / rank / attention / values questions, driven by the QueryPlan.

Every number comes from a tool; every line cites the evidence that tool returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope, first
from agents.specialists.kpi_excursion import recovered_line
from agents.specialists.kpi_kinds import stock_like
from agents.specialists.kpi_rank_noise import tie_line
from agents.state import ThreadContext
from tools.kpis.questions import (
    attention,
    compare_kpi,
    kpi_last_shift,
    kpi_values,
    rank_kpi,
)
from tools.kpis.shaping import fmt_amount

MAX_LINES = 25


def fmt(x: float | None, decimals: int, unit: str) -> str:
    return fmt_amount(x, decimals, unit)


def window_args(plan: QueryPlan) -> dict[str, dt.date]:
    return {"start": plan.window.start, "end": plan.window.end} if plan.window else {}


def scope_specs(plan: QueryPlan) -> list[str]:
    return [f"{s.level}:{s.code}" if s.level != "company" and s.code else "company" for s in plan.subjects.scopes]


def _when(start: dt.date, end: dt.date) -> str:
    return f"on {start}" if start == end else f"{start} to {end}"


def asks_now(plan: QueryPlan) -> bool:
    """"right now", "currently" with no period named (the parser's ``now`` note)."""
    return "now" in plan.notes and (plan.window is None or not plan.window.explicit)


async def no_data_yet(s: StepScope, plan: QueryPlan, noticed: int, name: str, fn: Any, **kwargs: Any) -> None:
    """The asked period starts after the KPI's latest data ("this week" on a Monday): say so, with the last data
    day, instead of an empty answer. ``noticed`` is len(s.notices) before the failed call; ``kwargs`` are its
    arguments without the window."""
    w = plan.window
    gone = [n for n in s.notices[noticed:] if "no data between" in n.lower()]
    if w is None or not gone:
        return
    del s.notices[noticed:]
    probe = await s.tool(name, fn, **kwargs)  # the default window ends on the latest day with data
    if probe is None:
        return
    r, records = probe
    s.say(f"No {r.kpi.name} data for {w.label} yet (nothing since {w.start:%A} {w.start}); the last data is from "
          f"{r.end:%A} {r.end}.", records[0])


def missing_tail(plan: QueryPlan, end: dt.date, grain: str) -> str | None:
    """"this week vs last week" on a Monday: the asked weeks (or months) after the last data, said plainly."""
    w = plan.window
    if w is None or not w.explicit or grain not in ("week", "month") or end >= w.end:
        return None
    start = (w.end - dt.timedelta(days=w.end.weekday())) if grain == "week" else w.end.replace(day=1)
    if start <= end:
        return None
    what = f"the week of {start}" if grain == "week" else start.strftime("%B %Y")
    return f"No data yet for {what} (nothing since {start:%A} {start}); the last data is from {end:%A} {end}."


_NOW_NOTE = ("{name} counts what stands open at a moment, so “now” is its latest day ({day}), "
             "not a total over the last 30 days.")


async def compare(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    specs = list(dict.fromkeys(scope_specs(plan)))
    if len(specs) == 1:
        specs.append("company")  # "how does LAS compare?" → against the company
    noticed = len(s.notices)
    got = await s.tool("compare_kpi", compare_kpi, kpi=plan.kpis[0], scopes=specs, **window_args(plan))
    if got is None:
        await no_data_yet(s, plan, noticed, "compare_kpi", compare_kpi, kpi=plan.kpis[0], scopes=specs)
        return
    if got is not None and asks_now(plan) and stock_like(got[0].kpi) and got[0].start != got[0].end:
        latest = got[0].end  # "deferrals at A vs B right now": a stock's state is its latest day
        got = await s.tool("compare_kpi", compare_kpi, kpi=plan.kpis[0], scopes=specs, start=latest, end=latest)
        if got is not None:
            s.say(_NOW_NOTE.format(name=got[0].kpi.name, day=latest), got[1][0])
    if got is None:
        return
    r, records = got
    k = r.kpi
    ev = records[0]
    what = "value" if r.start == r.end else "total" if k.aggregation == "sum" else "average"
    if plan.order and len(r.rows) >= 3 and (ranked := [row for row in r.rows if row.value is not None]):
        # "which garage is worst for X", "bottom 5 routes": the places a word names, ranked, the answer first
        ranked.sort(key=lambda row: row.value, reverse=(plan.order == "best") == k.higher_is_better)
        ranked = ranked[: plan.limit if (plan.limit or 0) > 1 else len(ranked)]  # "which garage …": all, first first
        s.say(f"{plan.order.title()} {len(ranked)} of these {len(r.rows)} on {k.name}, {_when(r.start, r.end)} ({what}; "
              f"{'higher' if k.higher_is_better else 'lower'} is better): "
              + "; ".join(f"{i}. {row.scope.label} {fmt(row.value, k.decimals, k.unit)}" for i, row in enumerate(ranked, 1))
              + ".", ev)
    for row in r.rows:
        yoy = f"; a year earlier {fmt(row.yoy_value, k.decimals, k.unit)}" if row.yoy_value is not None else ""
        s.say(f"{k.name} at {row.scope.label}, {_when(r.start, r.end)}: {what} {fmt(row.value, k.decimals, k.unit)} "
              f"(latest {fmt(row.latest_value, k.decimals, k.unit)} on {row.latest_date}; centre "
              f"{fmt(row.cl, k.decimals, k.unit)}, limits {fmt(row.lcl, k.decimals, k.unit)}–"
              f"{fmt(row.ucl, k.decimals, k.unit)}; state {row.state}, {row.signals} signal(s){yoy}).", ev)
    if r.best:
        over = f" over {_when(r.start, r.end)} on average" if _now_first(s, plan, r, ev) else ""
        noise = ", but by less than their day-to-day noise: no clear difference" if r.within_noise else ""
        s.say(f"{r.best} is {'ahead of' if noise else 'better than'} {r.worst} on {k.name}{over}{noise} "
              f"({'higher' if k.higher_is_better else 'lower'} is better).", ev)
        asked = next((n for n in plan.notes if n in ("q:better_than", "q:worse_than")), None)
        subject = next((row for row in r.rows if plan.subjects.scopes and row.scope.code == plan.subjects.scopes[0].code), None)
        if asked and subject is not None:  # "is phoenix better than dallas on X?": Yes/No first
            is_best = subject.scope.label == r.best
            yes = is_best if asked == "q:better_than" else subject.scope.label == r.worst
            other = next((row for row in r.rows if row.scope.label == (r.worst if is_best else r.best)), None)
            than = f" than {other.scope.label} ({fmt(other.value, k.decimals, k.unit)})" if other is not None else ""
            s.lines.insert(0, {"text": f"{'Not clearly' if r.within_noise else 'Yes' if yes else 'No'} — "
                                       f"{subject.scope.label} is {'better' if is_best else 'worse'} on {k.name} "
                                       f"{_when(r.start, r.end)}{', within day-to-day noise' if r.within_noise else ''}: "
                                       f"{fmt(subject.value, k.decimals, k.unit)}{than}; "
                                       f"{'higher' if k.higher_is_better else 'lower'} is better.",
                               "evidence_ids": [ev.id]})
    else:
        s.say(f"The scopes are level on {k.name} over this window.", ev)
    s.data = {"kpi": k.code, "best": r.best, "worst": r.worst}


def _now_first(s: StepScope, plan: QueryPlan, r: Any, ev: Any) -> bool:
    """"DAL vs the network" with no period asked: when a side is flagged now, or the latest day ranks them the other
    way round than the period's averages, the state now leads, then the period (both are said)."""
    k = r.kpi
    if (plan.window is not None and plan.window.explicit) or len(r.rows) != 2 or r.start == r.end:
        return False
    a, b = r.rows
    if a.latest_value is None or b.latest_value is None or a.value is None or b.value is None:
        return False
    better = (lambda x, y: x > y) if k.higher_is_better else (lambda x, y: x < y)
    now_best = a if better(a.latest_value, b.latest_value) else b if better(b.latest_value, a.latest_value) else None
    period_best = a if better(a.value, b.value) else b if better(b.value, a.value) else None
    flagged = [x for x in (a, b) if x.state in ("warning", "critical")]
    if now_best is None or (now_best is period_best and not flagged):
        return False
    f = lambda x: fmt(x, k.decimals, k.unit)  # noqa: E731
    worse = b if now_best is a else a
    states = "; ".join(f"{x.scope.label} is {x.state}" for x in flagged)
    turn = ("the other way round from" if period_best is not None and period_best is not now_best else "as over")
    s.lines.insert(0, {"text": f"Now ({worse.latest_date}): {now_best.scope.label} is better than {worse.scope.label} on "
                               f"{k.name} — {f(now_best.latest_value)} against {f(worse.latest_value)}"
                               f"{f' ({states})' if states else ''}; that is {turn} the period {_when(r.start, r.end)}, "
                               f"{'totals' if k.aggregation == 'sum' else 'averages'} {f(a.value)} at {a.scope.label} and "
                               f"{f(b.value)} at {b.scope.label}.",
                       "evidence_ids": [ev.id]})
    return True


async def rank(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    region = next((x.code for x in plan.subjects.scopes if x.level == "region"), None)
    group_by = plan.group_by or "station"
    order = plan.order or "worst"
    limit = plan.limit or 5
    left_out = [c for n in plan.notes if n.startswith("exclude:") for c in n[8:].split(",")]  # "excluding <site>"
    args = {"kpi": plan.kpis[0], "group_by": group_by, "order": order, "limit": min(limit + len(left_out), 1000),
            "region": region if group_by == "station" else None}
    noticed = len(s.notices)
    got = await s.tool("rank_kpi", rank_kpi, **args, **window_args(plan))
    if got is None:
        await no_data_yet(s, plan, noticed, "rank_kpi", rank_kpi, **args)
        return
    now = bool(got is not None and asks_now(plan) and stock_like(got[0].kpi) and got[0].start != got[0].end)
    if got is not None and now:
        latest = got[0].end  # "which station has the most open work orders right now": the latest day's values
        got = await s.tool("rank_kpi", rank_kpi, **(args | {"start": latest, "end": latest}))
    if got is None:
        return
    r, records = got
    if left_out:  # the places the question leaves out, then the rest renumbered
        kept = [x for x in r.rows if x.code not in left_out]
        r = r.model_copy(update={"rows": [x.model_copy(update={"rank": i}) for i, x in enumerate(kept[:limit], 1)],
                                 "total": max(len(kept), r.total - len(left_out))})
    k, ev = r.kpi, records[0]
    if not r.rows or r.rows[0].value is None:
        s.say(f"No {k.name} data for any {group_by} {_when(r.start, r.end)}.", ev)
        return
    what = "total" if k.aggregation == "sum" else "average"
    if now:
        what = "latest value"
    top = r.rows[0]
    where = f" in {region}" if region and group_by == "station" else ""
    out = f", leaving out {', '.join(left_out)}" if left_out else ""
    at = len(s.lines)
    s.say(f"The {order} {group_by}{where} for {k.name} {_when(r.start, r.end)} is {top.code} ({top.name}) with "
          f"{fmt(top.value, k.decimals, k.unit)} ({what}; {'higher' if k.higher_is_better else 'lower'} is better; "
          f"{r.total} {group_by}s ranked{out}).", ev)
    if now:
        s.say(_NOW_NOTE.format(name=k.name, day=r.end), ev)
    share = "q:share" in plan.notes and k.aggregation == "sum" and len(r.rows) == r.total and not left_out
    whole = sum(x.value or 0 for x in r.rows) if share else 0  # "share of X by region": each one's part of the total
    if len(r.rows) > 1:
        s.say(f"{order.capitalize()} {len(r.rows)}: " + "; ".join(
            f"{x.rank}. {x.code} {fmt(x.value, k.decimals, k.unit)}"
            + (f" ({100 * (x.value or 0) / whole:.1f}% of {fmt(whole, k.decimals, k.unit)})" if whole else "")
            for x in r.rows) + ".", ev)
    if (mark := next((n[10:] for n in plan.notes if n.startswith("highlight:")), None)) and (
            hit := next((x for x in r.rows if x.code.lower() == mark.split(":")[0].lower()), None)):
        if mark.endswith(":asked"):  # "how does <site> compare to the other stations on X": that one, then the rest
            values = [x.value for x in r.rows if x.value is not None]
            mean = sum(values) / len(values) if values else None
            asked = next((n[3:] for n in plan.notes if n.startswith("vs:")), None)
            yes = "" if asked is None or mean is None or hit.value is None else (
                "Yes — " if {"better": (hit.value > mean) == k.higher_is_better, "worse": (hit.value < mean) == k.higher_is_better,
                             "higher": hit.value > mean, "above": hit.value > mean, "lower": hit.value < mean,
                             "below": hit.value < mean}.get(asked, False) else "No — ")
            s.lines.insert(at, {"text": f"{yes}{hit.code} ({hit.name}) ranks #{hit.rank} of {r.total} stations ({order} first) on "
                                        f"{k.name} {_when(r.start, r.end)} with {fmt(hit.value, k.decimals, k.unit)} ({what}); "
                                        f"the average of the {len(values)} stations is {fmt(mean, k.decimals, k.unit)} "
                                        f"({'higher' if k.higher_is_better else 'lower'} is better).", "evidence_ids": [ev.id]})
        else:
            s.say(f"{hit.code} ({hit.name}), the station this thread is about, ranks #{hit.rank} of {r.total} "
                  f"({order} first) with {fmt(hit.value, k.decimals, k.unit)}.", ev)  # "compare the stations"
    if (tie := tie_line(r, group_by)) is not None:  # "which park is worst?" when none differs beyond its noise
        s.say(tie, ev)
    s.data = {"kpi": k.code, "ranking": [x.code for x in r.rows], "order": order,
              "tied_all": bool(tie) and len(r.within_noise) >= r.total - 1}


async def needs_attention(s: StepScope, plan: QueryPlan, ctx: ThreadContext, *, stations: list[str] | None = None) -> None:
    region = next((x.code for x in plan.subjects.scopes if x.level == "region"), None)
    station = None if stations else next((x.code for x in plan.subjects.scopes if x.level == "station"), None)
    goal = "attention:goal" in plan.notes and not plan.kpis  # "which KPIs are missing their goal?"
    got = await s.tool("attention", attention, region=None if stations else region, station=station,
                       kpi=plan.kpis[0] if plan.kpis else None, **({"goal_all": True} if goal else {}))
    if got is None:
        if not (station or region or stations or plan.kpis) and "attention:incidents" in plan.notes:
            await open_incidents(s, say_none=True)  # "anything on fire?" where no KPI is kept: the incidents still
        return
    r, records = got
    ev = records[0]
    if stations:  # only those stations' series
        r = r.model_copy(update={"items": [i for i in r.items if i.station in stations]})
    if goal:
        _missing_goal(s, r, ev, stations)
        return
    where = (f"station {station}" if station else f"stations {', '.join(sorted(stations))}" if stations  # a region:
             else f"the stations of {s.deps.catalog.regions.get(region, region)} ({region})" if region  # its sites,
             else "all stations")  # not its combined series (said before as "… as a whole")
    checked = "" if stations else f"; {r.series_checked} series checked"
    org_wide = not (station or region or stations or plan.kpis) and "attention:incidents" in plan.notes
    if not r.items:
        ctx.pop("flagged_first", None)  # nothing listed: "why?" next has nothing to explain from this list
        if short := [i for i in r.short_of_goal if not stations or i.station in stations]:  # a stage short of its goal
            s.say(f"No KPI at {where} has a control-chart signal on its latest point ({r.as_of}{checked}), but "  # warns,
                  f"{len(short)} series {'is' if len(short) == 1 else 'are'} in warning as the current level is short "
                  "of the goal.", ev)  # as a lookup of that KPI says: never "none in warning" above that list
        else:
            s.say(f"No KPI at {where} is in a warning or critical state on its latest point ({r.as_of}{checked}).", ev)
        _short_of_goal(s, r, ev, stations)
        if org_wide:
            await open_incidents(s)
        return
    crit = sum(1 for i in r.items if i.state == "critical")
    s.say(f"{len(r.items)} KPI series at {where} need attention as of {r.as_of}: {crit} critical, "
          f"{len(r.items) - crit} warning{f' ({r.series_checked} checked)' if not stations else ''}.", ev)
    for i in r.items[:MAX_LINES]:
        s.say(f"{i.kpi_name} at {i.station} is {i.state} since {i.since} ({i.rule}; latest {i.value:.4g} on {i.date}, "
              f"limits {i.lcl:.4g}–{i.ucl:.4g}).", ev)
    if len(r.items) > MAX_LINES:
        s.say(f"… and {len(r.items) - MAX_LINES} more in the evidence.", ev)
    _short_of_goal(s, r, ev, stations)
    s.data = {"attention": [f"{i.kpi}@{i.station}" for i in r.items]}
    ctx["flagged_first"] = f"{r.items[0].kpi}@{r.items[0].station}"  # "why?" next: the first one shown, explained
    if org_wide:
        await open_incidents(s)  # "anything on fire?", "what should I look at first?": the open incidents too
    if len({i.kpi for i in r.items}) == 1 and len(r.items) == 1:
        ctx["kpi"], ctx["station"] = r.items[0].kpi, r.items[0].station


def _missing_goal(s: StepScope, r: Any, ev: Any, stations: list[str] | None) -> None:
    """"Which KPIs are missing their goal?": every series whose current stage's centre misses its KPI's goal,
    signalled or not, furthest first."""
    short = [i for i in r.short_of_goal if not stations or i.station in stations]
    if not short:
        s.say(f"No — every KPI series with a goal meets it at its current level ({r.series_checked} series checked, "
              f"as of {r.as_of}).", ev)
        return
    kpis = sorted({i.kpi_name for i in short})
    s.say(f"{len(short)} KPI series miss their goal at their current level (the stage's centre against the KPI's goal), "
          f"on {len(kpis)} KPI(s): {', '.join(kpis)} — furthest from the goal first:", ev)
    for i in short[:MAX_LINES]:
        s.say(f"{i.kpi_name} at {i.station} ({i.station_name}) runs around {fmt(i.cl, i.decimals, i.unit)} against a goal "
              f"of {fmt(i.goal, i.decimals, i.unit)}" + (f" ({i.state}: {i.rule})" if i.rule else "") + ".", ev)
    if len(short) > MAX_LINES:
        s.say(f"… and {len(short) - MAX_LINES} more in the evidence.", ev)
    s.data = {"missing_goal": [f"{i.kpi}@{i.station}" for i in short]}


def _short_of_goal(s: StepScope, r: Any, ev: Any, stations: list[str] | None) -> None:
    """The series in control but short of their goal (no KPI named): one line, after what signals; then those
    recently back from a short excursion."""
    back = recovered_line([i for i in r.recovered if not stations or i.station in stations])
    short = [i for i in r.short_of_goal if not stations or i.station in stations]
    if short:
        s.say(f"In control but short of goal ({len(short)}, furthest first): " + "; ".join(
            f"{i.kpi_name} at {i.station} runs around {fmt(i.cl, i.decimals, i.unit)} against a goal of "
            f"{fmt(i.goal, i.decimals, i.unit)}" for i in short[:5])
            + (f"; and {len(short) - 5} more in the evidence" if len(short) > 5 else "") + ".", ev)
    if back:
        s.say(back, ev)


async def open_incidents(s: StepScope, *, say_none: bool = False) -> None:
    """The organisation's incidents not resolved yet, one line each (nothing said when there are none, unless
    ``say_none``)."""
    from tools.incidents import incident_list

    got = await s.tool("incident_list", incident_list, status=["open", "mitigated"], limit=5)
    if got is not None and not got[0].items and say_none:
        s.say(f"No incident is open or mitigated as of {s.deps.now:%Y-%m-%d %H:%M} UTC.", *got[1][:1])
    if got is None or not got[0].items:
        return
    r, records = got
    s.say(f"Open incidents ({r.total}): " + "; ".join(
        f"{i.external_id} ({i.severity}, {i.status}) {i.title}" + (f" on {i.service}" if i.service else "")
        + f", since {i.started_at:%Y-%m-%d %H:%M} UTC" for i in r.items) + ".", records[0])


async def values(s: StepScope, plan: QueryPlan, ctx: ThreadContext, level: str, code: str | None) -> None:
    """The value on a date, or weekly/monthly values and the window's total (after the series lines)."""
    w = plan.window
    assert w is not None
    grain = "day" if w.single_day else w.grain
    where = {"kpi": plan.kpis[0], "station": code if level == "station" else None,
             "region": code if level == "region" else None, "summary_level": level}
    noticed = len(s.notices)
    got = await s.tool("kpi_values", kpi_values, **where, start=w.start, end=w.end, grain=grain)
    if got is None:
        await no_data_yet(s, plan, noticed, "kpi_values", kpi_values, **where)
        return
    r, records = got
    k, ev = r.kpi, records[0]
    f = lambda x: fmt(x, k.decimals, k.unit)  # noqa: E731
    if w.single_day:
        p = r.points[0] if r.points else None
        s.say(f"{k.name} at {r.scope.label} on {r.start} was {f(p.value if p else None)}"
              + (f" (a year earlier {f(p.yoy_value)})" if p and p.yoy_value is not None else "") + ".", ev)
        return
    what = f"the {r.total_kind} is {f(r.total)}" if r.total is not None else "no data in that period"
    yoy = f" (the same period a year earlier: {f(r.yoy_total)})" if r.yoy_total is not None else ""
    have = sum(p.value is not None for p in r.points)
    covered = sum(p.yoy_value is not None for p in r.points)
    if yoy and grain == "day" and covered < have:  # the history starts inside last year's window: say so
        yoy = f" (a year earlier there is data for only {covered} of these {have} days: {r.total_kind} {f(r.yoy_total)})"
    if r.total is not None and "unit:hours" in plan.notes and k.unit.lower() in ("min", "mins", "minute", "minutes"):
        what += f" ({r.total / 60:,.1f} hours)"  # "delays in hours"
    s.say(f"{k.name} at {r.scope.label}, {w.label} ({r.start} to {r.end}): {what}{yoy}.", ev)
    have_n = sum(p.value is not None for p in r.points) if grain == "day" else 0
    if "q:per_day" in plan.notes and k.aggregation == "sum" and r.total is not None and have_n:
        s.say(f"That is {f(r.total / have_n)} a day on average over the {have_n} days with data.", ev)
    if (word := next((n[4:] for n in plan.notes if n.startswith("day:")), None)) and (
            have_days := [p for p in r.points if p.value is not None]):  # "the worst day for lates this month"
        # "lowest"/"highest" are the values; "worst"/"best" go by the KPI's direction
        high = word in ("highest", "peak") or (word in ("worst", "best") and (word == "worst") != k.higher_is_better)
        top = (max(have_days, key=lambda p: (p.value, p.start)) if high  # a tie: the latest day, as the lead line says
               else min(have_days, key=lambda p: (p.value, -p.start.toordinal())))
        s.say(f"The {word} {'day' if grain == 'day' else grain} was {top.start} with {f(top.value)} "
              f"({'highest' if high else 'lowest'} of {len(have_days)}).", ev)
    if grain == "day" and len(r.points) > 14:
        return  # a long day-grain range: the total/mean is the answer; the series lines follow
    label = {"day": "Daily", "week": "Weekly", "month": "Monthly"}[grain]
    shown = r.points[-MAX_LINES:]
    valued = [p for p in shown if p.value is not None]
    if grain == "day" and valued and 2 * len(valued) <= len(shown):  # a KPI kept weekly: its days with a value only
        days = {p.start.strftime("%A") for p in valued}
        often = f"once a week, on {days.pop()}s" if len(days) == 1 and len(valued) < len(shown) / 5 else "not every day"
        s.say(f"{k.name} at {r.scope.label} is reported {often}; its values in that period: "
              + "; ".join(f"{p.start} {f(p.value)}" for p in valued) + ".", ev)
        shown = []
    if shown:
        s.say(f"{label} {k.name} at {r.scope.label} ({'totals' if k.aggregation == 'sum' else 'averages'}): "
              + "; ".join(f"{'week of ' if grain == 'week' else ''}{p.start if grain != 'month' else p.start.strftime('%b %Y')}"
                          f" {f(p.value)}{'' if p.complete else ' (partial)'}" for p in shown) + ".", ev)
    if tail := missing_tail(plan, r.end, grain):
        s.say(tail, ev)


async def shift_at_any_distance(s: StepScope, plan: QueryPlan | None, ctx: ThreadContext, kpi: str, level: str,
                                code: str | None, before: dt.date | None,
                                fmt_kpi: Callable[[float], str] | None = None) -> None:
    """No stage change in the asked window: find the most recent one in the series' history and hand its onset on."""
    got = await s.tool("kpi_last_shift", kpi_last_shift, kpi=kpi, station=code if level == "station" else None,
                       region=code if level == "region" else None, summary_level=level, before=before)
    if got is None:
        return
    r, records = got
    ev = first(records, "stage_change") or records[0]
    if r.onset is None:
        s.say(f"Its whole history ({r.searched_from} to {r.searched_to}) shows no stage change, so there is no "
              "onset to explain.", ev)
        return
    if r.kind == "trend":  # the trend turned, then a steady slope: the caller's drift check describes it
        return
    show = fmt_kpi or (lambda x: f"{x:.4g}")
    s.say(f"The most recent stage change in its history began on {r.onset}, {r.days_before_end} days before "
          f"{r.searched_to}: the centre went from {show(r.before_cl)} to {show(r.after_cl)} "
          f"({'a change for the worse' if r.bad else 'an improvement'}). Explaining from that onset.", ev)
    ctx["onset"] = r.onset.isoformat()
