"""A window with no stage change is called "stable around <centre>" only when its values sit there: a drifting
series, or values far from a centre set by an older stage, is said as such (a bakery's late purchase orders)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from agents.specialists.kpi_moves import level_line

END = dt.date(2026, 12, 2)


def _series(values: list[float], cl: float, ucl: float) -> SimpleNamespace:
    days = [END - dt.timedelta(days=len(values) - 1 - i) for i in range(len(values))]
    pts = [SimpleNamespace(date=d, value=v) for d, v in zip(days, values, strict=True)]
    summary = SimpleNamespace(cl=cl, ucl=ucl, latest_value=values[-1], latest_date=END)
    return SimpleNamespace(points=pts, summary=summary, start=days[0], end=END, shift=None)


def f(x: float) -> str:
    return f"{x:.0f}"


def test_drifting_late_purchase_orders_are_not_stable() -> None:
    rising = [6 + 0.1 * i + (0.6 if i % 3 == 0 else -0.4) for i in range(90)]  # 6 → 15 over a quarter
    line = level_line(_series(rising, cl=9, ucl=12), f)
    assert "stable" not in line.replace("not stable", "") and "drifting up" in line and "latest value is 14" in line


def test_values_far_below_an_older_centre_are_not_stable() -> None:
    low = [38, 36, 31, 40, 35, 33, 37, 30, 39, 34, 36, 35]
    line = level_line(_series(low, cl=80, ucl=125), f)
    assert "stable" not in line and "below the stage's centre of 80" in line and "30 to 40" in line


def test_values_around_the_centre_are_stable() -> None:
    flat = [9 + (1 if i % 2 else -1) for i in range(40)]
    assert level_line(_series(flat, cl=9, ucl=12), f) == "No stage change in the window: the process is stable around 9."


def test_since_when_climbing_answers_with_the_drift() -> None:
    """"since when have late POs been climbing?": the drift and the window it spans, not "in its current stage"."""
    from agents.specialists.kpi_leads import _since

    rising = [6 + 0.1 * i + (0.6 if i % 3 == 0 else -0.4) for i in range(90)]
    s = _series(rising, cl=9, ucl=12)
    s.summary.state = "critical"
    s.kpi = SimpleNamespace(name="Purchase orders late", goal=5, higher_is_better=False, decimals=0, unit="count")
    s.scope = SimpleNamespace(label="KX1 (Kestrel Bakery Plant)")
    s.stages, s.signals = [SimpleNamespace(start_date=dt.date(2026, 8, 1))], []
    line = _since(s)
    assert line is not None and line.startswith(f"Since at least {s.start}") and "drifting up" in line, line
    assert "no stage change since 2026-08-01" in line


def test_a_window_nearly_all_on_one_side_of_the_centre_is_not_stable() -> None:
    """A seasonal slide inside the asked month: every value but two under the centre of an older stage, though the
    median is only 1.8 sigmas from it (before: "stable around 971" beside 39 run signals)."""
    noise = [41, -63, 12, 88, -25, -70, 54, 3, -38, 77, -81, 20, 65, -12, -49, 31, -90, 58, 7, -66, 84, -20, -55, 36,
             -5, 70, -44, 15, -77, 47]
    sliding = [810 + e for e in noise]
    sliding[3], sliding[19] = 1000, 985
    line = level_line(_series(sliding, cl=971, ucl=1254), f)
    assert "stable" not in line and "below the stage's centre of 971" in line, line
