"""The first line of a KPI answer when the question asked something specific about one series — the direct answer,
before the series' state and limits that follow it:

- ``q:trend`` "is it getting better / worse?", "is X improving?": the last 14 days against the 14 before them (and
  the latest stage change), Yes/No against what was asked;
- ``q:since`` "since when has X been down?", "how long has X been bad?": the start of the current stage when it is a
  change for the worse, with the days since;
- ``q:control`` "is X in control?": Yes when no warning/critical signal fired in the window, else No with them;
- ``q:goal_below`` / ``q:goal_meet`` "is X below goal?", "is X meeting its target?": the latest value and the stage
  centre against the KPI's configured goal;
- ``q:spikes`` "any spikes in X last month?": the points beyond the natural process limits in the asked window.

Every number is the ``kpi_series`` tool's (its evidence is cited by the caller); nothing here reads the database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.plan import QueryPlan
from tools.kpis.shaping import fmt_amount

RECENT_DAYS = 14


def _f(x: float | None, k: Any, extra: int = 0) -> str:
    return fmt_amount(x, k.decimals + extra, k.unit)


def _d(x: float, k: Any) -> str:
    return _f(x, k).replace("%", " points") if k.unit == "%" else _f(x, k)


def _trend(plan: QueryPlan, series: Any) -> str | None:
    k = series.kpi
    pts = [p for p in series.points if p.value is not None]
    weekly = len(pts) >= 2 and (pts[-1].date - pts[-2].date).days >= 7  # a weekly KPI: its last weeks, not 28 points
    n = min(RECENT_DAYS, len(pts) // 2) if weekly else RECENT_DAYS
    if n < 2 or len(pts) < 2 * n:
        return None
    recent, prior = pts[-n:], pts[-2 * n:-n]
    a = sum(p.value for p in recent) / len(recent)
    b = sum(p.value for p in prior) / len(prior)
    delta = a - b
    sigma = series.summary.sigma or 0.0
    level = sigma > 0 and abs(delta) < 2 * sigma * (2 / n) ** 0.5  # within 2 standard errors of the difference
    better = (delta > 0) == k.higher_is_better
    said = "about level" if level else ("getting better" if better else "getting worse")
    asked_better = "q:trend_better" in plan.notes
    asked_worse = "q:trend_worse" in plan.notes
    yes = (asked_better and said == "getting better") or (asked_worse and said == "getting worse")
    lead = ("Yes — " if yes else "No — ") if (asked_better or asked_worse) else ""
    shift = series.shift
    tail = (f"; its level shifted {shift.direction} on {shift.onset} ({_f(shift.before_cl, k)} → {_f(shift.after_cl, k)}, "
            f"{'for the worse' if shift.bad else 'an improvement'})" if shift is not None else "")
    unit = "weeks" if weekly else "days"
    return (f"{lead}{k.name} at {series.scope.label} is {said}: the last {len(recent)} {unit} ({recent[0].date} to "
            f"{recent[-1].date}) average {_f(a, k)} against {_f(b, k)} the {len(prior)} {unit} before "
            f"({'up' if delta > 0 else 'down'} {_d(abs(delta), k)}; {'higher' if k.higher_is_better else 'lower'} is "
            f"better){tail}.")


def _since(series: Any) -> str | None:
    k, sm, shift = series.kpi, series.summary, series.shift
    if (ex := getattr(sm, "excursion", None)) is not None and shift is not None and shift.onset == ex.start:  # a bad stretch that ended
        return (f"It is not bad now: {k.name} at {series.scope.label} was bad from {ex.start} to {ex.end} (at worst "
                f"{_f(ex.extreme, k)} against a usual {_f(ex.before_cl, k)}) and has been back within its earlier limits "
                f"since {ex.since}, averaging {_f(ex.recovered_mean, k)} (state {sm.state} on {sm.latest_date}).")
    if shift is not None and shift.bad:
        days = (sm.latest_date - shift.onset).days if sm.latest_date else None
        return (f"Since {shift.onset}" + (f" ({days} days to {sm.latest_date})" if days is not None else "")
                + f": {k.name} at {series.scope.label} shifted {shift.direction} from {_f(shift.before_cl, k)} to "
                  f"{_f(shift.after_cl, k)} then and has stayed there (state {sm.state} on {sm.latest_date}).")
    from agents.specialists.kpi_moves import drift

    if (d := drift(series)) is not None and (d[0] == "down") == bool(k.higher_is_better):  # a drift for the worse
        began = series.points[0].date if series.points else series.start
        days = (sm.latest_date - began).days if sm.latest_date else None
        stage = series.stages[-1].start_date if series.stages else None
        return (f"Since at least {began}" + (f" ({days} days to {sm.latest_date})" if days is not None else "")
                + f": {k.name} at {series.scope.label} has been drifting {d[0]}, from about {_f(d[1], k)} to about "
                  f"{_f(d[2], k)}; the latest value is {_f(sm.latest_value, k)} on {sm.latest_date}"
                + (f" (no stage change since {stage}: it has drifted within the stage that began then)" if stage and stage < began else "")
                + ".")
    bad = [x for x in series.signals if x.state in ("warning", "critical")]
    goal = k.goal
    if goal is not None and sm.cl is not None and series.stages and (sm.cl < goal if k.higher_is_better else sm.cl > goal):
        stage = series.stages[-1]  # "how long has it been below goal?": the current stage's centre is short of it
        days = (sm.latest_date - stage.start_date).days if sm.latest_date else None
        return (f"Since at least {stage.start_date}" + (f" ({days} days to {sm.latest_date})" if days is not None else "")
                + f": {k.name} at {series.scope.label} has been in its current stage since then, centred at "
                  f"{_f(sm.cl, k)} — short of the goal of {_f(goal, k)} ({'higher' if k.higher_is_better else 'lower'} "
                  f"is better); the latest value is {_f(sm.latest_value, k)} on {sm.latest_date}.")
    if sm.state == "ok" and not bad:
        return (f"{k.name} at {series.scope.label} is not in a bad stretch: no stage change for the worse and no "
                f"warning or critical signal from {series.start} to {series.end} (state ok on {sm.latest_date}).")
    if bad:  # the latest run of signals (no gap of more than a week between them): when the bad stretch began
        run = [bad[-1]]
        for x in reversed(bad[:-1]):
            if (run[-1].date - x.date).days > 7:
                break
            run.append(x)
        began = run[-1].date
        days = (sm.latest_date - began).days if sm.latest_date else None
        return (f"Since about {began}" + (f" ({days} days to {sm.latest_date})" if days is not None else "")
                + f": {k.name} at {series.scope.label} has fired {len(run)} warning/critical signal(s) since then, the "
                  f"latest on {run[0].date} (state {sm.state}); no stage change for the worse is confirmed yet.")
    return None


def _control(series: Any) -> str:
    """"Is X stable / steady / in control?": from the stage analysis — no point signal and no stage change in the
    window is stable (a level short of the goal is said beside it, not taken for instability)."""
    k, sm = series.kpi, series.summary
    bad = [x for x in series.signals if x.state in ("warning", "critical")]
    shift = series.shift if series.shift is not None and series.shift.onset >= series.start else None
    off_goal = ""
    if k.goal is not None and sm.cl is not None and (sm.cl < k.goal if k.higher_is_better else sm.cl > k.goal):
        off_goal = f"; it runs steadily short of its goal {_f(k.goal, k)} (centre {_f(sm.cl, k)})"
    if not bad and shift is None and re.search(r"configured (?:upper|lower) limit", sm.rule or ""):  # predictable, but
        # beyond a limit the organisation set (a level short of the goal alone stays "stable", said beside it)
        return (f"Predictable, but not within bounds — {k.name} at {series.scope.label} has no control-chart signal and "
                f"no stage change from {series.start} to {series.end} (in statistical control), yet its state is "
                f"{sm.state}: {sm.rule or 'beyond what the organisation configured'}; the latest value "
                f"{_f(sm.latest_value, k)}, limits {_f(sm.lcl, k)}–{_f(sm.ucl, k)}{off_goal}.")
    if not bad and shift is None:
        return (f"Yes — {k.name} at {series.scope.label} is stable (in control): no warning or critical signal and no "
                f"stage change from {series.start} to {series.end}, the latest value {_f(sm.latest_value, k)} within the "
                f"limits {_f(sm.lcl, k)}–{_f(sm.ucl, k)}{off_goal}.")
    if not bad and shift is not None:  # no point signal, but the level itself moved
        return (f"No — {k.name} at {series.scope.label} shifted {shift.direction} from {_f(shift.before_cl, k)} to "
                f"{_f(shift.after_cl, k)} starting {shift.onset} (a change for the {'worse' if shift.bad else 'better'}); "
                f"since then it has stayed within its new limits {_f(sm.lcl, k)}–{_f(sm.ucl, k)}{off_goal}.")
    rules = sorted({x.rule for x in bad})
    moved = (f"; it shifted {shift.direction} from {_f(shift.before_cl, k)} to {_f(shift.after_cl, k)} starting "
             f"{shift.onset}" if shift is not None else "")
    return (f"No — {k.name} at {series.scope.label} is not in control: {len(bad)} warning/critical signal(s) from "
            f"{series.start} to {series.end} ({', '.join(rules) or sm.rule or sm.state}), the latest on "
            f"{bad[-1].date}; state {sm.state}{moved}.")


def _normal(series: Any) -> str | None:
    """"What's normal for X at <site>?", "the usual range of X": the current stage's natural process limits (and since
    when that stage holds), with where the latest value stands against them."""
    k, sm = series.kpi, series.summary
    if sm.lcl is None or sm.ucl is None or sm.cl is None:
        return None
    since = f" (since {series.stages[-1].start_date})" if series.stages else ""
    per = {"daily": "day", "weekly": "week", "monthly": "month"}.get(str(series.grain), str(series.grain).rstrip("ly"))
    where = ("" if sm.latest_value is None else
             f"; the latest value, {_f(sm.latest_value, k)} on {sm.latest_date}, is "
             + ("within them" if sm.lcl <= sm.latest_value <= sm.ucl else "outside them"))
    return (f"Normal for {k.name} at {series.scope.label}: between {_f(sm.lcl, k)} and {_f(sm.ucl, k)} a {per}, around "
            f"{_f(sm.cl, k)} — the natural process limits of its current stage{since}{where}.")


def _goal_gap(series: Any) -> str | None:
    """"How far is <site> from its X goal?": the latest value's and the stage centre's distance to it, by direction."""
    k, sm = series.kpi, series.summary
    if k.goal is None or sm.latest_value is None:
        return f"{k.name} has no goal configured, so there is nothing to measure the distance to." if k.goal is None else None
    unit = " points" if k.unit == "%" else f" {k.unit}" if k.unit not in ("", "count") else ""

    def gap(v: float, what: str) -> str:
        d = (k.goal - v) if k.higher_is_better else (v - k.goal)
        if not round(d, k.decimals):
            return f"exactly on {what}"
        return f"{abs(d):,.{k.decimals}f}{unit} {'short of' if d > 0 else 'better than'} {what}"
    centre = f"; the current stage's centre, {_f(sm.cl, k)}, is {gap(sm.cl, 'it')}" if sm.cl is not None else ""
    return (f"{k.name} at {series.scope.label} is {gap(sm.latest_value, f'its goal of {_f(k.goal, k)}')} "
            f"({'higher' if k.higher_is_better else 'lower'} is better): {_f(sm.latest_value, k)} on {sm.latest_date}"
            f"{centre}.")


def _goal(plan: QueryPlan, series: Any) -> str | None:
    k, sm = series.kpi, series.summary
    if k.goal is None or sm.latest_value is None:
        return f"{k.name} has no goal configured, so there is nothing to hold it against." if k.goal is None else None
    short = sm.latest_value < k.goal if k.higher_is_better else sm.latest_value > k.goal
    centre_short = sm.cl is not None and (sm.cl < k.goal if k.higher_is_better else sm.cl > k.goal)
    asked_short = "q:goal_below" in plan.notes
    yes = short == asked_short
    side = "short of" if short else "meeting"
    return (f"{'Yes' if yes else 'No'} — {k.name} at {series.scope.label} is {side} its goal of {_f(k.goal, k)} "
            f"({'higher' if k.higher_is_better else 'lower'} is better): {_f(sm.latest_value, k)} on {sm.latest_date}; "
            f"the current stage's centre {_f(sm.cl, k)} is {'short of' if centre_short else 'meeting'} it too"
            .replace(" too", "" if centre_short == short else " (unlike the latest value)") + ".")


def _spikes(plan: QueryPlan, series: Any) -> str:
    k = series.kpi
    w = plan.window
    start, end = (w.start, w.end) if w is not None and w.explicit else (series.start, series.end)
    hits = [x for x in series.signals if x.rule == "beyond_limits" and start <= x.date <= end]
    if not hits:
        return (f"No — no {k.name} value at {series.scope.label} beyond its natural process limits from {start} to "
                f"{end} (limits now {_f(series.summary.lcl, k)}–{_f(series.summary.ucl, k)}).")
    listed = "; ".join(f"{x.date} {_f(x.value, k)} ({'high' if x.side in ('above', 'upper') else 'low'}, {x.state})" for x in hits[:10])
    return (f"Yes — {len(hits)} {k.name} value(s) at {series.scope.label} beyond the natural process limits from "
            f"{start} to {end}: {listed}{' …' if len(hits) > 10 else ''}.")


def lead(plan: QueryPlan | None, series: Any) -> str | None:
    """The direct answer to the question's ``q:`` note about one KPI series, or None."""
    notes = set(plan.notes) if plan else set()
    if plan is not None and (days := next((n for n in notes if n.startswith("q:days_")), None)):
        return _days_beyond(plan, series, days)
    if (size := next((n for n in notes if n.startswith("q:size:")), None)) is not None:
        from agents.specialists.kpi_threshold import how_big

        return how_big(series, size.removeprefix("q:size:"))
    if plan is not None and (vs := next((n for n in notes if n.startswith("q:vs:")), None)):
        from agents.specialists.kpi_threshold import against_number

        return against_number(plan, series, vs)
    if plan is not None and (last := next((n for n in notes if n.startswith("q:last_beyond:")), None)):
        return _last_beyond(series, last)
    if "q:define" in notes:
        return _define(series)
    if plan is not None and notes & {"q:yoy", "q:halves"}:
        return _against(plan, series, "q:yoy" in notes)
    if plan is not None and (per := next((n for n in notes if n.startswith("q:period_")), None)):
        from agents.specialists.kpi_period_leads import periods

        return periods(plan, series, per.removeprefix("q:period_"))
    if plan is not None and (ext := next((n for n in notes if n.startswith("q:extreme_") and "unit" not in n
                                                and not n.startswith("q:extreme_n:")), None)):
        from agents.specialists.kpi_extremes import extreme

        unit = next((n.removeprefix("q:extreme_unit_") for n in notes if n.startswith("q:extreme_unit_")), "day")
        return extreme(plan, series, ext.removeprefix("q:extreme_"), unit)
    if "q:normal" in notes:
        return _normal(series)
    if "q:goal_gap" in notes:
        return _goal_gap(series)
    if not notes & {"q:trend", "q:since", "q:control", "q:goal_below", "q:goal_meet", "q:spikes"}:
        return None
    assert plan is not None
    if "q:spikes" in notes:
        return _spikes(plan, series)
    if "q:since" in notes:
        return _since(series)
    if "q:trend" in notes:
        return _trend(plan, series)
    if "q:control" in notes:
        return _control(series)
    return _goal(plan, series)


