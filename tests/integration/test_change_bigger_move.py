""""What changed before <service> got slow?" with no time named looks at the last day first. When that day began
inside a much larger move that is still on, the small step the day shows on top of it is not what was asked about:
the larger move's onset is correlated. A cinema chain's ticket-kiosk gateway (names, metrics and ids unlike the
demo's), built here through the importers: its render latency has a daily rhythm, jumped from ~150 to ~380 ms 27 h
ago, five minutes after a release, and crept up another ~20 ms six hours later. Before: "moved up at <the evening>
(from 363 to 419) … no plausible change found". A move that came back, or one only in the last day, is unchanged.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from tests.integration.qa_support import org_thread
from tests.integration.telemetry_support import telemetry_org, zulu

NOW = dt.datetime(2027, 5, 12, 17, 0, tzinfo=dt.UTC)
JUMP = NOW - dt.timedelta(hours=26, minutes=40)
CREEP = JUMP + dt.timedelta(hours=6, minutes=15)
BLIP = NOW - dt.timedelta(hours=40)  # seat_lock_ms: up 200 ms for three hours, then back
SMALL = NOW - dt.timedelta(hours=9)  # seat_lock_ms: then a small step of its own in the last day


def _daily(t: dt.datetime) -> float:
    return math.sin(2 * math.pi * (t.hour * 60 + t.minute - 6 * 60) / 1440)


@pytest.fixture(scope="module")
def cinema(pg_server, tmp_path_factory):
    rng = np.random.default_rng(51277)
    lines = ["ts,service,metric,value"]
    t = NOW - dt.timedelta(days=9)
    while t <= NOW:
        p90 = 150 + 45 * _daily(t) + (230 if t >= JUMP else 0) + (20 if t >= CREEP else 0) + rng.normal(0, 6)
        lock = 80 + 10 * _daily(t) + (200 if BLIP <= t < BLIP + dt.timedelta(hours=3) else 0) + (
            25 if t >= SMALL else 0) + rng.normal(0, 3)
        lines += [f"{zulu(t)},kiosk-gw,render_p90_ms,{p90:.1f}", f"{zulu(t)},kiosk-gw,seat_lock_ms,{lock:.1f}"]
        t += dt.timedelta(minutes=5)
    changes = {"deployments": [
        {"external_id": "kg-rel-77", "service": "kiosk-gw", "version": "7.7.0",
         "started_at": zulu(JUMP - dt.timedelta(minutes=9)), "finished_at": zulu(JUMP - dt.timedelta(minutes=5))},
        {"external_id": "kg-rel-76", "service": "kiosk-gw", "version": "7.6.2",
         "started_at": zulu(JUMP - dt.timedelta(days=2)), "finished_at": zulu(JUMP - dt.timedelta(days=2, minutes=-4))},
    ]}
    with telemetry_org(pg_server, tmp_path_factory.mktemp("reel"), db="opsgraph_reel", slug="reelhouse",
                       name="Reelhouse Cinemas", team="kiosks", services=["kiosk-gw"], metrics=lines,
                       changes=changes) as made:
        yield made


@pytest.fixture
async def ask(cinema, pg_server):
    async with org_thread(*cinema, pg_server, NOW) as t:
        yield t.ask_alone


async def test_a_small_step_on_top_of_a_bigger_move_still_on_is_that_move(ask):
    ans = await ask("what changed before the p90 on kiosk-gw got slow?")
    assert f"kiosk-gw render_p90_ms moved up at {JUMP:%Y-%m-%d %H:%M} UTC" in ans, ans
    assert "Most likely cause for kiosk-gw: kg-rel-77" in ans and "no plausible change" not in ans, ans


async def test_a_move_that_came_back_leaves_the_last_days_own_step(ask):
    ans = await ask("why did seat_lock_ms on kiosk-gw go up?")
    moved = next(line for line in ans.splitlines() if "seat_lock_ms moved up at" in line)
    at = dt.datetime.strptime(moved.split("moved up at ")[1][:16], "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
    assert abs(at - SMALL) <= dt.timedelta(minutes=30), ans  # not the three-hour excursion of the day before


YOUNG_NOW = dt.datetime(2026, 12, 2, 17, 17, tzinfo=dt.UTC)
YOUNG_JUMP = dt.datetime(2026, 12, 1, 14, 20, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def young(pg_server, tmp_path_factory):
    """seatmap-svc: a young service, three and a half days of 5-minute data with a daily shape; its p95 jumped
    ~240 ms 27 h before the question, five minutes after a deploy, and stayed there. The series is a stranger's (made
    by a helper testing the assistant on its own organisation, where the day's look found an evening step of 18 ms
    and the story said "no plausible change found"; in this organisation the wider look finds the jump either way,
    so this guards the answer, not the one code path)."""
    lines = (Path(__file__).parents[1] / "fixtures" / "seatmap_p95.csv").read_text().splitlines()
    changes = {"deployments": [
        {"external_id": "sm-2026.12.01", "service": "seatmap-svc", "version": "2026.12.01",
         "started_at": zulu(YOUNG_JUMP - dt.timedelta(minutes=8)), "finished_at": zulu(YOUNG_JUMP - dt.timedelta(minutes=5))},
        {"external_id": "sm-2026.11.30", "service": "seatmap-svc", "version": "2026.11.30",
         "started_at": zulu(YOUNG_JUMP - dt.timedelta(hours=29)), "finished_at": zulu(YOUNG_JUMP - dt.timedelta(hours=29))},
    ]}
    with telemetry_org(pg_server, tmp_path_factory.mktemp("seatmap"), db="opsgraph_seatmap", slug="seatmap-co",
                       name="Seatmap Co", team="web", services=["seatmap-svc"], metrics=lines,
                       changes=changes) as made:
        yield made


async def test_a_day_that_began_inside_the_move_looks_back_to_where_it_began(young, pg_server):
    """"What changed before it got slow?" a day after a jump that is still on: the jump and the deploy before it."""
    async with org_thread(*young, pg_server, YOUNG_NOW) as t:
        ans = await t.ask("what changed before seatmap-svc got slow?")
    assert f"seatmap-svc p95_ms moved up at {YOUNG_JUMP:%Y-%m-%d %H:%M} UTC" in ans, ans
    assert "Most likely cause for seatmap-svc: sm-2026.12.01" in ans, ans
