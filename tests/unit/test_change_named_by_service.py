"""A change named by what it was in "is <KPI move> related to <change>?" — its service and kind ("the coin-gateway
deploy on the 25th"), or the words of its config key ("the door lock pin rotation") — gets that change's verdict, not
the service's change log; "is that related to <change>?" after a site's day asks about the KPI that day found; and a
Yes on timing is revised when the ranking puts another change above it. On a chain of laundrettes built here."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from agents.router import route
from agents.specialists.change_verdict import better_cause, revised
from tests.unit.laundrettes import TODAY, laundrettes, plan_of

D = dt.date
CAT = laundrettes(
    deployments=["LDR-D5", "LDR-D6"], config_changes=["LDR-77", "LDR-80", "LDR-81", "LDR-90"],
    config_keys={"cycle.spinwash.enabled": "LDR-77", "coin.refund.limit": "LDR-80", "coin.refund.window": "LDR-81",
                 "door.lock.pin": "LDR-90"},
    change_services={"LDR-77": ("cycle-controller", D(2027, 1, 20)), "LDR-80": ("coin-gateway", D(2027, 1, 25)),
                     "LDR-81": ("coin-gateway", D(2027, 2, 1)), "LDR-90": ("cycle-controller", D(2027, 1, 28)),
                     "LDR-D5": ("coin-gateway", D(2027, 1, 25)), "LDR-D6": ("coin-gateway", D(2027, 2, 3))},
)


def test_a_deploy_named_by_its_service_and_day_gets_its_verdict() -> None:
    for q in ("is the coin-gateway deploy on the 25th related to the dryer uptime drop?",
              "was the dryer uptime drop due to the coin-gateway release on 25 january?",
              "could the coin-gateway deployment on jan 25 have caused the drop in dryer uptime?"):
        p = plan_of(q, CAT)
        assert p.operation == "explain" and p.subjects.deployments == ["LDR-D5"], (q, p.model_dump(exclude_defaults=True))
        assert "change:effect:LDR-D5:2027-01-25" in p.notes and not p.subjects.services, (q, p.notes)


def test_a_services_several_config_changes_are_each_ranked_without_one_verdict() -> None:
    p = plan_of("is the dryer uptime drop related to the config change on coin-gateway?", CAT)
    assert p.operation == "explain" and p.subjects.config_changes == ["LDR-80", "LDR-81"], p.model_dump(exclude_defaults=True)
    assert not any(n.startswith("change:effect:") for n in p.notes), p.notes
    p = plan_of("is the dryer uptime drop related to the coin-gateway config change on the 1st?", CAT)
    assert p.subjects.config_changes == ["LDR-81"] and "change:effect:LDR-81:2027-02-01" in p.notes, p.notes


def test_a_config_change_named_by_its_keys_words() -> None:
    p = plan_of("is the dryer uptime drop at quayside related to the door lock pin rotation?", CAT)
    assert p.subjects.config_changes == ["LDR-90"], p.model_dump(exclude_defaults=True)
    assert "change:effect:LDR-90:2027-01-28" in p.notes, p.notes


def test_is_the_spike_related_to_a_change_asks_for_its_verdict_not_the_spikes() -> None:
    p = plan_of("is the dryer uptime spike at quayside related to the door lock pin rotation?", CAT)
    assert "change:effect:LDR-90:2027-01-28" in p.notes and "q:spikes" not in p.notes, p.notes


def test_is_that_related_after_a_sites_day_asks_about_the_kpi_that_day_found() -> None:
    first = route("what happened at quayside on 2 february?", {}, CAT, TODAY, None).query
    assert first is not None and first.operation == "attention"
    r = route("is that related to the door lock pin rotation?", {"kpi": "DRYER_UP_PCT", "station": "QSD"}, CAT, TODAY, first)
    p = r.query
    assert p is not None and p.operation == "explain" and p.kpis == ["DRYER_UP_PCT"], p and p.model_dump(exclude_defaults=True)
    assert [x.code for x in p.subjects.scopes] == ["QSD"] and "change:effect:LDR-90:2027-01-28" in p.notes, p.notes


def _h(subject: str, rank: int, confidence: float, plausible: bool = True) -> SimpleNamespace:
    return SimpleNamespace(subject=subject, service="coin-gateway", rank=rank, confidence=confidence, plausible=plausible)


def test_a_yes_on_timing_is_revised_when_another_change_ranks_above() -> None:
    named, top = _h("LDR-D5", 2, 0.41), _h("LDR-80", 1, 0.62)
    better = better_cause(top, named, "LDR-D5")
    assert better is not None and "LDR-80" in better and "0.62, against 0.41 for LDR-D5" in better
    assert better_cause(named, named, "LDR-D5") is None and better_cause(_h("LDR-80", 1, 0.1, False), named, "LDR-D5") is None
    unranked = better_cause(top, None, "LDR-D6")  # its service is not behind the KPI: not weighed, another one is
    assert unranked is not None and "LDR-D6 not among those ranked" in unranked
    findings = [{"agent": "kpi_analyst", "data": {}, "lines": [
        {"text": "Yes — Dryer uptime at QSD was worse after LDR-D5 by 2.0%.", "evidence_ids": [4]},
        {"text": "Around LDR-D5: …", "evidence_ids": [5]}]}]
    out = revised(findings, "LDR-D5", better)  # type: ignore[arg-type]
    assert out is not None and out[0]["lines"][0]["text"].startswith("Probably not — Dryer uptime at QSD was worse")
    assert "LDR-80" in out[0]["lines"][0]["text"] and out[0]["lines"][0]["evidence_ids"] == [4]
    assert revised(findings, "LDR-D6", better) is None  # type: ignore[arg-type]
