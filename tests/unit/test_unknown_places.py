"""A place, a site word or a metric the organisation does not have is said so — never the whole organisation's
answer instead, never a KPI whose name shares a word. A bakery chain built here: its sites are "… bakehouse"s, one
of its KPIs is named after them ("Bakehouse hygiene score")."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 4, 14)
BAKERY = Catalog(
    stations={"HGT": "Harrogate bakehouse", "RIP": "Ripon bakehouse", "SKP": "Skipton bakehouse", "OTL": "Otley kiosk"},
    regions={"DALES": "Dales", "TOWN": "Town"},
    station_regions={"HGT": "TOWN", "RIP": "DALES", "SKP": "DALES", "OTL": "TOWN"},
    kpis={"WASTE_PCT": ["Bake waste %", "waste"], "HYGIENE": ["Bakehouse hygiene score"],
          "SOLD_OUT": ["Sold-out hours"], "LATE_VANS": ["Late delivery vans"]},
    services=["oven-telemetry", "till.sync"], incidents=["BK-4"], tickets=["CR-19"],
)


def _plan(q: str):
    r = route(q, {}, BAKERY, TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "place"), [
    ("how is halifax doing?", "halifax"),  # before: outside what it can answer
    ("how's Leeds Central bakehouse doing?", "Leeds Central"),
    ("how are things at halifax?", "halifax"),
    ("bake waste at halifax", "halifax"),  # before: the whole chain's bake waste
    ("anything wrong at halifax?", "halifax"),  # before: the whole chain's attention list
])
def test_a_place_it_does_not_have_is_said_so(q, place):
    p = _plan(q)
    assert p.operation == "unknown", p.model_dump(exclude_defaults=True)
    assert [(u.kind, u.text) for u in p.unknown] == [("station", place)], p.unknown
    assert not p.subjects.scopes and any(n.startswith("pending:") for n in p.notes), p


@pytest.mark.parametrize(("q", "op", "at", "kpis"), [
    ("bake waste at night", "lookup", [], ["WASTE_PCT"]),  # a time of day, not a place
    ("how is Ripon doing?", "attention", ["RIP"], []),
    ("how are the bakehouses doing?", "attention", [], []),  # before: the hygiene score (a KPI named after them)
    ("how are the bakehouses in the dales doing?", "attention", ["DALES"], []),  # before: "Which KPI do you mean"
    ("how is the hygiene score at ripon?", "lookup", ["RIP"], ["HYGIENE"]),
])
def test_places_and_times_it_knows_are_answered(q, op, at, kpis):
    p = _plan(q)
    assert p.operation == op and [x.code for x in p.subjects.scopes] == at and p.kpis == kpis, p.model_dump(
        exclude_defaults=True)
    assert not p.unknown, p.unknown


def test_how_are_we_doing_is_no_place():
    p = _plan("how are we doing?")
    assert p.operation != "unknown" and not p.unknown, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("q", "said"), [
    ("OTP MX rate at DAL last week", [("KPI", "OTP MX rate"), ("station", "DAL")]),  # before: three unknown stations
    ("NPS score at ripon", [("KPI", "NPS score")]),
    ("CSAT at skipton", [("KPI", "CSAT")]),  # before: an unknown station and an unknown KPI, both "CSAT"
])
def test_a_metric_it_does_not_have_is_an_unknown_kpi_not_a_place(q, said):
    p = _plan(q)
    assert p.operation == "unknown" and [(u.kind, u.text) for u in p.unknown] == said, p.unknown


@pytest.mark.parametrize(("q", "by"), [
    ("bake waste by supplier at ripon", "supplier"),  # before: Ripon's bake waste, as if it were kept per supplier
    ("which van had the most bake waste?", "van"),  # before: none ("van" is a word of another KPI's name)
    ("which bakehouse had the most bake waste?", None),
    ("bake waste by site this week", None),
    ("which mixer at ripon had the most bake waste?", "mixer"),  # before: Ripon's bake waste (a place between the words)
    ("which baker in skipton has the most bake waste", "baker"),
    ("which bakehouse in the dales had the most bake waste?", None),
])
def test_a_breakdown_the_kpis_are_not_kept_by_is_said(q, by):
    p = _plan(q)
    assert [n.rsplit(":", 1)[1] for n in p.notes if n.startswith("asks:breakdown:")] == ([by] if by else []), p.notes
