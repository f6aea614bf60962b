"""Round 6 of a newcomer's questions on the demo (issue qa19b): a duty manager on a first shift, a finance analyst, an
auditor, a support agent pasting a customer's message and an SRE at 3 am, asked with ``as_of`` pinned inside the data.

Each shape fixed here is asked twice: on the demo and on a second organisation with other names ("Koszyk", the
online grocer of tests/fixtures/grocery_org, imported as a user would, plus a config change and its revert of our
own). Numbers and ids are recomputed here from the database or the generated files, never copied from an answer.
The plan rows of the same shapes are in tests/unit/understanding_case_table.py ("qa19b").
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from tests.conftest import DEMO_ANCHOR, _drop_database
from tests.integration.qa_support import Thread, demo_assistant, import_org, org_assistant, sql
from tests.integration.test_qa_round6 import _latest_and_usual

GEN = Path(__file__).parents[1] / "fixtures" / "grocery_org" / "generate.py"
G_AS_OF = dt.date(2026, 11, 27)
G_CLOCK = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
G_KINDS = {"stations": "stations.json", "kpi-definitions": "kpi-definitions.json", "kpis": "kpis.csv",
           "services": "services.json", "metrics": "metrics.csv", "deployments": "deployments.json",
           "config-changes": "config-changes.json", "incidents": "incidents.jsonl", "tickets": "tickets.jsonl"}
# a change of ours and its revert 90 minutes later, by someone else (the fixture has none)
REVERT = [{"external_id": "CFG-KZ-0101", "service": "route-planner", "key": "routing.max_drops", "old_value": "22",
           "new_value": "30", "changed_at": "2026-11-21T09:00:00Z", "changed_by": "ewa"},
          {"external_id": "CFG-KZ-0102", "service": "route-planner", "key": "routing.max_drops", "old_value": "30",
           "new_value": "22", "changed_at": "2026-11-21T10:30:00Z", "changed_by": "piotr"}]
NIGHT = dt.datetime.combine(DEMO_ANCHOR - dt.timedelta(days=1), dt.time(21, 0), dt.UTC)  # the SRE's "now"


@pytest.fixture(scope="module")
async def da(demo):
    async with demo_assistant(demo) as a:
        yield a


@pytest.fixture
def dt_(da, demo):
    return Thread(da, demo.org_id, DEMO_ANCHOR)


@pytest.fixture(scope="module")
def koszyk(pg_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("grocery_r6")
    subprocess.run([sys.executable, str(GEN), str(out)], check=True, capture_output=True)
    (out / "revert.json").write_text(json.dumps(REVERT), encoding="utf-8")
    target, org_id, kpis, _sites = import_org(pg_server, out, "opsgraph_r6_grocery", "koszyk", "Koszyk", G_KINDS,
                                             extra=[("config-changes", out / "revert.json")])
    yield target, org_id, kpis, json.loads((out / "kpi-definitions.json").read_text(encoding="utf-8"))
    _drop_database(pg_server, target)


@pytest.fixture(scope="module")
async def ga(koszyk, pg_server):
    async with org_assistant(koszyk[0], pg_server, G_CLOCK) as a:
        yield a


@pytest.fixture
def gt(ga, koszyk):
    return Thread(ga, koszyk[1], G_AS_OF)


def gsql(koszyk, q: str, *args):
    with psycopg.connect(koszyk[0].conninfo) as conn:
        return conn.execute(q, args).fetchall()


def _open_incidents(rows_sql, org_id: int, now: dt.datetime) -> list[str]:
    return [r[0] for r in rows_sql("""SELECT external_id FROM incidents WHERE org_id = %s AND started_at <= %s
                                      AND (resolved_at IS NULL OR resolved_at > %s) ORDER BY started_at DESC""",
                                   org_id, now, now)]


# ----------------------------------------------------------------- a first shift: "anything on fire?"

async def test_a_first_shift_gets_what_needs_attention_and_the_open_incidents(dt_, demo, gt, koszyk):
    """Before: "what should I look at first?", "anything on fire?", "is anything broken right now" and "first shift
    today, give me the big picture" were out of scope; "which station needs my attention most" asked for a KPI."""
    now = dt.datetime.combine(DEMO_ANCHOR, dt.time(12), dt.UTC)
    open_ids = _open_incidents(lambda q, *a: sql(demo, q, *a), demo.org_id, now)
    assert open_ids
    for q in ("what should I look at first?", "anything on fire?", "is anything broken right now"):
        ans = await dt_.ask(q)
        assert "need attention" in ans and "outside what I can answer" not in ans, ans
        line = next(x for x in ans.splitlines() if "Open incidents" in x)
        assert f"Open incidents ({len(open_ids)})" in line and all(i in line for i in open_ids), ans
    ans = await dt_.ask("which station needs my attention most")  # the stations' KPIs: no "Rank by which KPI?"
    assert "need attention" in ans and "Rank by which" not in ans and "Open incidents" not in ans, ans
    g_open = _open_incidents(lambda q, *a: gsql(koszyk, q, *a), koszyk[1], G_CLOCK)
    ans = await gt.ask("anything on fire?")
    assert "outside what I can answer" not in ans, ans
    if g_open:
        line = next(x for x in ans.splitlines() if "Open incidents" in x)
        assert all(i in line for i in g_open), ans
    resolved = [r[0] for r in gsql(koszyk, "SELECT external_id FROM incidents WHERE org_id = %s AND resolved_at <= %s",
                                     koszyk[1], G_CLOCK)]
    assert resolved and not any(i in ans for i in resolved), ans


