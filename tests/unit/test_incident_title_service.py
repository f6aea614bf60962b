"""An incident recorded without a service (a status page's, a paging tool's without a service field) is examined on
the one service a word of its title names (qa20a: Statuspage "Late deliveries - route planning delays" →
route-optimiser); never a guess between several, never a generic word ("portal", "sync")."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.specialists.change_correlator import _service_of_title
from agents.understanding.catalog import Catalog, IncidentRef

D = dt.date(2026, 11, 24)


def _cat(services: list[str], title: str, service: str | None = None) -> Catalog:
    return Catalog(stations={}, regions={}, kpis={}, services=services, incidents=["X-1"], tickets=[],
                   incident_refs=[IncidentRef("X-1", title, service, D, "resolved")])


@pytest.mark.parametrize(("services", "title", "want"), [
    (["label-api", "route-optimiser", "tracking-web"], "Late deliveries - route planning delays", "route-optimiser"),
    (["ledger-svc", "fare-engine", "booking-web"], "Fare engine pricing errors", "fare-engine"),
    (["cust-portal", "billing-portal"], "Portal login errors", None),  # a generic word two services share
    (["radius-auth", "bng-cluster-b"], "Tower 114 backhaul down - storm damage", None),  # nothing named
    (["route-optimiser", "route-planner"], "Route delays", None),  # several
])
def test_the_service_a_title_names(services, title, want):
    assert _service_of_title(_cat(services, title), "X-1") == want


def test_an_incident_with_its_own_service_keeps_it():
    assert _service_of_title(_cat(["fare-engine", "booking-web"], "Booking web slow", "fare-engine"), "X-1") is None