def _days_beyond(plan: QueryPlan, series: Any, note: str) -> str | None:
    """"How many days was X below 90 this month?": the days of the asked window on that side of the value (or of
    the KPI's goal), counted and listed."""
    k = series.kpi
    side, _, level = note.removeprefix("q:days_").partition(":")
    threshold = k.goal if level == "goal" else float(level)
    if threshold is None:
        return f"{k.name} has no goal configured, so there are no days below or above it to count."
    w = plan.window
    start, end = (w.start, w.end) if w is not None and w.explicit else (series.start, series.end)
    pts = [p for p in series.points if p.value is not None and start <= p.date <= end]
    if not pts:
        return None
    if side in ("meet", "short"):  # "how many days were we at goal?": at or better than it, by the KPI's direction
        met = [p for p in pts if (p.value >= threshold if k.higher_is_better else p.value <= threshold)]
        hits = met if side == "meet" else [p for p in pts if p not in met]
        side = "meeting" if side == "meet" else "short of"
    else:
        hits = [p for p in pts if (p.value < threshold if side == "below" else p.value > threshold)]
    what = f"its goal {_f(threshold, k)}" if level == "goal" else _f(threshold, k)
    what += f" ({'higher' if k.higher_is_better else 'lower'} is better)" if side in ("meeting", "short of") else ""
    yes = ("Yes — " if hits else "No — ") if "yesno" in plan.notes else ""  # "was X below its goal on any day?"
    head = (f"{yes}{len(hits)} of {len(pts)} days: {k.name} at {series.scope.label} was {side} {what} on {len(hits)} of "
            f"the {len(pts)} days ({100 * len(hits) / len(pts):.0f}%) with data from {start} to {end}")
    if not hits:
        return head + "."
    listed = "; ".join(f"{p.date} {_f(p.value, k)}" for p in hits[:10])
    return f"{head}: {listed}{' …' if len(hits) > 10 else ''}."


