"""A stranger's incident questions: "what caused <incident>?" quotes what the incident's own record says (its
cause / resolution fields, else its summary) beside the change analysis, and "what's our average time to resolve
incidents?" / "MTTR this month by priority" / "how long do incidents take to fix on <service>?" are answered from
the incidents' start and resolution times. Asked of a ski-lift operator imported here (its ids, names and field
spellings unlike the demo's) and of the demo; every number is recomputed from the records imported."""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from typing import Any

import psycopg
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import Thread, demo_assistant, org_assistant, sql
from tests.integration.test_qa_round9 import _imported_org

CLOCK = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
T = dt.datetime.fromisoformat

# Field names as a lift operator's export spells them: "rootCause", "Resolution Notes", "close_notes", "description".
LIFTS = [
    {"id": "LIFT-250", "service": "ticket-gates", "title": "Gate firmware push stalled", "priority": "P3",
     "state": "closed", "created_at": "2026-06-01T09:00:00Z", "resolved_at": "2026-06-01T09:30:00Z"},
    {"id": "LIFT-290", "service": "ticket-gates", "title": "Season passes rejected at the gates", "priority": "P2",
     "state": "closed", "created_at": "2026-09-20T08:00:00Z", "resolved_at": "2026-09-20T11:00:00Z",
     "description": "Gates rejected season passes after the card-reader rollout"},
    {"id": "LIFT-301", "service": "gondola-scada", "title": "Gondola halted on the summit line", "priority": "P2",
     "state": "resolved", "created_at": "2026-11-03T07:15:00Z", "resolved_at": "2026-11-03T09:40:00Z",
     "rootCause": "Wind sensor firmware froze after a cold snap; the interlock held the cabin line",
     "Resolution Notes": "Power-cycled anemometer bank B and pinned firmware 4.2"},
    {"id": "LIFT-302", "service": "ticket-gates", "title": "Valley turnstiles slow", "priority": "P3",
     "state": "resolved", "created_at": "2026-11-10T12:00:00Z", "resolved_at": "2026-11-10T12:50:00Z",
     "description": "Turnstiles at the valley station timed out on QR scans for about an hour"},
    {"id": "LIFT-303", "service": "snowcat-dispatch", "title": "Grooming routes not dispatched", "priority": "P1",
     "state": "resolved", "created_at": "2026-11-18T05:00:00Z", "resolved_at": "2026-11-18T11:30:00Z",
     "close_notes": "Dispatcher queue drained by hand; routing worker restarted"},
    {"id": "LIFT-304", "service": "gondola-scada", "title": "Cabin door sensor flapping", "priority": "P3",
     "state": "investigating", "created_at": "2026-11-24T16:00:00Z"},
]
SEV = {"P1": "sev1", "P2": "sev2", "P3": "sev3"}


def took(minutes: float) -> str:
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    h, mm = divmod(m, 60)
    return f"{h} h" + (f" {mm} min" if mm else "") if h < 48 else f"{h // 24} d" + (f" {h % 24} h" if h % 24 else "")


def _minutes(started: dt.datetime, resolved: dt.datetime) -> float:
    return (resolved - started).total_seconds() / 60


def _ttr(rows: list[dict[str, Any]], start: dt.date, end: dt.date) -> tuple[list[float], list[str]]:
    """(minutes to resolve of those resolved by CLOCK, ids still open) of the incidents started start..end."""
    inside = [r for r in rows if start <= T(r["created_at"]).date() <= end]
    done = [_minutes(T(r["created_at"]), T(r["resolved_at"])) for r in inside if r.get("resolved_at")]
    return done, [r["id"] for r in inside if not r.get("resolved_at")]


