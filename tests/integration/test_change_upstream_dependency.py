"""A change on a dependency shortly before a service's latency jumped outranks a change on an unrelated service (no
dependency path) — the QA report of a decoy deployment ranked above the dependency's config change, guarded here: an
organisation built here (an observatory's image pipeline: FrameStacker depends on plate-catalog; dome_weather is
alone) whose names, ids and keys look nothing like the demo's. A deployment on dome_weather 9 minutes before the onset
is never a candidate; plate-catalog's config change 25 minutes before it ranks first, by the tool and in the answer."""

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
from tools.changes import correlate_changes

SLUG = "skyglass"
NOW = dt.datetime(2026, 3, 19, 16, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=4)
JUMP = dt.datetime(2026, 3, 19, 7, 40, tzinfo=dt.UTC)  # frame-stacker p95 steps up


@pytest.fixture(scope="module")
def skyglass(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_skyglass")
    migrate.upgrade(target)
    tmp: Path = tmp_path_factory.mktemp("skyglass")
    rng = np.random.default_rng(1903)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Skyglass Observatory') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        (tmp / "services.json").write_text(json.dumps([
            {"name": "FrameStacker", "team": "imaging", "depends_on": ["plate-catalog"]},
            {"name": "plate-catalog", "team": "archive"},
            {"name": "dome_weather", "team": "site"},
        ]))
        run_import(conn, SLUG, "services", tmp / "services.json")
        lines = ["ts,service,metric,value"]
        t = START
        while t <= NOW:
            slow = t >= JUMP
            lines.append(f"{zulu(t)},FrameStacker,stack_time_p95_ms,{(610 if slow else 230) + rng.normal(0, 9):.1f}")
            lines.append(f"{zulu(t)},FrameStacker,stack_failures_ratio,{max(0.0, 0.002 + rng.normal(0, 0.0004)):.5f}")
            lines.append(f"{zulu(t)},plate-catalog,lookup_p95_ms,{48 + rng.normal(0, 2):.1f}")
            lines.append(f"{zulu(t)},dome_weather,read_p95_ms,{90 + rng.normal(0, 3):.1f}")
            t += dt.timedelta(minutes=5)
        (tmp / "metrics.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, SLUG, "metrics", tmp / "metrics.csv")
        changes = {
            "config-changes": [
                {"external_id": "SG-CHG-5521", "service": "plate-catalog", "key": "catalog.index.cacheEntries",
                 "changed_at": zulu(JUMP - dt.timedelta(minutes=25)), "old_value": "200000", "new_value": "5000",
                 "changed_by": "i.nakamura"},
            ],
            "deployments": [
                {"external_id": "dw-rel-0388", "service": "dome_weather", "version": "7.14.0",
                 "started_at": zulu(JUMP - dt.timedelta(minutes=12)),
                 "finished_at": zulu(JUMP - dt.timedelta(minutes=9))},
            ],
        }
        for kind, rows in changes.items():
            (tmp / f"{kind}.json").write_text(json.dumps(rows))
            run_import(conn, SLUG, kind, tmp / f"{kind}.json")
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def ctx(skyglass):
    target, org_id = skyglass
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=NOW)
    await engine.dispose()


async def test_the_dependency_change_ranks_first_and_the_unrelated_deploy_is_no_candidate(ctx):
    got = (await correlate_changes(ctx, service="FrameStacker")).result
    assert [h.subject for h in got.hypotheses][:1] == ["SG-CHG-5521"], got.conclusion
    assert got.hypotheses[0].distance == 1 and got.hypotheses[0].service == "plate-catalog", got.hypotheses[0]
    assert "dw-rel-0388" not in [h.subject for h in got.hypotheses], got.hypotheses
    assert "dome_weather" not in [s.service for s in got.searched], got.searched


async def test_asked_what_changed_before_the_latency_jumped(skyglass, pg_server):
    target, org_id = skyglass
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: NOW)
    try:
        r = await a.ask(org_id=org_id, question="what changed before FrameStacker's latency jumped?")
    finally:
        await a.close()
    assert r.status == "completed", r.error
    cause = next(line for line in r.answer.splitlines() if "Most likely cause" in line)
    assert "SG-CHG-5521" in cause and "plate-catalog" in cause, r.answer
    assert "dw-rel-0388" not in r.answer, r.answer
