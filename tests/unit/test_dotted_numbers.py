"""A number with one dot: "on 5.11" is 5 November; "the POS 4.13 crashes", "release 3.2", "4.5 hours" and a pair that
is no day.month ("4.13") are not dates — never a time of day read as today (on a bakery chain, not the demo's org)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2026, 12, 3)


def _bakery() -> Catalog:
    return Catalog(
        stations={"HRL": "Harlow Bakehouse", "SLG": "Slough Bakehouse", "CRW": "Crewe Bakehouse"},
        regions={"S": "South", "N": "North"},
        kpis={"LOAF_WASTE": ["Loaf waste", "waste"], "PROOF_HRS": ["Proofing hours", "proofing time"]},
        services=["tillpos", "routeplan"], incidents=[], tickets=["BK-1001"],
        station_regions={"HRL": "S", "SLG": "S", "CRW": "N"})


def _plan(q: str):  # type: ignore[no-untyped-def]
    r = route(q, {}, _bakery(), TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize("q", ["which tickets are about the POS 4.13 crashes?", "tickets mentioning release 3.2",
                               "any tickets about the 4.13 update?", "tickets about tillpos 4.13"])
def test_a_version_is_no_date_and_stays_in_the_searched_words(q: str) -> None:
    p = _plan(q)
    assert p.operation == "ticket_search" and p.window is None, p
    assert p.ticket_text is not None and re.search(r"\d\.\d", p.ticket_text.subject), p.ticket_text


@pytest.mark.parametrize(("q", "day"), [("loaf waste at harlow on 5.11", "2026-11-05"),
                                        ("loaf waste on 24.11", "2026-11-24"),
                                        ("was proofing time above 4.5 hours on 25.11?", "2026-11-25"),
                                        ("loaf waste on 24/11", "2026-11-24")])
def test_a_day_and_month_with_a_dot_is_that_day(q: str, day: str) -> None:
    p = _plan(q)
    assert p.window is not None and p.window.single_day and str(p.window.start) == day, p


def test_a_measure_with_its_unit_is_no_date() -> None:
    assert _plan("proofing time 4.5 hours at slough").window is None
