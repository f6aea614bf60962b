""""Is parts fill rate at <site> above 90%?", "are we under 2% on <KPI>?", "is <KPI> over 500 this week?": a number
asked against one KPI series, answered Yes/No first — the asked period's mean (or total, for a summed KPI) when a
period is named, else the latest day. A percentage asked of a KPI that is not one is said, not compared."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan


def _f(x: float, k: Any) -> str:
    u = "" if k.unit in ("", "count") else k.unit
    return f"{x:,.{k.decimals}f}{'' if u == '%' or not u else ' '}{u}"


def against_number(plan: QueryPlan, series: Any, note: str) -> str | None:
    """The lead line for ``q:vs:<above|below>:<N>[:pct]``."""
    k = series.kpi
    side, _, rest = note.removeprefix("q:vs:").partition(":")
    level, _, pct = rest.partition(":")
    try:
        n = float(level)
    except ValueError:
        return None
    pts = [p for p in series.points if p.value is not None]
    if not pts:
        return None
    if pct and k.unit != "%":
        unit = k.unit if k.unit not in ("", "count") else "a count"
        last = pts[-1]
        return (f"{n:g}% can't be compared with {k.name}: it is counted in {unit}, not a percentage (a share of "
                f"{unit} would need the total it is a share of, which is not recorded). At {series.scope.label} it was "
                f"{_f(last.value, k)} on {last.date}.")
    w = plan.window
    verb = "was" if w is not None and w.explicit else "is"
    if w is not None and w.explicit:
        got = [p for p in pts if w.start <= p.date <= w.end]
        if not got:
            return None
        summed = k.aggregation == "sum"
        value = sum(p.value for p in got) if summed else sum(p.value for p in got) / len(got)
        what = (f"{'the total' if summed else 'the mean'} {_f(value, k)} from {got[0].date} to {got[-1].date} "
                f"({len(got)} days)")
    else:
        value, what = pts[-1].value, f"{_f(pts[-1].value, k)} on {pts[-1].date}, the latest day"
    yes = value > n if side == "above" else value < n
    good = (value >= n) == k.higher_is_better if value != n else True
    return (f"{'Yes' if yes else 'No'} — {k.name} at {series.scope.label} {verb} {'above' if value > n else 'below' if value < n else 'at'} "
            f"{_f(n, k)}: {what} ({'higher' if k.higher_is_better else 'lower'} is better, so that side of "
            f"{_f(n, k)} is {'the good' if good else 'the bad'} one).")


def how_big(series: Any, asked: str) -> str | None:
    """"Is that a lot / high / low / bad / good?" after a value: the latest value against its usual level (the current
    stage's centre), its normal range (the natural process limits) and its goal, the verdict first."""
    k, sm = series.kpi, series.summary
    v, cl, lcl, ucl = sm.latest_value, sm.cl, sm.lcl, sm.ucl
    if v is None or cl is None or ucl is None or lcl is None:
        return None
    rng = f"{_f(lcl, k)}–{_f(ucl, k)}"
    where = (f"above its normal range ({rng}; usual level {_f(cl, k)})" if v > ucl
             else f"below its normal range ({rng}; usual level {_f(cl, k)})" if v < lcl
             else f"within its normal range ({rng}), {'above' if v > cl else 'below' if v < cl else 'at'} its usual level "
                  f"{_f(cl, k)}")
    goal = k.goal
    met = None if goal is None else (v >= goal if k.higher_is_better else v <= goal)
    bad = (v < lcl if k.higher_is_better else v > ucl) or met is False
    if asked == "high":
        lead = "Yes" if v > ucl else "Not unusually" if v > cl else "No"
    elif asked == "low":
        lead = "Yes" if v < lcl else "Not unusually" if v < cl else "No"
    elif asked in ("worse", "better"):  # "worse than usual": the bad side of its usual level, beyond the range or not
        low_side = asked == "worse" if k.higher_is_better else asked == "better"
        beyond, side = (v < lcl, v < cl) if low_side else (v > ucl, v > cl)
        lead = "Yes" if beyond else "Slightly, within its normal range" if side else "No"
    elif asked == "bad":
        lead = "Yes" if bad else "No"
    else:  # good
        lead = "Yes" if not bad else "No"
    sh = series.shift
    if sh is not None and sh.kind == "level" and sm.latest_date is not None and (sm.latest_date - sh.onset).days <= 28:
        # a level that moved lately: "usual" is the new stage's, so the level before is said and leads the verdict
        up = sh.after_cl > sh.before_cl
        asked_up = asked == "high" or (asked in ("worse", "bad") and not k.higher_is_better) or (
            asked in ("better", "good") and k.higher_is_better)
        lead = "Yes" if (up == asked_up and asked != "low") or (asked == "low" and not up) else lead
        where += (f"; but its level moved {'up' if up else 'down'} on {sh.onset}, from {_f(sh.before_cl, k)} to "
                  f"{_f(sh.after_cl, k)}, so against the weeks before it is {'higher' if up else 'lower'}")
    goal_said = "" if goal is None else f"; it {'meets' if met else 'misses'} the goal of {_f(goal, k)}"
    return (f"{lead} — {k.name} at {series.scope.label} was {_f(v, k)} on {sm.latest_date}: {where}{goal_said} "
            f"({'higher' if k.higher_is_better else 'lower'} is better).")
