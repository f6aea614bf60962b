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


def test_which_one_in_a_thread_keeps_the_threads_kpi_for_a_site_or_all_of_them():
    asked, site = _thread("concessions at abbeygate", "what about the lido?", "westgate")[1:]
    assert asked.intent == "clarify" and "Which one did you mean?" in asked.notices[0]
    assert site.query is not None and (site.query.operation, site.query.kpis, _at(site.query)) == (
        "lookup", ["CONC_SPEND"], ["WGL"])
    for every in ("all of them", "both", "all three"):
        r = _thread("concessions at abbeygate", "what about the lido?", every)[-1]
        assert r.query is not None and (r.query.operation, r.query.kpis, _at(r.query)) == (
            "compare", ["CONC_SPEND"], LIDOS), every


def test_a_turn_that_does_not_answer_which_one_goes_on_with_the_thread():
    asked, why = _thread("concessions at abbeygate", "what about the lido?", "why?")[1:]
    assert asked.intent == "clarify"
    assert why.intent != "clarify", why.notices
    assert why.query is not None and (why.query.operation, why.query.kpis, _at(why.query)) == (
        "explain", ["CONC_SPEND"], ["ABG"])


def test_which_one_is_never_asked_again_word_for_word_and_all_of_them_answers_it():
    first, again, every = _thread("concessions at the lido", "why?", "all of them")
    assert first.intent == again.intent == "clarify"
    assert again.notices != first.notices and "all of them" in again.notices[0], again.notices
    assert every.query is not None and (every.query.operation, every.query.kpis, _at(every.query)) == (
        "compare", ["CONC_SPEND"], LIDOS)
    doing, all_of_them = _thread("how is the lido doing?", "all of them")
    assert doing.intent == "clarify"
    assert all_of_them.query is not None and (all_of_them.query.operation, _at(all_of_them.query)) == ("attention", LIDOS)
