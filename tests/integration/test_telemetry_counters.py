"""A cumulative counter as the symptom series (#13 item 3, fourth pass): a freight broker's indexer exports
``docs_indexed_total`` — the running total, not a rate — with a restart (the total falls back to zero) after a
deploy four hours earlier and a scrape gap of half an hour. Its rate doubled at STEP; the cause is the config
change 15 min before. Built here through the importers (nothing like the demo): deployments without commits,
dotted and UPPER keys, no dependency edges, a decoy on the same service 17 h before and 90 min after, another
service's deploy at the same time as the cause. ``crane-telemetry``'s fault ratio steps up at a minute when
one change was made and another three minutes later; ``berth-api``'s workers saturate 40 min before its 5xx
follow; ``yard-gate``'s cause is filed under a shared ``platform-config`` service, its key naming the gate;
``reefer-monitor``'s faults step up between a deploy 6 min before and a risky config change a minute after."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import psycopg
import pytest

from agents.service import Assistant
from store import migrate
from store.importers import run_import
from tests.conftest import settings_for
from tests.integration.telemetry_support import first_line_with, ranked_onset, telemetry_org, zulu

SLUG = "kestrel-freight"
NOW = dt.datetime(2026, 4, 9, 15, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=5)
STEP_5 = dt.timedelta(minutes=5)
STEP = dt.datetime(2026, 4, 9, 10, 40, tzinfo=dt.UTC)  # the indexing rate doubles
RESTART = STEP - dt.timedelta(hours=4)  # the indexer restarted (a deploy): its total starts again from zero
GAP = (STEP - dt.timedelta(hours=2), STEP - dt.timedelta(hours=1, minutes=30))  # the scraper was down
FAULTS = dt.datetime(2026, 4, 9, 12, 5, tzinfo=dt.UTC)  # crane-telemetry's fault ratio steps up at this minute
HOT = dt.datetime(2026, 4, 9, 7, 20, tzinfo=dt.UTC)  # berth-api's workers saturate …
FAILS = HOT + dt.timedelta(minutes=40)  # … and its 5xx follow 40 min later
GATE = dt.datetime(2026, 4, 9, 13, 25, tzinfo=dt.UTC)  # yard-gate's scan latency steps up
REEFER = dt.datetime(2026, 4, 9, 13, 50, tzinfo=dt.UTC)  # reefer-monitor's faults step up


def _m(t: dt.datetime, minutes: float) -> str:
    return zulu(t + dt.timedelta(minutes=minutes))


def _series(rng: np.random.Generator) -> list[str]:
    rows = ["ts,service,metric,value"]
    total = 8.2e6
    t = START
    while t <= NOW:
        rate = (95.0 if t < STEP else 210.0) + rng.normal(0, 9)
        total = (rate if t == RESTART else total + max(rate, 0.0))
        if not GAP[0] <= t < GAP[1]:
            rows.append(f"{zulu(t)},quarry-ledger,docs_indexed_total,{total:.0f}")
        rows.append(f"{zulu(t)},Dock.Planner,cpu_pct,{41 + rng.normal(0, 3):.2f}")
        faults = max(0.0, (0.4 if t < FAULTS else 2.9) + rng.normal(0, 0.08))
        rows.append(f"{zulu(t)},crane-telemetry,hoist_fault_ratio,{faults:.3f}")
        rows.append(f"{zulu(t)},reefer-monitor,reefer_fault_pct,{max(0.0, (0.3 if t < REEFER else 2.4) + rng.normal(0, 0.07)):.3f}")
        rows.append(f"{zulu(t)},yard-gate,scan_latency_ms,{(140 if t < GATE else 410) + rng.normal(0, 15):.1f}")
        rows.append(f"{zulu(t)},berth-api,worker_busy_pct,{(34 if t < HOT else 83) + rng.normal(0, 4):.1f}")
        rows.append(f"{zulu(t)},berth-api,http_5xx_pct,{max(0.0, (0.2 if t < FAILS else 1.9) + rng.normal(0, 0.06)):.3f}")
        t += STEP_5
    return rows


CHANGES = {
    "deployments": [
        {"external_id": "ql-707", "service": "quarry-ledger", "version": "ql-2026.4.2",
         "started_at": _m(RESTART, -6), "finished_at": _m(RESTART, -2)},  # restarted it: no change in rate
        {"external_id": "ql-708", "service": "quarry-ledger", "version": "ql-2026.4.3",
         "started_at": _m(STEP, 90), "finished_at": _m(STEP, 94)},  # after
        {"external_id": "dp-31", "service": "Dock.Planner", "version": "31", "started_at": _m(STEP, -14)},
        {"external_id": "ct-90", "service": "crane-telemetry", "version": "ct-90", "started_at": _m(FAULTS, 3)},
        {"external_id": "ba-5", "service": "berth-api", "version": "5.2.0", "started_at": _m(HOT, 20),
         "finished_at": _m(HOT, 23)},  # after the workers saturated, before the 5xx
        {"external_id": "ba-4", "service": "berth-api", "version": "5.1.9", "started_at": _m(HOT, -17 * 60)},
        {"external_id": "rm-12", "service": "reefer-monitor", "version": "rm-12", "started_at": _m(REEFER, -8),
         "finished_at": _m(REEFER, -6)},  # the cause: just before the faults
        {"external_id": "yg-3", "service": "yard-gate", "version": "yg-3", "started_at": _m(GATE, -18 * 60)},
        {"external_id": "yg-4", "service": "yard-gate", "version": "yg-4", "started_at": _m(GATE, 100)},
    ],
    "config-changes": [
        {"external_id": "qc-12", "service": "quarry-ledger", "key": "INDEXER.BULK.PARALLELISM",
         "changed_at": _m(STEP, -15), "old_value": "4", "new_value": "12"},  # the cause
        {"external_id": "qc-11", "service": "quarry-ledger", "key": "ledger.retention.days",
         "changed_at": _m(STEP, -17 * 60), "old_value": "30", "new_value": "45"},
        {"external_id": "cc-4", "service": "crane-telemetry", "key": "crane.sensor.calibration_profile",
         "changed_at": _m(FAULTS, 0), "old_value": "b", "new_value": "c"},  # at the onset minute: the cause
        {"external_id": "bc-2", "service": "berth-api", "key": "berth.worker_pool.max",
         "changed_at": _m(HOT, -15), "old_value": "64", "new_value": "16"},  # the cause
        {"external_id": "rc-9", "service": "reefer-monitor", "key": "REEFER.POLL.TIMEOUT_MS",
         "changed_at": _m(REEFER, 1), "old_value": "500", "new_value": "2000"},  # risky, but after the faults began
        {"external_id": "pc-77", "service": "platform-config", "key": "YARD_GATE_SCANNER_TIMEOUT_MS",
         "changed_at": _m(GATE, -12), "old_value": "900", "new_value": "250"},  # filed elsewhere: the cause
        {"external_id": "pc-78", "service": "platform-config", "key": "berth.cranes.max_parallel",
         "changed_at": _m(GATE, -5), "old_value": "3", "new_value": "5"},  # filed elsewhere, names no yard-gate
        {"external_id": "pc-79", "service": "platform-config", "key": "YARD_GATE_CAMERA.FPS",
         "changed_at": _m(GATE, -3), "old_value": "15", "new_value": "30"},  # names yard-gate-camera, not the gate
        {"external_id": "bc-3", "service": "berth-api", "key": "yard_gate.client.timeout_ms",
         "changed_at": _m(GATE, -2), "old_value": "800", "new_value": "300"},  # berth-api's own client of the gate
    ],
}


@pytest.fixture(scope="module")
def freight_db(pg_server, tmp_path_factory):
    with telemetry_org(pg_server, tmp_path_factory.mktemp("counters"), db="opsgraph_counters", slug=SLUG,
                       name="Kestrel Freight", team="yard",
                       services=("quarry-ledger", "Dock.Planner", "crane-telemetry", "berth-api", "yard-gate",
                                 "platform-config", "reefer-monitor", "yard-gate-camera"),
                       metrics=_series(np.random.default_rng(20260409)), changes=CHANGES) as made:
        yield made


@pytest.fixture
async def assistant(freight_db, pg_server):
    target, org_id = freight_db
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    yield a, org_id, target.conninfo
    await a.close()




async def test_a_running_total_is_judged_on_its_rate(assistant):
    """The total fell to zero at the restart and jumped after the scrape gap; neither is the onset: the rate
    doubling is, and the parallelism change 15 min before it ranks first — not the restart's deploy, the
    deploy 90 min after, nor the other service's deploy."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before quarry-ledger went bad?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset is not None and abs(onset - STEP) <= dt.timedelta(minutes=10), (onset, r.answer)
    first = first_line_with(r.answer, "qc-12", "ql-707", "ql-708", "dp-31")
    assert "qc-12" in first and "Most likely" in first, r.answer
    assert "docs_indexed_total rose above the pre-change limits" in first, r.answer  # its rate, after the change
    why = first_line_with(r.answer, "ranks first")  # the restart's deploy and the later one are far in time
    assert "Why qc-12 ranks first" in why and "timing" in why and "15 min before the onset" in why, r.answer
    assert "increase per 5 min" in r.answer, r.answer  # says it judged the counter's rate, not its total


