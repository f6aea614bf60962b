""""Did <change> hurt <another service>'s latency / errors?": a Yes/No/Can't tell from THAT service's metric the week
before the change against the week after, the change named, and said first that the change was made on another
service (and whether the asked one depends on it) — before, the asked service's change log ("Yes — <svc>: 2
deployment(s) …"), no verdict. On a brewery's systems built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from store.importers import run_import
from tests.integration.qa_support import load_org, org_assistant
from tests.integration.telemetry_support import zulu

NOW = dt.datetime(2027, 6, 20, 10, tzinfo=dt.UTC)
CHANGE = NOW - dt.timedelta(days=8)  # on mash-ctl; taproom-app (depends on it) slows down at it, keg-gw does not


@pytest.fixture
async def brewery(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "copperkettle", "Copper Kettle Brewing", {
            "stations": [{"code": "BRW", "name": "Brewhouse", "region": "NO", "region_name": "North"}],
            "services": [{"name": "mash-ctl", "team": "brewing"}, {"name": "keg-gw", "team": "logistics"},
                         {"name": "taproom-app", "team": "retail", "depends_on": ["mash-ctl"]}],
            "config-changes": [
                {"external_id": "CK-CFG-41", "service": "mash-ctl", "key": "brew.mash.pollIntervalSec",
                 "old_value": "5", "new_value": "30", "changed_at": zulu(CHANGE), "changed_by": "l.okoro"}],
            "deployments": [{"external_id": "keg-rel-7", "service": "keg-gw", "version": "1.9.0",
                             "started_at": zulu(NOW - dt.timedelta(days=2)), "status": "succeeded"}],
        }, tmp_path)
        rng = np.random.default_rng(11)
        lines = ["ts,service,metric,value"]
        t = NOW - dt.timedelta(days=16)
        while t <= NOW:
            lines.append(f"{zulu(t)},keg-gw,p95_ms,{220 + rng.normal(0, 6):.0f}")
            lines.append(f"{zulu(t)},taproom-app,p95_ms,{(600 if t >= CHANGE else 250) + rng.normal(0, 8):.0f}")
            t += dt.timedelta(minutes=30)
        (tmp_path / "metrics.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, "copperkettle", "metrics", tmp_path / "metrics.csv")
    async with org_assistant(target, pg_server, NOW) as a:
        yield a, org_id


async def test_another_services_metric_unmoved_is_no_and_the_services_said(brewery):
    a, org_id = brewery
    for q in ("did CK-CFG-41 hurt keg-gw latency?", "did the poll interval change hurt keg-gw's latency?"):
        r = await a.ask(org_id=org_id, question=q)
        assert "keg-rel-7" not in r.answer, (q, r.answer)  # before: keg-gw's change log
        assert "CK-CFG-41 was made on mash-ctl, not on keg-gw; keg-gw does not depend on it" in r.answer, (q, r.answer)
        line = next((x for x in r.answer.splitlines() if "averaged" in x), "")
        assert line.lstrip("- ").startswith("No clear change: keg-gw p95_ms") and "before CK-CFG-41" in line, (q, r.answer)


async def test_a_dependent_services_metric_that_moved_is_yes(brewery):
    a, org_id = brewery
    r = await a.ask(org_id=org_id, question="did CK-CFG-41 make taproom-app slower?")
    assert "taproom-app depends on it directly" in r.answer, r.answer
    line = next((x for x in r.answer.splitlines() if "averaged" in x), "")
    assert "Yes — worse: taproom-app p95_ms" in line and "CK-CFG-41" in line, r.answer
