"""Hourly telemetry takes a few points to show a change (#13 part 3, item 5): an organisation built here (a bakery
chain's till sync, hourly means, a dotted config key, a deploy with no commit range, no dependency edges). A change
two and a half hours before the step in the hourly means is its plausible cause; one fifteen hours before is not."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import psycopg
import pytest

from store import migrate
from store.db import make_async_engine, make_sessionmaker
from store.importers import run_import
from tests.conftest import _create_database, _drop_database
from tests.integration.telemetry_support import zulu
from tools.base import ToolContext
from tools.changes import correlate_changes, scoring

SLUG = "crumbworks"
NOW = dt.datetime(2026, 6, 12, 20, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=6)
JUMP = dt.datetime(2026, 6, 12, 11, 0, tzinfo=dt.UTC)  # basket sync lag steps up in the hourly means


@pytest.fixture(scope="module")
def crumbworks(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_crumbworks")
    migrate.upgrade(target)
    tmp: Path = tmp_path_factory.mktemp("crumbworks")
    rng = np.random.default_rng(2026)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Crumbworks Bakeries') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        (tmp / "services.json").write_text(json.dumps([{"name": "Till.Sync", "team": "stores"},
                                                        {"name": "oven-scheduler", "team": "production"}]))
        run_import(conn, SLUG, "services", tmp / "services.json")
        lines = ["ts,service,metric,value"]
        for h in range(int((NOW - START) / dt.timedelta(hours=1)) + 1):
            t = START + dt.timedelta(hours=h)
            lag = 40 + 6 * math.sin(2 * math.pi * (t.hour - 8) / 24) + rng.normal(0, 1.5) + (25 if t >= JUMP else 0)
            lines.append(f"{zulu(t)},Till.Sync,basket_sync_lag_s,{lag:.2f}")
            lines.append(f"{zulu(t)},oven-scheduler,queue_depth,{12 + rng.normal(0, 1):.2f}")
        (tmp / "metrics.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, SLUG, "metrics", tmp / "metrics.csv")
        changes = {
            "config-changes": [
                {"external_id": "CW-CFG-71", "service": "Till.Sync", "key": "pos.batch.flushIntervalSec",
                 "changed_at": zulu(JUMP - dt.timedelta(hours=2, minutes=30)), "old_value": "5", "new_value": "60",
                 "changed_by": "m.okafor"},
            ],
            "deployments": [
                {"external_id": "ts-deploy-412", "service": "Till.Sync", "version": "2026.6.2",  # the night before
                 "started_at": zulu(JUMP - dt.timedelta(hours=15))},
            ],
        }
        for kind, rows in changes.items():
            (tmp / f"{kind}.json").write_text(json.dumps(rows))
            run_import(conn, SLUG, kind, tmp / f"{kind}.json")
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def ctx(crumbworks):
    target, org_id = crumbworks
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=NOW)
    await engine.dispose()


async def test_a_change_a_few_hourly_points_before_the_step_is_its_plausible_cause(ctx):
    got = (await correlate_changes(ctx, service="Till.Sync")).result
    assert got.onset_source == "metric_onset", got.onset_source
    assert dt.timedelta(0) <= got.onset - JUMP <= dt.timedelta(hours=1), got.onset
    assert [h.subject for h in got.hypotheses][:1] == ["CW-CFG-71"], got.conclusion
    assert got.plausible and got.hypotheses[0].plausible, got.conclusion
    old = [h for h in got.hypotheses if h.subject == "ts-deploy-412"]
    assert all(not h.plausible for h in old), old


def test_the_show_grace_is_for_coarse_series_only():
    assert scoring.show_grace(60) == 180 and scoring.show_grace(5) == 0.0
    hourly = [scoring.time_score(m, scoring.SERVICE_HALF_LIFE_MIN, before_grace=180) for m in (0, 90, 150, 180, 900)]
    assert hourly == sorted(hourly, reverse=True) and hourly[2] > scoring.SHOW_END_WEIGHT and hourly[4] < 0.01, hourly
    assert scoring.time_score(150, scoring.SERVICE_HALF_LIFE_MIN) < 0.35  # without it, 2.5 h is not plausible