async def test_a_change_at_the_onset_minute_beats_one_just_after_it(assistant):
    """The fault ratio stepped up at 12:05; a config change at 12:05 and a deploy at 12:08 (both of unknown
    risk, both followed by the faults): the one at the onset minute ranks first — a change after the onset
    cannot have started it."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before crane-telemetry went bad?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset == FAULTS, (onset, r.answer)
    first = first_line_with(r.answer, "cc-4", "ct-90")
    assert "cc-4" in first and "Most likely" in first, r.answer
    why = first_line_with(r.answer, "ranks first")
    assert "cc-4" in why and "timing" in why and "at the onset minute" in why and "ct-90 3 min after it" in why, r.answer


async def test_saturation_before_the_errors_dates_the_event(assistant):
    """Asked about the errors by name: the workers saturated 40 min before the 5xx followed, so the event began
    then — the pool change 15 min before the saturation ranks first, not the deploy made between the two, and
    the answer says the saturation moved first."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before berth-api's errors jumped?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset is not None and abs(onset - HOT) <= dt.timedelta(minutes=10), (onset, r.answer)
    first = first_line_with(r.answer, "Most likely")
    assert "bc-2" in first and "ba-5" not in first, r.answer
    assert "worker_busy_pct moved first" in r.answer, r.answer