def _against(plan: QueryPlan, series: Any, yoy: bool) -> str | None:
    """"Is X better or worse than last year?" (the window against the same days a year earlier) and "the last 7 days
    vs the previous 7" (the window's second half against its first): the verdict by the KPI's direction first."""
    k, w = series.kpi, plan.window
    if w is None:
        return None
    pts = [p for p in series.points if p.value is not None and w.start <= p.date <= w.end]
    if yoy:
        pairs = [(p.value, p.yoy_value) for p in pts if p.yoy_value is not None]
        now, before = [a for a, _ in pairs], [b for _, b in pairs]
        then = "the same days a year earlier"
        span = f"{w.start} to {w.end}"
        if pts and not pairs:  # "vs last year" on a history shorter than a year: said, not skipped
            return (f"There is no {k.name} data at {series.scope.label} for the same days a year before {span}, so there "
                    "is nothing to compare with.")
    else:
        half = w.start + (w.end - w.start + dt.timedelta(days=1)) / 2
        now = [p.value for p in pts if p.date >= half]
        before = [p.value for p in pts if p.date < half]
        then = f"{w.start} to {half - dt.timedelta(days=1)}"
        span = f"{half} to {w.end}"
    if not now or not before:
        return None
    agg = (lambda xs: sum(xs)) if k.aggregation == "sum" and len(now) == len(before) else (lambda xs: sum(xs) / len(xs))
    a, b = agg(now), agg(before)
    verdict = "about the same" if round(a - b, k.decimals) == 0 else (
        "better" if (a > b) == k.higher_is_better else "worse")
    how = "in all" if k.aggregation == "sum" and len(now) == len(before) else "on average"
    diff = f"{abs(a - b):.{k.decimals}f} points" if k.unit == "%" else _f(abs(a - b), k)
    return (f"{verdict.capitalize()} — {k.name} at {series.scope.label}: {_f(a, k)} {how} from {span} against "
            f"{_f(b, k)} {then} ({'+' if a >= b else '−'}{diff}; "
            f"{'higher' if k.higher_is_better else 'lower'} is better).")


