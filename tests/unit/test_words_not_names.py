"""Words that are not names are not read as names (on a bakery chain, not the demo's org): "deploys on the 24th" is
the day's deployments, never a service called "the"; a word said where a service would be that is no service is
still said so."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2026, 12, 3)


def _bakery() -> Catalog:
    return Catalog(
        stations={"HRL": "Harlow Bakehouse", "SLG": "Slough Bakehouse", "CRW": "Crewe Bakehouse"},
        regions={"S": "South", "N": "North"},
        kpis={"LOAF_WASTE": ["Loaf waste", "waste"], "PROOF_HRS": ["Proofing hours", "proofing time"]},
        services=["tillpos", "routeplan", "oven-telemetry"], incidents=[], tickets=["BK-1001"],
        station_regions={"HRL": "S", "SLG": "S", "CRW": "N"}, deployments=["REL-11", "REL-12"])


def _plan(q: str):  # type: ignore[no-untyped-def]
    r = route(q, {}, _bakery(), TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "day"), [("deploys on the 24th", "2026-11-24"), ("deployments on the 24th", "2026-11-24"),
                                        ("any deploys on the 27th?", "2026-11-27"), ("releases on the 2nd", "2026-12-02"),
                                        ("any deploys on nov 24?", "2026-11-24")])
def test_a_day_after_on_is_no_service(q: str, day: str) -> None:
    p = _plan(q)
    assert p.operation == "changelog" and not p.unknown, p
    assert p.window is not None and str(p.window.start) == day


def test_a_word_in_a_services_place_is_still_no_such_service() -> None:
    p = _plan("any deploys to payments last week?")
    assert [u.text for u in p.unknown if u.kind == "service"] == ["payments"]


@pytest.mark.parametrize(("q", "who"), [("tickets from BreadWorks", "BreadWorks"),
                                        ("open tickets for customer BreadWorks Ltd", "BreadWorks Ltd"),
                                        ("customer BreadWorks tickets", "BreadWorks"),
                                        ("any tickets from Hearth Foods this month?", "Hearth Foods")])
def test_a_customers_name_in_one_word_is_whose_tickets_not_a_service(q: str, who: str) -> None:
    p = _plan(q)
    assert p.operation == "ticket_stats" and not p.unknown, p
    assert f"customer:{who}" in p.notes