async def test_a_config_change_filed_elsewhere_that_names_the_service(assistant):
    """The scanner timeout change was imported under the shared platform-config service, but its key names
    yard-gate: it is a candidate on yard-gate and ranks first (and plausible), saying where it was filed; the
    other platform-config changes name no yard-gate (one names yard-gate-camera) and are not considered, nor is berth-api's own setting for its client of the
    gate."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before yard-gate's latency jumped?")
    assert r.status == "completed", r.error
    onset = ranked_onset(r, conninfo)
    assert onset is not None and abs(onset - GATE) <= dt.timedelta(minutes=10), (onset, r.answer)
    first = first_line_with(r.answer, "Most likely")
    assert "pc-77" in first and "filed under platform-config" in first, r.answer
    assert "pc-78" not in r.answer and "pc-79" not in r.answer, r.answer  # pc-79 names yard-gate-camera
    assert "bc-3" not in r.answer, r.answer  # a running service's setting for its client of the gate


async def test_two_changes_close_together_the_earlier_one_when_the_symptom_began_before_the_later(assistant):
    """The faults began at 13:50, between a deploy finished at 13:44 and a timeout change at 13:51: the timeout
    change looks riskier, but it came after the faults began — the deploy ranks first, and the answer says the
    timing is why."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before reefer-monitor went bad?")
    assert r.status == "completed", r.error
    assert ranked_onset(r, conninfo) == REEFER, r.answer
    first = first_line_with(r.answer, "Most likely")
    assert "rm-12" in first and "rc-9" not in first, r.answer
    why = first_line_with(r.answer, "ranks first")
    assert "timing" in why and "rc-9 1 min after it" in why, r.answer
