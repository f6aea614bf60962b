"""The organisation's own words for its regions and kinds of site, read as the assistant's (plan level).

Before: a water company whose regions are "Upper Vale district", "Lower Vale district", … got "the data has no
breakdown by district" for "which district is worst on X" (its sites ranked instead); "rank the stations by X" listed
the worst five only; "how are the swim pools doing?" at a chain with sites named "… Swimpool" was "I don't know a
station called 'swim'"; "how are the primary schools doing?" where the site sheet says "primary" was no such site."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog
from agents.understanding.org_words import region_word

TODAY = dt.date(2027, 5, 20)

WATER = Catalog(
    stations={"UV-TW1": "Ashgrove Treatment Works", "UV-TW2": "Bramley Treatment Works",
              "LV-PS1": "Coldharbour Pumping Station", "LV-PS2": "Dunmere Pumping Station",
              "HT-PS3": "Eastwick Pumping Station"},
    regions={"UV": "Upper Vale district", "LV": "Lower Vale district", "HT": "Hilltop district"},
    kpis={"SUP": ["Supply availability"], "KWH": ["Energy use"]}, services=[], incidents=[],
    station_regions={"UV-TW1": "UV", "UV-TW2": "UV", "LV-PS1": "LV", "LV-PS2": "LV", "HT-PS3": "HT"})

LEISURE = Catalog(
    stations={"KM": "Kingsmead Leisure Centre", "OF": "Oakfield Leisure Centre", "RS": "Riverside Swimpool",
              "HL": "Hollins Swimpool", "NG": "Northgate Car Park", "SG": "Southgate Car Park"},
    regions={"N": "North", "S": "South"}, kpis={"ATT": ["Attendance", "visits"]}, services=[], incidents=[])

SCHOOLS = Catalog(
    stations={"ELM": "Elmfield", "BRY": "Bryony Hill", "CAS": "Castlegate", "DUN": "Dunmore"},
    regions={"N": "North"}, kpis={"ABS": ["Pupil absence"]}, services=[], incidents=[],
    station_kinds={"ELM": "primary", "BRY": "primary", "CAS": "secondary", "DUN": "secondary"})


def _plan(cat: Catalog, q: str) -> QueryPlan:
    p = route(q, {}, cat, TODAY, None).query
    assert p is not None
    return p


@pytest.mark.parametrize(("q", "limit"), [
    ("which district has the worst supply availability", 1),
    ("rank districts by energy use last month", 3),
    ("energy use by district last month", 3),
    ("rank the districts on supply availability", 3),
])
def test_the_organisations_word_for_its_regions_groups_by_region(q, limit):
    p = _plan(WATER, q)
    assert (p.operation, p.group_by, p.limit) == ("rank", "region", limit), p.model_dump(exclude_defaults=True)
    assert not any(n.startswith("asks:breakdown") for n in p.notes), p.notes


def test_a_region_named_with_that_word_or_with_region_is_that_region():
    for q in ("how is Upper Vale district doing", "how is the upper vale region doing"):
        p = _plan(WATER, q)
        assert [x.code for x in p.subjects.scopes] == ["UV"], (q, p.model_dump(exclude_defaults=True))


def test_the_word_is_not_taken_when_sites_or_kpis_have_it_or_it_is_a_direction():
    assert region_word(WATER.regions) == "district"
    assert region_word({"N": "North", "S": "South"}) is None
    assert region_word({"NE": "North East", "NW": "North West", "SE": "South East"}) is None
    heat = Catalog(stations={"A": "Alder Row", "B": "Birch Row"}, regions={"U": "Upper district", "L": "Lower district"},
                   kpis={"LOSS": ["District heating loss"]}, services=[], incidents=[])
    p = _plan(heat, "which district heating loss is worst")
    assert p.kpis == ["LOSS"], p.model_dump(exclude_defaults=True)


def test_rank_without_a_number_lists_every_one():
    p = _plan(WATER, "rank the stations by energy use last month")
    assert (p.operation, p.group_by, p.limit) == ("rank", "station", 5), p.model_dump(exclude_defaults=True)
    p = _plan(WATER, "top 2 stations by energy use last month")
    assert p.limit == 2, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("q", "sites"), [
    ("how are the swim pools doing?", ["HL", "RS"]),  # named "… Swimpool"
    ("which swim pool has the worst attendance", ["HL", "RS"]),
    ("how are the carparks doing?", ["NG", "SG"]),  # named "… Car Park"
    ("which leisure centre had the fewest visits last week", ["KM", "OF"]),
])
def test_a_kind_written_as_one_word_or_two(q, sites):
    p = _plan(LEISURE, q)
    assert sorted(x.code or "" for x in p.subjects.scopes) == sites, p.model_dump(exclude_defaults=True)
    assert not p.unknown, p.unknown


@pytest.mark.parametrize(("q", "sites"), [
    ("how are the primary schools doing?", ["BRY", "ELM"]),
    ("which secondary school has the worst pupil absence", ["CAS", "DUN"]),
    ("compare the primary schools and the secondary schools on pupil absence", ["BRY", "CAS", "DUN", "ELM"]),
])
def test_a_kind_from_the_site_sheet_said_with_what_the_sites_are(q, sites):
    p = _plan(SCHOOLS, q)
    assert sorted(x.code or "" for x in p.subjects.scopes) == sites, p.model_dump(exclude_defaults=True)
    assert not p.unknown and p.operation != "clarify", p.model_dump(exclude_defaults=True)
