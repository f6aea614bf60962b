"""Understanding end to end, offline: the demo, and a rail operator imported in the test (its own names, codes,
KPIs, services and incident ids) — typo'd and city station names, values on a date, unknown names with
suggestions, a clarification, a follow-up that switches subject, and ``as_of``."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import psycopg
import pytest

from agents.service import Assistant
from store.importers import run_import
from tests.conftest import DEMO_ANCHOR, settings_for

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
DAYS = 120


@pytest.fixture
def rail(fresh_db, pg_server, tmp_path):
    """A rail operator: depots named after cities, punctuality KPIs, one planted value on 2026-11-03."""
    target = fresh_db()
    (tmp_path / "stations.json").write_text(json.dumps([
        {"code": "YRK", "name": "York", "region": "NR", "region_name": "Northern Route"},
        {"code": "EDB", "name": "Edinburgh Waverley", "region": "SCO", "region_name": "Scotland"},
        {"code": "MAN", "name": "Manchester Piccadilly", "region": "NR"},
        {"code": "GLC", "name": "Glasgow Central", "region": "SCO"},
    ]))
    (tmp_path / "kpi-definitions.json").write_text(json.dumps([
        {"code": "PPM", "name": "Public performance measure", "aliases": ["punctuality"], "unit": "%",
         "aggregation": "mean", "decimals": 1, "higher_is_better": True, "related_services": ["ledger-svc"]},
        {"code": "DELAY_PER_100MI", "name": "Delay minutes per 100 miles", "aliases": ["delay mins"], "unit": "min",
         "aggregation": "mean", "decimals": 1, "higher_is_better": False},
        {"code": "DELAY_INCIDENTS", "name": "Delay incidents", "unit": "", "aggregation": "sum", "decimals": 0,
         "higher_is_better": False},
    ]))
    rng = np.random.default_rng(7)
    rows = ["date,station,kpi,value"]
    for i in range(DAYS):
        day = DEMO_ANCHOR - dt.timedelta(days=DAYS - i)
        for st in ("YRK", "EDB", "MAN", "GLC"):
            ppm = 77.7 if (st == "EDB" and day == dt.date(2026, 11, 3)) else round(91 + rng.normal(0, 0.8), 1)
            rows += [f"{day},{st},PPM,{ppm}", f"{day},{st},DELAY_PER_100MI,{round(3 + rng.normal(0, 0.3), 1)}",
                     f"{day},{st},DELAY_INCIDENTS,{int(rng.integers(2, 9))}"]
    (tmp_path / "kpis.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "services.json").write_text(json.dumps([
        {"name": "ledger-svc", "team": "finance", "depends_on": ["fare-engine"]},
        {"name": "fare-engine", "team": "pricing", "depends_on": []},
    ]))
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('railco', 'Rail Co')")
        for kind, name in (("stations", "stations.json"), ("kpi-definitions", "kpi-definitions.json"),
                           ("kpis", "kpis.csv"), ("services", "services.json")):
            run_import(conn, "railco", kind, tmp_path / name)
        org_id = conn.execute("SELECT id FROM orgs WHERE slug = 'railco'").fetchone()[0]
        conn.execute("""INSERT INTO incidents (org_id, external_id, title, service_id, severity, status, started_at)
                        SELECT %s, 'OUT-77', 'Fare engine pricing errors', id, 'sev2', 'open', %s
                        FROM services WHERE name = 'fare-engine'""", (org_id, NOW - dt.timedelta(days=3)))
    return target, settings_for(target, pg_server.home), org_id


@pytest.fixture
async def rail_assistant(rail):
    target, settings, org_id = rail
    a = await Assistant.open(settings, target, clock=lambda: NOW)
    yield a, org_id
    await a.close()


def _coordinator_query(record):
    return next(s for s in record.steps if s.agent == "coordinator").output["query"]


async def _ask(a, org_id, question, **kw):
    r = await a.ask(org_id=org_id, question=question, **kw)
    assert r.status == "completed", r.error
    return r


async def test_rail_city_name_typo_and_a_value_on_a_date(rail_assistant):
    a, org = rail_assistant
    r = await _ask(a, org, "punctuality at edinburg on 3 Nov")
    call = next(c for c in r.tool_calls if c.tool == "kpi_series")
    assert r.tool_calls[0].tool == "kpi_values" and call.arguments["kpi"] == "PPM" and call.arguments["station"] == "EDB"
    q = _coordinator_query(r)
    assert q["operation"] == "lookup" and q["window"]["start"] == "2026-11-03" and q["window"]["single_day"]
    assert "Edinburgh" in r.answer or "EDB" in r.answer


async def test_rail_unknown_station_suggests_and_runs_nothing(rail_assistant):
    a, org = rail_assistant
    r = await _ask(a, org, "ppm at YRKK last week")
    assert r.tool_calls == [] and "I don't know a station called “YRKK”" in r.answer and "YRK" in r.answer
    fixed = await _ask(a, org, "sorry, I meant york", thread_id=r.thread_id)  # the correction answers the question
    call = fixed.tool_calls[0]
    assert call.arguments["kpi"] == "PPM" and call.arguments["station"] == "YRK"
    r = await _ask(a, org, "what caused OUT-99?")
    assert r.tool_calls == [] and "OUT-99" in r.answer and "OUT-77" in r.answer


async def test_rail_ambiguous_kpi_word_asks_which(rail_assistant):
    a, org = rail_assistant
    r = await _ask(a, org, "delays at york last week")
    assert r.tool_calls == [] and r.route == []
    assert "DELAY_PER_100MI" in r.answer and "DELAY_INCIDENTS" in r.answer and "?" in r.answer
    assert _coordinator_query(r)["operation"] == "clarify"
    answer = await _ask(a, org, "delay mins", thread_id=r.thread_id)  # the reply fills in what was asked
    call = answer.tool_calls[0]
    assert call.arguments["kpi"] == "DELAY_PER_100MI" and call.arguments["station"] == "YRK"


async def test_rail_follow_up_keeps_the_kpi_then_switches_to_a_service(rail_assistant):
    a, org = rail_assistant
    first = await _ask(a, org, "why did punctuality at york drop last week?")
    assert first.tool_calls[0].arguments["station"] == "YRK"
    second = await _ask(a, org, "same thing for glasgow", thread_id=first.thread_id)
    args = second.tool_calls[0].arguments
    assert args["kpi"] == "PPM" and args["station"] == "GLC"
    assert _coordinator_query(second)["follow_up"] is True
    third = await _ask(a, org, "what changed before ledger svc errors spiked?", thread_id=first.thread_id)
    assert third.route == ["change_correlator"]
    assert _coordinator_query(third)["subjects"]["services"] == ["ledger-svc"]
    assert all(c.arguments.get("kpi") is None for c in third.tool_calls)


async def test_rail_out_of_scope_help_names_the_organisations_own_things(rail_assistant):
    a, org = rail_assistant
    r = await _ask(a, org, "what's the capital of France?")
    assert r.tool_calls == [] and "outside what I can answer" in r.answer
    assert "Public performance measure" in r.answer or "PPM" in r.answer
    assert "OTP" not in r.answer and "DAL" not in r.answer


async def test_as_of_pins_relative_dates(rail_assistant):
    a, org = rail_assistant
    r = await _ask(a, org, "punctuality at york yesterday", as_of=dt.date(2026, 11, 4))
    q = _coordinator_query(r)
    assert q["window"]["start"] == "2026-11-03" == q["window"]["end"]


@pytest.fixture
async def assistant(demo):
    a = await Assistant.open(demo.settings, demo.target, clock=lambda: NOW)
    yield a
    await a.close()


async def test_demo_city_names_typos_and_the_plan_on_the_step(assistant, demo):
    r = await _ask(assistant, demo.org_id, "whats the otp mx rate at dalas last week")
    call = r.tool_calls[0]
    assert call.arguments["kpi"] == "OTP_MX_RATE" and call.arguments["station"] == "DAL"
    q = _coordinator_query(r)
    assert q["window"]["label"] == "last week" and q["subjects"]["scopes"][0]["code"] == "DAL"
    r = await _ask(assistant, demo.org_id, "Houston mx delay minutes past 30 days")
    assert r.tool_calls[0].arguments["station"] == "HOU" and r.tool_calls[0].arguments["kpi"] == "MX_DELAY_MINUTES"


async def test_demo_follow_up_switches_from_kpi_to_service(assistant, demo):
    inc = next(i for i in demo.manifest["incidents"] if i["cause"]["service"] == i["service"])
    first = await _ask(assistant, demo.org_id, "Why did OTP MX rate at DAL drop last week?")
    svc = inc["service"].replace("-", " ")
    second = await _ask(assistant, demo.org_id, f"what changed before {svc}'s error rate jumped on {inc['onset'][:10]}?",
                        thread_id=first.thread_id)
    tools = [c.tool for c in second.tool_calls]  # the service's onset (its other metrics probed), then the ranking
    assert "correlate_changes" in tools and set(tools[:tools.index("correlate_changes")]) == {"metric_onset"}, tools
    assert inc["cause"]["external_id"] in second.answer


async def test_demo_unknown_station_lists_suggestions(assistant, demo):
    r = await _ask(assistant, demo.org_id, "aog events at jfk last week")
    assert r.tool_calls == [] and "I don't know a station called “jfk”" in r.answer


def test_cli_ask_as_of_pins_now(demo, tmp_path):
    from tests.integration.test_cli import _run

    env = {"DATABASE_URL": demo.target.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path)}
    out = _run(["ask", "otp mx rate at dallas yesterday", "--as-of", "2026-11-04T09:30", "--json"], env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    query = next(s for s in doc["steps"] if s["agent"] == "coordinator")["output"]["query"]
    assert query["window"]["start"] == "2026-11-03" and query["subjects"]["scopes"][0]["code"] == "DAL"
    bad = _run(["ask", "hello", "--as-of", "last tuesday"], env)
    assert bad.returncode == 2 and "--as-of" in bad.stderr
