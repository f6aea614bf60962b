"""A regional bus company's catalog, built directly (no database): depots coded like "GB-DEP-0042-NORTH",
interchanges coded by road and junction ("A38-X4-KINGSWAY"), and KPIs named with generic words ("Average …",
"… per trip", "… %"). For the plan-level tests of KPI and place linking."""

from __future__ import annotations

import datetime as dt

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2026, 3, 11)


def bus() -> Catalog:
    return Catalog(
        stations={"GB-DEP-0042-NORTH": "Kirkgate North Depot", "GB-DEP-0042-SOUTH": "Kirkgate South Depot",
                  "GB-DEP-0117-WEST": "Fenwick Road Depot", "A38-X4-KINGSWAY": "Kingsway Interchange",
                  "A38-X9-HOLLOW": "Hollow Lane Interchange", "A61-X4-MARKET": "Market Street Interchange"},
        regions={"UPL": "Uplands", "VAL": "Valley"},
        kpis={"LOST_MILEAGE_PCT": ["Lost mileage %", "lost mileage", "lost km"],
              "AVG_DWELL_S": ["Average dwell time", "dwell"],
              "AVG_FARE_TRIP": ["Average fare per trip", "avg fare", "fare per trip"],
              "TRIPS_RUN": ["Trips operated", "trips run"],
              "PAX_COMPLAINTS": ["Passenger complaints", "complaints"]},
        services=["ticket-machines", "avl-tracker"], incidents=[],
        station_regions={"GB-DEP-0042-NORTH": "UPL", "GB-DEP-0042-SOUTH": "UPL", "GB-DEP-0117-WEST": "VAL",
                         "A38-X4-KINGSWAY": "UPL", "A38-X9-HOLLOW": "VAL", "A61-X4-MARKET": "VAL"},
        kpi_higher_is_better={"LOST_MILEAGE_PCT": False, "AVG_DWELL_S": False, "AVG_FARE_TRIP": True,
                              "TRIPS_RUN": True, "PAX_COMPLAINTS": False},
    )


CAT = bus()


def plan(question: str) -> QueryPlan:
    r = route(question, {}, CAT, TODAY, None)
    assert r.query is not None
    return r.query
