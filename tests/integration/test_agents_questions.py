"""Everyday operator questions end to end through the offline graph (parser → QueryPlan → specialist → tools →
cited answer), on the demo and on a second organisation imported in the test; facts checked against the rows."""

from __future__ import annotations

import datetime as dt
import re
import statistics

import psycopg
import pytest

from agents.service import Assistant
from tests.conftest import DEMO_ANCHOR, settings_for
from tests.integration import org2 as o2
from tests.integration.org2 import org2_db  # noqa: F401 - fixture
from tools.tickets import sla as slalib

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)


@pytest.fixture
async def demo_assistant(demo):
    a = await Assistant.open(demo.settings, demo.target, clock=lambda: NOW)
    yield a
    await a.close()


@pytest.fixture
async def org2_assistant(org2_db, pg_server):
    target, _ = org2_db
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: o2.NOW)
    yield a
    await a.close()


def _sql(conninfo, q, *args):
    with psycopg.connect(conninfo) as conn:
        return conn.execute(q, args).fetchall()


def _tools(r):
    return [c.tool for c in r.tool_calls]


def _args(r, tool):
    return next(c.arguments for c in r.tool_calls if c.tool == tool)


def _cited(r):
    """Every answer line that states something cites evidence of this run."""
    lines = [x for x in r.answer.splitlines() if x.startswith("- ")]
    assert lines and all(re.search(r"\[E:\d+\]", x) for x in lines), r.answer


async def ask(a, org_id, q):
    r = await a.ask(org_id=org_id, question=q)
    assert r.status == "completed", r.error
    return r


def _num(text):
    return float(text.replace(",", ""))


# ------------------------------------------------------------------ demo


async def test_demo_compare_two_stations(demo_assistant, demo):
    r = await ask(demo_assistant, demo.org_id, "compare parts fill rate between LAS and HOU")
    assert r.route == ["kpi_analyst"] and _tools(r) == ["compare_kpi"]
    span = re.search(r"(\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d): average", r.answer)
    start, end = dt.date.fromisoformat(span.group(1)), dt.date.fromisoformat(span.group(2))
    assert (end - start).days == 29 and end == dt.date.fromisoformat(demo.manifest["kpi_last_day"])  # the default window
    means = dict(_sql(demo.target.conninfo,
                      """SELECT s.code, avg(p.value) FROM kpi_points p JOIN stations s ON s.id = p.station_id
                         JOIN kpi_definitions k ON k.id = p.kpi_id WHERE p.org_id = %s AND k.code = 'PARTS_FILL_RATE'
                         AND s.code IN ('LAS', 'HOU') AND p.day BETWEEN %s AND %s GROUP BY s.code""",
                      demo.org_id, start, end))
    for code, mean in means.items():
        got = re.search(rf"at {code} \([^)]*\), [^:]+: average ([\d.,]+)%", r.answer)
        assert got and _num(got.group(1)) == pytest.approx(float(mean), abs=0.006), r.answer
    best = max(means, key=means.get)
    assert re.search(rf"{best} \([^)]*\) is better than", r.answer)
    _cited(r)


async def test_demo_top3_stations_last_week(demo_assistant, demo):
    r = await ask(demo_assistant, demo.org_id, "top 3 stations by maintenance delay minutes last week")
    assert _tools(r) == ["rank_kpi"]
    a = _args(r, "rank_kpi")
    assert a["limit"] == 3 and a["order"] == "worst"
    start, end = dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])
    assert start.weekday() == 0 and (end - start).days == 6 and end < NOW.date()
    expect = _sql(demo.target.conninfo,
                  """SELECT s.code, sum(p.value) FROM kpi_points p JOIN stations s ON s.id = p.station_id
                     JOIN kpi_definitions k ON k.id = p.kpi_id WHERE p.org_id = %s AND k.code = 'MX_DELAY_MINUTES'
                     AND p.day BETWEEN %s AND %s GROUP BY s.code ORDER BY 2 DESC LIMIT 3""", demo.org_id, start, end)
    listed = re.findall(r"\d\. ([A-Z]{3}) ([\d,]+) min", r.answer)
    assert [(c, _num(v)) for c, v in listed] == [(c, pytest.approx(float(v), abs=0.5)) for c, v in expect]
    _cited(r)