# ----------------------------------------------------------------- the auditor: who changed what, reverts, secrets

async def test_every_change_a_person_made(dt_, demo, gt):
    """Before: "show me every change lena.fischer made this month" was out of scope."""
    start = dt.datetime(DEMO_ANCHOR.year, DEMO_ANCHOR.month, 1, tzinfo=dt.UTC)
    now = dt.datetime.combine(DEMO_ANCHOR, dt.time(12), dt.UTC)
    deps = sql(demo, "SELECT external_id FROM deployments WHERE org_id = %s AND deployed_by = 'lena.fischer' "
                     "AND coalesce(finished_at, started_at) BETWEEN %s AND %s", demo.org_id, start, now)
    cfgs = sql(demo, "SELECT external_id FROM config_changes WHERE org_id = %s AND changed_by = 'lena.fischer' "
                     "AND changed_at BETWEEN %s AND %s", demo.org_id, start, now)
    ans = await dt_.ask("show me every change lena.fischer made this month")
    assert f"lena.fischer: {len(deps)} deployment(s), {len(cfgs)} config change(s) this month" in ans, ans
    assert all(i in ans for (i,) in deps + cfgs), ans
    ans = await gt.ask("show me every change marta made this month")
    assert "marta: 1 deployment(s), 1 config change(s) this month" in ans, ans
    assert "argocd-basket-2290" in ans and "CFG-KZ-0088" in ans and "CFG-KZ-0081" not in ans, ans


async def test_secret_changes_are_listed_without_their_values(dt_, demo, gt):
    """Before: "were any passwords or secrets changed this month" was out of scope."""
    start = dt.datetime(DEMO_ANCHOR.year, DEMO_ANCHOR.month, 1, tzinfo=dt.UTC)
    secret = [r[0] for r in sql(demo, "SELECT external_id FROM config_changes WHERE org_id = %s AND is_secret "
                                      "AND changed_at >= %s", demo.org_id, start)]
    plain = [r[0] for r in sql(demo, "SELECT external_id FROM config_changes WHERE org_id = %s AND NOT is_secret "
                                     "AND changed_at >= %s", demo.org_id, start)]
    ans = await dt_.ask("were any passwords or secrets changed this month")
    assert secret and ans.splitlines()[1].startswith(f"- Yes — {len(secret)} config change(s)"), ans
    assert all(i in ans for i in secret) and not any(f"{i} " in ans for i in plain), ans
    ans = await gt.ask("were any passwords or secrets changed this month")
    assert "CFG-KZ-0095" in ans and "PSP_API_KEY (a secret value)" in ans and "CFG-KZ-0088" not in ans, ans
    assert "→ y" not in ans, ans  # the value is never shown


