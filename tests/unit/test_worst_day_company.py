""""What was the worst day for <KPI> in <month> (and why)?", "which day was worst for X?": that day named, not the
sites ranked. "Which <place> had the most X?" still ranks the places. On a chain of laundrettes built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog


def _plan(question: str):  # type: ignore[no-untyped-def]
    cat = Catalog(
        stations={"QSD": "Quayside Laundrette", "MKT": "Market Street Laundrette"}, regions={"N": "North"},
        kpis={"DRYER_UP_PCT": ["Dryer uptime"], "WASHES": ["Washes", "loads washed"]},
        services=["coin-gateway"], incidents=[], tickets=[], station_regions={"QSD": "N", "MKT": "N"},
        kpi_higher_is_better={"DRYER_UP_PCT": True, "WASHES": True},
    )
    r = route(question, {}, cat, dt.date(2027, 2, 10), None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize("question", ["what was the worst day for washes in january and why",
                                      "which day was worst for dryer uptime in january?"])
def test_the_worst_day_is_a_day(question: str) -> None:
    p = _plan(question)
    assert p.operation == "lookup" and "day:worst" in p.notes and p.group_by is None, p.model_dump(exclude_defaults=True)


def test_which_place_is_still_a_ranking() -> None:
    p = _plan("which site had the most washes in january?")
    assert p.operation == "rank" and p.group_by == "station", p.model_dump(exclude_defaults=True)
