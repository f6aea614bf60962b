"""Spikes in service telemetry: the onset of a spike is the spike (#13 item 3, second pass).

A dairy co-operative's platform, built here through the importers (nothing like the demo): ``Pasteuriser_API``
reports only ``cpu_util`` (5-minute, a daily cycle, autocorrelated noise) and fails in ONE 5-minute point far
above everything else in days; ``Route-Planner`` reports ``http_requests`` counts that rose to a higher level at
05:00 and spiked once at 08:10; ``coldchain.gw`` reports only ``egress_bytes`` and the question names no metric
at all. Deployments without commits, config keys dotted and UPPER, no dependency edges; each service has a true
cause 15–30 min before its spike and decoys (16 h before, 2 h after, another service at the same time, and on
``Route-Planner`` a deploy just before the earlier level rise).
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
from tests.integration.telemetry_support import first_line_with, telemetry_org, zulu

SLUG = "fernhill-dairy"
NOW = dt.datetime(2026, 10, 14, 16, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=5)
STEP = dt.timedelta(minutes=5)
SPIKE_A = dt.datetime(2026, 10, 14, 7, 35, tzinfo=dt.UTC)  # Pasteuriser_API cpu: one point
RISE_B = dt.datetime(2026, 10, 14, 5, 0, tzinfo=dt.UTC)  # Route-Planner requests: a higher level from here …
SPIKE_B = dt.datetime(2026, 10, 14, 8, 10, tzinfo=dt.UTC)  # … and one point far above it
SPIKE_C = dt.datetime(2026, 10, 14, 11, 20, tzinfo=dt.UTC)  # coldchain.gw egress: one point


def _series(rng: np.random.Generator) -> list[str]:
    rows = ["ts,service,metric,value"]
    n = int((NOW - START) / STEP)
    ar = 0.0
    for i in range(n + 1):
        t = START + STEP * i
        day = math.sin(2 * math.pi * (t.hour + t.minute / 60 - 10) / 24)
        ar = 0.3 * ar + rng.normal(0, 1.5)
        cpu = 31 + 5 * day + ar + (16 if t == SPIKE_A else 0)
        rows.append(f"{zulu(t)},Pasteuriser_API,cpu_util,{cpu:.2f}")
        lam = 150 if t >= RISE_B else 120
        reqs = 460 if t == SPIKE_B else int(rng.poisson(lam))
        rows.append(f"{zulu(t)},Route-Planner,http_requests,{reqs}")
        egress = 2.0e6 * (1 + 0.2 * day) * math.exp(rng.normal(0, 0.05)) * (6 if t == SPIKE_C else 1)
        rows.append(f"{zulu(t)},coldchain.gw,egress_bytes,{egress:.0f}")
    return rows


def _m(t: dt.datetime, minutes: float) -> str:
    return zulu(t + dt.timedelta(minutes=minutes))


CHANGES = {
    "deployments": [
        {"external_id": "pz-4410", "service": "Pasteuriser_API", "version": "r58",
         "started_at": _m(SPIKE_A, -24), "finished_at": _m(SPIKE_A, -20)},  # the cause
        {"external_id": "pz-4411", "service": "Pasteuriser_API", "version": "r59", "started_at": _m(SPIKE_A, 125)},
        {"external_id": "rp-77", "service": "Route-Planner", "version": "2026.10.14-1",
         "started_at": _m(RISE_B, -20)},  # before the earlier level rise, not before the spike
        {"external_id": "rp-78", "service": "Route-Planner", "version": "2026.10.14-2", "started_at": _m(SPIKE_B, 130)},
        {"external_id": "cc-903", "service": "coldchain.gw", "version": "cc-2026.10.3",
         "started_at": _m(SPIKE_C, -30), "finished_at": _m(SPIKE_C, -27)},  # the cause
        {"external_id": "cc-902", "service": "coldchain.gw", "version": "cc-2026.10.2",
         "started_at": _m(SPIKE_A, -22)},  # another service at the time of Pasteuriser_API's cause
    ],
    "config-changes": [
        {"external_id": "cfg-pz-1", "service": "Pasteuriser_API", "key": "PZ.HOMOGENISER.RPM",
         "changed_at": _m(SPIKE_A, -16 * 60), "old_value": "1400", "new_value": "1700"},
        {"external_id": "cfg-rp-9", "service": "Route-Planner", "key": "routing.solver.max_iterations",
         "changed_at": _m(SPIKE_B, -15), "old_value": "500", "new_value": "5000"},  # the cause
        {"external_id": "cfg-cc-2", "service": "coldchain.gw", "key": "COLDCHAIN_UPLOAD_BATCH",
         "changed_at": _m(SPIKE_C, -17 * 60), "old_value": "50", "new_value": "200"},
    ],
}


@pytest.fixture(scope="module")
def dairy_db(pg_server, tmp_path_factory):
    with telemetry_org(pg_server, tmp_path_factory.mktemp("spikes"), db="opsgraph_spikes", slug=SLUG,
                       name="Fernhill Dairy Co-op", team="plant-it",
                       services=("Pasteuriser_API", "Route-Planner", "coldchain.gw"),
                       metrics=_series(np.random.default_rng(20261014)), changes=CHANGES) as made:
        yield made


@pytest.fixture
async def assistant(dairy_db, pg_server):
    target, org_id = dairy_db
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    yield a, org_id, target.conninfo
    await a.close()


def _onset(record, conninfo: str) -> dt.datetime | None:
    """The onset the run reported (its ``metric_onset`` evidence, or the ranking's when found inside it)."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT kind, payload FROM evidence WHERE run_id = %s AND kind IN "
                            "('metric_onset', 'hypotheses') ORDER BY id", (record.id,)).fetchall()
    found = [p["onset"] for k, p in rows if p.get("onset") and (k == "metric_onset" or p.get("onset_source") ==
                                                                    "metric_onset")]
    return dt.datetime.fromisoformat(found[0]) if found else None