async def test_was_a_config_change_reverted(dt_, demo, gt):
    """Before: "was CFG-0015 rolled back?" described the change without answering; "who changed <key> and when was it
    reverted" named only the revert (the latest change of the key), as if it were the change."""
    ans = await dt_.ask("was CFG-0015 rolled back?")
    assert ans.splitlines()[1].startswith("- No — nothing in the records reverted CFG-0015"), ans
    (first, by, at), (revert, rby, rat) = sql(
        demo, "SELECT external_id, changed_by, changed_at FROM config_changes WHERE org_id = %s "
              "AND key = 'db.pool.max_connections' ORDER BY changed_at", demo.org_id)[-2:]
    ans = await dt_.ask("who changed db.pool.max_connections and when was it reverted")
    mins = round((rat - at).total_seconds() / 60)
    assert (f"{revert} is itself the revert: {first} changed" in ans and f"by {by} at {at:%Y-%m-%d %H:%M} UTC" in ans
            and f"by {rby} at {rat:%Y-%m-%d %H:%M} UTC, {mins} min later" in ans), ans
    ans = await gt.ask("was CFG-KZ-0101 reverted?")
    assert ans.splitlines()[1].startswith("- Yes — CFG-KZ-0101 (routing.max_drops on route-planner, by ewa) was "
                                          "reverted by CFG-KZ-0102 at 2026-11-21 10:30 UTC, 90 min later."), ans
    ans = await gt.ask("who changed routing.max_drops and when was it reverted")
    assert "CFG-KZ-0102 is itself the revert: CFG-KZ-0101 changed route-planner routing.max_drops (22 → 30) — by ewa" in ans, ans
    ans = await gt.ask("was CFG-KZ-0081 rolled back?")
    assert ans.splitlines()[1].startswith("- No — nothing in the records reverted CFG-KZ-0081"), ans
    assert "SLOT_RELEASE_HOURS is still 72" in ans, ans


async def test_a_service_change_reverted_in_words(dt_, demo):
    """Before: "was the notifications retry change reverted?" explained a tiny move of its error rate."""
    reverts = sql(demo, """SELECT b.external_id FROM config_changes a JOIN config_changes b ON b.org_id = a.org_id
                           AND b.service_id = a.service_id AND b.key = a.key AND b.changed_at > a.changed_at
                           AND b.new_value = a.old_value JOIN services s ON s.id = a.service_id
                           WHERE a.org_id = %s AND s.name = 'notifications'""", demo.org_id)
    ans = await dt_.ask("was the notifications retry change reverted?")
    assert reverts and ans.splitlines()[1].startswith("- Yes — ") and all(r in ans for (r,) in reverts), ans
    assert "moved up" not in ans, ans


# ----------------------------------------------------------------- the SRE at 3 am: terse fragments

async def test_deploys_in_the_last_hours_are_those_hours(da, demo):
    """Before: "deploys last 2h" asked which service, and "deploys in the last 2 hours" listed a deploy of the day
    before under that label."""
    since = NIGHT - dt.timedelta(hours=2)
    deps = sql(demo, "SELECT external_id FROM deployments WHERE org_id = %s AND coalesce(finished_at, started_at) "
                     "BETWEEN %s AND %s", demo.org_id, since, NIGHT)
    cfgs = sql(demo, "SELECT external_id FROM config_changes WHERE org_id = %s AND changed_at BETWEEN %s AND %s",
               demo.org_id, since, NIGHT)
    earlier = sql(demo, "SELECT external_id FROM deployments WHERE org_id = %s AND started_at::date = %s "
                        "AND started_at < %s", demo.org_id, NIGHT.date(), since)
    assert not deps and cfgs and earlier  # the data's night: a flag flipped, the day's deploy hours before
    ans = await Thread(da, demo.org_id, NIGHT).ask("deploys last 2h")
    assert "No deployments on any service the last 2 hours" in ans, ans
    assert "But 1 config change(s) then" in ans and cfgs[0][0] in ans and earlier[0][0] not in ans, ans


