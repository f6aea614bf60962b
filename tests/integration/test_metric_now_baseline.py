"""A service metric "now" is held against its range from before a move that is still going on: an online pharmacy's
refill service (names, metrics and ids unlike the demo's), built here through the importers.

``rx-refill.api``'s ``fail_pct`` ran near 0.8 % for two weeks, stepped to about 4.5 % three days ago and is still
there; its ``dispense_p95_ms`` never moved. Before: "fail_pct of rx-refill.api right now?" took its usual range from
the 7 days before the last 24 hours — two of them already at 4.5 % — and said "normal", as did "is rx-refill.api
healthy?". The usual range is now the one before the move, and the answer says when the move began.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from tests.integration.qa_support import org_thread
from tests.integration.telemetry_support import telemetry_org, zulu

NOW = dt.datetime(2027, 3, 9, 15, 20, tzinfo=dt.UTC)
STEP = NOW - dt.timedelta(hours=71, minutes=25)


CHANGES = {  # what the story ranks (the pool shrink 15 min before the step) and what else went out around it
    "config-changes": [
        {"external_id": "KX-CFG-0912", "service": "rx-refill.api", "key": "PBM_CLIENT_POOL_MAX",
         "changed_at": zulu(STEP - dt.timedelta(minutes=15)), "old_value": "64", "new_value": "8", "changed_by": "m.osei"},
        {"external_id": "KX-CFG-0870", "service": "rx-refill.api", "key": "ui.banner.text",
         "changed_at": zulu(STEP - dt.timedelta(days=6)), "old_value": "a", "new_value": "b", "changed_by": "p.ruiz"},
    ],
    "deployments": [
        {"external_id": "refill-2027.03.05-2", "service": "rx-refill.api", "version": "2027.03.05-2",
         "started_at": zulu(STEP - dt.timedelta(hours=20)), "finished_at": zulu(STEP - dt.timedelta(hours=19, minutes=50))},
        {"external_id": "fsync-118", "service": "formulary-sync", "version": "118",
         "started_at": zulu(STEP - dt.timedelta(hours=2)), "finished_at": zulu(STEP - dt.timedelta(hours=1, minutes=55))},
    ],
}


@pytest.fixture(scope="module")
def pharmacy(pg_server, tmp_path_factory):
    rng = np.random.default_rng(90317)
    lines = ["ts,service,metric,value"]
    t = NOW - dt.timedelta(days=16)
    while t <= NOW:
        lines.append(f"{zulu(t)},rx-refill.api,fail_pct,{(0.8 if t < STEP else 4.5) + rng.normal(0, 0.12):.3f}")
        lines.append(f"{zulu(t)},rx-refill.api,dispense_p95_ms,{410 + rng.normal(0, 18):.0f}")
        lines.append(f"{zulu(t)},formulary-sync,fail_pct,{0.3 + rng.normal(0, 0.05):.3f}")
        t += dt.timedelta(minutes=5)
    with telemetry_org(pg_server, tmp_path_factory.mktemp("kestrel"), db="opsgraph_kestrel", slug="kestrel-rx",
                       name="Kestrel Pharmacy Online", team="refills", services=["rx-refill.api", "formulary-sync"],
                       metrics=lines, changes=CHANGES) as made:
        yield made


@pytest.fixture
async def ask(pharmacy, pg_server):
    async with org_thread(*pharmacy, pg_server, NOW) as t:
        yield t.ask_alone


async def test_a_level_reached_days_ago_is_not_the_usual_range(ask):
    ans = await ask("what's the fail_pct on rx-refill.api right now?")
    head = next(line for line in ans.splitlines() if "fail_pct is" in line)
    assert "rx-refill.api fail_pct is" in head and "not normal: above its usual range" in head, ans
    low, high = (float(x) for x in re.search(r"usual range ([\d.]+)–([\d.]+)", head).groups())
    assert 0.4 < low < high < 1.3, head  # the range of before the step, not one stretched up to 4.5
    assert f"{STEP:%Y-%m-%d}" in ans and "since" in ans, ans  # when the move began is said
    assert "normal: within" not in ans, ans


async def test_a_metric_that_never_moved_is_still_normal(ask):
    ans = await ask("dispense_p95_ms of rx-refill.api now")
    assert "— normal: within its usual range" in ans, ans
    ans = await ask("what is formulary-sync's fail_pct now?")
    assert "— normal: within its usual range" in ans, ans


async def test_health_counts_a_move_still_going_on(ask):
    ans = await ask("is rx-refill.api healthy?")
    assert "- Not entirely — rx-refill.api: fail_pct is outside the usual range now." in ans, ans
    assert "dispense_p95_ms" in ans, ans


async def test_a_period_is_held_against_the_range_from_before_a_move_still_on(ask):
    """Before: "fail_pct over the last 24h" took the week before the period (half of it already at 4.5 %) as usual:
    "Every point is within its usual range"."""
    ans = await ask("fail_pct of rx-refill.api over the last 24 hours")
    assert f"1st–99th percentile of the week before it moved on {STEP:%Y-%m-%d %H:%M} UTC" in ans, ans
    line = next(x for x in ans.splitlines() if "points are outside its usual range" in x)
    n_out, n = (int(v) for v in re.search(r"(\d+) of the (\d+) points are outside", line).groups())
    assert n_out == n > 200 and f"({n} above, 0 below)" in line, line
    ans = await ask("dispense_p95_ms of rx-refill.api over the last 24 hours")
    assert "it moved on" not in ans and "1st–99th percentile of the week before, median" in ans, ans


async def test_what_else_changed_after_the_story_lists_the_services_changes_around_its_onset(pharmacy, pg_server):
    """Before: "what else changed?" after a service's story was outside what it could answer."""
    async with org_thread(*pharmacy, pg_server, NOW) as t:
        story = await t.ask("why did rx-refill.api fail_pct jump?")
        assert "Most likely cause for rx-refill.api: KX-CFG-0912" in story, story
        ans = await t.ask("what else changed?")
        assert "KX-CFG-0912" in ans and "refill-2027.03.05-2" in ans, ans  # that day and the day before, on it
        assert "KX-CFG-0870" not in ans and "fsync-118" not in ans, ans  # a week before; another service
        assert "outside what I can answer" not in ans, ans


