"""A KPI over an incident's days, for "any complaints related to the <words> incident?" when the organisation keeps
a KPI of what customers raise (its name has the question's word: "Customer complaints"): the KPI across the
organisation while the incident lasted against the days before it, by the KPI's own rule, and whether the
difference is beyond the day-to-day noise. Said after the incident's tickets (:mod:`ticket_incidents`)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope, first
from tools.incidents.lookup import IncidentInfo
from tools.kpis.history import kpi_values
from tools.kpis.shaping import fmt_value

BEFORE_DAYS = 7


def _mean_var(values: list[float]) -> tuple[float, float, int]:
    n = len(values)
    m = sum(values) / n
    return m, sum((v - m) ** 2 for v in values) / max(n - 1, 1), n


async def kpi_over_incident(s: StepScope, plan: QueryPlan, inc: IncidentInfo) -> None:
    """Each ``tickets:kpi:<code>`` KPI of ``plan`` over ``inc``'s days (the day it started to the day it was resolved,
    or yesterday) against the :data:`BEFORE_DAYS` days before, company-wide."""
    codes = [n.removeprefix("tickets:kpi:") for n in plan.notes if n.startswith("tickets:kpi:")]
    last = s.deps.now.date() - dt.timedelta(days=1)
    start = inc.started_at.date()
    end = min(inc.resolved_at.date() if inc.resolved_at else last, last)
    if not codes or end < start:
        return
    before = (start - dt.timedelta(days=BEFORE_DAYS), start - dt.timedelta(days=1))
    for code in codes:
        got: list[Any] = []
        for a, b in ((start, end), before):
            r = await s.tool("kpi_values", kpi_values, kpi=code, summary_level="company", start=a, end=b, grain="day")
            if r is None:
                break
            got.append(r)
        if len(got) < 2:
            continue
        (vd, rd), (vb, rb) = got
        during = [p.value for p in vd.points if p.value is not None]
        prior = [p.value for p in vb.points if p.value is not None]
        if not during:
            continue
        k = vd.kpi

        def f(x: float | None, k: Any = k) -> str:
            return fmt_value(x, k)

        per_day = " a day" if k.aggregation == "sum" else ""
        what = (f"{f(vd.total)} in total, {f(sum(during) / len(during))} a day" if k.aggregation == "sum"
                else f"averaging {f(sum(during) / len(during))}")
        line = (f"{k.name} across the organisation while {inc.external_id} lasted ({vd.start} to {vd.end}): {what}")
        if prior:
            (md, vard, nd), (mb, varb, nb) = _mean_var(during), _mean_var(prior)
            delta, se = md - mb, math.sqrt(vard / nd + varb / nb)
            size = ("within its day-to-day noise" if abs(delta) <= 2 * se else "beyond its day-to-day noise")
            line += (f", against {f(mb)}{per_day} over the {nb} days before ({vb.start} to {vb.end}) — "
                     f"{'higher' if delta > 0 else 'lower'} by {f(abs(delta))}{per_day}, {size}")
        s.say(line + ".", first(rd, "kpi_values"), first(rb, "kpi_values"))
