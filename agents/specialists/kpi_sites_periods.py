""""Queue minutes at <site A> vs <site B>, october vs november": each site's two periods side by side (the one-site
period comparison for each), then which site was better in each period and which changed more — not one average
over both months per site."""

from __future__ import annotations

import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext

MAX_SITES = 6


def two_periods_many_sites(plan: QueryPlan) -> bool:
    """Whether ``plan`` compares one KPI at several places over a window of two periods ("X vs Y")."""
    w = plan.window
    return bool(plan.operation in ("compare", "lookup") and len(plan.kpis) == 1 and w is not None
            and (" vs " in f" {w.label} " or re.match(r"(?:this|last) (week|month) and the \1 before$", w.label)) and (w.grain in ("week", "month") or (w.grain == "day" and not w.single_day))
            and len(plan.subjects.scopes) >= 2
            and not plan.chart)


async def sites_by_period(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    """Each place's two periods (``compare_periods`` with that place alone), then the places side by side."""
    from agents.specialists.kpi_periods import compare_periods

    seen: list[tuple[str, Any]] = []
    for scope in plan.subjects.scopes[:MAX_SITES]:
        one = plan.model_copy(update={"subjects": plan.subjects.model_copy(update={"scopes": [scope]})})
        s.data = {}
        await compare_periods(s, one, ctx)
        if (got := s.data.get("periods")) is not None:
            seen.append((scope.code or s.data.get("where") or "the company", got))
    s.data = {"compared": [c for c, _ in seen]}
    if len(seen) < 2:
        return
    cat, kpi = s.deps.catalog, plan.kpis[0]
    higher = cat.kpi_higher_is_better.get(kpi, True)
    parts = []
    for i in (0, 1):
        vals = [(code, got[i].value) for code, got in seen if got[i].value is not None]
        if len(vals) < 2:
            continue
        p = seen[0][1][i]
        best = (max if higher else min)(vals, key=lambda x: x[1])
        level = len({round(v, 6) for _c, v in vals}) == 1
        parts.append(f"{p.start if p.start == p.end else f'{p.start} to {p.end}'} {'all level' if level else f'{best[0]} best'}")
    moved = max(seen, key=lambda x: abs(x[1][2]))
    same = len({got[3] for _c, got in seen}) == 1
    small = all(got[4] is not None and got[4] < 1 for _c, got in seen)  # within a day's usual spread everywhere
    change = ("; no place changed by more than its usual day-to-day spread" if small else
              f"; the biggest change was at {moved[0]} ({moved[1][3]})"
              + (f", and every place got {seen[0][1][3]}" if same and seen[0][1][3] != "unchanged" else ""))
    s.say(f"Side by side on {cat.kpis.get(kpi, [kpi])[0]} ({'higher' if higher else 'lower'} is better): "
          + "; ".join(parts) + change + ".", *s.evidence[-1:])
