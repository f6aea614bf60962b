"""Service jumps are looked for over the last 3 days (as the README promises), and a repeating daily rhythm is no
jump: an organisation built here (a ski resort's lift-pass systems) whose names, ids and keys look nothing like the
demo's.

1. ``correlate_changes(service=…)`` with no onset: the service's latency stepped up 40 hours before now, a config
   change 20 minutes before that step is its cause — it used to search only the last 24 hours, found no onset and
   ranked nothing ("no plausible change found").
2. ``metric_onset`` on a metric that rises every morning at 07:00 (the lifts open) and falls at 17:00, with only two
   days of data (too few to estimate a daily shape): this morning's rise is the rhythm, not a move — it used to be
   reported as a jump at 07:00, and ``correlate_changes`` ranked changes against it.
"""

from __future__ import annotations

import datetime as dt
import json
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
from tools.base import ToolContext
from tools.changes import correlate_changes, metric_onset

SLUG = "pistenbully"
NOW = dt.datetime(2027, 1, 22, 13, 30, tzinfo=dt.UTC)
STEP = NOW - dt.timedelta(hours=40)  # GateScan.v2 validation p90 steps up (21:30 two days before)
RHYTHM_START = NOW - dt.timedelta(hours=46)  # lift-counter: two days of data only


@pytest.fixture(scope="module")
def resort(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_pistenbully")
    migrate.upgrade(target)
    tmp: Path = tmp_path_factory.mktemp("pistenbully")
    rng = np.random.default_rng(2201)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Pistenbully Alpine Lifts') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        (tmp / "services.json").write_text(json.dumps([
            {"name": "GateScan.v2", "team": "turnstiles"},
            {"name": "lift-counter", "team": "ops-data"},
        ]))
        run_import(conn, SLUG, "services", tmp / "services.json")
        lines = ["ts,service,metric,value"]
        t = NOW - dt.timedelta(days=4)
        while t <= NOW:
            lines.append(f"{zulu(t)},GateScan.v2,validate_p90_ms,{(95 if t < STEP else 340) + rng.normal(0, 4):.1f}")
            if t >= RHYTHM_START:  # the lifts run 07:00–17:00: riders and the queue-wait time follow them
                open_ = 7 <= t.hour < 17
                lines.append(f"{zulu(t)},lift-counter,riders_per_min,{(260 if open_ else 12) + rng.normal(0, 6):.1f}")
                lines.append(f"{zulu(t)},lift-counter,queue_wait_ms,{(4200 if open_ else 900) + rng.normal(0, 80):.0f}")
            t += dt.timedelta(minutes=5)
        (tmp / "metrics.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, SLUG, "metrics", tmp / "metrics.csv")
        (tmp / "config-changes.json").write_text(json.dumps([
            {"external_id": "PB-7731", "service": "GateScan.v2", "key": "pass.validation.retryBackoffMs",
             "changed_at": zulu(STEP - dt.timedelta(minutes=20)), "old_value": "50", "new_value": "400",
             "changed_by": "a.huber"},
        ]))
        run_import(conn, SLUG, "config-changes", tmp / "config-changes.json")
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def ctx(resort):
    target, org_id = resort
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=NOW)
    await engine.dispose()


async def test_a_jump_40_hours_ago_is_found_and_explained(ctx):
    got = (await correlate_changes(ctx, service="GateScan.v2")).result
    assert got.onset_source == "metric_onset", (got.onset_source, got.conclusion)
    assert abs(got.onset - STEP) <= dt.timedelta(minutes=15), got.onset
    assert [h.subject for h in got.hypotheses][:1] == ["PB-7731"], got.conclusion
    assert got.plausible and "PB-7731" in got.conclusion, got.conclusion


async def test_a_look_back_given_is_searched_as_it_is(ctx):
    """A look-back given is the span searched (not widened to 3 days)."""
    got = (await correlate_changes(ctx, service="GateScan.v2", lookback=dt.timedelta(hours=12))).result
    assert got.onset_source == "now" and not got.hypotheses, (got.onset, got.conclusion)


@pytest.mark.parametrize("metric", ["riders_per_min", "queue_wait_ms"])
async def test_a_daily_rise_at_opening_time_is_no_jump(ctx, metric):
    got = (await metric_onset(ctx, service="lift-counter", metric=metric, hours=24)).result
    assert got.onset is None, (got.onset, got.method, got.before_level, got.after_level)
    wider = (await metric_onset(ctx, service="lift-counter", metric=metric, hours=72)).result
    assert wider.onset is None, (wider.onset, wider.method)


async def test_a_daily_rhythm_gives_no_onset_to_explain(ctx):
    got = (await correlate_changes(ctx, service="lift-counter")).result
    assert got.onset_source == "now", (got.onset, got.onset_source, got.conclusion)


async def test_asked_in_words_a_daily_rise_is_not_a_jump(resort, pg_server):
    target, org_id = resort
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    try:
        r = await a.ask(org_id=org_id, question="what changed before lift-counter's queue wait jumped?")
    finally:
        await a.close()
    assert r.status == "completed", r.error
    assert "no onset" in r.answer and "moved up" not in r.answer, r.answer
