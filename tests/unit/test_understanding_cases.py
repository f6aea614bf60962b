"""The parser, table-driven: questions as people type them → the QueryPlan, on two organisations.

The demo catalog and a rail operator's (tests/unit/understanding_orgs.py) are built directly, so these run in
milliseconds. ``prior`` is the thread's earlier question(s): the follow-up is parsed against their plan.
This table is also the dev set the fuzzy-match cutoff (agents/understanding/linking.py) was tuned on.
"""

from __future__ import annotations

from typing import Any

import pytest

from agents.plan import QueryPlan
from agents.router import route
from tests.unit.understanding_case_table import CASES, D, H, R
from tests.unit.understanding_orgs import TODAY, demo, ferry, grocery, health_group, hospital, rail, water

ORGS = {"demo": demo(), "rail": rail(), "hospital": hospital(), "water": water(), "grocery": grocery(),
        "hvh": health_group(), "ferry": ferry()}



def _plan(org: str, question: str, prior: list[str] | None = None) -> QueryPlan:
    cat, last = ORGS[org], None
    for p in prior or []:
        r = route(p, {}, cat, TODAY, last)
        last = r.query if (r.specialists or r.intent in ("clarify", "unknown")) else last  # as the coordinator keeps it
    r = route(question, {}, cat, TODAY, last)
    assert r.query is not None
    return r.query


def _check(plan: QueryPlan, exp: dict[str, Any]) -> None:
    s = plan.subjects
    assert plan.operation == exp["op"], plan.model_dump(exclude_defaults=True)
    checks = {
        "kpi": lambda v: plan.kpis[:1] == [v], "kpis": lambda v: plan.kpis == v,
        "at": lambda v: [x.code or x.level for x in s.scopes] == v,
        "svc": lambda v: s.services == v, "inc": lambda v: s.incidents == v, "tck": lambda v: s.tickets == v,
        "dep": lambda v: s.deployments == v, "cfg": lambda v: s.config_changes == v, "sha": lambda v: s.commits == v,
        "win": lambda v: plan.window is not None and (str(plan.window.start), str(plan.window.end)) == tuple(v),
        "nowin": lambda v: (plan.window is None) == v,
        "day": lambda v: plan.window is not None and plan.window.single_day and str(plan.window.start) == v,
        "grain": lambda v: plan.window is not None and plan.window.grain == v,
        "order": lambda v: plan.order == v, "limit": lambda v: plan.limit == v, "group_by": lambda v: plan.group_by == v,
        "chart": lambda v: plan.chart == v, "deps": lambda v: plan.include_dependencies == v,
        "role": lambda v: v in [m.role for m in plan.service_metrics],
        "metric": lambda v: v in [m.name for m in plan.service_metrics],
        "status": lambda v: plan.filters.status == v, "tier": lambda v: plan.filters.customer_tier == v,
        "priority": lambda v: plan.filters.priority == v, "product": lambda v: plan.filters.product == v,
        "sla": lambda v: plan.filters.sla == v, "count": lambda v: plan.count == v, "rate": lambda v: plan.rate == v,
        "report": lambda v: plan.report_kind == v, "text": lambda v: (plan.ticket_text is not None) == v,
        "follow": lambda v: plan.follow_up == v, "now": lambda v: ("now" in plan.notes) == v,
        "unknown": lambda v: any(u.text.lower() == v.lower() for u in plan.unknown),
        "sugg": lambda v: any(v in u.suggestions for u in plan.unknown),
        "note": lambda v: v in plan.notes, "no_note": lambda v: v not in plan.notes, "sev": lambda v: plan.filters.severity == v,
    }
    assert not any(n.startswith(("relative:", "grain:", "wanted:")) for n in plan.notes), plan.notes
    assert plan.operation in ("clarify", "unknown") or not any(n.startswith("pending:") for n in plan.notes), plan.notes
    for key, value in exp.items():
        if key in ("op", "prior"):
            continue
        assert checks[key](value), f"{key}: expected {value!r}; plan {plan.model_dump(mode='json', exclude_defaults=True)}"


def test_the_table_is_big_and_a_third_is_the_second_organisation():
    assert len(CASES) >= 300
    assert sum(1 for org, _, _ in CASES if org == R) >= len(CASES) / 3


@pytest.mark.parametrize(("org", "question", "exp"), CASES, ids=[f"{o}:{q[:60]}" for o, q, _ in CASES])
def test_question_to_plan(org: str, question: str, exp: dict[str, Any]) -> None:
    _check(_plan(org, question, exp.get("prior")), exp)



@pytest.mark.parametrize("org", [D, R, H])
def test_help_and_out_of_scope_answers_name_the_organisations_own_things(org: str) -> None:
    cat = ORGS[org]
    kpi_name, station = next(iter(cat.kpis.values()))[0], next(iter(cat.stations))
    asked = route("what can you do?", {}, cat, TODAY, None).notices[0]
    assert asked.startswith("I can ") and kpi_name in asked and station in asked
    refused = route("What's the weather like in Paris tomorrow?", {}, cat, TODAY, None).notices[0]
    assert "outside what I can answer" in refused and kpi_name in refused
    others = [o for o in ORGS if o != org]
    for other in others:  # never another organisation's names
        assert next(iter(ORGS[other].stations)) not in refused.replace(station, "")


def test_catalog_questions_are_answered_from_the_catalog() -> None:
    r = route("Which stations are in the West region?", {}, ORGS[D], TODAY, None)
    assert r.specialists == [] and "PHX" in r.notices[0] and "DAL" not in r.notices[0]
    r = route("what KPIs do you track?", {}, ORGS[R], TODAY, None)
    assert all(code in r.notices[0] for code in ORGS[R].kpis)
    r = route("list services", {}, ORGS[H], TODAY, None)
    assert "ehr-gateway" in r.notices[0]
