"""Onsets and change correlation on service telemetry shaped like real exports (#13 item 3).

An organisation built here through the importers, nothing like the demo: services ``Recon.Worker``,
``ledger_api``, ``quiet-box``, ``thumb_svc``, ``kiln``; metrics that are not errors or latency (``cpu_pct``,
``disk_write_bytes``, ``board_temp_c``) at 5-minute resolution with a daily cycle, a nightly batch spike and
jittered timestamps (a point a minute late, as real exports have), one metric as hourly means; deployments
without commits (``v2026.48.1``), config keys dotted and UPPER, no dependency edges. Each service gets a true
cause and decoys (same service long before, after the onset, another service at the same time).
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
from store.db import make_async_engine, make_sessionmaker
from store.importers import run_import
from tests.conftest import _create_database, _drop_database, settings_for
from tests.integration.telemetry_support import zulu
from tools.base import ToolContext, ToolError
from tools.changes import correlate_changes, metric_onset

SLUG = "harbourline"
NOW = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=4)
SHIFT = dt.datetime(2026, 11, 24, 9, 40, tzinfo=dt.UTC)  # Recon.Worker cpu jumps by ~18 points
DROP = dt.datetime(2026, 11, 24, 6, 5, tzinfo=dt.UTC)  # thumb_svc disk writes fall off a cliff
RAMP = dt.datetime(2026, 11, 24, 4, 0, tzinfo=dt.UTC)  # ledger_api p95 starts climbing (hourly means)
BURST = (dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 24, 11, 30, tzinfo=dt.UTC))
SPIKE = dt.datetime(2026, 11, 24, 13, 10, tzinfo=dt.UTC)  # tolls.gw cpu spikes for one point, level unchanged
QUIET_AS_OF = dt.datetime(2026, 11, 24, 2, 25, tzinfo=dt.UTC)  # just after quiet-box's nightly batch spike
STEP = dt.timedelta(minutes=5)


def _daily(t: dt.datetime, amplitude: float) -> float:
    """A daily cycle peaking mid-afternoon UTC."""
    hours = t.hour + t.minute / 60
    return amplitude * math.sin(2 * math.pi * (hours - 9) / 24)


def _nightly(t: dt.datetime) -> bool:
    return t.hour == 2 and 10 <= t.minute < 25


def _series(rng: np.random.Generator) -> list[tuple[str, str, str, float]]:
    rows: list[tuple[str, str, str, float]] = []
    n = int((NOW - START) / STEP)
    for i in range(n + 1):
        t = START + STEP * i
        late = t + dt.timedelta(minutes=1) if i % 97 == 13 else t  # an exporter that is sometimes a minute late
        cpu = 35 + _daily(t, 8) + rng.normal(0, 1.5) + (30 if _nightly(t) else 0) + (18 if t >= SHIFT else 0)
        rows.append((zulu(late), "Recon.Worker", "cpu_pct", round(cpu, 2)))
        quiet = 22 + _daily(t, 6) + rng.normal(0, 1.2) + (35 if _nightly(t) else 0)
        rows.append((zulu(t), "quiet-box", "cpu_util", round(quiet, 2)))
        disk = (5.0e6 if t < DROP else 4.0e5) * (1 + 0.15 * _daily(t, 1)) * (1 + rng.normal(0, 0.04))
        rows.append((zulu(t), "thumb_svc", "disk_write_bytes", round(disk)))
        rows.append((zulu(t), "kiln", "board_temp_c", round(61 + _daily(t, 2) + rng.normal(0, 0.4), 2)))
        burst = 140 if BURST[0] <= t < BURST[1] else 0  # traffic up for three and a half hours, then back
        rows.append((zulu(t), "edge-relay", "rps", round(300 + _daily(t, 40) + rng.normal(0, 8) + burst, 1)))
        spike = 20 if SPIKE <= t < SPIKE + dt.timedelta(minutes=5) else 0  # a busy gateway, 78 % and a spike
        rows.append((zulu(t), "tolls.gw", "cpu_pct", round(78 + rng.normal(0, 1.0) + spike, 2)))
    for h in range(int((NOW - START) / dt.timedelta(hours=1))):
        t = START + dt.timedelta(hours=h)
        climb = max(0.0, (t - RAMP) / dt.timedelta(hours=1)) * 9.0
        p95 = 140 + _daily(t, 15) + rng.normal(0, 3) + climb
        rows.append((zulu(t), "ledger_api", "latency_p95_ms", round(p95, 1)))
    return rows


CHANGES = {
    "deployments": [
        {"external_id": "rw-881", "service": "Recon.Worker", "version": "v2026.48.1",
         "started_at": zulu(SHIFT - dt.timedelta(minutes=24)), "finished_at": zulu(SHIFT - dt.timedelta(minutes=20)),
         "deployed_by": "ci-bot"},
        {"external_id": "rw-882", "service": "Recon.Worker", "version": "v2026.48.2",  # after the onset
         "started_at": zulu(SHIFT + dt.timedelta(hours=2)), "finished_at": zulu(SHIFT + dt.timedelta(hours=2, minutes=3))},
        {"external_id": "la-17", "service": "ledger_api", "version": "v2026.48.1",  # another service, same time
         "started_at": zulu(SHIFT - dt.timedelta(minutes=15))},
        {"external_id": "la-16", "service": "ledger_api", "version": "v2026.47.9",
         "started_at": zulu(RAMP - dt.timedelta(minutes=40))},
        {"external_id": "tg-40", "service": "tolls.gw", "version": "v9.1.0",
         "started_at": zulu(SPIKE - dt.timedelta(minutes=25))},
        {"external_id": "er-5", "service": "edge-relay", "version": "v2026.48.3",  # while the burst went on
         "started_at": zulu(BURST[1] - dt.timedelta(minutes=20))},
    ],
    "config-changes": [
        {"external_id": "cfg-301", "service": "Recon.Worker", "key": "RECON.BATCH.MAX_ROWS",  # long before
         "changed_at": zulu(SHIFT - dt.timedelta(hours=16)), "old_value": "5000", "new_value": "20000",
         "changed_by": "dana"},
        {"external_id": "cfg-302", "service": "thumb_svc", "key": "thumbs.cache.ttl_seconds",
         "changed_at": zulu(DROP - dt.timedelta(minutes=25)), "old_value": "60", "new_value": "86400",
         "changed_by": "li.wei"},
        {"external_id": "cfg-304", "service": "edge-relay", "key": "EDGE.RATE_LIMIT.RPS",
         "changed_at": zulu(BURST[0] - dt.timedelta(minutes=15)), "old_value": "300", "new_value": "1200"},
        {"external_id": "cfg-303", "service": "Recon.Worker", "key": "recon.log.level",  # after the onset
         "changed_at": zulu(SHIFT + dt.timedelta(minutes=90)), "old_value": "info", "new_value": "debug"},
    ],
}


@pytest.fixture(scope="module")
def telemetry_db(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_telem")
    migrate.upgrade(target)
    tmp: Path = tmp_path_factory.mktemp("telem")
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Harbourline Freight') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        services = [{"name": n, "team": "platform"} for n in ("Recon.Worker", "ledger_api", "quiet-box",
                                                               "thumb_svc", "kiln", "edge-relay", "tolls.gw")]
        (tmp / "services.json").write_text(json.dumps(services))
        run_import(conn, SLUG, "services", tmp / "services.json")
        lines = ["ts,service,metric,value"] + [",".join(map(str, r)) for r in _series(np.random.default_rng(4813))]
        (tmp / "metrics.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, SLUG, "metrics", tmp / "metrics.csv")
        for kind, rows in CHANGES.items():
            (tmp / f"{kind}.json").write_text(json.dumps(rows))
            run_import(conn, SLUG, kind, tmp / f"{kind}.json")
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def tctx(telemetry_db):
    target, org_id = telemetry_db
    engine = make_async_engine(target, pool_size=2)
    yield lambda now=NOW: ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=now)
    await engine.dispose()


def _minutes(a: dt.datetime, b: dt.datetime) -> float:
    return abs((a - b).total_seconds()) / 60


# ------------------------------------------------------------------ onsets


async def test_jittered_5_minute_cpu_with_a_daily_cycle_and_nightly_spikes(tctx):
    """A point a minute late must not turn the series into a 1-minute grid of holes; the nightly batch
    spikes are not the onset; the level shift is."""
    r = (await metric_onset(tctx(), service="recon.worker", metric="cpu", hours=72)).result
    assert r.metric == "cpu_pct" and r.n_points >= 800
    assert r.onset is not None and _minutes(r.onset, SHIFT) <= 30, (r.onset, r.method)
    assert r.direction == "up" and r.after_level - r.before_level > 10
    assert all((b.start - a.start) >= dt.timedelta(minutes=5) for a, b in zip(r.stages, r.stages[1:], strict=False))


async def test_a_nightly_batch_spike_is_rhythm_not_an_onset(tctx):
    """Asked right after the spike that comes every night at 02:10, on a series that never shifted."""
    r = (await metric_onset(tctx(QUIET_AS_OF), service="quiet-box", metric="cpu", hours=72)).result
    assert r.onset is None, (r.onset, r.method)
    r = (await metric_onset(tctx(), service="quiet-box", metric="saturation", hours=24)).result
    assert r.onset is None, (r.onset, r.method)


async def test_a_metric_that_falls_off_a_cliff_has_an_onset(tctx):
    """Disk writes dropping 90% is news even though only a rise of a saturation metric is 'bad'."""
    r = (await metric_onset(tctx(), service="THUMB_SVC", metric="disk writes", hours=48)).result
    assert r.metric == "disk_write_bytes"
    assert r.onset is not None and _minutes(r.onset, DROP) <= 30 and r.direction == "down", (r.onset, r.direction)


async def test_metrics_named_by_the_users_words_or_not_at_all(tctx):
    ctx = tctx()
    assert (await metric_onset(ctx, service="kiln", metric="temperature")).result.metric == "board_temp_c"
    assert (await metric_onset(ctx, service="kiln", metric="kiln")).result.metric == "board_temp_c"  # service name
    assert (await metric_onset(ctx, service="ledger_api", metric="p95")).result.metric == "latency_p95_ms"
    with pytest.raises(ToolError) as e:
        await metric_onset(ctx, service="kiln", metric="errors")  # asked for what it does not report: say so
    assert "unknown metric" in str(e.value)


async def test_hourly_means_with_a_ramp(tctx):
    r = (await metric_onset(tctx(), service="ledger_api", metric="latency", hours=72)).result
    assert r.onset is not None and dt.timedelta(0) <= r.onset - RAMP <= dt.timedelta(hours=6), r.onset
    assert r.direction == "up"


# ------------------------------------------------------------------ correlation


async def test_what_changed_before_the_cpu_jumped_without_an_onset(tctx):
    """The service reports no errors or latency: the onset comes from its cpu; the true cause ranks first,
    the change 16 h before, the changes after the onset and the other service's deploy do not."""
    r = (await correlate_changes(tctx(), service="Recon.Worker")).result
    assert r.onset_source == "metric_onset" and _minutes(r.onset, SHIFT) <= 30, (r.onset_source, r.onset)
    assert r.plausible and r.hypotheses[0].subject == "rw-881", [(h.subject, h.confidence) for h in r.hypotheses]
    subjects = [h.subject for h in r.hypotheses]
    assert "rw-882" not in subjects and "cfg-303" not in subjects and "la-17" not in subjects
    others = [h for h in r.hypotheses if h.subject != "rw-881"]
    assert all(not h.plausible for h in others)
    # its own cpu is the evidence that it moved the service (no error or latency metric to look at)
    assert "cpu_pct rose above the pre-change limits" in r.hypotheses[0].rationale, r.hypotheses[0].rationale
    assert r.hypotheses[0].components.comovement > 0.5
    assert "cpu_pct rose" not in next(h.rationale for h in r.hypotheses if h.subject == "cfg-301")


