"""Pure KPI arithmetic: windows, weekly roll-up by aggregation rule, YoY, current state."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tools.control_limits import analyze_series
from tools.kpis.analytics import build_view, current_state, plan_window, to_grain, yoy


def _daily(values, start="2025-01-06"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"), dtype=float)


def test_daily_window_defaults_to_last_30_days():
    w = plan_window("daily", dt.date(2026, 11, 19))
    assert (w.start, w.end) == (dt.date(2026, 10, 21), dt.date(2026, 11, 19))
    assert w.load_start <= w.analysis_start - dt.timedelta(days=365)


def test_weekly_window_is_53_complete_monday_weeks():
    w = plan_window("weekly", dt.date(2026, 11, 19))  # a Thursday: its week is incomplete
    assert w.end == dt.date(2026, 11, 9) and w.end.weekday() == 0
    assert (w.end - w.start).days == 52 * 7
    assert plan_window("weekly", dt.date(2026, 11, 15)).end == dt.date(2026, 11, 9)  # Sunday completes the week


def test_weekly_rollup_uses_the_kpis_rule():
    daily = _daily(np.arange(14, dtype=float))  # 2025-01-06 is a Monday
    assert list(to_grain(daily, "weekly", "sum")) == [21.0, 70.0]
    assert list(to_grain(daily, "weekly", "mean")) == [3.0, 10.0]
    gappy = daily.copy()
    gappy.iloc[7:11] = np.nan  # only 3 observed days in week 2
    assert np.isnan(to_grain(gappy, "weekly", "sum").iloc[1])


def test_yoy_looks_back_365_days():
    daily = _daily(np.arange(400, dtype=float))
    prior = yoy(daily, "daily")
    assert prior.iloc[399] == 399 - 365 and np.isnan(prior.iloc[10])


def test_build_view_cuts_the_window_and_keeps_stage_limits():
    rng = np.random.default_rng(1)
    values = np.r_[rng.normal(80, 1, 560), rng.normal(74, 1, 10)]
    daily = _daily(values, start="2025-05-01")
    last = daily.index[-1].date()
    view = build_view(daily, plan_window("daily", last), "mean", True)
    assert len(view.dates) == 30 and view.dates[-1] == last
    assert len(view.analysis.stages) == 2
    assert current_state(view.analysis, True) == ("critical", "stage_shift")
    # The same shift upward is good news for a higher-is-better KPI.
    up = build_view(_daily(np.r_[rng.normal(80, 1, 560), rng.normal(86, 1, 10)], "2025-05-01"), plan_window("daily", last), "mean", True)
    assert current_state(up.analysis, True)[0] == "ok"


def test_old_shift_is_not_news():
    rng = np.random.default_rng(2)
    an = analyze_series(np.r_[rng.normal(80, 1, 60), rng.normal(74, 1, 60)], higher_is_better=True)
    assert len(an.stages) == 2
    assert current_state(an, True)[1] != "stage_shift"
