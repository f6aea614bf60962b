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

from tests.integration.qa_support import Thread, org_assistant
from tests.integration.telemetry_support import telemetry_org

NOW = dt.datetime(2027, 3, 9, 15, 20, tzinfo=dt.UTC)
STEP = NOW - dt.timedelta(hours=71, minutes=25)


def _z(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def pharmacy(pg_server, tmp_path_factory):
    rng = np.random.default_rng(90317)
    lines = ["ts,service,metric,value"]
    t = NOW - dt.timedelta(days=16)
    while t <= NOW:
        lines.append(f"{_z(t)},rx-refill.api,fail_pct,{(0.8 if t < STEP else 4.5) + rng.normal(0, 0.12):.3f}")
        lines.append(f"{_z(t)},rx-refill.api,dispense_p95_ms,{410 + rng.normal(0, 18):.0f}")
        lines.append(f"{_z(t)},formulary-sync,fail_pct,{0.3 + rng.normal(0, 0.05):.3f}")
        t += dt.timedelta(minutes=5)
    with telemetry_org(pg_server, tmp_path_factory.mktemp("kestrel"), db="opsgraph_kestrel", slug="kestrel-rx",
                       name="Kestrel Pharmacy Online", team="refills", services=["rx-refill.api", "formulary-sync"],
                       metrics=lines, changes={}) as made:
        yield made


@pytest.fixture
async def ask(pharmacy, pg_server):
    target, org_id = pharmacy
    async with org_assistant(target, pg_server, NOW) as a:
        yield lambda q: Thread(a, org_id, NOW.date()).ask(q)


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
