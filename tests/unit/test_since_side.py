""""How long has X been below goal?", "since when have we been over target?", "how long has it been above 5%?":
dated over the series' whole history — the first day on that side after the last stretch on the other side, since
when the 7-day average and every day have been — not "since at least" the first day of the 30-day window shown.
Before: a slow drift below the goal since August was "since at least 2026-11-03 (29 days)", and "how long has it
been below goal?" in a thread about one series answered the list of every series missing its goal.
A chain of public libraries built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from agents.router import route
from agents.specialists.kpi_side_since import side_line
from agents.understanding.catalog import Catalog
from tools.kpis import KpiInfo, Scope
from tools.kpis.side_run import SideRun, side_run

TODAY = dt.date(2027, 4, 14)
LIBS = Catalog(
    stations={"BR-ASH": "Ashcombe Branch", "BR-KEL": "Kelvedon Branch", "BR-MIL": "Millbrook Branch"},
    regions={"EAST": "East Libraries"}, services=["catalogue-api", "selfcheck-kiosk"], incidents=[], tickets=[],
    kpis={"LOANS": ["Loans per day", "loans", "checkouts"], "LATE_PCT": ["Late returns", "late returns rate"]},
    station_regions={"BR-ASH": "EAST", "BR-KEL": "EAST", "BR-MIL": "EAST"},
    kpi_higher_is_better={"LOANS": True, "LATE_PCT": False},
)


def _plan(q: str, prior: list[str] | None = None):
    last = None
    for p in prior or []:
        last = route(p, {}, LIBS, TODAY, last).query
    r = route(q, {}, LIBS, TODAY, last)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "note"), [
    ("how long has loans at ashcombe been below goal", "q:since_side:below:goal"),
    ("how long have checkouts at the kelvedon branch been under target?", "q:since_side:below:goal"),
    ("since when have late returns at millbrook been over target?", "q:since_side:above:goal"),
    ("how long has ashcombe been missing its loans target", "q:since_side:short:goal"),
    ("how long have late returns at kelvedon been above 6%?", "q:since_side:above:6"),
    ("how long has millbrook been meeting its loans goal?", "q:since_side:meet:goal"),
])
def test_how_long_on_a_side_of_the_goal_is_dated_over_the_history(q, note):
    plan = _plan(q)
    assert plan.operation == "lookup" and len(plan.kpis) == 1 and "q:since" in plan.notes, plan
    assert note in plan.notes, plan.notes


@pytest.mark.parametrize("q", ["how long has it been below goal?", "since when has it been missing its target?",
                               "is it below target?"])
def test_in_a_thread_it_is_the_threads_series_not_every_series(q):
    plan = _plan(q, ["late returns at millbrook last month", "and kelvedon?"])
    assert plan.operation == "lookup" and plan.kpis == ["LATE_PCT"], plan  # before: attention:goal, every series
    assert [x.code for x in plan.subjects.scopes] == ["BR-KEL"]
    assert "attention:goal" not in plan.notes


def test_with_nothing_named_the_goal_misses_are_still_listed():
    assert "attention:goal" in _plan("which KPIs are below goal?").notes
    assert "attention:goal" in _plan("what's missing its target?").notes
    assert "q:since_side:below:goal" not in _plan("how long has loans at ashcombe been bad?").notes


def _drift(days: int = 120, goal_cross: int = 30) -> tuple[list[dt.date], np.ndarray]:
    rng = np.random.default_rng(3)
    d0 = dt.date(2026, 12, 1)
    values = 420 - 60 * np.arange(days) / (days - 1) + rng.normal(0, 3, days)  # 420 → 360, goal 410
    return [d0 + dt.timedelta(days=i) for i in range(days)], values


def test_a_slow_drift_is_dated_from_its_first_day_below_not_the_window():
    dates, values = _drift()
    got = side_run(dates, values, "below", 410.0, True)
    assert got["on_side_now"]
    first_below = dates[int(np.flatnonzero(values < 410)[0])]
    assert got["stretch_from"] == first_below and not got["stretch_from_history_start"]
    assert first_below < got["average_since"] <= got["every_day_since"] < dates[-30]  # long before the 30-day window
    assert got["last_other_day"] == dates[int(np.flatnonzero(values >= 410)[-1])]


def test_a_step_after_a_long_stretch_meeting_it_is_dated_from_the_step():
    dates = [dt.date(2027, 1, 1) + dt.timedelta(days=i) for i in range(90)]
    values = np.array([3.0] * 60 + [7.5] * 30)  # late returns, lower is better, goal 5
    got = side_run(dates, values, "short", 5.0, False)
    assert got["stretch_from"] == got["every_day_since"] == dates[60]
    assert dates[60] <= got["average_since"] <= dates[66]  # the 7-day average follows within the week
    assert got["other_run_days"] == 60 and got["days_on_side"] == 30


def _run(**kw) -> SideRun:
    k = KpiInfo(id=1, code="LOANS", name="Loans per day", unit="count", aggregation="sum", goal=410.0, decimals=0,
                higher_is_better=True)
    scope = Scope(summary_level="station", code="BR-ASH", label="BR-ASH (Ashcombe Branch)", station_ids=[1])
    return SideRun(kpi=k, scope=scope, side="below", threshold=410.0, of_goal=True, searched_from=dt.date(2026, 12, 1),
                   searched_to=dt.date(2027, 3, 30), latest_date=dt.date(2027, 3, 30), latest_value=361.0, **kw)


def test_the_answer_says_since_when_and_how_long():
    text = side_line(_run(on_side_now=True, stretch_from=dt.date(2026, 12, 20), average_since=dt.date(2027, 1, 2),
                          every_day_since=dt.date(2027, 1, 9), last_other_day=dt.date(2027, 1, 8), other_run_days=19,
                          average_then=412.0, average_now=362.0, days_on_side=90, days_in_stretch=101))
    assert text.startswith("Since 2026-12-20 (101 days to 2027-03-30): Loans per day at BR-ASH (Ashcombe Branch) has been "
                           "below its goal of 410")
    assert "7-day average has been below it since 2027-01-02" in text
    assert "every day since 2027-01-09" in text and "2026-12-01" not in text


def test_not_on_that_side_now_is_a_no_with_the_last_day_it_was():
    text = side_line(_run(on_side_now=False, last_on_side=dt.date(2027, 3, 28), average_now=408.0)
                     .model_copy(update={"latest_value": 415.0}))
    assert text.startswith("No — Loans per day at BR-ASH (Ashcombe Branch) is not below its goal of 410 now")
    assert "7-day average, 408, is below it" in text and "2027-03-28" in text


def test_a_step_across_the_goal_dates_it_with_no_stray_day_before_it():
    text = side_line(_run(on_side_now=True, stretch_from=dt.date(2026, 12, 20), every_day_since=dt.date(2027, 3, 2),
                          last_other_day=dt.date(2027, 3, 1), other_run_days=19, days_on_side=40, days_in_stretch=101,
                          level_crossed_on=dt.date(2027, 3, 4), level_before=415.0, level_after=362.0))
    assert text.startswith("Since 2027-03-02 (29 days to 2027-03-30): Loans per day"), text  # the earlier of the two
    assert "its level shifted from 415 to 362 on 2027-03-04; every day since then" in text, text
    assert "2026-12-20" not in text  # a stray day below before the step is not its start
