"""A KPI whose day-to-day swings grow fourfold, asked about in chat: the KPI analyst says it became more variable.

A small organisation built in the test (a bakery chain's oven temperature deviation, unlike the demo's data),
imported as a user would, asked through the assistant on real Postgres.
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
from store.importers import run_import
from tests.conftest import _create_database, _drop_database, settings_for
from tests.integration.qa_support import Thread
from tools.control_limits import analysis

SLUG = "crumbco"
LAST_DAY = dt.date(2026, 6, 30)
DAYS = 240
ONSET = LAST_DAY - dt.timedelta(days=60)
CLOCK = dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time(9, 0), dt.UTC)


@pytest.fixture(scope="module")
def crumbco(pg_server, tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("crumbco")
    target = _create_database(pg_server, "opsgraph_dispersion_chat")
    migrate.upgrade(target)
    rng = np.random.default_rng(4242)
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Crumb & Co Bakeries') RETURNING id",
                              (SLUG,)).fetchone()[0]
        conn.commit()
        (tmp / "sites.json").write_text(json.dumps([
            {"code": "BK-NORTH", "name": "Northgate Bakehouse", "region": "N", "region_name": "North"},
            {"code": "BK-SOUTH", "name": "Southbank Bakehouse", "region": "S", "region_name": "South"},
        ]))
        run_import(conn, SLUG, "stations", tmp / "sites.json")
        (tmp / "defs.json").write_text(json.dumps([
            {"code": "OVEN_DEV", "name": "Oven temperature deviation", "unit": "°C", "aggregation": "mean",
             "decimals": 2, "higher_is_better": False, "aliases": ["oven deviation"]},
        ]))
        run_import(conn, SLUG, "kpi-definitions", tmp / "defs.json")
        first = LAST_DAY - dt.timedelta(days=DAYS - 1)
        lines = ["date,station,kpi,value"]
        for code in ("BK-NORTH", "BK-SOUTH"):
            for i in range(DAYS):
                day = first + dt.timedelta(days=i)
                sd = 2.0 if code == "BK-NORTH" and day >= ONSET else 0.5  # a worn thermostat: swings ×4
                lines.append(f"{day},{code},OVEN_DEV,{4.0 + rng.normal(0, sd):.2f}")
        (tmp / "kpis.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, SLUG, "kpis", tmp / "kpis.csv")
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def thread(crumbco, pg_server, monkeypatch):
    monkeypatch.setattr(analysis, "DISPERSION_BREAKS", True)  # measured, off by default (docs: "Ninth pass (C)")
    target, org_id = crumbco
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: CLOCK)
    yield Thread(a, org_id, LAST_DAY + dt.timedelta(days=1))
    await a.close()


async def test_kpi_analyst_says_it_became_more_variable(thread) -> None:
    a = await thread.ask("how has oven deviation at Northgate Bakehouse been over the last 90 days?")
    assert "became more variable from" in a, a
    onset = dt.date.fromisoformat(a.split("became more variable from ")[1][:10])
    assert abs((onset - ONSET).days) <= 7, a
    assert "shifted" not in a, a  # the centre did not move: no level shift is claimed


async def test_steady_site_has_no_variability_change(thread) -> None:
    a = await thread.ask("how has oven deviation at Southbank Bakehouse been over the last 90 days?")
    assert "variable" not in a and "shifted" not in a, a
