""""Any deploys to payments last week?" where no service is called that: said so, with the services it does know
close to the word — never every service's deployments (before: "Yes — 4 deployment(s) on 3 service(s)"). A
ferry booking company built here; environments ("to prod") and its own services stay the change log."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 6, 9)
FERRY = Catalog(
    stations={"HOL": "Holyhead pier", "DUB": "Dublin port"}, regions={"IRS": "Irish Sea"},
    kpis={"LATE_SAIL": ["Late sailings", "late sailings"]}, station_regions={"HOL": "IRS", "DUB": "IRS"},
    services=["BookingCore", "paymentgateway.v2", "cabin-allocator"], incidents=["FRY-7"], tickets=["CS-88"],
)


@pytest.mark.parametrize(("q", "said"), [
    ("any deploys to payments last week?", "payments"),
    ("what got deployed on the loyalty service yesterday?", "loyalty"),
    ("releases of checkout this month", "checkout"),
])
def test_a_deployment_target_it_does_not_know_is_said_so(q, said):
    r = route(q, {}, FERRY, TODAY, None)
    p = r.query
    assert p is not None and p.operation == "unknown", p
    assert [(u.kind, u.text) for u in p.unknown] == [("service", said)], p.unknown
    assert "pending:changelog" in p.notes, p.notes  # "I meant <service>" then answers the question asked


def test_the_nearest_known_service_is_suggested():
    p = route("any deploys to payment last week?", {}, FERRY, TODAY, None).query
    assert p is not None and p.operation == "unknown", p
    assert p.unknown[0].suggestions[:1] == ["paymentgateway.v2"], p.unknown
    p = route("any deploys to the payment gateway last week?", {}, FERRY, TODAY, None).query
    assert p is not None and p.operation == "changelog" and p.subjects.services == ["paymentgateway.v2"], p


@pytest.mark.parametrize(("q", "svc"), [
    ("any deploys to prod last week?", []),
    ("any deploys to bookingcore last week?", ["BookingCore"]),
    ("releases of cabin-allocator this month", ["cabin-allocator"]),
    ("anything deployed to production on monday?", []),
])
def test_environments_and_known_services_stay_the_change_log(q, svc):
    p = route(q, {}, FERRY, TODAY, None).query
    assert p is not None and p.operation == "changelog" and p.subjects.services == svc, p


@pytest.mark.parametrize(("q", "op", "about"), [
    ("did anyone change anything on cabin-allocator?", "changelog", None),  # before: its health check
    ("did anyone touch the cabin ttl?", "changelog", "ttl"),  # "cabin" names cabin-allocator: its ttl changes
    ("who changed the timeout on BookingCore?", "changelog", "timeout"),
    ("has the error rate on cabin-allocator changed?", "explain", None),  # its metric, not a setting
])
def test_a_change_to_one_services_setting_is_searched_in_its_changes(q, op, about):
    p = route(q, {}, FERRY, TODAY, None).query
    assert p is not None and p.operation == op and len(p.subjects.services) == 1, p
    assert [n.split(":", 1)[1] for n in p.notes if n.startswith("about:")] == ([about] if about else []), p.notes
