"""'Did <change> hurt <KPI> at <site>?' and '<KPI> at <site> before and after <change>': the KPI at that site the days
before against the days after the change — the change named by id, by its key, or by one word of its key ("the
spinwash change"). On a chain of laundrettes built here."""

from __future__ import annotations

import datetime as dt

from tests.unit.laundrettes import laundrettes, plan_of


def _plan(question: str):  # type: ignore[no-untyped-def]
    return plan_of(question, laundrettes(
        config_changes=["LDR-77", "LDR-80"],
        config_keys={"cycle.spinwash.enabled": "LDR-77", "coin.refund.limit": "LDR-80"},
        change_services={"LDR-77": ("cycle-controller", dt.date(2027, 1, 20)),
                         "LDR-80": ("coin-gateway", dt.date(2027, 1, 25))},
    ))


def test_change_named_by_one_word_of_its_key() -> None:
    p = _plan("did the spinwash change hurt dryer uptime at quayside?")
    assert p.subjects.config_changes == ["LDR-77"], p.model_dump(exclude_defaults=True)
    assert p.kpis == ["DRYER_UP_PCT"] and [x.code for x in p.subjects.scopes] == ["QSD"]
    assert "change:effect:LDR-77:2027-01-20" in p.notes, p.notes


def test_before_and_after_a_change_id() -> None:
    p = _plan("dryer uptime at quayside before and after LDR-77")
    assert p.operation == "explain" and "change:effect:LDR-77:2027-01-20" in p.notes, p.model_dump(exclude_defaults=True)


def test_a_word_no_key_has_links_nothing() -> None:
    p = _plan("did the detergent change hurt dryer uptime at quayside?")
    assert p.subjects.config_changes == [], p.subjects


def test_worse_or_better_since_a_named_change_is_its_effect() -> None:
    for q in ("did dryer uptime get worse at quayside since the spinwash change?",
              "is dryer uptime at quayside better since LDR-77?"):
        p = _plan(q)
        assert "change:effect:LDR-77:2027-01-20" in p.notes, (q, p.model_dump(exclude_defaults=True))
        assert p.operation != "changelog", q  # before: the change listed, the KPI at the site not looked at