async def test_g_deploys_in_the_last_hours(ga, koszyk):
    at = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    ans = await Thread(ga, koszyk[1], at).ask("deploys in the last 3 hours")
    assert "2 deployment(s) on 1 service(s) the last 3 hours (2026-11-24 09:00 to 2026-11-24 12:00 UTC)" in ans, ans
    assert "argocd-pay-0412" in ans and "argocd-pay-0413" in ans and "argocd-basket-2290" not in ans, ans
    ans = await Thread(ga, koszyk[1], at).ask("rollback?")
    assert "outside what I can answer" not in ans and "argocd-pay-0413" in ans, ans


async def test_rollback_and_err_rate_as_typed_at_night(da, demo):
    """Before: "rollback?" was refused as an action; "err rate payments" told of a tiny move days before."""
    t = Thread(da, demo.org_id, NIGHT)
    rb = sql(demo, "SELECT external_id FROM deployments WHERE org_id = %s AND is_rollback AND started_at <= %s "
                   "AND started_at > %s", demo.org_id, NIGHT, NIGHT - dt.timedelta(days=30))
    ans = await t.ask("rollback?")
    assert rb and all(r in ans for (r,) in rb) and "outside what I can answer" not in ans, ans
    value, lo, hi = _latest_and_usual(demo.target.conninfo, demo.org_id, "payments", "error_rate", NIGHT)
    ans = await t.ask("err rate payments")
    assert f"payments error_rate is {value:.4g} now" in ans, ans
    assert ("normal: within" if lo <= value <= hi else "its usual range") in ans, ans


def _states(conninfo: str, org_id: int, service: str, metrics: list[str], now: dt.datetime) -> dict[str, str]:
    out = {}
    for m in metrics:
        value, lo, hi = _latest_and_usual(conninfo, org_id, service, m, now)
        out[m] = "above" if value > hi else "below" if value < lo else "within"
    return out


async def test_is_a_service_ok_checks_each_metric_now(da, demo, gt, koszyk):
    """Before: "is search ok" told when its error rate last moved (by 2%, two days before), not whether it is ok."""
    t = Thread(da, demo.org_id, NIGHT)
    for service in ("search", "checkout-api"):
        names = [r[0] for r in sql(demo, "SELECT DISTINCT metric FROM metric_points m JOIN services s ON s.id = "
                                         "m.service_id WHERE m.org_id = %s AND s.name = %s", demo.org_id, service)]
        states = _states(demo.target.conninfo, demo.org_id, service, names, NIGHT)
        ans = await t.ask(f"is {service.split('-')[0]} ok")
        bad = [m for m, st in states.items() if st == "above"]
        verdict = f"Not entirely — {service}: {bad[0]}" if bad else f"Yes — {service} looks normal now"
        assert verdict in ans, (states, ans)
        for m, st in states.items():
            assert re.search(rf"{service} {m} is \S+ now \(latest point [^)]*; {st}\)", ans), (m, st, ans)
    assert "Most likely cause for checkout-api: CFG-0015" in ans, ans  # outside its range: why, too
    names = [r[0] for r in gsql(koszyk, "SELECT DISTINCT metric FROM metric_points m JOIN services s ON s.id = "
                                        "m.service_id WHERE m.org_id = %s AND s.name = 'basket-svc'", koszyk[1])]
    states = _states(koszyk[0].conninfo, koszyk[1], "basket-svc", names, G_CLOCK)
    ans = await gt.ask("is basket-svc healthy?")
    assert ("Not entirely" if "above" in states.values() else "Yes — basket-svc looks normal now") in ans, (states, ans)
    assert all(f"basket-svc {m} is " in ans for m in names), ans


# ----------------------------------------------------------------- support: a customer's message pasted in

async def test_a_pasted_customer_message_is_triaged_with_a_draft_reply(dt_, gt):
    """Before: 'a customer wrote "…" how should I reply' was out of scope."""
    ans = await dt_.ask('a customer wrote "we get an upload blocked message in sharepoint when saving a file with '
                        'customer data" how should I reply')
    assert "Classified as DLP" in ans and "Draft reply" in ans and "outside what I can answer" not in ans, ans
    ans = await gt.ask('client emailed “I was charged twice for my order and still have no refund” — what should I '
                       'tell them?')
    assert "Classified as" in ans and "Draft reply" in ans and "outside what I can answer" not in ans, ans


