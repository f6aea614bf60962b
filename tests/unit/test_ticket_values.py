"""Tiers and priorities a question names that tickets cannot have are said back (with the known ones); tiers and
priorities tickets do have, and plain adjectives, are not — on the demo's catalog and a rail operator's."""

from __future__ import annotations

import pytest

from agents.understanding.parser import parse
from tests.unit.understanding_orgs import TODAY, demo, rail

CATS = {"demo": demo(), "rail": rail()}


@pytest.mark.parametrize("org", list(CATS))
@pytest.mark.parametrize(("q", "kind", "text"), [
    ("tickets from platinum customers about refunds", "customer tier", "platinum"),
    ("how many gold tier tickets are open?", "customer tier", "gold"),
    ("show me P7 tickets", "ticket priority", "P7"),
    ("open tickets with priority 9", "ticket priority", "P9"),
])
def test_unknown_tier_or_priority(org, q, kind, text):
    plan = parse(q, CATS[org], TODAY)
    assert plan.operation == "unknown", plan
    u = plan.unknown[0]
    assert (u.kind, u.text) == (kind, text)
    assert set(u.suggestions) >= ({"enterprise", "business", "standard", "free"} if kind == "customer tier"
                                  else {"P1 (critical)", "P4 (low)"})


@pytest.mark.parametrize("org", list(CATS))
@pytest.mark.parametrize(("q", "op", "tier", "priority"), [
    ("tickets from angry customers about refunds", "ticket_search", [], []),
    ("open tickets from enterprise customers about VPN", "ticket_search", ["enterprise"], []),
    ("show me P1 tickets about login", "ticket_search", [], ["critical"]),
    ("how many tickets by tier?", "ticket_stats", [], []),
    ("high priority tickets from business customers", "ticket_stats", ["business"], ["high"]),
    ("enterprise tier tickets breached this week", "ticket_stats", ["enterprise"], []),
])
def test_known_values_and_plain_words(org, q, op, tier, priority):
    plan = parse(q, CATS[org], TODAY)
    assert plan.operation == op and not plan.unknown, plan
    assert plan.filters.customer_tier == tier and plan.filters.priority == priority, plan
