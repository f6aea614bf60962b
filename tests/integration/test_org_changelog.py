"""Change questions with a window and no service ("which deploys happened on Thursday?", "what changed yesterday?")
list the organisation's changes across services, grouped by service with who and when, capped with a count of the
rest; only an unbounded one ("any deploys?") asks which service. Checked against the rows, on the demo and on the
water utility of tests/fixtures/water_org (ids with slashes, dotted service names)."""

from __future__ import annotations

import datetime as dt
import re

import psycopg
import pytest

from agents.service import Assistant
from tests.conftest import DEMO_ANCHOR
from tests.integration.test_qa_water import AS_OF, assistant, limwa, t

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)


def _changes(conninfo: str, org_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, list]]:
    """service → {"deployments": [(id, who)], "config_changes": [(id, who)]} in [start, end], from the tables."""
    out: dict[str, dict[str, list]] = {}
    with psycopg.connect(conninfo) as conn:
        for ext, svc, who in conn.execute(
                """SELECT d.external_id, s.name, d.deployed_by FROM deployments d JOIN services s ON s.id = d.service_id
                   WHERE d.org_id = %s AND d.started_at <= %s AND COALESCE(d.finished_at, d.started_at) >= %s""",
                (org_id, end, start)):
            out.setdefault(svc, {"deployments": [], "config_changes": []})["deployments"].append((ext, who))
        for ext, svc, who in conn.execute(
                """SELECT c.external_id, s.name, c.changed_by FROM config_changes c JOIN services s ON s.id = c.service_id
                   WHERE c.org_id = %s AND c.changed_at BETWEEN %s AND %s""", (org_id, start, end)):
            out.setdefault(svc, {"deployments": [], "config_changes": []})["config_changes"].append((ext, who))
    return out


def _day(d: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(d, dt.time(0), dt.UTC)
    return start, start + dt.timedelta(days=1)


def _assert_grouped(answer: str, expected: dict[str, dict[str, list]], kinds: tuple[str, ...]) -> None:
    lines = [x for x in answer.splitlines() if x.startswith("- ")]
    assert lines and all(re.search(r"\[E:\d+\]", x) for x in lines), answer
    want = {svc: v for svc, v in expected.items() if any(v[k] for k in kinds)}
    assert want, "the fixture has changes in the window"
    for svc, v in want.items():
        head = next((x for x in lines if x.startswith(f"- {svc}: ")), None)
        assert head is not None, (svc, answer)
        for kind, word in (("deployments", "deployment"), ("config_changes", "config change")):
            if kind in kinds and v[kind]:
                assert f"{len(v[kind])} {word}(s)" in head, (svc, head)
            elif v[kind]:
                assert word not in head, head  # a kind not asked about is not listed
        for _ext, who in v["deployments" if "deployments" in kinds else "config_changes"]:
            if who:
                assert who in head, (who, head)
    others = set(expected) - set(want)
    assert not any(x.startswith(f"- {svc}: ") for svc in others for x in lines), answer
    total = sum(len(v[k]) for v in want.values() for k in kinds)
    listed = sum(1 for v in want.values() for k in kinds for ext, _ in v[k] if f" {ext} " in answer or f"- {ext} " in answer)
    if total > 20:
        assert f"… and {total - 20} more change(s)" in answer and listed == 20, answer
    else:
        assert listed == total and "more change(s)" not in answer, answer


# ------------------------------------------------------------------ a second organisation (water utility)


async def test_which_deploys_happened_on_thursday_lists_every_service(t, limwa):
    thursday = AS_OF - dt.timedelta(days=(AS_OF.weekday() - 3) % 7 or 7)
    a = await t.ask("which deploys happened on Thursday?")
    assert "Which service" not in a, a
    expected = _changes(limwa[0].conninfo, limwa[1], *_day(thursday))
    _assert_grouped(a, expected, ("deployments",))
    assert f"on thursday ({thursday:%Y-%m-%d} 00:00 to" in a, a


async def test_what_changed_last_week_lists_both_kinds_across_services(t, limwa):
    a = await t.ask("what changed last week?")
    monday = AS_OF - dt.timedelta(days=AS_OF.weekday() + 7)
    start, _ = _day(monday)
    expected = _changes(limwa[0].conninfo, limwa[1], start, start + dt.timedelta(days=7))
    _assert_grouped(a, expected, ("deployments", "config_changes"))


async def test_an_unbounded_change_question_still_asks_which_service(t):
    a = await t.ask("any deploys?")
    assert "Which service?" in a and "telemetry.gw" in a, a


# ------------------------------------------------------------------ demo


@pytest.fixture
async def demo_assistant(demo):
    a = await Assistant.open(demo.settings, demo.target, clock=lambda: NOW)
    yield a
    await a.close()


async def test_demo_what_changed_yesterday_and_config_changes_this_week(demo_assistant, demo):
    async def ask(q: str) -> str:
        r = await demo_assistant.ask(org_id=demo.org_id, question=q, as_of=DEMO_ANCHOR)
        assert r.status == "completed", r.error
        assert r.route == ["change_correlator"] and [c.tool for c in r.tool_calls] == ["org_change_log"], r.route
        return r.answer

    a = await ask("what changed yesterday?")
    expected = _changes(demo.target.conninfo, demo.org_id, *_day(DEMO_ANCHOR - dt.timedelta(days=1)))
    if any(v["deployments"] or v["config_changes"] for v in expected.values()):
        _assert_grouped(a, expected, ("deployments", "config_changes"))
    else:
        assert a.count("No deployments and config changes on any service yesterday") == 1, a
    a = await ask("list config changes in the last 14 days")
    end = dt.datetime.combine(DEMO_ANCHOR, dt.time(0), dt.UTC)
    expected = _changes(demo.target.conninfo, demo.org_id, end - dt.timedelta(days=14), end)
    _assert_grouped(a, expected, ("config_changes",))
    a = await ask("what changed in the last 14 days?")  # more than fit: capped, the rest counted
    assert sum(len(v["deployments"]) + len(v["config_changes"]) for v in expected.values()) > 20
    _assert_grouped(a, expected, ("deployments", "config_changes"))
