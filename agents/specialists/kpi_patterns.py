"""Patterns in a KPI's daily series that are not stage changes: the week's rhythm (weekdays against weekends)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekly_pattern(series: Any, f: Callable[[float | None], str]) -> str | None:
    """"Weekdays average X, weekends Y (Mon …, Sun …)" over the series' days, and whether the gap is a real weekly
    rhythm (beyond twice its standard error) or noise; None with fewer than two weekends of data."""
    pts = [(p.date, p.value) for p in series.points if p.value is not None]
    wd = [v for d, v in pts if d.weekday() < 5]
    we = [v for d, v in pts if d.weekday() >= 5]
    if len(we) < 4 or len(wd) < 8:
        return None
    m_wd, m_we = sum(wd) / len(wd), sum(we) / len(we)

    def var(xs: list[float], m: float) -> float:
        return sum((x - m) ** 2 for x in xs) / max(len(xs) - 1, 1)

    se = math.sqrt(var(wd, m_wd) / len(wd) + var(we, m_we) / len(we))
    by_day = {i: [v for d, v in pts if d.weekday() == i] for i in range(7)}
    days = ", ".join(f"{_DAYS[i]} {f(sum(v) / len(v))}" for i, v in by_day.items() if v)
    real = abs(m_wd - m_we) > 2 * se
    k = series.kpi
    if real:
        worse = "weekends" if (m_we < m_wd) == bool(k.higher_is_better) else "weekdays"
        verdict = (f"a weekly rhythm: {worse} run {'lower' if m_we < m_wd else 'higher'} every week, so it is the "
                   "week's pattern, not a change to look for")
    else:
        verdict = "no weekly rhythm beyond day-to-day noise"
    return (f"By day of the week ({pts[0][0]} to {pts[-1][0]}): weekdays average {f(m_wd)}, weekends {f(m_we)} "
            f"({days}) — {verdict}.")
