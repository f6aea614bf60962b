"""A service metric typed with a typo ("errr rate", "eror", "latncy") is still that metric: before, "errr rate
yardmastr last 24h" lost the metric and answered "no onset" with no numbers. Words that merely contain the letters
("mirror", "terror", "interior") are no metric. On a water utility's catalog."""

from __future__ import annotations

import pytest

from agents.router import route
from agents.understanding.cues import _ROLE
from tests.unit.understanding_orgs import TODAY, water


@pytest.mark.parametrize(("q", "role"), [
    ("errr rate telemetry.gw last 24h", "errors"),
    ("eror rate on leakwatch yesterday", "errors"),
    ("leakwatch errros today", "errors"),
    ("latncy of billing.core last 24h", "latency"),
])
def test_a_metric_with_a_typo_is_that_metric(q, role):
    plan = route(q, {}, water(), TODAY, None).query
    assert plan is not None and plan.subjects.services, plan
    assert [m.role for m in plan.service_metrics] == [role], plan.service_metrics


@pytest.mark.parametrize("word", ["mirror", "terror", "interior", "erratic", "errand", "lateness"])
def test_words_that_only_contain_the_letters_are_no_metric_role(word):
    assert not [role for role, rx in _ROLE if rx.search(f"is the {word} ok")]
