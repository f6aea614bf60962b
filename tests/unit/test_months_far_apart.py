"""A month compared with a non-adjacent month: the two months named, never the last two of the span between them.

A chain of laundrettes counts washes per month; "washes at the Quayside laundrette august vs november" spans
August–November, and the comparison must be August against November (one value each), not October against November.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from agents.specialists.kpi_periods import _two_periods


def _month(y: int, m: int, washes: float, days: int) -> SimpleNamespace:
    start = dt.date(y, m, 1)
    end = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1))
    return SimpleNamespace(start=start, end=end, value=washes, days=days, complete=True)


def test_august_vs_november_compares_those_two_months() -> None:
    points = [_month(2026, 8, 3100.0, 31), _month(2026, 9, 2900.0, 30), _month(2026, 10, 2500.0, 31),
              _month(2026, 11, 1800.0, 30)]
    before, now = _two_periods(points, "august vs november", "sum")
    assert before is not None and now is not None
    assert (before.start, before.value, before.days) == (dt.date(2026, 8, 1), 3100.0, 31)
    assert (now.start, now.value, now.days) == (dt.date(2026, 11, 1), 1800.0, 30)


def test_adjacent_months_unchanged() -> None:
    before, now = _two_periods([_month(2026, 10, 2500.0, 31), _month(2026, 11, 1800.0, 30)], "october vs november", "sum")
    assert before is not None and now is not None
    assert (before.start, now.start) == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