async def test_a_lone_five_minute_spike_is_the_onset(assistant):
    """One 5-minute point far above anything in days is an incident, not noise: its time is the onset and
    the deploy 20 min before it is the answer — not the config change 16 h earlier."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what changed before Pasteuriser_API's cpu jumped?")
    assert r.status == "completed", r.error
    onset = _onset(r, conninfo)
    assert onset is not None and abs(onset - SPIKE_A) <= dt.timedelta(minutes=5), (onset, r.answer)
    assert "pz-4410" in first_line_with(r.answer, "pz-4410", "cfg-pz-1", "cc-902"), r.answer
    assert "07:35" in r.answer


async def test_a_spike_inside_an_earlier_level_rise(assistant):
    """Asked about "the spike", the spike is meant — not the level rise three hours before it (and so not
    the deploy made just before that rise)."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what caused the requests spike on Route-Planner?")
    assert r.status == "completed", r.error
    onset = _onset(r, conninfo)
    assert onset is not None and abs(onset - SPIKE_B) <= dt.timedelta(minutes=5), (onset, r.answer)
    first = first_line_with(r.answer, "cfg-rp-9", "rp-77")
    assert "cfg-rp-9" in first and "rp-77" not in first, r.answer


async def test_a_spike_question_that_names_no_metric(assistant):
    """The service reports only egress bytes and the user names no metric: its own metric is watched (no
    "unknown metric 'errors'"), the spike is the onset and the deploy before it ranks first."""
    a, org_id, conninfo = assistant
    r = await a.ask(org_id=org_id, question="what caused the spike on coldchain.gw?")
    assert r.status == "completed", r.error
    assert "unknown metric" not in r.answer.lower(), r.answer
    onset = _onset(r, conninfo)
    assert onset is not None and abs(onset - SPIKE_C) <= dt.timedelta(minutes=5), (onset, r.answer)
    assert "cc-903" in first_line_with(r.answer, "cc-903", "cfg-cc-2"), r.answer
