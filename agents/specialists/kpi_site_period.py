""""How did <site> do yesterday / last week?": every KPI measured there over that period, each against the same
length of time just before it (better / worse by the KPI's own direction) and its goal — the period asked, not
today's attention list. Every number is the ``kpi_values`` tool's."""

from __future__ import annotations

import datetime as dt

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.specialists.kpi_questions import fmt
from agents.state import ThreadContext
from tools.kpis.questions import kpi_values

MAX_KPIS = 12


async def site_period(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    w = plan.window
    scope = plan.subjects.scopes[0] if plan.subjects.scopes else None
    if w is None or scope is None or not scope.code:
        s.notices.append("Which place and which period?")
        return
    cat = s.deps.catalog
    code = scope.code
    span = (w.end - w.start).days + 1
    before = (w.start - dt.timedelta(days=span), w.start - dt.timedelta(days=1))
    said = 0
    for kpi in [k for k in cat.kpis if cat.unmeasured(k, code) is None][:MAX_KPIS]:
        noticed = len(s.notices)
        got = await s.tool("kpi_values", kpi_values, kpi=kpi, station=code, summary_level="station", start=w.start,
                           end=w.end, grain="day")
        prev = await s.tool("kpi_values", kpi_values, kpi=kpi, station=code, summary_level="station",
                            start=before[0], end=before[1], grain="day")
        del s.notices[noticed:]  # a KPI without data in the period is left out (said below)
        if got is None or got[0].total is None:
            continue
        r, records = got
        k = r.kpi
        f = lambda x, k=k: fmt(x, k.decimals, k.unit)  # noqa: E731
        what = "" if span == 1 else f"{r.total_kind} "
        line = f"{k.name}: {what}{f(r.total)}"
        if prev is not None and prev[0].total is not None:
            p = prev[0].total
            verdict = ("unchanged" if round(r.total - p, k.decimals) == 0
                       else "better" if (r.total > p) == k.higher_is_better else "worse")
            line += f" ({verdict}; the {'day' if span == 1 else f'{span} days'} before: {f(p)})"
        if k.goal is not None and k.aggregation != "sum":
            met = r.total >= k.goal if k.higher_is_better else r.total <= k.goal
            line += f"; goal {f(k.goal)} {'met' if met else 'missed'}"
        s.say(line + ".", records[0])
        said += 1
    if not said:
        s.say(f"No KPI data at {code} for {w.label} ({w.start} to {w.end}).")
        return
    s.data = {"station": code, "period": [w.start.isoformat(), w.end.isoformat()]}
    ctx["station"] = code
