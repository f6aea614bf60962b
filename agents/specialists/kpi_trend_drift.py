""""Is <KPI> getting worse?" with no period asked: the last 14 days against the 14 before can look level while the
series has drifted the wrong way for months. The longer history (up to :data:`HISTORY_DAYS`, :func:`kpi_moves.drift`'s
slope test) decides then, and the fortnight comparison follows as the second line."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import first
from agents.specialists.kpi_moves import first_day, quarter_drift
from tools.kpis.shaping import fmt_rate

LEVEL = " is about level: "
#: how far back "getting worse?" looks for a slow drift (the series' own start when shorter): half a year
HISTORY_DAYS = 180


async def with_drift(s: Any, plan: QueryPlan, ctx: Any, level: str, series: Any, answer: str, f: Any,
                     cited: Any) -> list[dict[str, Any]] | None:
    """The answer's first two lines — the drift (citing the longer series) and the fortnight comparison (citing
    ``cited``, the window's series) — when the fortnight comparison ``answer`` found the KPI about level but the
    longer history drifts steadily; None otherwise (nothing fetched unless it is level)."""
    if "q:trend" not in plan.notes or LEVEL not in answer or (plan.window is not None and plan.window.explicit):
        return None
    slow = await quarter_drift(s, ctx, series.kpi.code, level, series, (HISTORY_DAYS,))
    if slow is None:
        return None
    (way, a, b, week), longer, records = slow
    since = first_day(longer)
    days = (longer.end - since).days + 1
    k = series.kpi
    worse = (way == "up") != bool(k.higher_is_better)
    said = "getting worse" if worse else "getting better"
    asked_worse, asked_better = "q:trend_worse" in plan.notes, "q:trend_better" in plan.notes
    prefix = ("Yes — " if (asked_worse and worse) or (asked_better and not worse) else
              "No — " if asked_worse or asked_better else "")
    lead = (f"{prefix}{k.name} at {series.scope.label} is {said} over the longer run: it has drifted {way} steadily "
            f"over the last {days} days, from about {f(a)} on {since} to about {f(b)} on {longer.end} (a trend of "
            f"{'+' if week > 0 else ''}{fmt_rate(week, k.decimals, k.unit)} a week) — too slowly to show between "
            "one fortnight and the next.")
    fortnight = answer.removeprefix("No — ").removeprefix("Yes — ").split(LEVEL, 1)[1]
    ids = lambda r: [r.id] if r is not None else []  # noqa: E731
    return [{"text": lead, "evidence_ids": ids(first(records, "kpi_series"))},
            {"text": f"Over the last two fortnights alone it looks level: {fortnight}", "evidence_ids": ids(cited)}]
