"""A service named by its short first word ("fx" for fx-quote) is that service, unless the word is everyday English
or a unit ("at 8 pm" is no pm-scheduler); a hyphenated name in a service's place that no service has is unknown,
with the closest services suggested (qa23b)."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.understanding import parse
from agents.understanding.catalog import Catalog

CAT = Catalog(stations={}, regions={}, kpis={},
              services=["fx-quote", "pm-scheduler", "hr-portal", "ledger-writer", "card-auth"], incidents=[])
TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(("question", "service"), [
    ("what's the 5xx rate on fx", "fx-quote"),
    ("how are fx quotes doing?", "fx-quote"),
    ("error rate on the ledger", "ledger-writer"),
    ("is the card auth service ok?", "card-auth"),
])
def test_a_service_named_by_a_word_of_it(question: str, service: str) -> None:
    plan = parse(question, CAT, TODAY)
    assert plan.subjects.services == [service] and not plan.unknown


@pytest.mark.parametrize("question", [
    "what was card-auth p99 at 8 pm yesterday?",
    "card-auth errors over the last 24 hr",
])
def test_an_everyday_short_word_is_no_service(question: str) -> None:
    plan = parse(question, CAT, TODAY)
    assert plan.subjects.services == ["card-auth"], plan.subjects.services


@pytest.mark.parametrize(("question", "name"), [
    ("p99 latency on the risk-engine", "risk-engine"),
    ("how's the payments-gateway service?", "payments-gateway"),
    ("error rate on settlement-batch", "settlement-batch"),
])
def test_an_unknown_name_in_a_service_place_is_said_unknown(question: str, name: str) -> None:
    plan = parse(question, CAT, TODAY)
    u = [x for x in plan.unknown if x.kind == "service"]
    assert [x.text for x in u] == [name] and u[0].suggestions and not plan.subjects.services


def test_a_hyphenated_word_elsewhere_is_not_a_service() -> None:
    plan = parse("card-auth errors after the roll-out yesterday", CAT, TODAY)
    assert plan.subjects.services == ["card-auth"] and not [x for x in plan.unknown if x.kind == "service"]
