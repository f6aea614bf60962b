""""Is anything getting worse?", "any stations trending the wrong way?", "what's slipping at <site>?": no KPI named
and a direction asked — every series checked for that move (``attention:moving_*``), not "which KPI?", not a list
of the stations, not out of scope. Questions about incidents, tickets or services keep their own routes. On a chain
of laundrettes built here."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize(("question", "how", "where"), [
    ("which stations are getting worse?", "worse", set()),
    ("any sites trending the wrong way?", "worse", set()),
    ("is anything getting worse at quayside?", "worse", {"QSD"}),
    ("anything slipping in the north?", "worse", {"N"}),
    ("what's improving?", "better", set()),
    ("is anything trending down?", "down", set()),
    ("is anything creeping up?", "up", set()),
    ("is anything getting worse this week?", "worse", set()),
])
def test_a_direction_with_no_kpi_checks_every_series(question: str, how: str, where: set[str]) -> None:
    p = plan_of(question)
    assert p.operation == "attention" and f"attention:moving_{how}" in p.notes, (question, p.model_dump(exclude_defaults=True))
    assert {x.code for x in p.subjects.scopes} == where, question


@pytest.mark.parametrize("question", [
    "is dryer uptime getting worse?",  # a KPI named: that series' trend
    "why is quayside getting worse?",  # why: explained, not listed
    "are tickets getting worse?", "is the MTTR getting worse?", "is coin-gateway latency getting worse?",
    "which station is worst?",  # no direction asked
])
def test_other_questions_keep_their_routes(question: str) -> None:
    p = plan_of(question)
    assert not any(n.startswith("attention:moving_") for n in p.notes), (question, p.model_dump(exclude_defaults=True))


@pytest.mark.parametrize("question", ["which KPIs are missing their goal?", "what's below target at quayside?",
                                      "anything behind target?"])
def test_goals_missed_with_no_kpi_checks_every_series(question: str) -> None:
    p = plan_of(question)
    assert p.operation == "attention" and "attention:goal" in p.notes and not p.unknown, (question, p.model_dump(exclude_defaults=True))


def test_a_kpi_named_keeps_the_goal_count() -> None:
    p = plan_of("which stations are below goal on washes?")
    assert "attention:goal" not in p.notes and any(n.startswith("goal_count:") for n in p.notes), p.notes


def test_it_in_a_thread_is_the_threads_subject() -> None:
    """"and is it getting better?" after "what's our MTTR?": the thread's subject, not every KPI series."""
    p = plan_of("and is it getting better?")
    assert not any(n.startswith("attention:moving_") for n in p.notes), p.model_dump(exclude_defaults=True)
