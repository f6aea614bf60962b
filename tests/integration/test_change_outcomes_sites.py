"""Change correlation on an organisation built here — a cold-storage logistics company ("Frostline Cold Chain":
refrigerated hubs, pick waves, reefer controllers, dotted and UPPER_CASE config keys, deployments without commit
ranges), imported as a user would:

* a deployment whose status says it failed never fully reached production: it ranks below a change that did,
  and the answer says it failed (whatever word the deploy tool used);
* a change recorded for one hub (a ``location`` field, a description naming the hub) is a candidate for a KPI at
  that hub, not for the same KPI at the other hub — even on a service the KPI does not list;
* a weekly and a monthly KPI: a change anywhere in the week (month) before the jump is a candidate, and the answer
  names the week (month), not a day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import psycopg
import pytest

from store import migrate
from store.db import make_async_engine, make_sessionmaker
from store.importers import run_import
from tests.conftest import _create_database, _drop_database
from tests.integration.qa_support import Thread, org_assistant
from tools.base import ToolContext
from tools.changes import correlate_changes, scoring
from tools.changes.outcome import deployment_outcome

SLUG = "frostline"
LAST = dt.date(2026, 10, 18)
NOW = dt.datetime(2026, 10, 19, 8, 0, tzinfo=dt.UTC)
STEP = LAST - dt.timedelta(days=5)  # PICK_ACCURACY drops at the Rotterdam hub from this day
WEEKS = 40
WEEK_STEP = 31  # REEFER_EXCURSIONS (weekly) jumps from its 32nd Monday
MONTHS = 24
MONTH_STEP = 18  # ENERGY_KWH_PALLET (monthly) jumps from its 19th month


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _monday(i: int) -> dt.date:
    last_monday = LAST - dt.timedelta(days=LAST.weekday())
    return last_monday - dt.timedelta(weeks=WEEKS - 1 - i)


def _month(i: int) -> dt.date:
    k = (LAST.year * 12 + LAST.month - 1) - (MONTHS - 1 - i)
    return dt.date(k // 12, k % 12 + 1, 1)


def _build(conn: psycopg.Connection, tmp: Path) -> int:
    org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Frostline Cold Chain') RETURNING id",
                          (SLUG,)).fetchone()[0]
    conn.commit()

    def load(kind: str, name: str, rows: list[dict] | str) -> None:
        (tmp / name).write_text(rows if isinstance(rows, str) else json.dumps(rows))
        run_import(conn, SLUG, kind, tmp / name)

    load("stations", "hubs.json", [
        {"code": "HUB-RTM", "name": "Rotterdam Maasvlakte", "region": "BNL", "region_name": "Benelux"},
        {"code": "HUB-LEJ", "name": "Leipzig Schkeuditz", "region": "DEU", "region_name": "Germany"},
    ])
    load("services", "services.json", [
        {"name": "WavePlanner", "team": "fulfilment"},
        {"name": "reefer.ctl", "team": "cold-chain"},
        {"name": "label-printer-bridge", "team": "floor-it"},
    ])
    load("kpi-definitions", "kpidefs.json", [
        {"code": "PICK_ACCURACY", "name": "Pick accuracy", "unit": "%", "aggregation": "mean",
         "higher_is_better": True, "related_services": ["WavePlanner"]},
        {"code": "REEFER_EXCURSIONS", "name": "Temperature excursions per week", "unit": "excursions",
         "aggregation": "sum", "higher_is_better": False, "related_services": ["reefer.ctl"]},
        {"code": "ENERGY_KWH_PALLET", "name": "Energy per pallet-month", "unit": "kWh", "aggregation": "mean",
         "higher_is_better": False, "related_services": ["reefer.ctl"]},
    ])
    rng = np.random.default_rng(77)
    lines = ["date,station,kpi,value"]
    for i in range(120):
        day = LAST - dt.timedelta(days=119 - i)
        for code in ("HUB-RTM", "HUB-LEJ"):
            drop = 3.5 if day >= STEP else 0.0
            lines.append(f"{day},{code},PICK_ACCURACY,{99.2 + rng.normal(0, 0.15) - drop:.2f}")
    for i in range(WEEKS):
        for code in ("HUB-RTM", "HUB-LEJ"):
            lines.append(f"{_monday(i)},{code},REEFER_EXCURSIONS,{max(0, round(6 + rng.normal(0, 1) + (9 if i >= WEEK_STEP else 0)))}")
    for i in range(MONTHS):
        for code in ("HUB-RTM", "HUB-LEJ"):
            lines.append(f"{_month(i)},{code},ENERGY_KWH_PALLET,{41 + rng.normal(0, 0.4) + (6 if i >= MONTH_STEP else 0):.2f}")
    load("kpis", "kpis.csv", "\n".join(lines) + "\n")
    eve = STEP - dt.timedelta(days=1)
    load("deployments", "deploys.json", [
        # the same service the evening before: one went out (no commit range recorded), a later one's pipeline failed
        {"id": "wp-run-5120", "app": "WavePlanner", "release": "2026.10.3", "conclusion": "success",
         "run_started_at": _at(eve, 15), "completed_at": _at(eve, 15, 20)},
        {"id": "wp-run-5121", "app": "WavePlanner", "release": "2026.10.4", "conclusion": "failure",
         "run_started_at": _at(eve, 21), "completed_at": _at(eve, 21, 12)},
        # the label bridge (not a service the KPI lists) pushed to the Rotterdam hub only
        {"id": "lpb-88", "app": "label-printer-bridge", "release": "fw 7.1", "location": "HUB-RTM",
         "run_started_at": _at(eve, 18), "completed_at": _at(eve, 18, 30)},
        {"id": "lpb-89", "app": "label-printer-bridge", "release": "fw 7.1", "location": "HUB-LEJ",
         "run_started_at": _at(eve, 19), "completed_at": _at(eve, 19, 30)},
    ])
    wk, mo = _monday(WEEK_STEP), _month(MONTH_STEP)
    load("config-changes", "config.json", [
        # WavePlanner's wave size, changed for Leipzig only: not a candidate at Rotterdam
        {"id": "CHG-3301", "app": "WavePlanner", "setting": "WAVE_MAX_ORDERS", "old": "40", "new": "90",
         "timestamp": _at(eve, 22), "comment": "bigger waves for the Leipzig Schkeuditz night shift"},
        # REEFER_EXCURSIONS (weekly): in the week before the jump's week, and two weeks after
        {"id": "CHG-3120", "app": "reefer.ctl", "setting": "defrost.cycle.interval_min", "old": "360", "new": "720",
         "timestamp": _at(wk - dt.timedelta(days=4), 10)},
        {"id": "CHG-3190", "app": "reefer.ctl", "setting": "defrost.cycle.interval_min", "old": "720", "new": "480",
         "timestamp": _at(wk + dt.timedelta(days=15), 10)},
        # ENERGY_KWH_PALLET (monthly): mid-way through the month before the jump
        {"id": "CHG-2904", "app": "reefer.ctl", "setting": "COMPRESSOR_SETPOINT_OFFSET", "old": "0.0", "new": "-1.5",
         "timestamp": _at(mo - dt.timedelta(days=17), 9)},
        # searched by what they are about: camelCase, UPPER_CASE and dotted keys, one only in its comment
        {"id": "CHG-3400", "app": "reefer.ctl", "setting": "mqtt.client.retryMaxAttempts", "old": "3", "new": "8",
         "timestamp": _at(dt.date(2026, 10, 15), 10), "user": "j.visser"},
        {"id": "CHG-3401", "app": "WavePlanner", "setting": "HTTP_RETRY_BACKOFF_MS", "old": "200", "new": "50",
         "timestamp": _at(dt.date(2026, 10, 2), 16), "user": "a.kowalski"},
        {"id": "CHG-3402", "app": "label-printer-bridge", "setting": "ingress.min_version", "old": "1.2", "new": "1.3",
         "timestamp": _at(dt.date(2026, 10, 14), 11), "comment": "TLS hardening for the printer gateways"},
        {"id": "CHG-3403", "app": "label-printer-bridge", "setting": "ingress.ssl.cipher_suite", "old": "default",
         "new": "modern", "timestamp": _at(dt.date(2026, 9, 28), 11)},
    ])
    return org_id


@pytest.fixture(scope="module")
def frostline(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_frostline")
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        org_id = _build(conn, tmp_path_factory.mktemp("frostline"))
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def ctx(frostline):
    target, org_id = frostline
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=NOW)
    await engine.dispose()


async def test_a_failed_deployment_ranks_below_one_that_went_out_and_says_it_failed(ctx):
    got = (await correlate_changes(ctx, kpi="pick accuracy", station="HUB-RTM", onset=STEP)).result
    ranked = [h.subject for h in got.hypotheses]
    assert "wp-run-5121" in ranked, got.conclusion  # still a candidate: a failed rollout can break things
    assert ranked.index("wp-run-5120") < ranked.index("wp-run-5121"), ranked
    failed = next(h for h in got.hypotheses if h.subject == "wp-run-5121")
    assert "its status says failed: it never fully reached production" in failed.rationale, failed.rationale
    went_out = next(h for h in got.hypotheses if h.subject == "wp-run-5120")
    assert "status says" not in went_out.rationale


async def test_a_change_for_one_hub_is_a_candidate_there_and_not_at_the_other(ctx):
    rtm = (await correlate_changes(ctx, kpi="PICK_ACCURACY", station="HUB-RTM", onset=STEP)).result
    lej = (await correlate_changes(ctx, kpi="PICK_ACCURACY", station="HUB-LEJ", onset=STEP)).result
    at_rtm, at_lej = [h.subject for h in rtm.hypotheses], [h.subject for h in lej.hypotheses]
    assert "CHG-3301" not in at_rtm and "CHG-3301" in at_lej, (at_rtm, at_lej)  # its comment names Leipzig
    assert "lpb-88" in at_rtm and "lpb-89" not in at_rtm, at_rtm  # a service the KPI does not list, at this hub
    assert "lpb-89" in at_lej and "lpb-88" not in at_lej, at_lej
    lpb = next(h for h in rtm.hypotheses if h.subject == "lpb-88")
    assert "its record names HUB-RTM" in lpb.rationale, lpb.rationale
    assert "wp-run-5120" in at_rtm and "wp-run-5120" in at_lej  # a change naming no site applies everywhere


async def test_a_weekly_kpis_jump_takes_the_week_before_and_names_the_week(ctx):
    wk = _monday(WEEK_STEP)
    got = (await correlate_changes(ctx, kpi="Temperature excursions per week", station="HUB-RTM")).result
    assert got.onset.date() == wk, got.onset
    assert [h.subject for h in got.hypotheses][:1] == ["CHG-3120"], got.conclusion
    assert "CHG-3190" not in [h.subject for h in got.hypotheses]
    assert got.hypotheses[0].plausible, got.conclusion
    assert f"the week of {wk:%Y-%m-%d}" in got.hypotheses[0].rationale, got.hypotheses[0].rationale
    assert f"{wk:%Y-%m-%d} 00:00" not in got.conclusion, got.conclusion  # no fake instant


async def test_a_monthly_kpis_jump_takes_the_month_before_and_names_the_month(ctx):
    mo = _month(MONTH_STEP)
    got = (await correlate_changes(ctx, kpi="energy_kwh_pallet", station="HUB-LEJ")).result
    assert got.onset.date() == mo, got.onset
    assert [h.subject for h in got.hypotheses][:1] == ["CHG-2904"], got.conclusion
    assert got.hypotheses[0].plausible, got.conclusion
    assert f"before {mo:%B %Y}" in got.hypotheses[0].rationale, got.hypotheses[0].rationale


@pytest.mark.parametrize(("status", "expected"), [
    ("failed", "failed"), ("FAILURE", "failed"), ("error", "failed"), ("Aborted", "failed"), ("cancelled", "failed"),
    ("canceled", "failed"), ("timed_out", "failed"), ("TERMINAL", "failed"), ("Degraded", "failed"),
    ("rolled_back", "rolled_back"), ("Rolled Back", "rolled_back"), ("reverted", "rolled_back"),
    ("RolledBack", "rolled_back"), ("succeeded", None), ("Healthy", None), ("in_progress", None),
    ("completed with no errors", None), ("", None),
])
def test_deployment_status_words(status, expected):
    assert deployment_outcome(status) == expected


def test_a_failed_deploy_whose_service_moved_keeps_more_of_its_score():
    assert scoring.outcome_factor(None, 0.0) == 1.0
    assert scoring.outcome_factor("failed", None) == scoring.FAILED_FACTOR
    assert scoring.FAILED_FACTOR < scoring.outcome_factor("failed", 0.5) < scoring.outcome_factor("failed", 1.0) <= 0.8
    assert scoring.outcome_factor("rolled_back", None, undone_known=True) == 1.0  # its rollback is scored by time
    assert scoring.outcome_factor("rolled_back", None) == scoring.ROLLED_BACK_UNTIMED_FACTOR


async def test_the_change_log_searched_by_what_a_change_was_about(frostline, pg_server):
    target, org_id = frostline
    async with org_assistant(target, pg_server, NOW) as a:
        t = Thread(a, org_id, NOW.date())
        ans = await t.ask("did anyone change the retry settings?")
        assert ans.count("Yes — 2 change(s) about retry settings in the last 30 days") == 1, ans
        assert "CHG-3400 on reefer.ctl" in ans and "CHG-3401 on WavePlanner" in ans and "j.visser" in ans, ans
        assert "CHG-3402" not in ans and "CHG-2904" not in ans, ans
        ans = await Thread(a, org_id, NOW.date()).ask("any changes to the TLS config last week?")
        assert "about TLS config last week" in ans and "CHG-3402 on label-printer-bridge" in ans, ans
        assert "CHG-3403" not in ans, ans  # an SSL change, but the week before
        ans = await Thread(a, org_id, NOW.date()).ask("has anybody touched the dock door timers this month?")
        assert "No — no deployment or config change this month" in ans and "is about dock door timers" in ans, ans
        ans = await Thread(a, org_id, NOW.date()).ask("was the ssl cipher changed recently?")
        assert "CHG-3403 on label-printer-bridge" in ans, ans


async def test_a_setting_of_one_service_is_searched_in_that_services_changes(frostline, pg_server):
    """Before: "did anyone touch the reefer retries?" ("reefer" names reefer.ctl) was the service's health check,
    and the setting was never searched."""
    target, org_id = frostline
    async with org_assistant(target, pg_server, NOW) as a:
        for q in ("did anyone touch the reefer retries?", "did anyone change the retry settings on reefer.ctl?"):
            ans = await Thread(a, org_id, NOW.date()).ask(q)
            assert "CHG-3400 on reefer.ctl" in ans and "j.visser" in ans, ans
            assert "CHG-3401" not in ans, ans  # a retry setting too, but of WavePlanner


async def test_what_else_changed_after_one_change_is_every_service_around_its_day(frostline, pg_server):
    """Before: "what else changed?" after one change's record was outside what it could answer."""
    target, org_id = frostline
    async with org_assistant(target, pg_server, NOW) as a:
        t = Thread(a, org_id, NOW.date())
        first = await t.ask("who changed mqtt.client.retryMaxAttempts?")
        assert "CHG-3400" in first and "j.visser" in first, first
        ans = await t.ask("what else changed?")
        assert "CHG-3402" in ans and "CHG-3400" in ans, ans  # the day before it, on another service; itself
        assert "CHG-3401" not in ans and "outside what I can answer" not in ans, ans  # two weeks before
