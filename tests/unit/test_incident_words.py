"""An incident named by its words in another form ("the scan upload outage" for "Courier scans not uploading") is
that incident — its cause, its tickets — never a list of every incident. A water-taxi company built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog, IncidentRef

TODAY = dt.date(2027, 7, 12)
TAXI = Catalog(
    stations={"P4": "Pier 4", "WQ": "West quay"}, regions={"HBR": "Harbour"}, station_regions={"P4": "HBR", "WQ": "HBR"},
    kpis={"NO_SHOW": ["Missed pickups"]}, services=["fare-gates", "boarding-app-api"],
    incidents=["WT-90", "WT-88", "WT-85"], tickets=["HLP-1"],
    incident_refs=[
        IncidentRef(external_id="WT-90", title="Ticket gates rejecting QR codes", service="fare-gates",
                    started=dt.date(2027, 7, 9), status="resolved"),
        IncidentRef(external_id="WT-88", title="Boarding screens crashing on launch", service="boarding-app-api",
                    started=dt.date(2027, 7, 2), status="resolved"),
        IncidentRef(external_id="WT-85", title="Tide gauge feed stale", service=None, started=dt.date(2027, 6, 20),
                    status="resolved"),
    ],
)


def _plan(q: str):
    r = route(q, {}, TAXI, TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "inc"), [
    ("what caused the qr code rejection outage?", "WT-90"),  # before: every incident listed
    ("what caused the boarding screen crash?", "WT-88"),
    ("what caused the stale tide feed outage?", "WT-85"),
])
def test_an_incident_named_by_its_words_in_another_form(q, inc):
    p = _plan(q)
    assert p.operation == "incident_cause" and p.subjects.incidents == [inc], p.model_dump(exclude_defaults=True)


def test_tickets_about_an_incident_named_by_its_words():
    p = _plan("how many tickets did we get about the qr code rejection outage?")
    assert p.operation == "ticket_stats" and "tickets:incident:WT-90" in p.notes, p.model_dump(exclude_defaults=True)


def test_words_no_incident_has_name_none():
    p = _plan("what caused the payment outage?")
    assert not p.subjects.incidents, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("q", "topic"), [
    ("why are passengers complaining about qr codes not scanning?", "qr codes not scanning"),  # before: out of scope
    ("what are riders saying about missed pickups?", "missed pickups"),  # before: the KPI's definition
    ("any complaints about late refunds?", "late refunds"),
])
def test_what_customers_complain_about_is_a_ticket_search(q, topic):
    p = _plan(q)
    assert p.operation == "ticket_search" and p.ticket_text is not None, p.model_dump(exclude_defaults=True)
    assert p.ticket_text.subject == topic, p.ticket_text


@pytest.mark.parametrize("q", ["who was on call for WT-90?", "who owns WT-90?", "who was the incident commander for WT-90?"])
def test_who_was_on_call_is_the_incident_record_saying_who_is_not_in_it(q):
    """Before: outside what it could answer."""
    p = _plan(q)
    assert p.operation == "incident_status" and p.subjects.incidents == ["WT-90"], p.model_dump(exclude_defaults=True)
    assert "asks:who_handled" in p.notes, p.notes


# A brewery whose incidents are named with its KPIs' words ("Keg filler sensors offline", KPI "Keg fill accuracy").
BREWERY = Catalog(
    stations={"NB": "North brewhouse", "RV": "Riverside brewhouse"}, regions={}, station_regions={},
    kpis={"FILL_ACC": ["Keg fill accuracy"], "LINE_UP": ["Bottling line uptime"]}, services=["filler-plc-bridge"],
    incidents=["BR-7", "BR-5"],
    incident_refs=[
        IncidentRef(external_id="BR-7", title="Keg filler sensors offline", service="filler-plc-bridge",
                    started=dt.date(2027, 7, 8), status="resolved"),
        IncidentRef(external_id="BR-5", title="Bottling line 2 stopped", service=None, started=dt.date(2027, 6, 30),
                    status="resolved"),
    ],
)


@pytest.mark.parametrize(("q", "inc"), [
    ("what caused the keg fill outage?", "BR-7"),  # before: why keg fill accuracy moved
    ("root cause of the bottling line incident?", "BR-5"),
    ("why did the keg fill incident happen", "BR-7"),
    ("what caused the bottling line outage?", "BR-5"),
])
def test_an_incident_named_with_a_kpis_words_is_that_incident(q, inc):
    p = route(q, {}, BREWERY, TODAY, None).query
    assert p is not None and p.operation == "incident_cause" and p.subjects.incidents == [inc], p


@pytest.mark.parametrize("q", ["why did keg fill accuracy drop during the last outage?",
                               "how was bottling line uptime during the keg filler outage?"])
def test_a_kpi_asked_about_around_an_incident_stays_the_kpi(q):
    p = route(q, {}, BREWERY, TODAY, None).query
    assert p is not None and p.kpis, p