@pytest.fixture(scope="module")
def lifts(pg_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lifts")
    (tmp / "services.json").write_text(json.dumps([{"name": n, "team": "mountain-ops"} for n in (
        "gondola-scada", "ticket-gates", "snowcat-dispatch")]), encoding="utf-8")
    (tmp / "incidents.jsonl").write_text("\n".join(json.dumps(x) for x in LIFTS) + "\n", encoding="utf-8")
    with _imported_org(pg_server, "alpwind-lifts", "Alpwind Lifts",
                       [("services", tmp / "services.json"), ("incidents", tmp / "incidents.jsonl")]) as (target, org_id):
        yield target, org_id


@pytest.fixture(scope="module")
async def la(lifts, pg_server):
    async with org_assistant(lifts[0], pg_server, CLOCK) as a:
        yield a


async def _ask(a: Any, org_id: int, q: str, as_of: Any) -> tuple[str, dict[int, str]]:
    r = await a.ask(org_id=org_id, question=q, as_of=as_of)
    assert r.status == "completed", r.error
    assert r.answer and "Traceback" not in r.answer, r.answer
    return r.answer, {e.id: e.kind for e in r.evidence}


def _line(answer: str, needle: str) -> str:
    return next((ln for ln in answer.splitlines() if needle in ln), "")


def _cited(line: str, kinds: dict[int, str], kind: str) -> bool:
    ids = [int(x) for x in re.findall(r"\[E:(\d+)\]", line)]
    return bool(ids) and any(kinds.get(i) == kind for i in ids)


# ------------------------------------------------------------------ what the record says


async def test_what_caused_quotes_the_records_own_cause_beside_the_change_analysis(la, lifts):
    """Before: "no plausible change found …" and nothing else, though the record holds its root cause."""
    a, kinds = await _ask(la, lifts[1], "what caused LIFT-301?", CLOCK)
    rec = LIFTS[2]
    assert "no plausible change found" in a, a  # the change analysis is still there, first
    cause = _line(a, rec["rootCause"])
    assert "What the incident record says (cause, its “rootCause” field" in cause, a
    assert _cited(cause, kinds, "incident_record"), a
    fix = _line(a, rec["Resolution Notes"])
    assert "(resolution, its “Resolution Notes” field" in fix and _cited(fix, kinds, "incident_record"), a
    assert a.index("no plausible change found") < a.index(rec["rootCause"]), a
    assert a.startswith("**What changed**"), a  # a cause is a change analysis


async def test_why_did_it_happen_quotes_the_summary_when_no_cause_is_recorded(la, lifts):
    a, kinds = await _ask(la, lifts[1], "why did LIFT-302 happen?", CLOCK)
    assert "no plausible change found" in a, a
    said = _line(a, LIFTS[3]["description"])
    assert "names no cause; what its summary says" in said and _cited(said, kinds, "incident_record"), a
    a, kinds = await _ask(la, lifts[1], "root cause of LIFT-303", CLOCK)
    said = _line(a, LIFTS[4]["close_notes"])
    assert "its “close_notes” field" in said and _cited(said, kinds, "incident_record"), a


async def test_a_replay_before_the_incident_ended_does_not_read_its_closing_notes(la, lifts):
    a, _ = await _ask(la, lifts[1], "what caused LIFT-301?", dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC))
    assert LIFTS[2]["rootCause"] not in a and "closing notes came later" in a, a


# ------------------------------------------------------------------ time to resolve


async def test_average_time_to_resolve_over_the_default_period(la, lifts):
    """Before: "what's our average time to resolve incidents?" listed the incidents, no time to resolve."""
    end = CLOCK.date()
    start = end - dt.timedelta(days=89)
    done, still = _ttr(LIFTS, start, end)
    a, kinds = await _ask(la, lifts[1], "what's our average time to resolve incidents?", CLOCK)
    first = _line(a, "Mean time to resolve")
    assert f"the last 90 days ({start} to {end}" in first, a
    assert f"{took(statistics.fmean(done))} (median {took(statistics.median(done))}) over {len(done)} resolved" in first, a
    assert f"{len(still)} not resolved as of 2026-11-27 12:00 UTC, left out ({still[0]} (open))" in first, a
    assert _cited(first, kinds, "incident_times"), a
    assert "LIFT-250" not in a, a  # June: outside the period
    assert a.startswith("**Incidents**") and "What changed" not in a, a  # before: under "What changed"


