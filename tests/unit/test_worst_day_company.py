""""What was the worst day for <KPI> in <month>?", "which day was worst for X?": that day named, not the sites
ranked; "… and why?" explains that day. "Which <place> had the most X?" still ranks the places. On a chain of laundrettes built here."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize("question", ["what was the worst day for washes in january",
                                      "which day was worst for dryer uptime in january?"])
def test_the_worst_day_is_a_day(question: str) -> None:
    p = plan_of(question)
    assert p.operation == "lookup" and "day:worst" in p.notes and p.group_by is None, p.model_dump(exclude_defaults=True)


def test_and_why_explains_that_day() -> None:
    """"… and why?": an explanation anchored on that day (named first by the KPI analyst), not a lookup."""
    p = plan_of("what was the worst day for washes in january and why")
    assert p.operation == "explain" and p.group_by is None, p.model_dump(exclude_defaults=True)
    assert {"anchor:extreme", "q:extreme_worst", "q:extreme_unit_day"} <= set(p.notes), p.notes


def test_which_place_is_still_a_ranking() -> None:
    p = plan_of("which site had the most washes in january?")
    assert p.operation == "rank" and p.group_by == "station", p.model_dump(exclude_defaults=True)
