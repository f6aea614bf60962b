""""How long has X been below goal?", "since when have we been over target?", "how long has X been above 5%?": the
first line of the answer, dated over the series' whole history (``kpi_side_run``), not only the window shown.

The note ``q:since_side:<below|above|short|meet>:<goal|number>`` comes from the parser (agents/understanding/asks.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext
from tools.kpis.shaping import fmt_amount
from tools.kpis.side_run import SideRun, kpi_side_run, on_side


def _words(r: SideRun) -> tuple[str, str, str]:
    """The side asked with its level, the side's word alone, and the other side ("below its goal of 97.00%",
    "below", "at or above it"); "short"/"meet" are read by the KPI's direction."""
    k = r.kpi
    amount = fmt_amount(r.threshold, k.decimals, k.unit)
    level = f"its goal of {amount}" if r.of_goal else amount
    word = {"short": "short of", "meet": "meeting"}.get(r.side, r.side)
    other = {"below": "at or above it", "above": "at or below it", "short": "meeting it", "meet": "short of it"}[r.side]
    return f"{word} {level}", word, other


def side_line(r: SideRun) -> str:
    """The answer: since when (the stretch, the 7-day average, every day), or No with the last day it was."""
    k = r.kpi
    f = lambda x: fmt_amount(x, k.decimals, k.unit)  # noqa: E731
    said, word, other = _words(r)
    direction = f"{'higher' if k.higher_is_better else 'lower'} is better"
    if not r.on_side_now:
        last = (f"; the last day it was {word} it was {r.last_on_side}" if r.last_on_side
                else f"; it has not been {word} it on any day since its data begins ({r.searched_from})")
        avg = r.average_now
        lately = (f" — though its 7-day average, {f(avg)}, is {word} it (a day's wobble)" if avg is not None and
                  bool(on_side(np.array([avg]), r.side, r.threshold, k.higher_is_better)[0]) else "")
        return (f"No — {k.name} at {r.scope.label} is not {said} now: {f(r.latest_value)} on {r.latest_date} "
                f"({direction}){lately}{last}.")
    assert r.stretch_from is not None
    step = r.level_crossed_on
    since = min(step, r.every_day_since or step) if step else r.stretch_from  # a step dated a day or two late
    days = (r.latest_date - since).days + 1
    start = (f"Since {since}" if step else f"Since at least {r.stretch_from}, when its data begins"
             if r.stretch_from_history_start else f"Since {r.stretch_from}")
    how = (f" — its level shifted from {f(r.level_before)} to {f(r.level_after)} on {step}" if step else
           f" on {r.days_on_side} of the {r.days_in_stretch} days with data")
    after = ("" if r.stretch_from_history_start or step else
             f"; {r.stretch_from} was the first day {word} it after {r.other_run_days} days in a row {other}")
    smooth = (f"; its 7-day average has been {word} it since {r.average_since} and went from {f(r.average_then)} at the "
              f"start of the stretch to {f(r.average_now)}" if r.average_since and not step and r.average_since != r.stretch_from else "")
    every = ("; every day since then" if r.every_day_since == since else
             f"; every day since {r.every_day_since} (the last day {other}: {r.last_other_day})"
             if r.last_other_day is not None else "")
    return (f"{start} ({days} days to {r.latest_date}): {k.name} at {r.scope.label} has been {said} ({direction})"
            f"{how}{after}{smooth}{every}. The latest value is {f(r.latest_value)} on {r.latest_date}.")


async def side_since(s: StepScope, plan: QueryPlan | None, ctx: ThreadContext, level: str) -> dict[str, Any] | None:
    """The cited first line for a ``q:since_side`` question, or None (no such note, or the tool could not date it)."""
    note = next((n for n in plan.notes if n.startswith("q:since_side:")), None) if plan is not None else None
    if note is None or plan is None:
        return None
    side, _, said = note.removeprefix("q:since_side:").partition(":")
    w = plan.window
    before = w.end if w is not None and w.explicit and "window" not in plan.inherited else None
    got = await s.tool("kpi_side_run", kpi_side_run, kpi=ctx["kpi"], side=side,
                       threshold=None if said == "goal" else float(said), station=ctx.get("station"),
                       region=ctx.get("region"), summary_level=level, before=before)
    if got is None:
        return None
    result, records = got
    return {"text": side_line(result), "evidence_ids": [r.id for r in records]}
