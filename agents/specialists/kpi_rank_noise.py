""""Which park is worst on X (and why)?" when the places' values are within each other's noise: said ("no park
stands out"), and a "why" then explains what they share — the whole organisation's series — instead of the
first of a near-tie as if it were the odd one out."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext
from tools.kpis.shaping import fmt_amount


def tie_line(r: Any, group_by: str) -> str | None:
    """A line when the first of a ranking is not told apart from the others by their day-to-day noise, else None."""
    k, rows = r.kpi, r.rows
    if not rows or not r.within_noise or r.total < 2:
        return None
    f = lambda x: fmt_amount(x, k.decimals, k.unit)  # noqa: E731
    top = rows[0]
    if len(r.within_noise) >= r.total - 1:
        return (f"No {group_by} stands out: all {r.total} are between {f(r.lowest)} and {f(r.highest)}, differences "
                f"smaller than their day-to-day noise allows telling apart (within two standard errors), so the order "
                f"among them is chance — {top.code} is first by a hair, not the odd one out.")
    named = ", ".join(r.within_noise[:6]) + (" …" if len(r.within_noise) > 6 else "")
    return (f"{top.code} is not clearly the {r.order}: {named} {'is' if len(r.within_noise) == 1 else 'are'} within "
            f"day-to-day noise of it (within two standard errors).")


def explained_after_rank(s: StepScope, plan: QueryPlan, ctx: ThreadContext, ranked: list[str]) -> tuple[str, str | None]:
    """The scope a "which <site> is worst … and why?" explains after its ranking: the first one, or — when none
    stands out — the whole organisation (what they have in common). Returns the level and code, ``ctx`` set."""
    # "is anything weird with X?" (a yes/no) asks about a site's own chart — a burst is in its days, not its total —
    # so the first is explained even when the totals tie; "which <site> is worst … and why?" explains what they share
    if s.data.get("tied_all") and plan.group_by == "station" and not ctx.get("region") and "yesno" not in plan.notes:
        ctx.pop("station", None)
        name = s.deps.catalog.kpis.get(plan.kpis[0], [plan.kpis[0]])[0] if plan.kpis else "it"
        s.say(f"Why: no single place differs from the rest, so what they share is explained — {name} across the "
              "whole organisation.", *s.evidence[-1:])
        return "company", None
    if plan.group_by == "station":
        ctx.pop("region", None)  # a station ranked within a region is explained on its own series
    ctx["station" if plan.group_by == "station" else "region"] = ranked[0]
    s.say(f"Why {ranked[0]} is the {plan.order or 'worst'}:", *s.evidence[-1:])
    return plan.group_by or "station", ranked[0]
