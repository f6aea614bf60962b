"""Rare-count KPIs (a few events a week per site) through the real tools: attention does not cry wolf on an
ordinary day, still flags a real rise and the organisation's own limit, and ``compare``/``kpi_series`` state the
same thing ``attention`` does for the same KPI and site — on an organisation imported here and on the demo."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import psycopg
import pytest

from store import migrate
from store.db import make_async_engine, make_sessionmaker
from store.importers import run_import
from tests.conftest import _create_database, _drop_database
from tests.integration.org2 import demo_ctx  # pytest fixture
from tools.base import ToolContext
from tools.control_limits import xmr_limits
from tools.control_limits.counts import COUNT_LIMIT, COUNT_MEAN_MAX
from tools.kpis import kpi_series
from tools.kpis.questions import attention, compare_kpi

LAST = dt.date(2027, 3, 9)
DAYS = 200
SITES = [("RVN1", "Riverside North"), ("RVS2", "Riverside South"), ("HILL9", "Hilltop Nine"),
         ("QUAY3", "Quay Three"), ("MILL12", "Old Mill"), ("FORD2", "Fordham Two")]
# code: (name, mean events a day, configured upper limit)
KPIS = {"PIPE_BURSTS": ("Pipe bursts", 0.25, None), "LOST_TIME_INJ": ("Lost-time injuries", 0.15, 1.0)}
ORDINARY_SITE = "HILL9"  # its last day has 2 bursts: ordinary at 0.25 a day, beyond the plain XmR limit
RISE_SITE = "QUAY3"  # bursts rise from 0.25 to 3 a day over the last 12 days
BREACH_SITE = "MILL12"  # 2 injuries on the last day: above the configured limit of 1


@pytest.fixture(scope="module")
def rare_org(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_rare")
    migrate.upgrade(target)
    tmp = tmp_path_factory.mktemp("rare")
    rng = np.random.default_rng(8080)
    series: dict[tuple[str, str], list[float]] = {}
    with psycopg.connect(target.conninfo) as conn:
        org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES ('vale-water', 'Vale Water Board') "
                              "RETURNING id").fetchone()[0]
        conn.commit()
        (tmp / "st.json").write_text(json.dumps([{"code": c, "name": n, "region": "VALE", "region_name": "The Vale"}
                                                 for c, n in SITES]))
        run_import(conn, "vale-water", "stations", tmp / "st.json")
        (tmp / "defs.json").write_text(json.dumps([
            {"code": k, "name": name, "unit": "events", "aggregation": "sum", "decimals": 0, "higher_is_better": False,
             **({"upper_limit": lim} if lim is not None else {})} for k, (name, _lam, lim) in KPIS.items()]))
        run_import(conn, "vale-water", "kpi-definitions", tmp / "defs.json")
        lines = ["date,station,kpi,value"]
        for kpi, (_name, lam, _lim) in KPIS.items():
            for code, _ in SITES:
                x = rng.poisson(lam, DAYS).astype(float)
                if kpi == "PIPE_BURSTS" and code == RISE_SITE:
                    x[-12:] = rng.poisson(3.0, 12)
                    x[-1] = max(x[-1], 3.0)
                if kpi == "LOST_TIME_INJ":  # the last day: 2 injuries at one site, none elsewhere
                    x[-1] = 2.0 if code == BREACH_SITE else 0.0
                if (kpi, code) == ("PIPE_BURSTS", ORDINARY_SITE):
                    x[-1] = 2.0
                series[(kpi, code)] = list(x)
                for i, v in enumerate(x):
                    lines.append(f"{LAST - dt.timedelta(days=DAYS - 1 - i)},{code},{kpi},{v:g}")
        (tmp / "pts.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, "vale-water", "kpis", tmp / "pts.csv")
    yield target, org_id, series
    _drop_database(pg_server, target)


@pytest.fixture
async def rare_ctx(rare_org):
    target, org_id, _ = rare_org
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org_id,
                      now=dt.datetime(2027, 3, 10, 8, 0, tzinfo=dt.UTC))
    await engine.dispose()


async def test_an_ordinary_day_of_a_rare_count_is_not_flagged(rare_ctx, rare_org):
    _, _, series = rare_org
    last120 = np.array(series[("PIPE_BURSTS", ORDINARY_SITE)][-120:])
    assert last120[-1] > xmr_limits(last120).ucl  # the plain XmR limit would call this day critical
    att = (await attention(rare_ctx, kpi="pipe bursts")).result
    assert att.series_checked == len(SITES)
    assert not [i for i in att.items if i.station == ORDINARY_SITE]


async def test_a_real_rise_and_the_configured_limit_are_still_flagged(rare_ctx):
    att = (await attention(rare_ctx)).result
    rise = [i for i in att.items if i.kpi == "PIPE_BURSTS" and i.station == RISE_SITE]
    assert rise and rise[0].since >= LAST - dt.timedelta(days=20), att.items
    breach = [i for i in att.items if i.kpi == "LOST_TIME_INJ" and i.station == BREACH_SITE]
    assert breach and breach[0].state == "critical" and "configured upper limit" in breach[0].rule
    assert "XmR" not in breach[0].rule  # 2 injuries are within the count limit: only the configured limit fires
    # every flagged site on the stable KPI series is one of the two injected stories
    assert {(i.kpi, i.station) for i in att.items} <= {("PIPE_BURSTS", RISE_SITE), ("LOST_TIME_INJ", BREACH_SITE)}
    calm = [i for i in att.items if i.station not in (RISE_SITE, BREACH_SITE)]
    assert not calm


async def _states_agree(ctx, kpi: str, sites: list[str]) -> dict[str, str]:
    att = (await attention(ctx, kpi=kpi)).result
    flagged = {i.station: i.state for i in att.items}
    cmp = (await compare_kpi(ctx, kpi=kpi, scopes=[f"station:{s}" for s in sites])).result
    got = {r.scope.code: r.state for r in cmp.rows}
    assert got == {s: flagged.get(s, "ok") for s in sites}, (got, flagged)
    return got


async def test_compare_and_attention_decide_the_state_the_same_way(rare_ctx):
    sites = [c for c, _ in SITES]
    injuries = await _states_agree(rare_ctx, "lost-time injuries", sites)
    assert injuries[BREACH_SITE] == "critical"  # compare used to say "ok" on a configured-limit breach
    bursts = await _states_agree(rare_ctx, "PIPE_BURSTS", sites)
    assert bursts[ORDINARY_SITE] == "ok" and bursts[RISE_SITE] in ("warning", "critical")
    ser = await kpi_series(rare_ctx, kpi="PIPE_BURSTS", station=ORDINARY_SITE, chart=False)
    assert ser.result.summary.upper_limit_kind == COUNT_LIMIT and ser.result.stages[-1].upper_limit_kind == COUNT_LIMIT
    assert "count limit" in ser.evidence[0].summary


async def test_demo_states_agree_and_its_frequent_counts_keep_natural_limits(demo_ctx, demo):
    with psycopg.connect(demo.target.conninfo) as conn:
        kpis = conn.execute(
            """SELECT d.code, bool_and(p.value = round(p.value) AND p.value >= 0), min(m.mean)
               FROM kpi_definitions d JOIN kpi_points p ON p.kpi_id = d.id AND p.org_id = d.org_id
               JOIN (SELECT kpi_id, station_id, avg(value) AS mean FROM kpi_points WHERE org_id = %s
                     GROUP BY 1, 2) m ON m.kpi_id = d.id
               WHERE d.org_id = %s GROUP BY d.code""", (demo.org_id, demo.org_id)).fetchall()
        sites = [r[0] for r in conn.execute("SELECT code FROM stations WHERE org_id = %s ORDER BY code",
                                            (demo.org_id,)).fetchall()]
    counts = [code for code, integer, low in kpis if integer]
    assert counts  # the demo has count KPIs (events, items, flights a day)
    att = (await attention(demo_ctx)).result
    for item in att.items:
        rare = next(low for code, integer, low in kpis if code == item.kpi and integer) if item.kpi in counts else None
        assert (item.upper_limit_kind == COUNT_LIMIT) == (rare is not None and rare <= COUNT_MEAN_MAX)
    for code in counts[:2]:
        await _states_agree(demo_ctx, code, sites[:12])


@pytest.fixture(scope="module")
async def assistant(rare_org, pg_server):
    from agents.service import Assistant
    from tests.conftest import settings_for

    target, *_ = rare_org
    a = await Assistant.open(settings_for(target, pg_server.home),
                             target, clock=lambda: dt.datetime(2027, 3, 10, 8, 0, tzinfo=dt.UTC))
    yield a
    await a.close()


async def _ask(a, org_id: int, q: str) -> str:
    r = await a.ask(org_id=org_id, question=q, as_of=dt.date(2027, 3, 10))
    assert r.status == "completed" and r.answer, r.error
    return r.answer


async def test_the_answer_names_the_count_limit_and_attention_skips_the_ordinary_day(assistant, rare_org):
    _, org_id, _ = rare_org
    answer = await _ask(assistant, org_id, "how are pipe bursts at Hilltop Nine?")
    assert "count limit" in answer and "state: ok" in answer, answer
    answer = await _ask(assistant, org_id, "what needs my attention today?")
    assert RISE_SITE in answer and BREACH_SITE in answer and ORDINARY_SITE not in answer, answer
