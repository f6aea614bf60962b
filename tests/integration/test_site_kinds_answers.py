"""Sites of one kind said as a set, answered (not "which one did you mean?"): "and the other cinemas?" in a thread
about one cinema is the thread's KPI at the other cinemas; "how are the lidos doing?" is every KPI at the lidos; and
"why?" after a "which one?" in a thread goes on with the thread. On a leisure operator built here."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import psycopg
import pytest

from agents.service import Assistant
from store.importers import run_import
from tests.conftest import settings_for

LAST = dt.date(2027, 5, 11)
SITES = [("ABG", "Abbeygate Cinema"), ("MLB", "Millbrook Cinema"), ("OXL", "Oxley Cinema"),
         ("WGL", "Westgate Lido"), ("HOL", "Hollins Lido")]


@pytest.fixture
async def leisure(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES ('reelswim', 'Reel & Swim Leisure') RETURNING id").fetchone()[0]
        conn.commit()
        (tmp_path / "st.json").write_text(json.dumps(
            [{"code": c, "name": n, "region": "MID", "region_name": "Midlands"} for c, n in SITES]))
        run_import(conn, "reelswim", "stations", tmp_path / "st.json")
        (tmp_path / "defs.json").write_text(json.dumps([
            {"code": "SCREEN_OCC_PCT", "name": "Screen occupancy", "unit": "%", "aggregation": "mean", "decimals": 1,
             "higher_is_better": True, "goal": 40},
            {"code": "POOL_CLOSURES", "name": "Pool closures", "unit": "count", "aggregation": "sum", "decimals": 0,
             "higher_is_better": False},
        ]))
        run_import(conn, "reelswim", "kpi-definitions", tmp_path / "defs.json")
        rng = np.random.default_rng(5)
        rows = ["date,station,kpi,value"]
        for i in range(90):
            day = LAST - dt.timedelta(days=89 - i)
            for code, name in SITES:
                if name.endswith("Cinema"):
                    rows.append(f"{day},{code},SCREEN_OCC_PCT,{45 + rng.normal(0, 3):.1f}")
                else:
                    rows.append(f"{day},{code},POOL_CLOSURES,{float(rng.poisson(1))}")
        (tmp_path / "kpis.csv").write_text("\n".join(rows) + "\n")
        run_import(conn, "reelswim", "kpis", tmp_path / "kpis.csv")
    a = await Assistant.open(settings_for(target, pg_server.home), target,
                             clock=lambda: dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC))
    yield a, org_id
    await a.close()


async def test_the_other_cinemas_and_how_the_lidos_are_doing(leisure):
    a, org_id = leisure
    first = await a.ask(org_id=org_id, question="screen occupancy at abbeygate")
    others = await a.ask(org_id=org_id, question="and the other cinemas?", thread_id=first.thread_id)
    assert "which one" not in others.answer.lower(), others.answer
    assert "Millbrook Cinema" in others.answer and "Oxley Cinema" in others.answer, others.answer
    assert "Screen occupancy at ABG" not in others.answer, others.answer
    lidos = await a.ask(org_id=org_id, question="how are the lidos doing?")
    assert "which one" not in lidos.answer.lower(), lidos.answer
    assert "WGL" in lidos.answer and "HOL" in lidos.answer and "ABG" not in lidos.answer, lidos.answer


async def test_why_after_which_one_goes_on_with_the_thread(leisure):
    a, org_id = leisure
    first = await a.ask(org_id=org_id, question="screen occupancy at abbeygate")
    asked = await a.ask(org_id=org_id, question="what about the lido?", thread_id=first.thread_id)
    assert "Which one did you mean?" in asked.answer, asked.answer
    why = await a.ask(org_id=org_id, question="why?", thread_id=first.thread_id)
    assert "which one" not in why.answer.lower() and "Screen occupancy at ABG" in why.answer, why.answer
