"""Names and phrasings a city bus-and-tram operator's staff use (qa21a), each checked on the operator's catalog
(garages ``G-07`` "Holloway depot", ``G-03`` "Kingsmead garage"; routes ``R038`` "Route 38", ``R005`` "Route 5";
night buses ``N073`` "Night bus N73"; tram lines ``T2``) and on another organisation's where the phrasing is general
(the parcel round's bus garages "Garage 2 (Hackney)", a rail operator, the demo):

- "the 38", "how's the 73 doing": the site whose name holds that number — not a day ("on the 12"), not a count;
- "garage 3": the site coded by that word's letter and the number (``G-03``);
- "bottom 5 routes", "the 3 worst garages": a count of places, not "Route 5";
- "night buses": the plural of a place word ending in -us names those sites;
- "over half term", "during the school holidays": the organisation's own calendar, asked about, never guessed;
- "tickets from schools": the group searched in the tickets' words, not every ticket.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog, IncidentRef
from tests.unit.test_understanding_parcel import BUS
from tests.unit.understanding_orgs import TODAY, demo, rail

TRANSIT = Catalog(
    stations={"G-07": "Holloway depot", "G-03": "Kingsmead garage", "G-04": "Riverside garage",
              "G-11": "Eastgate garage", "TD-1": "Brackley tram depot", "R038": "Route 38", "R073": "Route 73",
              "R012": "Route 12", "R149": "Route 149", "R005": "Route 5", "N073": "Night bus N73",
              "N029": "Night bus N29", "T1": "Tram line T1", "T2": "Tram line T2", "NET": "Whole network"},
    regions={"NORTH": "North division", "SOUTH": "South division", "TRAM": "Tram"},
    kpis={"EWT_MIN": ["Excess wait time", "EWT", "excess wait"], "OTP_DEP_PCT": ["On-time departures", "OTP"],
          "BOARDINGS": ["Boardings", "ridership"], "LOST_KM_PCT": ["Lost kilometres", "lost km", "lost mileage"],
          "MDBF_KM": ["Mean distance between failures", "MDBF"]},
    services=["avl-ingest", "rt-arrivals-api", "contactless-gateway"], incidents=[], tickets=["91190"],
)
ORGS = {"transit": TRANSIT, "bus": BUS, "rail": rail(), "demo": demo()}


def _plan(org: str, q: str, today: dt.date = TODAY) -> QueryPlan:
    r = route(q, {}, ORGS[org], today, None)
    assert r.query is not None
    return r.query


def _at(p: QueryPlan) -> list[str | None]:
    return [x.code for x in p.subjects.scopes]


@pytest.mark.parametrize(("org", "q", "site"), [
    ("transit", "did EWT get worse on the 38 since the timetable change?", "R038"),
    ("transit", "on-time departures for the 73 yesterday", "R073"),
    ("transit", "how's the 38 doing", "R038"),
    ("bus", "lost mileage at the 11 last week", "GAR-11"),
])
def test_a_site_called_by_the_number_in_its_name(org, q, site):
    p = _plan(org, q)
    assert _at(p) == [site], p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q"), [
    ("transit", "EWT on the 12"),  # a day of the month, though Route 12 exists
    ("transit", "EWT since the 12"),
    ("bus", "lost mileage on the 11"),
])
def test_a_day_or_a_count_is_no_site(org, q):
    p = _plan(org, q)
    assert not any(c in ("R012", "GAR-11", "GAR-02") for c in _at(p)), p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("q", "site"), [
    ("mean distance between failures at garage 3 since august", "G-03"),
    ("lost km at garage 7 last week", "G-07"),  # "Holloway depot": its name has no number
    ("EWT at tram 2 yesterday", "T2"),
])
def test_a_site_by_its_codes_letter_and_number(q, site):
    p = _plan("transit", q)
    assert _at(p) == [site], p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "kpi"), [
    ("transit", "bottom 5 routes for on-time departures last week", "OTP_DEP_PCT"),
    ("transit", "the 5 worst routes for EWT", "EWT_MIN"),
    ("bus", "top 2 garages for lost mileage", "MILEAGE_LOST"),
    ("bus", "lost mileage at the 2 worst garages", "MILEAGE_LOST"),
])
def test_a_count_of_places_is_not_the_place_with_that_number(org, q, kpi):
    p = _plan(org, q)  # never the one site numbered 2 or 5: the sites of that kind, or every site ranked
    assert p.kpis == [kpi] and (len(_at(p)) >= 3 or (p.operation == "rank" and _at(p) == [])), p.model_dump(
        exclude_defaults=True)


def test_night_buses_are_the_night_bus_sites():
    p = _plan("transit", "EWT on night buses last week")  # before: the company's EWT, "night buses" dropped
    assert p.kpis == ["EWT_MIN"] and sorted(_at(p)) == ["N029", "N073"], p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q"), [
    ("transit", "ridership over half term vs the week before"),
    ("rail", "punctuality during the school holidays"),
    ("demo", "otp mx over the easter holidays"),
])
def test_a_local_calendar_period_is_asked_about(org, q):
    p = _plan(org, q)
    assert p.operation == "clarify" and p.clarification is not None, p.model_dump(exclude_defaults=True)
    assert "I don't have your calendar" in p.clarification.question, p.clarification


def test_a_local_period_with_its_dates_is_answered():
    p = _plan("transit", "boardings over half term, 2026-10-26 to 2026-10-30", dt.date(2026, 11, 30))
    assert p.operation != "clarify" and p.window is not None and p.window.start == dt.date(2026, 10, 26), p


@pytest.mark.parametrize(("org", "q", "topic"), [
    ("transit", "tickets from schools", "schools"),
    ("demo", "tickets from retailers this month", "retailers"),
])
def test_tickets_from_a_group_search_its_words(org, q, topic):
    p = _plan(org, q)
    assert p.operation == "ticket_search" and p.ticket_text is not None and p.ticket_text.subject == topic, p


def test_a_kpi_none_of_the_named_places_reports_is_said_for_all_of_them():
    water = Catalog(stations={"RES-1": "Northfield reservoir", "RES-2": "Southfield reservoir",
                              "WTW-1": "Ashby treatment works"},
                    regions={"N": "North"}, kpis={"TURB": ["Turbidity"]}, services=[], incidents=[], tickets=[],
                    kpi_stations={"TURB": ["WTW-1"]})
    p = route("turbidity at the reservoirs last week", {}, water, TODAY, None).query
    assert p is not None and p.operation == "clarify" and p.clarification is not None, p
    assert p.clarification.question.startswith("There is no Turbidity data at RES-1 (Northfield reservoir), RES-2 "
                                               "(Southfield reservoir); it is reported at WTW-1"), p.clarification


@pytest.mark.parametrize(("q", "sites"), [
    ("which garage is worst for lost km this month", ["G-03", "G-04", "G-07", "G-11"]),  # Holloway is a "depot"
    ("EWT on night buses last week", ["N029", "N073"]),
])
def test_a_kind_of_site_from_the_site_sheet(q, sites):
    kinds = dataclasses.replace(TRANSIT, station_kinds= {"G-07": "garage", "G-03": "garage", "G-04": "garage",
                                                              "G-11": "garage", "TD-1": "tram depot", "N073": "night bus",
                                                              "N029": "night bus", "R038": "route"})
    p = route(q, {}, kinds, TODAY, None).query
    assert p is not None and sorted(_at(p)) == sites, p.model_dump(exclude_defaults=True)


def test_a_kind_of_site_on_another_organisation():
    hospital = Catalog(stations={"KGH": "Kingston General", "SMH": "St Mary's", "CLN-4": "Northside health centre"},
                       regions={"N": "North"}, kpis={"WAIT_MIN": ["Wait time", "waits"]}, services=[], incidents=[],
                       tickets=[], station_kinds={"KGH": "acute hospital", "SMH": "acute hospital",
                                                  "CLN-4": "community clinic"})
    p = route("which acute hospital has the worst wait time", {}, hospital, TODAY, None).query
    assert p is not None and sorted(_at(p)) == ["KGH", "SMH"], p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "svc", "metric"), [
    ("transit", "declined taps on contactless-gateway this week vs last week", "contactless-gateway", "declined taps"),
    ("rail", "dropped bookings on booking-web yesterday", "booking-web", "dropped bookings"),
])
def test_a_participle_naming_a_service_metric_is_no_why(org, q, svc, metric):
    p = _plan(org, q)  # before: "declined" read as "why did it decline", the service's default metric examined
    assert p.subjects.services == [svc] and [m.name for m in p.service_metrics] == [metric], p


@pytest.mark.parametrize(("org", "q", "note"), [
    ("transit", "lowest lost km day at holloway this month", "day:lowest"),
    ("rail", "worst punctuality day at york last month", "day:worst"),
])
def test_the_extreme_day_with_the_kpi_between(org, q, note):
    p = _plan(org, q)  # before: the window's mean, the day not named
    assert note in p.notes, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "inc"), [
    ("transit", "draft the postmortem for the arrivals API outage", "og-2207"),  # the alert names no service
    ("demo", "draft the postmortem for the payments outage", "INC-2041"),
])
def test_a_postmortem_for_a_named_services_incident(org, q, inc):
    cat = ORGS[org]
    if org == "transit":
        cat = dataclasses.replace(cat, incidents=[inc], incident_refs=[
            IncidentRef(inc, "Real-time arrivals API p99 latency high", None, dt.date(2026, 11, 16), "resolved")])
    p = route(q, {}, cat, TODAY, None).query
    assert p is not None and p.operation == "report" and p.subjects.incidents == [inc], p  # before: asked which
