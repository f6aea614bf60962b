"""What a KPI did around a named change ("did MAX_STOPS_PER_ROUTE going to 150 help parcels per van-hour?", "did
turning on the v2 solver hurt on-time?"): the KPI over the days before the change's day against the days after it,
by the KPI's own rule, and whether the difference is beyond the day-to-day noise. Said before the stage story and the
changes ranked, which answer "why" rather than "what did it do"."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope, first
from agents.state import ThreadContext
from tools.kpis.history import kpi_values
from tools.kpis.shaping import fmt_value

SPAN_DAYS = 7


def effect_note(plan: QueryPlan | None) -> tuple[str, dt.date] | None:
    """``(change id, its day)`` from the plan's ``change:effect:<id>:<YYYY-MM-DD>`` note."""
    note = next((n for n in plan.notes if n.startswith("change:effect:")), None) if plan else None
    if note is None:
        return None
    ext, day = note.removeprefix("change:effect:").rsplit(":", 1)
    return ext, dt.date.fromisoformat(day)


def _stats(values: list[float]) -> tuple[float, float, int]:
    n = len(values)
    m = sum(values) / n
    return m, (sum((v - m) ** 2 for v in values) / max(n - 1, 1)), n


async def change_effect(s: StepScope, plan: QueryPlan, ctx: ThreadContext, level: str) -> None:
    """Say the KPI's daily average in the days before the change's day and in the days after it (the day itself,
    half before and half after, left out)."""
    named = effect_note(plan)
    if named is None or not ctx.get("kpi"):
        return
    ext, day = named
    last = s.deps.now.date() - dt.timedelta(days=1)
    spans = ((day - dt.timedelta(days=SPAN_DAYS), day - dt.timedelta(days=1)),
             (day + dt.timedelta(days=1), min(day + dt.timedelta(days=SPAN_DAYS), last)))
    if spans[1][0] > spans[1][1]:
        s.say(f"{ext} was made on {day}: too recently for a day after it to compare with.")
        return
    got: list[Any] = []
    for start, end in spans:
        r = await s.tool("kpi_values", kpi_values, kpi=ctx["kpi"], station=ctx.get("station"), region=ctx.get("region"),
                         summary_level=level, start=start, end=end, grain="day")
        if r is None:
            return
        got.append(r)
    (vb, rb), (va, ra) = got
    before = [p.value for p in vb.points if p.value is not None]
    after = [p.value for p in va.points if p.value is not None]
    if not before or not after:
        s.say(f"There are no {vb.kpi.name} values on both sides of {ext} ({day}) at {vb.scope.label} to compare.",
              first(rb, "kpi_values"))
        return
    (mb, varb, nb), (ma, vara, na) = _stats(before), _stats(after)
    delta, se = ma - mb, math.sqrt(varb / nb + vara / na)
    better = (delta > 0) == bool(vb.kpi.higher_is_better)
    per_day = " a day" if vb.kpi.aggregation == "sum" else ""
    f = lambda x: fmt_value(x, vb.kpi)  # noqa: E731
    verdict = ("no clear effect: the difference is within its day-to-day noise" if abs(delta) <= 2 * se else
               f"{'better' if better else 'worse'} after it by {f(abs(delta))}{per_day}, beyond its day-to-day noise")
    s.say(f"Around {ext} ({day}): {vb.kpi.name} at {vb.scope.label} averaged {f(mb)}{per_day} over the {nb} days "
          f"before ({spans[0][0]} to {spans[0][1]}) and {f(ma)}{per_day} over the {na} days after ({spans[1][0]} to "
          f"{spans[1][1]}) — {verdict}.", first(rb, "kpi_values"), first(ra, "kpi_values"))