async def test_is_it_still_failing_after_its_change_log_is_the_metric_now(pharmacy, pg_server):
    """Before: "is it still failing?" after the service's change log answered "Yes —" with the change log again."""
    async with org_thread(*pharmacy, pg_server, NOW) as t:
        log = await t.ask("any deploys or config changes on rx-refill.api in the last 7 days?")
        assert "KX-CFG-0912" in log, log
        ans = await t.ask("is it still failing?")
        head = ans.splitlines()[1]  # the first line under the heading: its value now
        assert "rx-refill.api fail_pct is" in head and "not normal: above its usual range" in head, ans
        assert "deployment(s) and" not in ans, ans  # not the change log again
        ans = await t.ask("is the p95 still slow?")
        assert "rx-refill.api dispense_p95_ms is" in ans and "— normal: within its usual range" in ans, ans


async def test_what_else_changed_after_a_change_log_is_every_service_in_that_window(pharmacy, pg_server):
    """Before: "what else changed?" after a service's change log was outside what it could answer."""
    async with org_thread(*pharmacy, pg_server, NOW) as t:
        log = await t.ask("any deploys or config changes on rx-refill.api in the last 7 days?")
        assert "fsync-118" not in log, log  # another service's deploy: not in its own log
        ans = await t.ask("what else changed?")
        assert "fsync-118" in ans and "KX-CFG-0912" in ans, ans  # every service, the same 7 days
        assert "KX-CFG-0870" not in ans and "outside what I can answer" not in ans, ans  # 9 days back: outside
