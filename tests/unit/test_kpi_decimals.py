"""A KPI whose definition leaves ``decimals`` out is shown with decimals chosen from its values (no "12.00
complaints"): whole numbers summed are counts shown whole, averaged whole numbers get more the smaller they are, values
recorded with decimals keep two (more when tiny). Values of a made-up chain of dental clinics."""

from __future__ import annotations

import pytest

from tools.kpis.decimals import DEFAULT_DECIMALS, recorded_decimals, shown_decimals


@pytest.mark.parametrize(("value", "d"), [(12.0, 0), (96.8, 1), (0.35, 2), (1.0 / 3, 4), (-4.0, 0), (2.75, 2)])
def test_recorded_decimals(value, d):
    assert recorded_decimals(value) == d


@pytest.mark.parametrize(("values", "aggregation", "d"), [
    ([412.0, 389.0, 455.0, 401.0], "sum", 0),    # patients seen a day, totalled: "1,657 patients"
    ([0.0, 2.0, 1.0, 4.0, 0.0], "sum", 0),       # few complaints a day are still counts
    ([412.0, 389.0, 455.0], "mean", 0),          # an average of hundreds needs no decimals
    ([38.0, 41.0, 44.0, 40.0], "mean", 1),       # waiting patients on average: "40.8"
    ([3.0, 5.0, 4.0, 2.0], "mean", 2),           # a small average count: "3.50"
    ([96.8, 95.1, 97.3], "mean", 2),             # a percentage recorded with one decimal keeps the two it had
    ([12.25, 14.5, 13.75], "mean", 2),
    ([0.0123, 0.0151, 0.0098], "mean", 3),       # a tiny ratio is not shown as "0.01"
    ([0.5, 0.25, 0.75], "mean", 2),
    ([], "sum", DEFAULT_DECIMALS),               # no data: the former default
])
def test_shown_decimals(values, aggregation, d):
    assert shown_decimals(values, aggregation) == d
