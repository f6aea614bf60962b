"""Values with their units as the answers print them: one of something is singular, whatever the unit's word."""

from __future__ import annotations

import pytest

from tools.kpis.shaping import fmt_amount


@pytest.mark.parametrize(("x", "decimals", "unit", "said"), [
    (1, 0, "parcels", "1 parcel"),  # before: "1 parcels"
    (1, 0, "deliveries", "1 delivery"),
    (1, 0, "boxes", "1 box"),
    (1, 0, "dispatches", "1 dispatch"),
    (1, 0, "mins", "1 min"),
    (-1, 0, "rides", "-1 ride"),
    (2, 0, "parcels", "2 parcels"),
    (1.0, 1, "parcels", "1.0 parcels"),  # a measured 1.0 stays as the unit is written
    (1234.5, 1, "lockers", "1,234.5 lockers"),
    (1, 0, "%", "1%"),
    (1, 0, "ms", "1 ms"),  # abbreviations and symbols are never touched
    (1, 0, "kWh", "1 kWh"),
    (1, 0, "gas", "1 gas"),
    (1, 0, "class", "1 class"),
    (1, 0, "count", "1"),
    (None, 0, "parcels", "n/a"),
])
def test_one_of_a_unit_is_singular(x, decimals, unit, said):
    assert fmt_amount(x, decimals, unit) == said


def test_ungrouped_for_the_series_lines():
    assert fmt_amount(1234.5, 1, "lockers", grouped=False) == "1234.5 lockers"