async def test_a_change_just_after_an_estimated_onset_is_still_a_candidate(tctx):
    """A stage boundary can sit a few points early: a change 5 min after it still counts (below one just
    before it), one 2 h after never does; a given onset (an incident's start) stays strict."""
    early = SHIFT - dt.timedelta(minutes=25)
    r = (await correlate_changes(tctx(), service="Recon.Worker", onset=early,
                                 onset_tolerance=dt.timedelta(minutes=60))).result
    top = r.hypotheses[0]
    assert top.subject == "rw-881" and top.minutes_before_onset < 0 and "after the onset" in top.rationale
    assert "rw-882" not in [h.subject for h in r.hypotheses]
    strict = (await correlate_changes(tctx(), service="Recon.Worker", onset=early)).result
    assert "rw-881" not in [h.subject for h in strict.hypotheses]
    with pytest.raises(ToolError):
        await correlate_changes(tctx(), service="Recon.Worker", onset=early, onset_tolerance=dt.timedelta(days=2))


async def test_a_config_change_before_a_cliff(tctx):
    r = (await correlate_changes(tctx(), service="thumb_svc")).result
    assert r.onset_source == "metric_onset" and r.plausible and r.hypotheses[0].subject == "cfg-302"


async def test_a_burst_that_went_back_is_explained_from_its_start(tctx):
    """Traffic (a metric where a move either way is news) rose for 3.5 h and came back: the onset is where it
    rose, not where it came back, so the change before the rise ranks first, not the deploy before the return."""
    r = (await correlate_changes(tctx(), service="edge-relay")).result
    assert r.onset_source == "metric_onset" and _minutes(r.onset, BURST[0]) <= 30, r.onset
    assert r.plausible and r.hypotheses[0].subject == "cfg-304", [(h.subject, h.confidence) for h in r.hypotheses]