async def test_demo_attention_across_all_stations(demo_assistant, demo):
    h = demo.manifest["headline"]
    r = await ask(demo_assistant, demo.org_id, "what KPIs need my attention today across all stations?")
    assert _tools(r) == ["attention"]
    assert re.search(rf"at {h['station']} is critical since \d{{4}}-\d\d-\d\d", r.answer)
    _cited(r)


async def test_demo_explain_an_old_drop(demo_assistant, demo):
    r = await ask(demo_assistant, demo.org_id, "why did parts fill rate at LAS drop?")
    assert r.route == ["kpi_analyst", "change_correlator"]
    assert "kpi_last_shift" in _tools(r) and "correlate_changes" in _tools(r)
    onset = re.search(r"most recent stage change in its history began on (\d{4}-\d\d-\d\d)", r.answer)
    assert onset, r.answer
    assert _args(r, "correlate_changes")["onset"].startswith(onset.group(1))


async def test_demo_deploys_and_who_deployed(demo_assistant, demo):
    r = await ask(demo_assistant, demo.org_id, "any deploys to payments in the last 2 weeks?")
    assert _tools(r) == ["change_log"]
    a = _args(r, "change_log")
    n = _sql(demo.target.conninfo, """SELECT count(*) FROM deployments d JOIN services s ON s.id = d.service_id
             WHERE d.org_id = %s AND s.name = 'payments' AND d.started_at <= %s
             AND COALESCE(d.finished_at, d.started_at) >= %s""",
             demo.org_id, dt.datetime.fromisoformat(a["until"]), dt.datetime.fromisoformat(a["since"]))[0][0]
    assert n > 0 and f"payments: {n} deployment(s)" in r.answer
    assert "depends on" in r.answer
    _cited(r)
    (ext, who, author) = _sql(demo.target.conninfo,
                              """SELECT d.external_id, d.deployed_by, c.author FROM deployments d
                                 JOIN deployment_commits dc ON dc.deployment_id = d.id JOIN commits c ON c.id = dc.commit_id
                                 WHERE d.org_id = %s ORDER BY d.started_at DESC LIMIT 1""", demo.org_id)[0]
    r = await ask(demo_assistant, demo.org_id, f"who deployed {ext} and what was in it?")
    assert _tools(r) == ["change_lookup"] and f"by {who}" in r.answer and author in r.answer


async def test_demo_open_incidents_and_ticket_counts(demo_assistant, demo):
    r = await ask(demo_assistant, demo.org_id, "which incidents are still open?")
    assert _tools(r) == ["incident_list"]
    open_ = {x for (x,) in _sql(demo.target.conninfo, """SELECT external_id FROM incidents WHERE org_id = %s
                                  AND status <> 'resolved' AND started_at <= %s""", demo.org_id, NOW)}
    assert open_ and all(x in r.answer for x in open_)
    shut = {x for (x,) in _sql(demo.target.conninfo,
                               "SELECT external_id FROM incidents WHERE org_id = %s AND status = 'resolved'", demo.org_id)}
    assert not any(x in r.answer for x in shut)
    r = await ask(demo_assistant, demo.org_id, "how many open tickets?")
    n = _sql(demo.target.conninfo, """SELECT count(*) FROM tickets WHERE org_id = %s
             AND status IN ('new', 'open', 'pending') AND created_at <= %s""", demo.org_id, NOW)[0][0]
    assert f"There are {n} tickets" in r.answer


