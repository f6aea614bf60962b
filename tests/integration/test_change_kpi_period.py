"""A KPI point covers its whole period, and a revert is not a new change: change correlation for a KPI on an
organisation built here — a public library network ("Fernhill Libraries": branches, holds and renewals, a
catalogue search and a loans engine), imported as a user would — plus the parcel carrier's customer-contacts step
(tests/integration/test_qa_parcel.py) with the learned stage acceptance on (it dates that step a day early).

* A daily KPI's step staged on day D means "something changed during D or just before": a change made at 14:00 on
  D is a candidate (not "after the onset"), one made the next morning is not.
* A weekly KPI's point covers its week: a change made mid-week is a candidate for a step staged that week.
* A change that puts a key back to the value it had before its previous change is a revert: it returns to a known
  state and ranks below a new change on the KPI's own service, however risky its key's name sounds.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import psycopg
import pytest

import tools.control_limits.analysis as analysis
import tools.control_limits.learned as learned_mod
from store import migrate
from store.db import make_async_engine, make_sessionmaker
from store.importers import run_import
from tests.conftest import _create_database, _drop_database
from tests.integration.test_qa_parcel import assistant, new, parcel
from tools.base import ToolContext
from tools.changes import correlate_changes
from tools.changes.focus import point_period

SLUG = "fernhill"
LAST = dt.date(2026, 9, 20)
NOW = dt.datetime(2026, 9, 21, 9, 0, tzinfo=dt.UTC)
STEP = LAST - dt.timedelta(days=6)  # HOLDS_READY_PCT drops from this day
RENEW_STEP = LAST - dt.timedelta(days=9)  # RENEWALS_OK drops from this day
WEEKS = 60
WEEK_STEP = 52  # the weekly KPI's step: its 53rd Monday


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _monday(i: int) -> dt.date:
    last_monday = LAST - dt.timedelta(days=LAST.weekday())
    return last_monday - dt.timedelta(weeks=WEEKS - 1 - i)


def _build(conn: psycopg.Connection, tmp: Path) -> int:
    org_id = conn.execute("INSERT INTO orgs (slug, name) VALUES (%s, 'Fernhill Libraries') RETURNING id",
                          (SLUG,)).fetchone()[0]
    conn.commit()

    def load(kind: str, name: str, rows: list[dict] | str) -> None:
        (tmp / name).write_text(rows if isinstance(rows, str) else json.dumps(rows))
        run_import(conn, SLUG, kind, tmp / name)

    load("stations", "branches.json", [{"code": "BR-OAK", "name": "Oakfield branch", "region": "N", "region_name": "North"},
                                       {"code": "BR-MIL", "name": "Mill Lane branch", "region": "S", "region_name": "South"}])
    load("services", "services.json", [
        {"name": "loan.engine", "team": "circulation"},
        {"name": "cat-search", "team": "discovery", "depends_on": ["loan.engine"]},
        {"name": "IdentityHub", "team": "platform"},
        {"name": "renewals-svc", "team": "circulation", "depends_on": ["IdentityHub"]},
        {"name": "kiosk-fleet", "team": "branches"},
    ])
    load("kpi-definitions", "kpidefs.json", [
        {"code": "HOLDS_READY_PCT", "name": "Holds ready on time", "unit": "%", "aggregation": "mean",
         "higher_is_better": True, "related_services": ["cat-search"]},
        {"code": "RENEWALS_OK", "name": "Online renewals succeeding", "unit": "%", "aggregation": "mean",
         "higher_is_better": True, "related_services": ["renewals-svc"]},
        {"code": "NEW_MEMBERS", "name": "New members per week", "unit": "members", "aggregation": "sum",
         "higher_is_better": True, "related_services": ["IdentityHub"]},
        {"code": "SELF_CHECKOUT_OK", "name": "Self-checkout success", "unit": "%", "aggregation": "mean",
         "higher_is_better": True},  # no related services: kiosks are updated branch by branch
    ])
    rng = np.random.default_rng(2026)
    lines = ["date,station,kpi,value"]
    for i in range(150):
        day = LAST - dt.timedelta(days=149 - i)
        for code in ("BR-OAK", "BR-MIL"):
            holds = 94.0 + rng.normal(0, 0.4) - (5.0 if day >= STEP else 0.0)
            renew = 98.0 + rng.normal(0, 0.3) - (4.0 if day >= RENEW_STEP else 0.0)
            kiosk = 97.0 + rng.normal(0, 0.3) - (6.0 if code == "BR-OAK" and day >= STEP else 0.0)
            lines += [f"{day},{code},HOLDS_READY_PCT,{holds:.2f}", f"{day},{code},RENEWALS_OK,{renew:.2f}",
                      f"{day},{code},SELF_CHECKOUT_OK,{kiosk:.2f}"]
    for i in range(WEEKS):  # one point a week, on its Monday
        for code in ("BR-OAK", "BR-MIL"):
            lines.append(f"{_monday(i)},{code},NEW_MEMBERS,{max(0, round(60 + rng.normal(0, 3) - (25 if i >= WEEK_STEP else 0)))}")
    load("kpis", "kpis.csv", "\n".join(lines) + "\n")
    wk = _monday(WEEK_STEP)
    load("deployments", "kiosk-rollouts.json", [  # a kiosk fleet tool: the branch is only in its own field
        {"external_id": "KF-208", "service": "kiosk-fleet", "version": "kiosk-fw 4.2", "Branch Group": "BR-OAK",
         "started_at": _at(STEP - dt.timedelta(days=1), 22), "finished_at": _at(STEP - dt.timedelta(days=1), 23)},
        {"external_id": "KF-209", "service": "kiosk-fleet", "version": "kiosk-fw 4.2", "Branch Group": "BR-MIL",
         "started_at": _at(STEP - dt.timedelta(days=1), 23, 30), "finished_at": _at(STEP, 0, 10)},
    ])
    load("config-changes", "config.json", [
        # HOLDS_READY_PCT: the cause on the step's day, an older change a hop away, a riskier one the morning after
        {"external_id": "FH-410", "service": "loan.engine", "key": "loan.retry.max", "old_value": "3",
         "new_value": "5", "changed_at": _at(STEP - dt.timedelta(days=3), 11)},
        {"external_id": "FH-431", "service": "cat-search", "key": "holds.pickup.notice_hours", "old_value": "24",
         "new_value": "72", "changed_at": _at(STEP, 14)},
        {"external_id": "FH-437", "service": "cat-search", "key": "search.timeout_ms", "old_value": "800",
         "new_value": "400", "changed_at": _at(STEP + dt.timedelta(days=1), 8)},
        # RENEWALS_OK: a session-routing switch a hop away, switched back the evening before the step; the cause on
        # the KPI's own service that morning
        {"external_id": "ID-77", "service": "IdentityHub", "key": "SESSION_ROUTING_MODE", "old_value": "sticky",
         "new_value": "round_robin", "changed_at": _at(RENEW_STEP - dt.timedelta(days=4), 9)},
        {"external_id": "RN-12", "service": "renewals-svc", "key": "renewals.max_per_item", "old_value": "5",
         "new_value": "2", "changed_at": _at(RENEW_STEP - dt.timedelta(days=1), 9)},
        {"external_id": "ID-80", "service": "IdentityHub", "key": "SESSION_ROUTING_MODE", "old_value": "round_robin",
         "new_value": "sticky", "changed_at": _at(RENEW_STEP - dt.timedelta(days=1), 21)},
        # NEW_MEMBERS (weekly): mid-week of the step's week, and nine days later
        {"external_id": "ID-91", "service": "IdentityHub", "key": "signup.captcha.level", "old_value": "low",
         "new_value": "strict", "changed_at": _at(wk + dt.timedelta(days=2), 15)},
        {"external_id": "ID-95", "service": "IdentityHub", "key": "signup.form.fields", "old_value": "4",
         "new_value": "9", "changed_at": _at(wk + dt.timedelta(days=9), 10)},
    ])
    return org_id


@pytest.fixture(scope="module")
def fernhill(pg_server, tmp_path_factory):
    target = _create_database(pg_server, "opsgraph_fernhill")
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        org_id = _build(conn, tmp_path_factory.mktemp("fernhill"))
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture
async def ctx(fernhill):
    target, org_id = fernhill
    engine = make_async_engine(target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=org_id, now=NOW)
    await engine.dispose()


async def test_a_change_during_the_steps_day_is_a_candidate_the_next_morning_is_not(ctx):
    got = (await correlate_changes(ctx, kpi="holds ready on time")).result
    assert got.onset == dt.datetime.combine(STEP, dt.time.min, dt.UTC), got.onset  # the step's day, as staged
    ranked = [h.subject for h in got.hypotheses]
    assert ranked[0] == "FH-431" and "FH-410" in ranked and "FH-437" not in ranked, got.conclusion
    top = got.hypotheses[0]
    assert top.plausible and f"at {STEP} 14:00 UTC, during the first day of the new level ({STEP})" in top.rationale
    # a date given names its whole day too; a time given is an instant (nothing after it)
    day = (await correlate_changes(ctx, kpi="HOLDS_READY_PCT", onset=STEP)).result
    assert day.hypotheses[0].subject == "FH-431"
    instant = (await correlate_changes(ctx, kpi="HOLDS_READY_PCT",
                                       onset=dt.datetime.combine(STEP, dt.time(9), dt.UTC))).result
    assert "FH-431" not in [h.subject for h in instant.hypotheses] and instant.hypotheses[0].subject == "FH-410"


async def test_a_weekly_points_step_covers_its_week(ctx):
    got = (await correlate_changes(ctx, kpi="NEW_MEMBERS", onset=_monday(WEEK_STEP))).result  # "since that week"
    ranked = [h.subject for h in got.hypotheses]
    assert ranked[:1] == ["ID-91"] and "ID-95" not in ranked, got.conclusion
    assert "during the first week of the new level" in got.hypotheses[0].rationale


async def test_a_revert_ranks_below_a_new_change_on_the_kpis_own_service(ctx):
    got = (await correlate_changes(ctx, kpi="RENEWALS_OK")).result
    assert got.onset.date() == RENEW_STEP, got.onset
    by = {h.subject: h for h in got.hypotheses}
    assert got.hypotheses[0].subject == "RN-12" and got.hypotheses[0].plausible, got.conclusion
    assert "reverts ID-77 (back to the value before it)" in by["ID-80"].rationale, by["ID-80"].rationale
    assert by["ID-80"].components.risk < by["RN-12"].components.risk


def test_the_period_a_point_covers():
    d = dt.date(2026, 1, 5)
    assert point_period([d + dt.timedelta(days=i) for i in range(30) if i % 6 != 3]).days == 1  # gaps stay daily
    assert point_period([d + dt.timedelta(weeks=i) for i in range(12)]).days == 7
    assert point_period([d + dt.timedelta(days=30 * i) for i in range(12)]).days == 30  # monthly: its month
    assert point_period([d + dt.timedelta(days=90 * i) for i in range(8)]).days == 31  # quarterly: at most a month
    assert point_period([d]).days == 1


async def test_the_parcel_carriers_contacts_step_staged_a_day_early(new, monkeypatch):
    """With the learned stage acceptance on, CONTACTS_1K's step (11-26) is staged on 11-25: the ETA-window change
    made at 10:00 that day stays the cause, not the routing flag switched on two days before (nor its revert).

    Pinned to the tenth pass's logistic model, the one this was measured with: the eleventh pass's boosted trees
    (the flag's model since) stage this step on 11-23 instead, which is one more reason the flag stays off."""
    monkeypatch.setattr(learned_mod, "MODEL_KIND", "logit")
    for learned in (False, True):
        monkeypatch.setattr(analysis, "LEARNED_ACCEPT", learned)
        a = await new().ask("why are customer contacts up?")
        assert "Most likely cause for CONTACTS_1K at company: CFG-3114 on tracking-web" in a, (learned, a)


async def test_the_handheld_sync_step_is_dated_at_its_hour(new):
    """The hourly sync failures step at 05:00 on 11-16 sits five points after the edge of the two-week search: the
    stage search's minimum length pushed the boundary to 08:00 and the firmware rollout at 04:30 scored 0.17."""
    a = await new().ask("anything flipped before handheld sync started failing?")
    assert "handheld-sync sync_failures moved up at 2026-11-16 05:00 UTC" in a, a
    assert "Most likely cause for handheld-sync: RO-5582" in a, a


async def test_a_kpi_without_services_at_a_site_finds_the_changes_naming_the_site(ctx):
    got = (await correlate_changes(ctx, kpi="self-checkout success", station="BR-OAK")).result
    assert got.onset.date() == STEP, got.onset
    assert [h.subject for h in got.hypotheses] == ["KF-208"], got.conclusion  # not the other branch's rollout
    assert "its record names BR-OAK" in got.hypotheses[0].rationale, got.hypotheses[0].rationale


async def test_the_parcel_carriers_firmware_rollout_to_a_depot(new):
    a = await new().ask("why has first-attempt dropped at Birmingham depot 2?")  # before: no related services
    assert "Most likely cause for FAD_RATE at DEP-BHX-2" in a and "RO-5582 on handheld-sync" in a, a
    assert "RO-5590" not in a, a  # the same firmware to another depot