async def test_nothing_changed_before_it_says_so(tctx):
    """kiln never moved and never changed: no onset is claimed and no change is blamed."""
    r = (await correlate_changes(tctx(), service="kiln")).result
    assert r.onset_source == "now" and not r.plausible and r.hypotheses == []
    assert "no plausible change found in the window" in r.conclusion


# ------------------------------------------------------------------ asked as an SRE would


@pytest.fixture
async def assistant(telemetry_db, pg_server):
    target, org_id = telemetry_db
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    yield a, org_id
    await a.close()


async def test_asked_what_changed_before_the_cpu_jumped(assistant):
    a, org_id = assistant
    r = await a.ask(org_id=org_id, question="what changed before Recon.Worker's cpu jumped?")
    assert r.status == "completed", r.error
    assert "rw-881" in r.answer and "09:" in r.answer, r.answer
    first = next(line for line in r.answer.splitlines() if "rw-881" in line or "cfg-301" in line)
    assert "rw-881" in first, r.answer


async def test_asked_about_a_metric_with_no_role(assistant):
    a, org_id = assistant
    r = await a.ask(org_id=org_id, question="why did thumb_svc disk writes drop this morning?")
    assert r.status == "completed", r.error
    assert "cfg-302" in r.answer, r.answer


async def test_a_named_metric_that_spiked_is_explained_though_its_level_barely_moved(assistant):
    """A spike on a busy host leaves the stage means within 3 % of each other (78 → 79.8 over the next hour): the user says it
    spiked, so it is explained from the spike — not dismissed as "no real move"."""
    a, org_id = assistant
    r = await a.ask(org_id=org_id, question="what changed before tolls.gw's cpu spiked?")
    assert r.status == "completed", r.error
    assert "no real move" not in r.answer and "tg-40" in r.answer, r.answer