async def test_demo_enterprise_breached_today_is_complete(demo_assistant, demo):
    r = await ask(demo_assistant, demo.org_id, "which enterprise tickets breached SLA today?")
    assert _tools(r) == ["sla_list"]
    rows = _sql(demo.target.conninfo, """SELECT external_id, priority, customer_tier, created_at, first_response_at
                FROM tickets WHERE org_id = %s AND status IN ('new', 'open', 'pending') AND resolved_at IS NULL
                AND closed_at IS NULL AND customer_tier = 'enterprise' AND created_at <= %s""", demo.org_id, NOW)
    expect = set()
    for ext, prio, tier, created, first in rows:
        clocks = slalib.ticket_clocks(priority=prio, customer_tier=tier, created_at=created, first_response_at=first,
                                      resolved_at=None, now=NOW)
        if any(c.state == "breached" and c.deadline.date() == NOW.date() for c in clocks):
            expect.add(ext)
    assert f"{len(expect)} open ticket(s)" in r.answer
    assert set(re.findall(r"(TCK-\d+) \(", r.answer)) == expect


# ------------------------------------------------------------------ second organisation


async def test_org2_questions_end_to_end(org2_assistant, org2_db):
    _, org = org2_db
    oid = org.org_id
    r = await ask(org2_assistant, oid, "which station has the most late shipments this month?")
    a = _args(r, "rank_kpi")
    start, end = dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])
    totals = {c: sum(v for (k, s, d), v in org.truth["kpi_points"].items()
                     if k == "LATE_SHIPMENTS" and s == c and start <= d <= end) for c, *_ in o2.STATIONS}
    top = max(totals, key=totals.get)
    assert start == dt.date(2026, 10, 1) and f"is {top} " in r.answer and f"with {totals[top]:,.0f}" in r.answer
    _cited(r)

    r = await ask(org2_assistant, oid, "weekly late shipments at OSL4 in September")
    assert "kpi_values" in _tools(r)
    sept = sum(v for (k, s, d), v in org.truth["kpi_points"].items()
               if k == "LATE_SHIPMENTS" and s == "OSL4" and d.month == 9 and d.year == 2026)
    assert f"the total is {sept:,.0f}" in r.answer

    r = await ask(org2_assistant, oid, "compare pick accuracy between KRK1 and WRO2 last week")
    a = _args(r, "compare_kpi")
    start, end = dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])
    mean = statistics.fmean(v for (k, s, d), v in org.truth["kpi_points"].items()
                            if k == "PICK_ACCURACY" and s == "WRO2" and start <= d <= end)
    assert f"average {mean:.2f}%" in r.answer and "KRK1 (Krakow Hub) is better than WRO2" in r.answer

    r = await ask(org2_assistant, oid, "what needs attention?")
    assert re.search(r"Late shipments at OSL4 is (critical|warning) since", r.answer)

    r = await ask(org2_assistant, oid, "why did pick accuracy at WRO2 drop?")
    got = re.search(r"began on (\d{4}-\d\d-\d\d)", r.answer)
    assert got and abs((dt.date.fromisoformat(got.group(1)) - o2.SHIFT_DAY).days) <= 3

    r = await ask(org2_assistant, oid, "why did ledger.core errors jump yesterday?")
    assert "http_5xx_ratio moved up" in r.answer and f"Most likely cause for ledger.core: {org.truth['config_cause']}" in r.answer

    r = await ask(org2_assistant, oid, "which incidents are still open?")
    assert "OUT-78" in r.answer and "OUT-77" in r.answer and "OUT-71" not in r.answer
    r = await ask(org2_assistant, oid, "is OUT-71 resolved?")
    assert "OUT-71 is resolved" in r.answer and "after 120 minutes" in r.answer

    r = await ask(org2_assistant, oid, "how many open tickets?")
    n = sum(1 for t in org.truth["tickets"] if t["status"] in ("new", "open", "pending"))
    assert f"There are {n} tickets" in r.answer
    _cited(r)


async def test_org2_incident_report_is_written_and_stored_for_the_org(org2_assistant, org2_db):
    target, org = org2_db
    r = await ask(org2_assistant, org.org_id, "draft the incident report for OUT-77")
    assert r.route == ["report_writer"] and "Incident report: OUT-77" in r.answer
    assert org.truth["config_cause"] in r.answer  # the pool-size change ranks first in the report
    rows = _sql(target.conninfo, "SELECT org_id, kind, title FROM reports WHERE run_id = %s", r.id)
    assert rows == [(org.org_id, "incident", rows[0][2])] and "OUT-77" in rows[0][2]
