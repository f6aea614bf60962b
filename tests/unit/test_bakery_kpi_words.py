"""A bakery's KPIs named the ways people write them: an upper-case abbreviation of a KPI name's words ("PO" for
"Purchase orders …") beside another of its words links that KPI, not the tickets a word like "backlog" would
otherwise suggest; a short correction in a thread ("sorry, <alias> not <KPI>") replaces the KPI, without "I meant"."""

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


def test_short_correction_by_alias_replaces_the_kpi() -> None:
    """"sorry, spoilage not oven stoppages": the KPI named by its alias replaces the one asked before."""
    cat = _bakery()
    first = route("oven stoppages at KX1 last week", {}, cat, TODAY, None).query
    assert first is not None and first.kpis == ["OVEN_STOPS"]
    r = route("sorry, spoilage not oven stoppages", {}, cat, TODAY, first)
    assert r.query is not None and r.query.kpis == ["SPOIL_KG"], r.query
    assert [x.code for x in r.query.subjects.scopes] == ["KX1"] and r.query.window == first.window
