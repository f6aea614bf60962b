""""What changed before <service> <metric> went up / jumped?" with no date: the move asked about is the largest lasting
step of the metric's level in the history there is, relative to its noise — even when it began weeks ago (beyond the
two-week look-back) or a small move sits on top of it in the last day. A grain-silo cooperative's dryer controller
(names, metrics and ids unlike the demo's), hourly telemetry over 30 days: its fault rate stepped 1.1 → 2.5 % 23 days
ago, 40 minutes after a config change, and stayed; its cycle p99 stepped 200 → 650 ms nine days ago, 20 minutes after a
deploy, then crept ~25 ms last evening. Before: "shows no onset in the period examined" and "moved up at <last
evening> … no plausible change". A step that came back is not the one asked about."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from tests.integration.qa_support import org_thread
from tests.integration.telemetry_support import telemetry_org, zulu

NOW = dt.datetime(2027, 4, 20, 9, 0, tzinfo=dt.UTC)
FAULT_STEP = dt.datetime(2027, 3, 28, 15, 0, tzinfo=dt.UTC)  # 23 days before
P99_STEP = dt.datetime(2027, 4, 11, 10, 0, tzinfo=dt.UTC)  # 9 days before
CREEP = NOW - dt.timedelta(hours=12)
BUMP = dt.datetime(2027, 4, 1, 6, 0, tzinfo=dt.UTC)  # scale-gw: up for a day, then back


@pytest.fixture(scope="module")
def silo(pg_server, tmp_path_factory):
    rng = np.random.default_rng(4417)
    lines = ["ts,service,metric,value"]
    t = NOW - dt.timedelta(days=30)
    while t <= NOW:
        day = math.sin(2 * math.pi * (t.hour - 8) / 24)
        fault = 1.1 + 0.15 * day + (1.4 if t >= FAULT_STEP else 0) + rng.normal(0, 0.08)
        p99 = 200 + 20 * day + (450 if t >= P99_STEP else 0) + (25 if t >= CREEP else 0) + rng.normal(0, 8)
        wait = 40 + (60 if BUMP <= t < BUMP + dt.timedelta(hours=24) else 0) + rng.normal(0, 2)
        lines += [f"{zulu(t)},dryer-ctl,fault_rate_pct,{fault:.3f}", f"{zulu(t)},dryer-ctl,cycle_p99_ms,{p99:.1f}",
                  f"{zulu(t)},scale-gw,weigh_error_rate,{wait / 40:.3f}"]
        t += dt.timedelta(hours=1)
    changes = {
        "config-changes": [
            {"external_id": "GC-71", "service": "dryer-ctl", "key": "dryer.burner.DRYER_MAX_TEMP_C", "old_value": "70",
             "new_value": "85", "changed_at": zulu(FAULT_STEP - dt.timedelta(minutes=40)), "changed_by": "h.olsen"}],
        "deployments": [
            {"external_id": "DR-501", "service": "dryer-ctl", "version": "3.8.0",
             "started_at": zulu(P99_STEP - dt.timedelta(minutes=25)), "finished_at": zulu(P99_STEP - dt.timedelta(minutes=20))}],
    }
    with telemetry_org(pg_server, tmp_path_factory.mktemp("silo"), db="opsgraph_silo", slug="prairie-grain",
                       name="Prairie Grain Co-op", team="drying", services=["dryer-ctl", "scale-gw"], metrics=lines,
                       changes=changes) as made:
        yield made


@pytest.fixture
async def ask(silo, pg_server):
    async with org_thread(*silo, pg_server, NOW) as t:
        yield t.ask_alone


async def test_an_old_step_still_on_is_found_beyond_the_usual_look_back(ask):
    ans = await ask("what changed before dryer-ctl fault rate went up")
    assert f"dryer-ctl fault_rate_pct moved up at {FAULT_STEP:%Y-%m-%d %H}" in ans, ans
    assert "Most likely cause for dryer-ctl: GC-71" in ans and "no onset" not in ans, ans


async def test_the_big_step_not_the_small_move_on_top_of_it(ask):
    ans = await ask("what changed before dryer-ctl p99 jumped?")
    assert f"dryer-ctl cycle_p99_ms moved up at {P99_STEP:%Y-%m-%d %H}" in ans, ans
    assert "Most likely cause for dryer-ctl: DR-501" in ans and "no plausible change" not in ans, ans


async def test_a_step_that_came_back_is_not_the_one_asked_about(ask):
    ans = await ask("what changed before scale-gw weigh errors went up?")
    assert f"{BUMP:%Y-%m-%d}" not in ans.split("Most likely")[0], ans