async def test_mttr_this_month_and_by_priority(la, lifts):
    """Before: "mean time to resolve (MTTR) this month" answered the tickets' resolution times (none here);
    "MTTR this month by priority" was out of scope."""
    done, still = _ttr(LIFTS, dt.date(2026, 11, 1), CLOCK.date())
    a, _ = await _ask(la, lifts[1], "mean time to resolve (MTTR) this month", CLOCK)
    assert f"between 2026-11-01 and {CLOCK.date()}" in a and f"{took(statistics.fmean(done))} (median " in a, a
    assert "ticket" not in a.lower() and f"{len(still)} not resolved" in a, a
    a, kinds = await _ask(la, lifts[1], "MTTR this month by priority", CLOCK)
    by = _line(a, "By priority")
    for sev in ("sev1", "sev2", "sev3"):
        mins = [_minutes(T(r["created_at"]), T(r["resolved_at"])) for r in LIFTS
                if SEV[r["priority"]] == sev and r.get("resolved_at") and T(r["created_at"]).date() >= dt.date(2026, 11, 1)]
        assert f"{sev} {took(statistics.fmean(mins))} (median {took(statistics.median(mins))}, {len(mins)} resolved" in by, a
    assert "sev3 50 min (median 50 min, 1 resolved, 1 open)" in by and _cited(by, kinds, "incident_times"), a


async def test_a_follow_up_asks_the_same_split_by_priority(la, lifts):
    t = Thread(la, lifts[1], CLOCK.date())
    a = await t.ask("what's our MTTR this month?")
    assert "Mean time to resolve incidents that started between 2026-11-01" in a and "By priority" not in a, a
    a = await t.ask("and by priority?")
    mins = [_minutes(T(r["created_at"]), T(r["resolved_at"])) for r in LIFTS if r["priority"] == "P1"]
    assert "Mean time to resolve incidents that started between 2026-11-01" in a, a
    assert f"By priority (severity): sev1 {took(mins[0])}" in a and "LIFT-301 (" not in a, a  # a split, not a list


async def test_is_our_mttr_getting_worse_sets_the_months_side_by_side(la, lifts):
    """Before: "is our MTTR getting worse?" gave one mean over 90 days, nothing about the direction."""
    month = {}
    for r in LIFTS:
        if r.get("resolved_at"):
            month.setdefault(r["created_at"][:7], []).append(_minutes(T(r["created_at"]), T(r["resolved_at"])))
    before = month["2026-06"] + month["2026-09"]
    a, kinds = await _ask(la, lifts[1], "is our MTTR getting worse?", CLOCK)
    assert "started in the last 6 months (2026-06-01 to 2026-11-27" in a, a  # this month and the five before
    by = _line(a, "By month they started in:")
    assert f"2026-09 {took(month['2026-09'][0])} (median " in by and "2026-06 30 min" in by, a
    assert (f"2026-11 {took(statistics.fmean(month['2026-11']))} (median {took(statistics.median(month['2026-11']))}"
            f", 3 resolved, 1 open)") in by and "no incidents started in 2026-07, 2026-08, 2026-10" in by, a
    trend = _line(a, "Trend:")
    assert (f"2026-11 (so far) took {took(statistics.fmean(month['2026-11']))} on average over 3 resolved incident(s), "
            f"against {took(statistics.fmean(before))} over 2 in the months before it (2026-06 to 2026-10): slower — worse") in trend, a
    assert "read this as a hint" in trend and _cited(trend, kinds, "incident_times"), a
    t = Thread(la, lifts[1], CLOCK.date())  # the same as a follow-up, and a split by month asked in words
    await t.ask("what's our MTTR?")
    a = await t.ask("and is it getting better?")
    assert "Trend: 2026-11 (so far)" in a, a
    a, _ = await _ask(la, lifts[1], "mean time to restore, month by month, since september", CLOCK)
    assert "By month they started in: 2026-09 " in a and "Trend:" not in a and "2026-06" not in a, a


async def test_mttr_after_a_list_of_one_open_incident_is_still_the_statistic(la, lifts):
    """Before: after "which incidents are still open?" listed one, "what's our MTTR?" gave that incident's status."""
    t = Thread(la, lifts[1], CLOCK.date())
    a = await t.ask("which incidents are still open?")
    assert "LIFT-304" in a and "LIFT-303" not in a, a
    a = await t.ask("what's our MTTR?")
    done, _ = _ttr(LIFTS, CLOCK.date() - dt.timedelta(days=89), CLOCK.date())
    assert "Mean time to resolve incidents that started in the last 90 days" in a, a
    assert f"{took(statistics.fmean(done))} (median {took(statistics.median(done))})" in a, a
    assert "LIFT-304 is not resolved" not in a, a
    a = await t.ask("and by priority?")
    assert "By priority (severity): sev1 " in a, a


