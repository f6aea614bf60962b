"""What other trades call their sites ("which laundromat …", "top 2 outlets by …") ranks the stations, and a KPI's
own words ("Route completion") never pick the level: a chain of laundromats with pickup routes, built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 2, 10)
WASH = Catalog(
    stations={"LM-01": "Harbour Laundromat", "LM-02": "Old Town Laundromat", "LM-07": "Northgate Laundromat",
              "LM-09": "Riverside Laundromat"},
    regions={"N": "North side", "S": "South side"},
    kpis={"ROUTE_DONE_PCT": ["Route completion", "pickup route completion"], "WASH_CYCLES": ["Wash cycles", "washes"],
          "MACHINE_UP_PCT": ["Machine uptime", "uptime"]},
    station_regions={"LM-01": "S", "LM-02": "S", "LM-07": "N", "LM-09": "N"},
    services=["pickup-app", "coin-gw"], incidents=["WL-77"], tickets=["WT-1001"],
)


def _plan(q: str):
    r = route(q, {}, WASH, TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "kpi", "level"), [
    ("which laundromat was worst on route completion last month?", "ROUTE_DONE_PCT", "station"),  # before: regions
    ("which site had the best route completion in january?", "ROUTE_DONE_PCT", "station"),
    ("which shop had the most washes last week?", "WASH_CYCLES", "station"),
    ("top 2 outlets by wash cycles last month", "WASH_CYCLES", "station"),
    ("which store is worst on machine uptime?", "MACHINE_UP_PCT", "station"),
    ("which side of town was worst on route completion?", "ROUTE_DONE_PCT", "region"),  # its regions: "North side", …
    ("which region was worst on route completion last month?", "ROUTE_DONE_PCT", "region"),
    ("worst zone for uptime this month", "MACHINE_UP_PCT", "region"),
])
def test_a_site_by_any_name_ranks_the_stations_and_never_says_there_is_no_such_breakdown(q, kpi, level):
    p = _plan(q)
    assert p.operation == "rank" and p.kpis == [kpi] and p.group_by == level, p.model_dump(exclude_defaults=True)
    assert not [n for n in p.notes if n.startswith("asks:breakdown:")], p.notes  # before: "no breakdown by shop"


def test_a_breakdown_the_data_does_not_have_is_still_said():
    p = _plan("which dryer had the most wash cycles?")
    assert "asks:breakdown:dryer" in p.notes, p.notes
    p = _plan("wash cycles by customer type")
    assert any(n.startswith("asks:breakdown:") for n in p.notes) or p.operation != "rank", p.notes


@pytest.mark.parametrize(("q", "site"), [
    ("wash cycles at old town laundromat last week", "LM-02"),
    ("how is the harbour laundromat doing?", "LM-01"),
    ("uptime at northgate", "LM-07"),
])
def test_each_site_is_still_found_by_its_own_words(q, site):
    p = _plan(q)
    assert [x.code for x in p.subjects.scopes] == [site], p.model_dump(exclude_defaults=True)


CITY = Catalog(  # a courier firm whose regions are cities, with business customers named after cities too
    stations={"MAN-1": "Trafford depot", "MAN-2": "Salford depot", "LDS-1": "Holbeck depot"},
    regions={"MAN": "Manchester", "LDS": "Leeds"}, kpis={"LATE_PCT": ["Late parcels"]},
    station_regions={"MAN-1": "MAN", "MAN-2": "MAN", "LDS-1": "LDS"},
    services=["track-api"], incidents=[], tickets=["CS-4410"],
)


@pytest.mark.parametrize(("q", "customer", "site"), [
    ("tickets from Siemens Manchester", "Siemens Manchester", None),  # before: the Manchester region's tickets
    ("how many open tickets from Leeds Building Society?", "Leeds Building Society", None),
    ("open tickets from Manchester", None, "MAN"),  # the region itself stays the region
])
def test_a_customer_whose_name_has_a_place_in_it(q, customer, site):
    r = route(q, {}, CITY, TODAY, None)
    p = r.query
    assert p is not None and p.operation == "ticket_stats", r
    assert [n for n in p.notes if n.startswith("customer:")] == ([f"customer:{customer}"] if customer else []), p.notes
    assert [x.code for x in p.subjects.scopes] == ([site] if site else []), p.model_dump(exclude_defaults=True)


def test_how_is_the_site_doing_asks_which_and_the_answer_is_that_sites_state():
    p = _plan("how's the laundromat doing?")  # before: "outside what I can answer"
    assert p.operation == "clarify" and p.clarification is not None, p.model_dump(exclude_defaults=True)
    assert p.clarification.question.startswith("Which laundromat? There are 4: LM-01 (Harbour Laundromat)"), p
    r = route("riverside", {}, WASH, TODAY, p)
    assert r.query is not None and r.query.operation == "attention", r
    assert [x.code for x in r.query.subjects.scopes] == ["LM-09"], r.query.model_dump(exclude_defaults=True)
    p = _plan("how are the shops doing?")
    assert p.operation == "attention" and not p.subjects.scopes, p.model_dump(exclude_defaults=True)