# ----------------------------------------------------------------- finance: shares, averages, per station

async def test_share_of_tickets_with_a_priority(dt_, demo, gt, koszyk):
    """Before: "what % of tickets this month were critical" answered the critical tickets' SLA met rate."""
    now = dt.datetime.combine(DEMO_ANCHOR, dt.time(12), dt.UTC)
    start = dt.datetime(DEMO_ANCHOR.year, DEMO_ANCHOR.month, 1, tzinfo=dt.UTC)
    rows = sql(demo, "SELECT priority FROM tickets WHERE org_id = %s AND created_at BETWEEN %s AND %s",
               demo.org_id, start, now)
    n = sum(1 for (p,) in rows if p == "critical")
    ans = await dt_.ask("what % of tickets this month were critical")
    assert ans.splitlines()[1].startswith(f"- {100 * n / len(rows):.1f}% of the tickets were critical: {n} of {len(rows)}."), ans
    rows = gsql(koszyk, "SELECT priority FROM tickets WHERE org_id = %s AND created_at BETWEEN %s AND %s",
                koszyk[1], dt.datetime(2026, 11, 1, tzinfo=dt.UTC), G_CLOCK)
    n = sum(1 for (p,) in rows if p == "critical")
    ans = await gt.ask("what percentage of tickets this month were critical")
    assert f"{100 * n / len(rows):.1f}% of the tickets were critical: {n} of {len(rows)}." in ans, ans


async def test_goal_met_anywhere_counts_the_sites(dt_, demo, gt, koszyk):
    """Before: "are we hitting the fill rate goal anywhere?" gave the company's value only."""
    rows = sql(demo, """SELECT s.code, p.value, k.goal FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'PARTS_FILL_RATE'
                        AND p.day = (SELECT max(day) FROM kpi_points q WHERE q.org_id = %s AND q.kpi_id = k.id
                                     AND q.day <= %s)""", demo.org_id, demo.org_id, DEMO_ANCHOR)
    meet = sorted(c for c, v, g in rows if v >= g)
    ans = await dt_.ask("are we hitting the fill rate goal anywhere?")
    assert f"{len(meet)} of {len(rows)} stations are meeting the Parts fill rate goal" in ans, ans
    kpis = koszyk[2]
    fill = kpis[kpis.kpi == "FILL_RATE_PCT"]
    last = fill[fill.date == fill.date.max()]
    goal = next(k["goal"] for k in koszyk[3] if k["code"] == "FILL_RATE_PCT")
    ans = await gt.ask("are we meeting the fill rate goal anywhere?")
    assert f"{int((last.value >= goal).sum())} of {len(last)} stations are meeting the Order fill rate goal" in ans, ans


async def test_percentage_of_days_below_goal(dt_, demo, gt, koszyk):
    """Before: "what percentage of days was DAL below the otp goal this month" gave the month's mean."""
    rows = sql(demo, """SELECT p.value, k.goal FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'OTP_MX_RATE'
                        AND s.code = 'DAL' AND p.day BETWEEN %s AND %s""",
               demo.org_id, DEMO_ANCHOR.replace(day=1), DEMO_ANCHOR)
    below = sum(1 for v, g in rows if v < g)
    ans = await dt_.ask("what percentage of days was DAL below the otp goal this month")
    assert ans.splitlines()[1].startswith(f"- {below} of {len(rows)} days: "), ans
    assert f"on {below} of the {len(rows)} days ({100 * below / len(rows):.0f}%)" in ans, ans
    kpis = koszyk[2]
    oct_ = kpis[(kpis.kpi == "LATE_DELIV") & (kpis.station == "fc-n2") & (kpis.date >= pd.Timestamp("2026-10-01"))
                & (kpis.date <= pd.Timestamp("2026-10-31"))]
    above = int((oct_.value > 40).sum())
    ans = await gt.ask("what % of days were lates at fc-n2 above 40 last month")
    assert f"{above} of the {len(oct_)} days ({100 * above / len(oct_):.0f}%)" in ans, ans


