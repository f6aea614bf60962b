"""Round 3 of natural questions on the demo (issue qa13c): a station manager, an MX controller, an SRE on call
and a support lead typing as they would in chat, with ``as_of`` pinned inside the data (the graders' way).

Facts are read from the demo database or its manifest in the test (never copied from an answer). The same
capabilities on a second organisation are in tests/integration/test_qa_org.py (round 3 section).
"""

from __future__ import annotations

import datetime as dt
import re

import psycopg
import pytest

from agents.service import Assistant
from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import demo_assistant
from tests.integration.qa_support import sql as _sql

LATE = DEMO_ANCHOR - dt.timedelta(days=1)  # the demo's last KPI day


@pytest.fixture(scope="module")
def demo_r3(pg_server, demo_template):
    from tests.conftest import demo_database

    with demo_database(pg_server, demo_template, "opsgraph_r3") as d:
        yield d


@pytest.fixture(scope="module")
async def a(demo_r3):
    async with demo_assistant(demo_r3) as assistant:
        yield assistant


async def _ask(a, demo, q, as_of):
    r = await a.ask(org_id=demo.org_id, question=q, as_of=as_of)
    assert r.status == "completed", r.error
    assert r.answer and "Traceback" not in r.answer and "internal error" not in r.answer, r.answer
    return r.answer


def _dates(text):
    return [dt.date.fromisoformat(x) for x in re.findall(r"\b(20\d\d-\d\d-\d\d)\b", text)]


@pytest.mark.parametrize("q", ["how're we doing at dallas", "what's going on with houston delays",
                               "parts fill rate at denver", "any deferred items piling up anywhere",
                               "compare the west region stations"])
async def test_a_pinned_date_never_reports_later_data(a, demo_r3, q):
    """Before: the latest KPI point of the whole data set (days after --as-of) was reported as the state."""
    as_of = LATE - dt.timedelta(days=6)
    ans = await _ask(a, demo_r3, q, as_of)
    assert _dates(ans) and max(_dates(ans)) <= as_of, ans


async def test_incident_by_its_number(a, demo_r3):
    inc = demo_r3.manifest["incidents"][1]
    number = re.findall(r"\d+", inc["external_id"])[-1]
    as_of = dt.date.fromisoformat(inc["onset"][:10]) + dt.timedelta(days=2)
    ans = await _ask(a, demo_r3, f"summarise incident {number}", as_of)
    others = [i["external_id"] for i in demo_r3.manifest["incidents"] if i["external_id"] != inc["external_id"]]
    assert inc["external_id"] in ans and not any(o in ans for o in others), ans
    ans = await _ask(a, demo_r3, "whats the status of incident 99999", as_of)
    assert "99999" in ans and "INC-" in ans  # asked about, with the ids that exist


async def test_worry_is_what_needs_attention(a, demo_r3):
    ans = await _ask(a, demo_r3, "anything i should worry about today", LATE)
    assert "need attention" in ans or "No KPI" in ans, ans
    assert "outside what I can answer" not in ans


async def test_p1_breaches_this_month_count_every_ticket(a, demo_r3):
    as_of = LATE
    start = as_of.replace(day=1)
    (n,) = _sql(demo_r3, "SELECT count(*) FROM tickets WHERE org_id = %s AND priority = 'critical' "
                         "AND created_at >= %s AND created_at <= %s", demo_r3.org_id, start,
                dt.datetime.combine(as_of, dt.time(12, 0), dt.UTC))[0]  # a pinned date is that day at noon
    ans = await _ask(a, demo_r3, "how many P1 tickets breached sla this month", as_of)
    m = re.search(r"(\d+) of (\d+) tickets \(priority critical, created ([\d-]+)", ans)
    assert m and int(m.group(2)) == n and m.group(3) == str(start) and int(m.group(1)) <= n, ans
    assert "resolution SLA" in ans and "response SLA" in ans


async def test_tickets_for_a_place_say_they_are_not_by_place(a, demo_r3):
    ans = await _ask(a, demo_r3, "open tickets for dallas", LATE)
    assert "not recorded by station" in ans and "Dallas" in ans, ans


async def test_config_setting_in_words(a, demo_r3):
    rows = _sql(demo_r3, "SELECT external_id, key, new_value, changed_at FROM config_changes WHERE org_id = %s "
                         "AND key ILIKE %s ORDER BY changed_at DESC", demo_r3.org_id, "%pool%")
    ext, key, new, _ = rows[0]
    ans = await _ask(a, demo_r3, "who changed the db pool config", LATE)
    assert ext in ans and key in ans and new in ans, ans


async def test_postmortem_by_description_ignores_incidents_after_now(a, demo_r3):
    inc = next(i for i in demo_r3.manifest["incidents"] if "checkout" in i["service"])
    as_of = dt.date.fromisoformat(inc["onset"][:10]) + dt.timedelta(days=1)
    ans = await _ask(a, demo_r3, "draft a postmortem for the checkout outage", as_of)
    assert f"Incident report: {inc['external_id']}" in ans, ans[:300]
    ans = await _ask(a, demo_r3, f"write up the outage on the {dt.date.fromisoformat(inc['onset'][:10]).day}th", as_of)
    assert f"Incident report: {inc['external_id']}" in ans, ans[:300]


async def test_postmortem_for_a_day_without_incident_lists_the_recent_ones(a, demo_r3):
    days = {dt.date.fromisoformat(i["onset"][:10]) for i in demo_r3.manifest["incidents"]}
    as_of = next(d + dt.timedelta(days=2) for d in sorted(days, reverse=True)
                 if d + dt.timedelta(days=1) not in days and d + dt.timedelta(days=2) not in days)
    latest = max((i for i in demo_r3.manifest["incidents"] if dt.date.fromisoformat(i["onset"][:10]) <= as_of),
                 key=lambda i: i["onset"])
    ans = await _ask(a, demo_r3, "draft a postmortem for yesterday's outage", as_of)
    assert "No incident started yesterday" in ans and latest["external_id"] in ans, ans
    later = [i["external_id"] for i in demo_r3.manifest["incidents"] if dt.date.fromisoformat(i["onset"][:10]) > as_of]
    assert not any(x in ans for x in later), ans


async def test_region_combined_series_is_not_a_contradiction(a, demo_r3):
    ans = await _ask(a, demo_r3, "how is the west region doing", LATE)
    assert "as a whole" in ans or "need attention" in ans, ans
    assert not re.search(r"No KPI at West Region is in a warning", ans), ans


async def test_below_goal_at_a_station_is_answered(a, demo_r3):
    (goal,) = _sql(demo_r3, "SELECT goal FROM kpi_definitions WHERE org_id = %s AND code = 'PARTS_FILL_RATE'",
                   demo_r3.org_id)[0]
    ans = await _ask(a, demo_r3, "is the fill rate at vegas below goal", LATE)
    latest = float(re.search(r"was ([\d.]+)% on", ans).group(1))
    m = re.search(r"Goal ([\d.]+)% \(higher is better\): the latest value is (above|below|at) it", ans)
    assert m and float(m.group(1)) == goal, ans
    assert m.group(2) == ("above" if latest > goal else "below" if latest < goal else "at"), ans
