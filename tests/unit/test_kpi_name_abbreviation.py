"""An upper-case abbreviation of a KPI name's words ("PO" for "Purchase orders …") beside another of its words
links that KPI, not the tickets a word like "backlog" would otherwise suggest."""

from __future__ import annotations

import datetime as dt

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2026, 12, 3)


def _bakery() -> Catalog:
    return Catalog(
        stations={"KX1": "Kestrel Bakery Plant", "MRW": "Marrow Lane Depot"}, regions={},
        kpis={"PO_LATE": ["Purchase orders late", "late POs", "procurement backlog"],
              "OVEN_STOPS": ["Oven stoppages", "oven trips"], "SPOIL_KG": ["Spoilage kilograms", "spoilage"]},
        services=["order-hub"], incidents=[], tickets=[], station_regions={},
        kpi_higher_is_better={"PO_LATE": False, "OVEN_STOPS": False, "SPOIL_KG": False})


def test_abbreviated_kpi_words_link_the_kpi() -> None:
    cat = _bakery()
    r = route("since when has the PO backlog at KX1 been climbing?", {}, cat, TODAY, None)
    assert r.query is not None and r.query.kpis == ["PO_LATE"], r.query
    assert r.query.operation == "lookup" and "q:since" in r.query.notes
    r = route("PO backlog at MRW last week", {}, cat, TODAY, None)
    assert r.query is not None and r.query.kpis == ["PO_LATE"]

