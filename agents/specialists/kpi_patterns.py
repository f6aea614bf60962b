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
    by_day = {i: sum(v) / len(v) for i in range(7) if (v := [x for d, x in pts if d.weekday() == i])}
    days = ", ".join(f"{_DAYS[i]} {f(m)}" for i, m in by_day.items())
    real = abs(m_wd - m_we) > 2 * se
    k = series.kpi
    hi, lo = max(by_day, key=by_day.__getitem__), min(by_day, key=by_day.__getitem__)
    good = ("the best", "the worst") if k.higher_is_better else ("the worst", "the best")
    if real:
        worse = "weekends" if (m_we < m_wd) == bool(k.higher_is_better) else "weekdays"
        mine, other = (m_we, m_wd) if worse == "weekends" else (m_wd, m_we)
        verdict = (f"a weekly rhythm: {worse} run {'lower' if mine < other else 'higher'} every week, so it is the "
                   "week's pattern, not a change to look for")
    else:
        verdict = "no weekly rhythm beyond day-to-day noise"
    ends = (f"; highest {_DAYS[hi]} ({f(by_day[hi])}, {good[0]} day), lowest {_DAYS[lo]} ({f(by_day[lo])}, "
            f"{good[1]})" if len(by_day) == 7 and hi != lo else "")
    return (f"By day of the week ({pts[0][0]} to {pts[-1][0]}): weekdays average {f(m_wd)}, weekends {f(m_we)} "
            f"({days}){ends} — {verdict}.")
