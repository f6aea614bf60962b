"""Onsets that real telemetry has and the first two passes missed (#13 item 3, third pass).

A tram operator's back office, built here through the importers (nothing like the demo): ``fare-gateway``
reports ``resp_p95_ms`` (5-minute) and fails by answering *fast* — one point far below anything in days, then a
swing back up (requests rejected before doing any work); ``DepotSched`` reports ``heap_used_mb`` (5-minute, a
daily cycle) and leaks: from 09:20 it climbs steadily for four hours — the onset is where the climb starts, not
where it crosses the limits or the top step of the staircase stage detection cuts it into, when the user
asks about a climb ("start going up"); ``Ticketing.Sync`` (hourly ``cpu_util``, a two-hour burst today and a
one-hour blip yesterday) is a bystander. Deployments without commits, config keys dotted
and UPPER, no dependency edges; each service has a true cause 10–25 min before its onset and decoys (17 h
before, in the middle of the climb or 2 h after, another service at the same time). ``Validator-API`` reports
``validate_latency_ms`` and ``rejected_pct``: its latency stepped up 40 min before its errors followed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import psycopg
import pytest

from agents.service import Assistant
from store import migrate
from store.importers import run_import
from tests.conftest import settings_for
from tests.integration.telemetry_support import first_line_with, ranked_onset, telemetry_org, zulu

SLUG = "brume-tramways"
NOW = dt.datetime(2026, 6, 18, 17, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=7)
STEP = dt.timedelta(minutes=5)
FAST_FAIL = dt.datetime(2026, 6, 18, 8, 45, tzinfo=dt.UTC)  # fare-gateway p95 falls away for one point
LEAK = dt.datetime(2026, 6, 18, 9, 20, tzinfo=dt.UTC)  # DepotSched heap starts climbing …
LEAK_HOURS = 4  # … for four hours, then stays up
RISE = dt.datetime(2026, 6, 18, 11, 0, tzinfo=dt.UTC)  # Ticketing.Sync cpu (hourly) high for two hours
BLIP = RISE - dt.timedelta(days=1)  # one hour yesterday at the same time, never before
SLOW = dt.datetime(2026, 6, 18, 13, 30, tzinfo=dt.UTC)  # Validator-API latency steps up …
FAILING = SLOW + dt.timedelta(minutes=40)  # … and its errors follow 40 min later (timeouts)


def _m(t: dt.datetime, minutes: float) -> str:
    return zulu(t + dt.timedelta(minutes=minutes))


def _series(rng: np.random.Generator) -> list[str]:
    rows = ["ts,service,metric,value"]
    n = int((NOW - START) / STEP)
    ar = 0.0
    hourly: dict[dt.datetime, list[float]] = {}
    for i in range(n + 1):
        t = START + STEP * i
        hours = t.hour + t.minute / 60
        p95 = 220 + rng.normal(0, 8)
        if t == FAST_FAIL:
            p95 = 92.0  # answered before doing any work
        elif t == FAST_FAIL + STEP:
            p95 = 249.0  # and swinging back
        rows.append(f"{zulu(t)},fare-gateway,resp_p95_ms,{p95:.1f}")
        ar = 0.4 * ar + rng.normal(0, 5)
        climb = min(1.0, max(0.0, (t - LEAK) / dt.timedelta(hours=LEAK_HOURS)))
        heap = 640 + 18 * math.sin(2 * math.pi * (hours - 8) / 24) + ar + 110 * climb
        rows.append(f"{zulu(t)},DepotSched,heap_used_mb,{heap:.1f}")
        cpu = 38 + 3 * math.sin(2 * math.pi * (hours - 14) / 24) + rng.normal(0, 2.5)
        top = t.replace(minute=0)
        if RISE <= top < RISE + dt.timedelta(hours=2) or top == BLIP:
            cpu += 9
        hourly.setdefault(top, []).append(cpu)
        lat = 85 + rng.normal(0, 4) + (45 if t >= SLOW else 0)
        rows.append(f"{zulu(t)},Validator-API,validate_latency_ms,{lat:.1f}")
        errs = max(0.0, 0.4 + rng.normal(0, 0.12) + (2.5 if t >= FAILING else 0))
        rows.append(f"{zulu(t)},Validator-API,rejected_pct,{errs:.3f}")
    rows += [f"{zulu(t)},Ticketing.Sync,cpu_util,{sum(v) / len(v):.2f}" for t, v in sorted(hourly.items())]
    return rows


CHANGES = {
    "deployments": [
        {"external_id": "fg-2291", "service": "fare-gateway", "version": "fg-26.6.4",
         "started_at": _m(FAST_FAIL, -22), "finished_at": _m(FAST_FAIL, -18)},  # the cause
        {"external_id": "fg-2292", "service": "fare-gateway", "version": "fg-26.6.5", "started_at": _m(FAST_FAIL, 130)},
        {"external_id": "ds-88", "service": "DepotSched", "version": "2026.06.18-b",
         "started_at": _m(LEAK, 105), "finished_at": _m(LEAK, 109)},  # in the middle of the climb
        {"external_id": "ts-5", "service": "Ticketing.Sync", "version": "sync-51",
         "started_at": _m(RISE, -20), "finished_at": _m(RISE, -16)},  # the cause
        {"external_id": "ts-4", "service": "Ticketing.Sync", "version": "sync-50",
         "started_at": _m(BLIP, -25)},  # before yesterday's blip (a day earlier: a decoy when the blip wins)
        {"external_id": "va-310", "service": "Validator-API", "version": "va-3.1.0",
         "started_at": _m(SLOW, 18), "finished_at": _m(SLOW, 21)},  # after the latency moved, before the errors
        {"external_id": "fg-2290", "service": "fare-gateway", "version": "fg-26.6.3",
         "started_at": _m(LEAK, -14)},  # another service at the time of DepotSched's cause
    ],
    "config-changes": [
        {"external_id": "cfg-fg-1", "service": "fare-gateway", "key": "FARE.CACHE.TTL",
         "changed_at": _m(FAST_FAIL, -17 * 60), "old_value": "30", "new_value": "90"},
        {"external_id": "cfg-ds-7", "service": "DepotSched", "key": "planner.snapshot.retain_count",
         "changed_at": _m(LEAK, -15), "old_value": "4", "new_value": "40"},  # the cause
        {"external_id": "cfg-va-4", "service": "Validator-API", "key": "validator.upstream.timeout_ms",
         "changed_at": _m(SLOW, -12), "old_value": "800", "new_value": "200"},  # the cause
        {"external_id": "cfg-ts-2", "service": "Ticketing.Sync", "key": "TICKETING_BATCH_WINDOW",
         "changed_at": _m(RISE, 125), "old_value": "60", "new_value": "120"},
    ],
}


@pytest.fixture(scope="module")
def tram_db(pg_server, tmp_path_factory):
    with telemetry_org(pg_server, tmp_path_factory.mktemp("drifts"), db="opsgraph_drifts", slug=SLUG,
                       name="Tramways de Brume", team="back-office",
                       services=("fare-gateway", "DepotSched", "Ticketing.Sync", "Validator-API"),
                       metrics=_series(np.random.default_rng(20260618)), changes=CHANGES) as made:
        yield made


@pytest.fixture
async def assistant(tram_db, pg_server):
    target, org_id = tram_db
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    yield a, org_id, target.conninfo
    await a.close()




async def test_latency_that_falls_away_is_the_onset(assistant):
    """Nothing rose beyond anything in the day, but one point fell far below everything (requests answered
    before doing any work): that is the onset, and the deploy 18 min before it is the answer — not the config
    change 17 h earlier."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before fare-gateway's latency jumped?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset is not None and abs(onset - FAST_FAIL) <= dt.timedelta(minutes=5), (onset, r.answer)
    assert "fg-2291" in first_line_with(r.answer, "fg-2291", "cfg-fg-1"), r.answer


async def test_a_slow_climb_dates_from_where_it_began(assistant):
    """A leak climbs for four hours: the onset is where the climb began (within half an hour), so the config
    change 15 min before it ranks first — not the deploy made in the middle of the climb."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="when did DepotSched memory start going up, and what changed before?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset is not None and abs(onset - LEAK) <= dt.timedelta(minutes=30), (onset, r.answer)
    first = first_line_with(r.answer, "cfg-ds-7", "ds-88")
    assert "cfg-ds-7" in first and "ds-88" not in first, r.answer


async def test_the_metric_that_moved_first_dates_the_event(assistant):
    """Latency stepped up at 13:30 and the errors followed at 14:10: asked with no metric named, the onset is
    the latency's (the errors are the same event seen later), so the timeout change 12 min before it ranks
    first — not the deploy made between the two onsets."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before Validator-API went bad?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset is not None and abs(onset - SLOW) <= dt.timedelta(minutes=10), (onset, r.answer)
    first = first_line_with(r.answer, "cfg-va-4", "va-310")
    assert "cfg-va-4" in first and "va-310" not in first, r.answer