async def test_per_station_lists_every_station_and_averages_across_all(dt_, demo, gt, koszyk):
    """Before: "total AOG events per station this year" listed 5 of 8; "average parts fill rate across all stations
    last quarter" ranked the stations; "mx delay minutes october vs september company wide" compared the company with
    itself over both months."""
    n = sql(demo, "SELECT count(*) FROM stations WHERE org_id = %s", demo.org_id)[0][0]
    ans = await dt_.ask("total AOG events per station this year")
    assert f"Worst {n}: " in ans and f" {n}. " in ans, ans
    ans = await dt_.ask("average parts fill rate across all stations last quarter")
    assert "Parts fill rate at company, last quarter" in ans and "the mean is" in ans and "worst station" not in ans, ans
    rows = sql(demo, """SELECT extract(month FROM p.day), sum(p.value) FROM kpi_points p JOIN kpi_definitions k
                        ON k.id = p.kpi_id WHERE p.org_id = %s AND k.code = 'MX_DELAY_MINUTES'
                        AND p.day BETWEEN '2026-09-01' AND '2026-10-31' GROUP BY 1 ORDER BY 1""", demo.org_id)
    ans = await dt_.ask("mx delay minutes october vs september company wide")
    assert f"October 2026, {rows[1][1]:,.0f} min in all, vs " in ans, ans  # the two months, compared
    assert f"September 2026 ({rows[0][1]:,.0f} min in 30 days) — up " in ans and "Company, " in ans, ans
    kpis = koszyk[2]
    ans = await gt.ask("late deliveries by store last month")
    assert f"Worst {kpis.station.nunique()}: " in ans, ans
    ans = await gt.ask("average fill rate across all stores last month")
    assert "Order fill rate at company, last month" in ans and "worst station" not in ans, ans


async def test_tickets_not_resolved(dt_, gt):
    """Before: "i want know the tickets of high priority not resolve" listed resolved and closed ones too."""
    ans = await dt_.ask("i want know the tickets of high priority not resolve")
    listed = [x for x in ans.splitlines() if "high priority" in x and "“" in x]
    assert listed and all(re.search(r"” — (new|open|pending),", x) for x in listed), ans
    assert "status new/open/pending, priority high" in ans, ans
    ans = await gt.ask("high priority tickets not resolved")
    assert "ZEN-51026" not in ans and "ZEN-51027" not in ans, ans  # solved / closed


# ----------------------------------------------------------------- "is it better now?" in a thread

async def test_is_it_better_now_after_a_kpi_answer(dt_, demo, gt, koszyk):
    """Before: "is it better now?" after "why did otp drop at DAL?" (or a week's delays) repeated the same answer."""
    rows = sql(demo, """SELECT p.day, p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'OTP_MX_RATE'
                        AND s.code = 'DAL' AND p.day < %s ORDER BY p.day DESC LIMIT 28""", demo.org_id, DEMO_ANCHOR)
    recent, before = [v for _, v in rows[:14]], [v for _, v in rows[14:]]
    a, b = sum(recent) / 14, sum(before) / 14
    await dt_.ask("why did otp drop at DAL?")
    ans = await dt_.ask("is it better now?")
    first = ans.splitlines()[1]
    assert first.startswith("- No — " if a < b else "- Yes — "), ans  # higher is better
    assert f"the last 14 days ({rows[13][0]} to {rows[0][0]}) average {a:.2f}% against {b:.2f}%" in first, ans
    kpis = koszyk[2]
    lates = kpis[(kpis.kpi == "LATE_DELIV") & (kpis.station == "fc-n2") & (kpis.date < pd.Timestamp(G_AS_OF))]
    last = lates.sort_values("date").tail(28)
    await gt.ask("why are lates up at fc-n2?")
    ans = await gt.ask("has it recovered?")
    assert re.match(r"- (Yes|No) — Late deliveries at ", ans.splitlines()[1]), ans
    assert f"the last 14 days ({last.date.iloc[14].date()} to {last.date.iloc[-1].date()})" in ans, ans


# ----------------------------------------------------------------- finance: change in %, shares; auditor: approvals

