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


def _with_commits() -> Catalog:
    cat = _bakery()
    cat.commits = ["a" * 40, "b" * 40, "c" * 40]
    cat.commit_messages = {"a" * 40: "proof: SOURDOUGH rest timer per tray instead of per rack",
                           "b" * 40: "chore: bump till schema",
                           "c" * 40: "Revert 'proof: SOURDOUGH rest timer per tray'"}
    return cat


@pytest.mark.parametrize("q", ["was the SOURDOUGH timer commit deployed?", "was the sourdough timer commit shipped",
                               "did the SOURDOUGH rest commit go out?", "which deploy shipped the SOURDOUGH timer commit?"])
def test_a_commit_named_by_its_message_words_is_that_commit_not_its_revert_nor_a_place(q: str) -> None:
    r = route(q, {}, _with_commits(), TODAY, None)
    assert r.query is not None and r.query.operation == "changelog", r.query
    assert r.query.subjects.commits == ["a" * 40] and not r.query.unknown


def test_the_revert_is_found_when_asked_for() -> None:
    r = route("was the SOURDOUGH timer commit reverted?", {}, _with_commits(), TODAY, None)
    assert r.query is not None and r.query.subjects.commits == ["c" * 40]
