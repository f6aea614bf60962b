"""The organisation's word for its sites is not part of a service's name: with bakeries called "… Bakehouse" and a
service "bakehousepos", "how are the bakehouses doing?" is every site, "how's the bakehouse doing?" asks which one,
and only the service's full name (or that name typed in two words) is the service."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2026, 12, 3)


def _bakery() -> Catalog:
    return Catalog(
        stations={"HRL": "Harlow Bakehouse", "SLG": "Slough Bakehouse", "CRW": "Crewe Bakehouse", "LTN": "Luton Bakehouse"},
        regions={"S": "South", "N": "North"},
        kpis={"LOAF_WASTE": ["Loaf waste", "waste"], "OVEN_UP": ["Oven uptime", "uptime"]},
        services=["bakehousepos", "routeplan", "till-gateway"], incidents=[],
        station_regions={"HRL": "S", "SLG": "S", "CRW": "N", "LTN": "S"})


def _plan(q: str):  # type: ignore[no-untyped-def]
    r = route(q, {}, _bakery(), TODAY, None)
    assert r.query is not None
    return r.query


def test_the_sites_word_in_the_plural_is_every_site_not_the_service() -> None:
    for q in ("how are the bakehouses doing?", "how are all the bakehouses doing", "how are our bakehouses doing?"):
        p = _plan(q)
        assert p.subjects.services == [] and p.operation == "attention", (q, p)


def test_one_site_named_with_the_sites_word_is_that_site() -> None:
    p = _plan("how's the harlow bakehouse doing?")
    assert p.subjects.services == [] and [x.code for x in p.subjects.scopes] == ["HRL"]


def test_the_sites_word_alone_asks_which_site() -> None:
    p = _plan("how's the bakehouse doing?")
    assert p.operation == "clarify" and p.clarification is not None and p.clarification.kind == "station"
    assert p.subjects.services == []


def test_the_service_is_still_named_by_its_name_or_a_typo_of_it() -> None:
    for q in ("is bakehousepos ok?", "how is the bakehouse pos doing?", "is bakehousepo ok"):
        assert _plan(q).subjects.services == ["bakehousepos"], q


def _thread(*qs: str):  # type: ignore[no-untyped-def]
    cat, last = _bakery(), None
    for q in qs:
        r = route(q, {}, cat, TODAY, last)
        last = r.query if (r.specialists or r.intent in ("clarify", "unknown")) else last
    assert last is not None
    return last


@pytest.mark.parametrize("q", ["and the other bakehouses, same problem?", "what about the other bakehouses?",
                               "and the rest of the bakehouses?", "same at the other sites?"])
def test_the_other_sites_in_a_thread_are_the_threads_kpi_at_every_other_site(q: str) -> None:
    p = _thread("why did loaf waste at harlow go up?", q)
    assert p.operation == "compare" and p.kpis == ["LOAF_WASTE"] and p.subjects.services == [], p
    assert sorted(x.code for x in p.subjects.scopes if x.code) == ["CRW", "LTN", "SLG"]
    assert p.ticket_text is None