async def test_how_much_it_went_up_vs_last_month_in_percent(dt_, demo, gt, koszyk):
    """Before: "how much did mx delays at DAL go up vs last month in percent" gave last month alone."""
    rows = sql(demo, """SELECT p.day, p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'MX_DELAY_MINUTES'
                        AND s.code = 'DAL' AND p.day BETWEEN '2026-10-01' AND %s""", demo.org_id, DEMO_ANCHOR)
    now = [v for d, v in rows if d.month == 11]
    before = [v for d, v in rows if d.month == 10]
    a, b = sum(now) / len(now), sum(before) / len(before)  # per day: this month is partial
    v = 100 * (a - b) / b
    pct = f"{v:+.1f}%" if abs(v) >= 0.05 else f"{v:+.2f}%"
    ans = await dt_.ask("how much did mx delays at DAL go up vs last month in percent")
    assert ans.splitlines()[1].startswith(f"- {pct} (") and f"({len(now)} days) against" in ans, ans
    kpis = koszyk[2]
    lates = kpis[(kpis.kpi == "LATE_DELIV") & (kpis.station == "fc-n2")]
    monday = G_AS_OF - dt.timedelta(days=G_AS_OF.weekday())
    this = lates[(lates.date >= pd.Timestamp(monday)) & (lates.date <= pd.Timestamp(G_AS_OF))].value
    last = lates[(lates.date >= pd.Timestamp(monday - dt.timedelta(days=7))) & (lates.date < pd.Timestamp(monday))].value
    a, b = this.mean(), last.mean()
    ans = await gt.ask("how much did lates at fc-n2 go up compared to last week")
    v = 100 * (a - b) / b
    assert ans.splitlines()[1].startswith(f"- {v:+.1f}% (" if abs(v) >= 0.05 else f"- {v:+.2f}% ("), ans


async def test_share_of_a_total_by_region_or_site(dt_, demo, gt, koszyk):
    """Before: "share of AOG events by region this year" ranked the regions without their shares."""
    rows = sql(demo, """SELECT r.code, sum(p.value) FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id JOIN regions r ON r.id = s.region_id
                        WHERE p.org_id = %s AND k.code = 'AOG_EVENTS' AND p.day BETWEEN '2026-01-01' AND %s
                        GROUP BY 1""", demo.org_id, DEMO_ANCHOR)
    whole = sum(v for _, v in rows)
    ans = await dt_.ask("share of AOG events by region this year")
    for code, v in rows:
        assert f"{code} {v:,.0f} events ({100 * v / whole:.1f}% of {whole:,.0f} events)" in ans, ans
    kpis = koszyk[2]
    oct_ = kpis[(kpis.kpi == "LATE_DELIV") & (kpis.date >= pd.Timestamp("2026-10-01"))
                & (kpis.date <= pd.Timestamp("2026-10-31"))].groupby("station").value.sum()
    ans = await gt.ask("breakdown of late deliveries by store last month")
    top = oct_.idxmax()
    assert f"({100 * oct_[top] / oct_.sum():.1f}% of {oct_.sum():,.0f} orders)" in ans, ans


async def test_approvals_and_costs_are_said_to_be_missing(dt_, gt):
    """Before: "who approved the checkout-api change on the 19th" explained an error-rate onset; "what did the
    maintenance delays cost us last month" gave the minutes as if they were the answer."""
    ans = await dt_.ask("who approved the checkout-api change on the 19th")
    assert ans.splitlines()[1].startswith("- Approvals are not recorded") and "CFG-0015" in ans, ans
    assert "by alice.nguyen" in ans, ans  # who made it, from the record
    ans = await gt.ask("who signed off the SlotEngine deploy last week")
    assert ans.splitlines()[1].startswith("- Approvals are not recorded"), ans
    ans = await dt_.ask("what did the maintenance delays cost us last month")
    assert ans.splitlines()[1].startswith("- There are no cost or money figures in the data"), ans
    ans = await gt.ask("how much money did the late deliveries cost in october")
    assert ans.splitlines()[1].startswith("- There are no cost or money figures in the data"), ans
    assert "Late deliveries" in ans, ans


