"""A service whose name looks like an identifier ("svc-01") is that service, not an unknown incident or deployment
(found by the alert benchmark: the alert's own question "What caused incident … on svc-00?" was refused)."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import unknown_notice
from agents.understanding import parse
from agents.understanding.catalog import Catalog

CAT = Catalog(stations={}, regions={}, kpis={}, services=["svc-00", "svc-01", "ledger-core"],
              incidents=["ALERT-20261130-1420-AB12CD"])
TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(("question", "operation", "service"), [
    ("What caused incident ALERT-20261130-1420-AB12CD on svc-00?", "incident_cause", "svc-00"),
    ("any deploys to svc-01 last week", "changelog", "svc-01"),
    ("SVC-01 errors spiking", "explain", "svc-01"),
])
def test_id_shaped_service_names_link_to_the_service(question: str, operation: str, service: str) -> None:
    plan = parse(question, CAT, TODAY)
    assert plan.operation == operation and plan.subjects.services == [service] and not plan.unknown


def test_unknown_notice_uses_the_right_article() -> None:
    assert unknown_notice("incident", "OUT-9", []).startswith("I don't know an incident called")
    assert unknown_notice("station", "XYZ", []).startswith("I don't know a station called")


# A game studio's backend (qa28, a stranger's questions): names joined in CamelCase or with a dotted suffix
GAME = Catalog(stations={}, regions={}, kpis={}, incidents=[], services=[
    "matchmaker-eu", "PlayerAuth.svc", "sess_store", "LootLedger", "storefront_iap", "LeaderboardD", "PatchCDN"])


@pytest.mark.parametrize(("question", "service"), [
    ("any deploys to the auth service in the last 2 weeks?", "PlayerAuth.svc"),  # before: every service's deploys
    ("any deploys to player auth yesterday", "PlayerAuth.svc"),
    ("why did the CDN get slow on the 18th?", "PatchCDN"),  # before: an unknown station "CDN"
    ("is the ledger ok?", "LootLedger"),  # before: out of scope
    ("what changed on PlayerAuth.svc", "PlayerAuth.svc"),
])
def test_a_word_inside_a_joined_service_name_names_that_service(question: str, service: str) -> None:
    plan = parse(question, GAME, TODAY)
    assert plan.subjects.services == [service] and not plan.unknown, plan.model_dump(exclude_defaults=True)


def test_a_word_two_joined_names_share_names_neither() -> None:
    cat = Catalog(stations={}, regions={}, kpis={}, incidents=[], services=["PlayerAuth.svc", "AdminAuth.svc"])
    assert parse("any deploys to the auth service?", cat, TODAY).subjects.services != ["PlayerAuth.svc"]
