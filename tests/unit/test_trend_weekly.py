"""Is X getting worse?" on a KPI reported weekly (an NPS, a fare-evasion survey): its last weeks against the weeks
before, not "no answer" for want of 28 daily points (qa21a); a daily KPI keeps its 14 days against 14."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS

from agents.plan import QueryPlan
from agents.specialists.kpi_leads import _trend


def _series(values: list[float], step: int, higher: bool) -> NS:
    start = dt.date(2026, 9, 7)
    pts = [NS(date=start + dt.timedelta(days=step * i), value=v) for i, v in enumerate(values)]
    kpi = NS(name="Net promoter score", unit="", decimals=1, higher_is_better=higher)
    return NS(kpi=kpi, points=pts, summary=NS(sigma=1.0), shift=None, scope=NS(label="company"))


def test_a_weekly_kpi_compares_its_last_weeks():
    plan = QueryPlan(operation="lookup", notes=["q:trend_worse"])
    line = _trend(plan, _series([41, 40, 42, 41, 33, 31], 7, higher=True))
    assert line is not None and line.startswith("Yes — Net promoter score at company is getting worse: the last 3 weeks"), line
    assert "the 3 weeks before" in line, line


def test_a_daily_kpi_still_needs_its_28_days():
    plan = QueryPlan(operation="lookup", notes=["q:trend_worse"])
    assert _trend(plan, _series([5.0] * 20, 1, higher=False)) is None
    line = _trend(plan, _series([5.0] * 14 + [9.0] * 14, 1, higher=False))
    assert line is not None and "the last 14 days" in line and line.startswith("Yes"), line
