"""Site codes with letters beyond ASCII and digits ("ŁDZ-01", "KÖL-NORD") typed the way people type them."""

from __future__ import annotations

import dataclasses

import pytest

from agents.router import route
from tests.unit.understanding_orgs import TODAY, water


@pytest.fixture(scope="module")
def noc():
    cat = water()
    return dataclasses.replace(cat, stations={**cat.stations, "ŁDZ-01": "Łódź Centrum", "KÖL-NORD": "Köln Nord"},
                               station_regions={**cat.station_regions, "ŁDZ-01": "NETZ", "KÖL-NORD": "NETZ"})


@pytest.mark.parametrize("typed", ["ŁDZ-01", "LDZ-01", "ldz-01", "Łódź", "lodz"])
def test_a_coded_site_is_that_site_whatever_the_accents(noc, typed):
    r = route(f"mains bursts at {typed} last week", {}, noc, TODAY, None)
    text = " ".join(r.notices)
    assert "don't know an id" not in text
    assert "ŁDZ-01" in text or (r.query is not None and "ŁDZ-01" in r.query.stations)


def test_an_unknown_id_is_still_unknown(noc):
    r = route("what happened in ST-26-099?", {}, noc, TODAY, None)
    assert any("ST-26-099" in n for n in r.notices)
