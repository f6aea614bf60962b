""""How many stations are below goal on X right now?", "which sites are missing the target on X?": a count of the
places whose value misses the KPI's configured goal, and which they are — not the attention list of signals.

The values are the ``rank_kpi`` tool's: with no period asked, each station's latest day; with a period, the mean
(or total) over it. The goal and its direction are the KPI's own (``kpi_definitions``).
"""

from __future__ import annotations

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.specialists.kpi_questions import fmt, window_args
from agents.state import ThreadContext
from tools.kpis.questions import rank_kpi


def goal_asked(plan: QueryPlan) -> str | None:
    """``below`` / ``meet`` (``below:90`` with a number the question names) when the plan asks how many (or which)
    places miss or meet the goal (the parser's note)."""
    return next((n.removeprefix("goal_count:") for n in plan.notes if n.startswith("goal_count:")), None)


async def goal_count(s: StepScope, plan: QueryPlan, ctx: ThreadContext, how: str) -> None:
    region = next((x.code for x in plan.subjects.scopes if x.level == "region"), None)
    args = {"kpi": plan.kpis[0], "group_by": "station", "order": "worst", "limit": 1000, "region": region}
    noticed = len(s.notices)
    got = await s.tool("rank_kpi", rank_kpi, **args, **window_args(plan))
    explicit = plan.window is not None and plan.window.explicit
    if got is None and plan.window is not None and any("no data between" in n.lower() for n in s.notices[noticed:]):
        del s.notices[noticed:]  # "… today?" before today's data is in: each station's latest day, said so
        got, explicit = await s.tool("rank_kpi", rank_kpi, **args), False
    if got is None:
        return
    if not explicit and got[0].start != got[0].end:  # "right now": each station's latest day
        got = await s.tool("rank_kpi", rank_kpi, **(args | {"start": got[0].end, "end": got[0].end}))
        if got is None:
            return
    r, records = got
    k, ev = r.kpi, records[0]
    f = lambda x: fmt(x, k.decimals, k.unit)  # noqa: E731
    when = f"on {r.end}, the latest day with data" if r.start == r.end and not explicit else (
        f"on {r.start}" if r.start == r.end else f"{r.start} to {r.end}" + ("" if k.aggregation == "sum" else ", mean"))
    where = f" in {region}" if region else ""
    how, _, named = how.partition(":")
    goal = float(named) if named else k.goal  # "below the 90% goal": the number the question names
    if goal is None:
        s.say(f"{k.name} has no goal configured, so no station can be below or above it; the worst{where} {when}: "
              + "; ".join(f"{x.code} {f(x.value)}" for x in r.rows[:5]) + ".", ev)
        return
    rows = [x for x in r.rows if x.value is not None]
    daily = k.aggregation == "sum" and r.start != r.end  # a goal is per day: a total over days is set against it a day
    if daily:
        rows = [x.model_copy(update={"value": x.value / x.days}) for x in rows if x.days]
        when += ", a day on average"
    short = [x for x in rows if (x.value < goal if k.higher_is_better else x.value > goal)]
    meeting = [x for x in rows if x not in short]
    side = f"{'higher' if k.higher_is_better else 'lower'} is better"
    asked, other = (short, meeting) if how == "below" else (meeting, short)
    word, other_word = ("short of", "meeting") if how == "below" else ("meeting", "short of")
    if named and not k.higher_is_better:  # "any stations over 30 on <a lower-is-better KPI>": over / at or under it
        word, other_word = ("above", "at or below") if how == "below" else ("at or below", "above")
    nodata = r.total - len(rows)
    what = (f"the {k.name} goal of {f(goal)}" if goal == k.goal else f"{f(goal)} on {k.name}"
            + (f" (the configured goal is {f(k.goal)})" if k.goal is not None else ""))
    s.say(f"{len(asked)} of {len(rows)} stations{where} are {word} {what} ({side}) {when}"
          + (f" ({nodata} without data)" if nodata else "") + (": " if asked else ".")
          + "; ".join(f"{x.code} ({x.name}) {f(x.value)}" for x in asked[:25]) + ("…" if len(asked) > 25 else "")
          + ("." if asked else ""), ev)
    if other:
        s.say(f"{other_word[0].upper() + other_word[1:]} it: " + ", ".join(f"{x.code} {f(x.value)}" for x in other[:25])
              + ("…" if len(other) > 25 else "") + ".", ev)
    s.data = {"kpi": k.code, "goal_count": [x.code for x in asked], "goal": goal}
    if len(asked) == 1:
        ctx["station"] = asked[0].code
    ctx["kpi"] = k.code
