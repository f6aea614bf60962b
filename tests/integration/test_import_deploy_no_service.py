"""A deployment record without a service field (a chat-ops bot's log: a message and a host, no service) is matched to
the service its message or host names, says so, and is then a candidate cause of that service's onset; a record
naming none is refused with its line, and nothing of the file is written. An organisation built here: a ferry
operator's booking platform ("Solent Link": `berth.allocator`, `FareCalc`, `fare-calc-edge`)."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest

from agents.service import Assistant
from store.db import make_async_engine, make_sessionmaker
from store.importers import ImportRejected, run_import
from tests.conftest import settings_for
from tests.integration.telemetry_support import telemetry_org
from tools.base import ToolContext
from tools.changes import correlate_changes

T0 = dt.datetime(2026, 6, 10, 0, 0, tzinfo=dt.UTC)
STEP = T0 + dt.timedelta(hours=30)
HOURLY_STEP = T0 + dt.timedelta(hours=60)  # FareCalc's hourly quote failures step up in this hour …
RELEASE = HOURLY_STEP + dt.timedelta(minutes=25)  # … after its release 25 minutes into it


def _metrics() -> list[str]:
    lines = ["ts,service,metric,value"]
    for i in range(12 * 40):
        t = T0 + dt.timedelta(minutes=5 * i)
        bad = t >= STEP
        lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},berth.allocator,alloc_errors_pct,{(4.0 if bad else 0.4) + 0.05 * (i % 3):.2f}")
        lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},FareCalc,quote_p99_ms,{210 + (i % 5)}")
    for i in range(96):  # an hourly export: each point the mean of its hour
        t = T0 + dt.timedelta(hours=i)
        lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},FareCalc,quote_failures_pct,{(3.1 if t >= HOURLY_STEP else 0.3) + 0.04 * (i % 4):.2f}")
    return lines


@pytest.fixture(scope="module")
def solent(pg_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("solent")
    with telemetry_org(pg_server, tmp, db="opsgraph_solent", slug="solent", name="Solent Link", team="booking",
                       services=["berth.allocator", "FareCalc", "fare-calc-edge"], metrics=_metrics(),
                       changes={}) as (target, org_id):
        yield target, org_id, tmp


def _lines(records: list[dict]) -> str:
    return "\n".join(json.dumps(r) for r in records) + "\n"


def _at(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_deployment_without_a_service_is_matched_by_its_message_or_host(solent):
    target, org_id, tmp = solent
    bad = tmp / "bot-bad.jsonl"
    bad.write_text(_lines([
        {"id": "bot-1", "version": "7.1.0", "started_at": _at(STEP - dt.timedelta(minutes=20)),
         "message": "Rolling out berth-allocator 7.1.0 (queue rework)"},
        {"id": "bot-2", "version": "1.0.3", "started_at": _at(STEP - dt.timedelta(hours=3)),
         "message": "nightly housekeeping"},
    ]))
    with psycopg.connect(target.conninfo) as conn:
        with pytest.raises(ImportRejected) as err:
            run_import(conn, "solent", "deployments", bad)
        assert "line 2: service: field required (its message and host name no known service)" in str(err.value)
        assert conn.execute("SELECT count(*) FROM deployments WHERE org_id = %s", (org_id,)).fetchone()[0] == 0

        good = tmp / "bot.jsonl"
        good.write_text(_lines([
            {"id": "bot-1", "version": "7.1.0", "started_at": _at(STEP - dt.timedelta(minutes=20)),
             "message": "Rolling out berth-allocator 7.1.0 (queue rework)"},
            {"id": "bot-3", "version": "2.4.1", "started_at": _at(STEP - dt.timedelta(hours=2)),
             "hostname": "fare-calc-edge-02.prod.internal"},  # the longer name it holds wins over FareCalc
            {"id": "bot-4", "service": "FareCalc", "version": "5.0.0", "started_at": _at(STEP - dt.timedelta(hours=5))},
        ]))
        result = run_import(conn, "solent", "deployments", good)
        assert result.rows == 3 and result.details.get("service_from_message") == 2, result
        assert any("no service field" in w and "message or host" in w for w in result.warnings), result.warnings
        rows = dict(conn.execute("""SELECT d.external_id, s.name FROM deployments d JOIN services s ON s.id = d.service_id
                                    WHERE d.org_id = %s""", (org_id,)).fetchall())
        assert rows == {"bot-1": "berth.allocator", "bot-3": "fare-calc-edge", "bot-4": "FareCalc"}
        extra = conn.execute("SELECT extra FROM deployments WHERE org_id = %s AND external_id = 'bot-1'",
                             (org_id,)).fetchone()[0]
        assert extra.get("message") == "Rolling out berth-allocator 7.1.0 (queue rework)"

    engine = make_async_engine(target, pool_size=2)
    try:
        ctx = ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=STEP + dt.timedelta(hours=4))
        got = (await correlate_changes(ctx, service="berth.allocator")).result
        assert got.onset_source == "metric_onset" and got.hypotheses and got.hypotheses[0].subject == "bot-1", got
    finally:
        await engine.dispose()


async def test_a_release_inside_the_onsets_hour_is_not_after_the_move(solent, pg_server):
    """"Did the 5.1.0 deploy break anything?" when the hourly point that moved holds the release: before, the onset
    (the hour's stamp, 25 min before the release) counted as "did not move after the change"."""
    target, org_id, tmp = solent
    (tmp / "fare.jsonl").write_text(_lines([{"id": "fc-51", "service": "FareCalc", "version": "5.1.0",
                                             "started_at": _at(RELEASE), "finished_at": _at(RELEASE)}]))
    with psycopg.connect(target.conninfo) as conn:
        run_import(conn, "solent", "deployments", tmp / "fare.jsonl")
    a = await Assistant.open(settings_for(target, pg_server.home), target,
                             clock=lambda: T0 + dt.timedelta(hours=95, minutes=30))
    try:
        r = await a.ask(org_id=org_id, question="did the 5.1.0 deploy break anything?")
    finally:
        await a.close()
    assert "did not move after the change" not in r.answer, r.answer
    assert "FareCalc quote_failures_pct moved up at 2026-06-12 12:00 UTC" in r.answer, r.answer
    assert "fc-51 ranks #1 of the changes before the onset" in r.answer, r.answer  # ranked, not ruled out
