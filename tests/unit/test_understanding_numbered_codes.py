"""Site codes made of letters and a number, typed the way people type them (qa13d), on a catalog unlike the others:
a car-park operator whose sites are ``P01``…``P12`` and ``GAR_0007``, and whose services report ``p99`` latency."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.understanding.catalog import Catalog
from agents.understanding.parser import parse

CAT = Catalog(
    stations={"P01": "Lot one (North gate)", "P02": "Lot two", "P12": "Riverside lot", "GAR_0007": "Garage Seven"},
    regions={"N": "North"}, kpis={"OCC_PCT": ["Occupancy", "occupancy rate"], "TICKETS_SOLD": ["Tickets sold"]},
    services=["gate-api", "pay.station"], incidents=["OUT-301"], deployments=["rel-77"],
    deployment_versions={"v3.2.0-beta": "rel-77"}, config_keys={"BARRIER_OPEN_SECONDS": "chg-9"},
    config_changes=["chg-9"],
)
TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(("q", "site"), [("occupancy at p 2", "P02"), ("occupancy at p-12", "P12"),
                                         ("occupancy at gar 7", "GAR_0007"), ("occupancy at gar-007 last week", "GAR_0007"),
                                         ("occupancy at p1", "P01")])
def test_a_numbered_code_without_its_separator_or_zeros_is_that_site(q, site):
    p = parse(q, CAT, TODAY)
    assert p.operation == "lookup" and [s.code for s in p.subjects.scopes] == [site] and not p.unknown


@pytest.mark.parametrize("q", ["occupancy at P07", "occupancy at GAR_0009"])
def test_a_numbered_code_that_is_not_a_site_is_asked_about_as_typed(q):
    p = parse(q, CAT, TODAY)
    assert p.operation == "unknown" and p.unknown[0].text == q.split()[-1] and p.unknown[0].suggestions


def test_a_latency_percentile_is_not_a_site():
    p = parse("gate-api p99 jumped", CAT, TODAY)
    assert p.operation == "explain" and p.subjects.services == ["gate-api"] and not p.unknown


def test_a_version_is_a_deployment_not_a_date_and_a_setting_in_words():
    p = parse("what went out in v3.2.0-beta", CAT, TODAY)
    assert p.operation == "changelog" and p.subjects.deployments == ["rel-77"] and p.window is None
    p = parse("who changed the barrier open seconds", CAT, TODAY)
    assert p.operation == "changelog" and p.subjects.config_changes == ["chg-9"]
    p = parse("who changed the barrier", CAT, TODAY)  # one word of three: not that setting
    assert p.subjects.config_changes == []
