"""A service metric "now" is held against its range from before a move still going on that began just BEFORE its
usual window, or a few hours into it: a public library's loans services (names and metrics unlike the demo's and the
testers'), built here through the importers.

The usual window is the 7 days before the last 24 hours. ``loan-renewals``' ``renew_fail_ratio`` ran near 0.9 % for
a week, stepped to about 5 % 15 hours before that window begins and is still there, so the whole window is after the
move; ``holds-desk``' ``hold_fail_ratio`` stepped from 2 % to 7 % five hours after it begins. Before: the onset was only
searched for inside the window, so the step before it was never found — "renew_fail_ratio of loan-renewals now" said
"normal: within its usual range" (a range of the degraded days) and "is loan-renewals healthy?" said all was normal.
Now the usual range is the week before the move and the answer says since when it moved.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from tests.integration.qa_support import org_thread
from tests.integration.telemetry_support import telemetry_org, zulu

NOW = dt.datetime(2028, 5, 17, 9, 40, tzinfo=dt.UTC)
WINDOW_START = NOW - dt.timedelta(days=8)  # the usual window: the 7 days before the last 24 hours
BEFORE_WINDOW = WINDOW_START - dt.timedelta(hours=15, minutes=5)  # renew_fail_ratio's step
INTO_WINDOW = WINDOW_START + dt.timedelta(hours=5, minutes=10)  # hold_fail_ratio's step


@pytest.fixture(scope="module")
def library(pg_server, tmp_path_factory):
    rng = np.random.default_rng(52817)
    lines = ["ts,service,metric,value"]
    t = NOW - dt.timedelta(days=15)
    while t <= NOW:
        renew = 0.009 if t < BEFORE_WINDOW else 0.05
        hold = 0.02 if t < INTO_WINDOW else 0.07
        lines.append(f"{zulu(t)},loan-renewals,renew_fail_ratio,{max(0.0, rng.normal(renew, renew * 0.15)):.5f}")
        lines.append(f"{zulu(t)},loan-renewals,checkout_p90_ms,{240 + rng.normal(0, 15):.0f}")
        lines.append(f"{zulu(t)},holds-desk,hold_fail_ratio,{max(0.0, rng.normal(hold, hold * 0.15)):.5f}")
        t += dt.timedelta(minutes=5)
    with telemetry_org(pg_server, tmp_path_factory.mktemp("quire"), db="opsgraph_quire", slug="quire-libraries",
                       name="Quire Public Libraries", team="circulation", services=["loan-renewals", "holds-desk"],
                       metrics=lines, changes={}) as made:
        yield made


@pytest.fixture
async def ask(library, pg_server):
    async with org_thread(*library, pg_server, NOW) as t:
        yield t.ask_alone


def _range(line: str) -> tuple[float, float]:
    low, high = (float(x) for x in re.search(r"usual range ([\d.]+)–([\d.]+)", line).groups())
    return low, high


async def test_a_move_just_before_the_usual_window_is_not_the_usual_range(ask):
    ans = await ask("renew_fail_ratio of loan-renewals now")
    head = next(line for line in ans.splitlines() if "renew_fail_ratio is" in line)
    assert "not normal: above its usual range" in head, ans
    low, high = _range(head)
    assert 0.004 < low < high < 0.015, head  # the range of the week before the step, not of the days at 5 %
    assert f"{BEFORE_WINDOW:%Y-%m-%d}" in ans and "since" in ans, ans  # when the move began is said
    assert "normal: within" not in ans, ans
    first = NOW - dt.timedelta(days=15)  # the data's first day: the range is not said to start before it
    assert f"{first:%Y-%m-%d}" in head and f"{first - dt.timedelta(days=1):%Y-%m-%d}" not in head, head


async def test_a_move_a_few_hours_into_the_usual_window_is_not_the_usual_range(ask):
    ans = await ask("what's the hold_fail_ratio of holds-desk now?")
    head = next(line for line in ans.splitlines() if "hold_fail_ratio is" in line)
    assert "not normal: above its usual range" in head, ans
    low, high = _range(head)
    assert 0.01 < low < high < 0.03, head
    assert f"{INTO_WINDOW:%Y-%m-%d}" in ans and "since" in ans, ans


async def test_health_counts_a_move_that_began_just_before_the_window(ask):
    ans = await ask("is loan-renewals healthy?")
    assert "- Not entirely — loan-renewals: renew_fail_ratio is outside the usual range now." in ans, ans
    assert "checkout_p90_ms" in ans, ans  # the metric that never moved is still listed, as within


async def test_a_metric_that_never_moved_is_still_normal(ask):
    ans = await ask("checkout_p90_ms of loan-renewals now")
    assert "— normal: within its usual range" in ans and "moved" not in ans, ans


async def test_a_period_is_held_against_the_range_from_before_a_move_just_before_its_week(ask):
    ans = await ask("renew_fail_ratio of loan-renewals over the last 24 hours")
    assert f"1st–99th percentile of the week before it moved on {BEFORE_WINDOW:%Y-%m-%d %H:%M} UTC" in ans, ans
    line = next(x for x in ans.splitlines() if "points are outside its usual range" in x)
    n_out, n = (int(v) for v in re.search(r"(\d+) of the (\d+) points are outside", line).groups())
    assert n_out == n > 200, line
