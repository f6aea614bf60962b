"""Sites of one kind (several stations whose names share a word) said as a set, and "which one did you mean?" in a
thread — on a leisure operator built here: three "… Cinema"s and two "… Lido"s.

Before: "how are the lidos doing?", "and the other cinemas?" (in a thread about one cinema) and "cinemas vs lidos
on X" asked which one was meant (or answered for the cinemas only), and a follow-up that did not answer that question
("why?", or "all of them" when the question had no pending plan) got the same question again, word for word."""

from __future__ import annotations

import datetime as dt

from agents.plan import QueryPlan
from agents.router import RoutePlan, route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 5, 12)
CINEMAS, LIDOS = ["ABG", "MLB", "OXL"], ["WGL", "HOL"]


def leisure() -> Catalog:
    return Catalog(
        stations={"ABG": "Abbeygate Cinema", "MLB": "Millbrook Cinema", "OXL": "Oxley Cinema",
                  "WGL": "Westgate Lido", "HOL": "Hollins Lido"},
        regions={"N": "Northern", "S": "Southern"},
        kpis={"SCREEN_OCC_PCT": ["Screen occupancy", "seat fill"],
              "CONC_SPEND": ["Concession spend per head", "concessions", "spend per head"],
              "POOL_CLOSURES": ["Pool closures", "closures"]},
        services=["booking-web"], incidents=[], station_regions={"ABG": "N", "MLB": "N", "OXL": "S", "WGL": "N", "HOL": "S"},
        kpi_higher_is_better={"SCREEN_OCC_PCT": True, "CONC_SPEND": True, "POOL_CLOSURES": False},
        kpi_stations={"SCREEN_OCC_PCT": CINEMAS, "CONC_SPEND": CINEMAS + LIDOS, "POOL_CLOSURES": LIDOS},
    )


CAT = leisure()


def _thread(*questions: str) -> list[RoutePlan]:
    out, last = [], None
    for q in questions:
        r = route(q, {}, CAT, TODAY, last)
        out.append(r)
        last = r.query if (r.specialists or r.intent in ("clarify", "unknown")) else last  # as the coordinator keeps it
    return out


def _at(plan: QueryPlan | None) -> list[str]:
    assert plan is not None
    return [x.code or x.level for x in plan.subjects.scopes]


def test_the_other_sites_of_a_kind_are_the_threads_kpi_there_without_its_site():
    r = _thread("screen occupancy at abbeygate", "and the other cinemas?")[-1]
    assert r.query is not None and r.intent != "clarify", r.notices
    assert (r.query.operation, r.query.kpis, _at(r.query)) == ("compare", ["SCREEN_OCC_PCT"], ["MLB", "OXL"])


def test_the_other_sites_of_a_kind_not_reporting_the_threads_kpi_are_how_they_are_doing():
    r = _thread("screen occupancy at abbeygate", "and the other lidos?")[-1]
    assert r.query is not None and (r.query.operation, r.query.kpis, _at(r.query)) == ("attention", [], LIDOS)


def test_how_are_the_sites_of_a_kind_doing_is_every_kpi_at_them():
    for prior in ([], ["screen occupancy at abbeygate"]):
        r = _thread(*prior, "how are the lidos doing?")[-1]
        assert r.query is not None and r.intent != "clarify", r.notices
        assert (r.query.operation, r.query.kpis, _at(r.query)) == ("attention", [], LIDOS), prior


def test_two_kinds_against_each_other_are_both_sets():
    r = _thread("cinemas vs lidos on concessions")[-1]
    assert r.query is not None and r.query.operation == "compare" and r.query.kpis == ["CONC_SPEND"]
    assert _at(r.query) == CINEMAS + LIDOS