async def test_how_long_incidents_take_to_fix_on_one_service(la, lifts):
    """Before: "how long do incidents take to fix on gondola-scada?" told the service's story (no metrics)."""
    mine = [r for r in LIFTS if r["service"] == "gondola-scada"]
    done, still = _ttr(mine, CLOCK.date() - dt.timedelta(days=89), CLOCK.date())
    a, _ = await _ask(la, lifts[1], "how long do incidents take to fix on gondola-scada?", CLOCK)
    first = _line(a, "Mean time to resolve")
    assert "incidents on gondola-scada that started in the last 90 days" in first, a
    assert f"{took(done[0])} (median {took(done[0])}) over 1 resolved" in first and f"({still[0]} (open))" in first, a
    assert "LIFT-302" not in a and "LIFT-303" not in a, a  # the other services' incidents


# ------------------------------------------------------------------ the demo


@pytest.fixture(scope="module")
async def da(demo):
    async with demo_assistant(demo) as a:
        yield a


async def test_demo_time_to_resolve(da, demo):
    clock = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
    start = DEMO_ANCHOR - dt.timedelta(days=89)
    rows = sql(demo, "SELECT severity, started_at, resolved_at FROM incidents WHERE org_id = %s AND started_at >= %s "
                     "AND started_at < %s", demo.org_id, dt.datetime.combine(start, dt.time.min, dt.UTC), clock)
    done = [_minutes(s, r) for _, s, r in rows if r is not None and r <= clock]
    a, kinds = await _ask(da, demo.org_id, "what's our MTTR by priority?", DEMO_ANCHOR)
    first = _line(a, "Mean time to resolve")
    assert f"{took(statistics.fmean(done))} (median {took(statistics.median(done))}) over {len(done)} resolved" in first, a
    assert f"{len(rows) - len(done)} not resolved" in first and _cited(first, kinds, "incident_times"), a
    by = _line(a, "By priority")
    for sev in sorted({s for s, _, r in rows if r is not None and r <= clock}):
        mins = [_minutes(s, r) for v, s, r in rows if v == sev and r is not None and r <= clock]
        assert f"{sev} {took(statistics.fmean(mins))} (median {took(statistics.median(mins))}" in by, a


async def test_demo_cause_keeps_its_change_and_quotes_a_recorded_root_cause(da, demo):
    a, _ = await _ask(da, demo.org_id, "what caused INC-2045?", DEMO_ANCHOR)
    assert "Most likely cause for INC-2045" in a and "What the incident record says" not in a, a  # no cause field
    # an incident with its root cause written down, on a quiet day: quoted, and taken out again afterwards
    with psycopg.connect(demo.target.conninfo) as conn:
        conn.execute("""INSERT INTO incidents (org_id, external_id, title, service_id, severity, status, started_at,
                            resolved_at, summary, extra)
                        SELECT %s, 'INC-1990', 'Notification backlog overnight', id, 'sev3', 'resolved', %s, %s,
                               'Push notifications queued for 3 hours', %s::jsonb FROM services
                        WHERE org_id = %s AND name = 'notifications'""",
                     (demo.org_id, dt.datetime(2026, 10, 2, 2, 0, tzinfo=dt.UTC),
                      dt.datetime(2026, 10, 2, 5, 0, tzinfo=dt.UTC),
                      json.dumps({"root_cause": "APNs certificate expired at midnight"}), demo.org_id))
    try:
        a, kinds = await _ask(da, demo.org_id, "why did INC-1990 happen?", DEMO_ANCHOR)
        said = _line(a, "APNs certificate expired at midnight")
        assert "What the incident record says (cause, its “root_cause” field" in said, a
        assert _cited(said, kinds, "incident_record") and "INC-1990" in a.split("\n")[0] + a, a
    finally:
        with psycopg.connect(demo.target.conninfo) as conn:
            conn.execute("DELETE FROM incidents WHERE org_id = %s AND external_id = 'INC-1990'", (demo.org_id,))