async def test_status_of_a_ticket_says_where_it_stands(dt_, demo, gt):
    """Before: "status of TCK-10593?" classified the ticket and gave its SLA, never its status."""
    (subject,) = sql(demo, "SELECT subject FROM tickets WHERE org_id = %s AND external_id = 'TCK-10593'", demo.org_id)[0]
    ans = await dt_.ask("status of TCK-10593?")
    assert f"TCK-10593 “{subject}” — " in ans and "Classified as" not in ans, ans
    ans = await gt.ask("status of ZEN-51026")
    assert "ZEN-51026 “Delivery 2 hours late again” — resolved" in ans, ans


async def test_a_second_question_in_one_message_is_named_not_dropped(dt_, gt):
    """Before: "otp at DAL this month and who deployed last" answered the KPI and silently dropped the second question."""
    ans = await dt_.ask("otp at DAL this month and who deployed last")
    assert "You also asked “who deployed last”: ask it on its own" in ans and "On-time performance" in ans, ans
    ans = await gt.ask("fill rate at widzew last week and any incidents on basket-svc?")
    assert "You also asked “any incidents on basket-svc”" in ans and "Order fill rate at DS_0417" in ans, ans
    ans = await dt_.ask("how is DAL doing and why?")  # "and why" is the same question, answered
    assert "You also asked" not in ans, ans


async def test_who_was_on_an_incident_is_said_not_to_be_recorded(dt_, gt):
    """Before: "who was on it?" after "what caused INC-2045?" repeated the incident's status as if that answered it."""
    await dt_.ask("what caused INC-2045?")
    ans = await dt_.ask("who was on it?")
    assert "The record of INC-2045 does not name who worked on it" in ans, ans
    await gt.ask("what caused PD-88412")
    ans = await gt.ask("who was on it?")
    assert "The record of PD-88412 does not name who worked on it" in ans, ans


async def test_no_deploy_today_names_the_config_change_made_then(da, demo, ga, koszyk):
    """Before: "anything deployed to checkout today" said No at 21:00 without the flag flipped an hour before."""
    (ext, key) = sql(demo, """SELECT c.external_id, c.key FROM config_changes c JOIN services s ON s.id = c.service_id
                              WHERE c.org_id = %s AND s.name = 'checkout-api' AND c.changed_at::date = %s
                              AND c.changed_at <= %s""", demo.org_id, NIGHT.date(), NIGHT)[0]
    ans = await Thread(da, demo.org_id, NIGHT).ask("anything deployed to checkout today")
    assert "No — no deployments on checkout-api" in ans and f"But 1 config change(s) then: {ext} {key}" in ans, ans
    at = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)
    ans = await Thread(ga, koszyk[1], at).ask("anything deployed to SlotEngine today?")
    assert "No — no deployments on SlotEngine" in ans and "CFG-KZ-0081 SLOT_RELEASE_HOURS 48 → 72 by kacper" in ans, ans


async def test_and_compared_to_last_year_keeps_the_threads_period(dt_, demo, gt, koszyk):
    """Before: "and compared to last year?" after "mx delays at DEN this week" answered the last 30 days instead."""
    rows = sql(demo, """SELECT p.day, p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'MX_DELAY_MINUTES'
                        AND s.code = 'DEN' AND p.day BETWEEN '2026-11-16' AND %s""", demo.org_id, DEMO_ANCHOR)
    await dt_.ask("mx delays at DEN this week")
    ans = await dt_.ask("and compared to last year?")
    assert f"{sum(v for _, v in rows):,.0f} min in all from 2026-11-16" in ans and "the last 30 days" not in ans, ans
    kpis = koszyk[2]
    lw = kpis[(kpis.kpi == "LATE_DELIV") & (kpis.station == "fc-n2") & (kpis.date >= pd.Timestamp("2026-11-16"))
              & (kpis.date <= pd.Timestamp("2026-11-22"))]
    await gt.ask("lates at fc-n2 last week")
    ans = await gt.ask("vs last year")
    assert "last week against a year earlier (2026-11-16 to 2026-11-22)" in ans and "the last 30 days" not in ans, ans
    assert f"{lw.value.sum():,.0f}" in ans, ans
    if kpis.date.min() > pd.Timestamp("2025-11-22"):  # the grocer's history is shorter than a year: said so
        assert ans.splitlines()[1].startswith("- There is no Late deliveries data at FC-N2"), ans
