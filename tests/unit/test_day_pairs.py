"""'<KPI> at <site> yesterday vs the day before', 'today vs yesterday', 'the day before yesterday vs yesterday':
two days said against each other are two periods (each day's value side by side with the difference), not one
window totalled over both days; 'how did <site> do yesterday vs the day before' is every KPI there, day on day.
On a library network built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.specialists.kpi_sites_periods import two_periods_many_sites
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 3, 10)


def _catalog() -> Catalog:
    return Catalog(
        stations={"HBS": "Harbourside Library", "MBK": "Millbrook Library"}, regions={"ES": "East Side"},
        kpis={"LOANS": ["Loans issued", "loans", "checkouts"], "HOLD_WAIT": ["Hold wait days", "hold wait"]},
        services=["catalogue-api"], incidents=[], station_regions={"HBS": "ES", "MBK": "ES"},
        kpi_higher_is_better={"LOANS": True, "HOLD_WAIT": False},
    )


def _plan(q: str) -> QueryPlan:
    r = route(q, {}, _catalog(), TODAY, None)
    assert r.query is not None
    return r.query


Y, DB = str(TODAY - dt.timedelta(days=1)), str(TODAY - dt.timedelta(days=2))


@pytest.mark.parametrize(("q", "span"), [
    ("loans at harbourside yesterday vs the day before", (DB, Y)),
    ("loans at harbourside yesterday compared with the previous day", (DB, Y)),
    ("loans at harbourside the day before yesterday vs yesterday", (DB, Y)),
    ("hold wait at HBS today vs yesterday", (Y, str(TODAY))),
    ("yesterday versus the day before that: loans at millbrook", (DB, Y)),
])
def test_two_days_against_each_other_are_two_periods(q: str, span: tuple[str, str]) -> None:
    p = _plan(q)
    w = p.window
    assert w is not None and (str(w.start), str(w.end)) == span, (q, w)
    # before: the label "yesterday and the day before" (no " vs "), so one total over both days was answered
    assert " vs " in f" {w.label} " and w.grain == "day" and not w.single_day, (q, w)
    assert len(p.subjects.scopes) == 1 and p.kpis, (q, p.model_dump(exclude_defaults=True))


def test_a_site_day_on_day_with_no_kpi_is_every_kpi_there() -> None:
    p = _plan("how did harbourside do yesterday vs the day before?")
    assert p.operation == "compare" and "all_kpis" in p.notes and "period:one" not in p.notes, p.notes


def test_two_sites_day_on_day_are_each_sites_two_days() -> None:
    p = _plan("loans at harbourside and millbrook yesterday vs the day before")
    assert [x.code for x in p.subjects.scopes] == ["HBS", "MBK"] and two_periods_many_sites(p), p.model_dump(exclude_defaults=True)


def test_one_day_and_a_plain_two_day_window_are_unchanged() -> None:
    p = _plan("loans at harbourside the day before yesterday")
    assert p.window is not None and p.window.single_day and str(p.window.start) == DB
    p = _plan("loans at harbourside over the last 2 days")
    assert p.window is not None and " vs " not in f" {p.window.label} "