def _define(series: Any) -> str:
    """"What does TDR mean?": the KPI as the organisation defines it — name, unit, how days and stations combine,
    its direction, goal and configured limits (how the raw value is produced is not in the data, and it says so)."""
    k = series.kpi
    how = ("summed over the stations of a region or the company, and over the days of a period" if k.aggregation == "sum"
           else "averaged over the stations of a region or the company, and over the days of a period")
    names = [a for a in k.aliases if a.lower() not in (k.name.lower(), k.code.lower())][:4]
    also = f" (also called {', '.join(names)})" if names else ""
    limits = [f"goal {_f(k.goal, k)}"] if k.goal is not None else []
    if k.lower_limit is not None or k.upper_limit is not None:
        limits.append(f"configured limits {_f(k.lower_limit, k)}–{_f(k.upper_limit, k)}")
    return (f"{k.name} ({k.code}){also}: a daily value per station in {k.unit}, {how}; "
            f"{'higher' if k.higher_is_better else 'lower'} is better" + (f"; {', '.join(limits)}" if limits else "")
            + ". How each station computes its daily value is not recorded here; its recent values follow.")


def _last_beyond(series: Any, note: str) -> str | None:
    """"When was the last time <KPI> at <site> was above 95?": the latest day of the series beyond that value (or goal)."""
    k = series.kpi
    side, _, level = note.removeprefix("q:last_beyond:").partition(":")
    threshold = k.goal if level == "goal" else float(level)
    if threshold is None:
        return f"{k.name} has no goal configured."
    pts = [p for p in series.points if p.value is not None]
    if not pts:
        return None
    hits = [p for p in pts if (p.value < threshold if side == "below" else p.value > threshold)]
    what = f"its goal {_f(threshold, k)}" if level == "goal" else _f(threshold, k)
    if not hits:
        return (f"Never in the data: {k.name} at {series.scope.label} has not been {side} {what} on any day from "
                f"{pts[0].date} to {pts[-1].date}.")
    p = hits[-1]
    ago = (pts[-1].date - p.date).days
    return (f"{p.date} ({ago} days before the latest day, {pts[-1].date}): the last day {k.name} at {series.scope.label} "
            f"was {side} {what}, with {_f(p.value, k)}; {len(hits)} of the {len(pts)} days since {pts[0].date} were.")
