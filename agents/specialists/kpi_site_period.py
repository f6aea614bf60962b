""""How did <site> do yesterday / last week?": every KPI measured there over that period, each against the same
length of time just before it (better / worse by the KPI's own direction) and its goal — the period asked, not
today's attention list. Every number is the ``kpi_values`` tool's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.specialists.kpi_questions import fmt
from agents.state import ThreadContext
from tools.kpis.questions import kpi_values, rank_kpi

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


async def site_vs_rest(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    """"How are we doing at <site> vs everyone else?": every KPI measured there ranked across all the stations over
    the asked window (the last 30 days by default) — where the site stands on each and the stations' average; the
    KPIs where it is the worst (or the best) are said first. Every number is the ``rank_kpi`` tool's."""
    scope = plan.subjects.scopes[0] if plan.subjects.scopes else None
    if scope is None or not scope.code:
        s.notices.append("Which station should I compare with the others?")
        return
    cat = s.deps.catalog
    code = scope.code
    w = plan.window
    worst: list[str] = []
    best: list[str] = []
    lines: list[tuple[str, Any]] = []
    span = ""
    for kpi in [k for k in cat.kpis if cat.unmeasured(k, code) is None][:MAX_KPIS]:
        got = await s.tool("rank_kpi", rank_kpi, kpi=kpi, group_by="station", order="worst", limit=1000,
                           **({"start": w.start, "end": w.end} if w is not None else {}))
        if got is None:
            continue
        r, records = got
        k = r.kpi
        values = [x.value for x in r.rows if x.value is not None]
        hit = next((x for x in r.rows if x.code == code and x.value is not None), None)
        if hit is None or len(values) < 2:
            continue
        span = f"{r.start} to {r.end}"
        mean = sum(values) / len(values)
        what = "total" if k.aggregation == "sum" else "average"
        place = ("the worst" if hit.rank == 1 else "the best" if hit.rank == len(values)
                 else f"#{hit.rank} (worst first)")
        side = "better" if (hit.value > mean) == k.higher_is_better else "worse"
        if hit.value == mean:
            side = "level with"
        lines.append((f"{k.name}: {fmt(hit.value, k.decimals, k.unit)} ({what}) — {place} of {len(values)} stations; "
                      f"the stations' average is {fmt(mean, k.decimals, k.unit)}, so {side}"
                      f"{'' if side == 'level with' else ' than'} average ({'higher' if k.higher_is_better else 'lower'} is better).",
                      records[0]))
        if hit.rank == 1:
            worst.append(k.name)
        elif hit.rank == len(values):
            best.append(k.name)
    if not lines:
        s.say(f"No KPI at {code} can be compared with other stations{f' for {w.label}' if w else ''}.")
        return
    head = f"{code} ({scope.name or cat.stations.get(code, code)}) against the other stations, {span}: "
    head += (f"the worst of all on {', '.join(worst)}" if worst else "not the worst on any KPI")
    head += (f"; the best on {', '.join(best)}." if best else ".")
    s.say(head, *[ev for _, ev in lines])
    for text, ev in lines:
        s.say(text, ev)
    s.data = {"station": code, "worst_on": worst, "best_on": best}
    ctx["station"] = code
