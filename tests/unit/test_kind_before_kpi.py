""""<kind> <site noun> <KPI>" ("theme park queues last week" where the site sheet's type column says "Theme" for
several sites): the sites of that kind, side by side — never "which one did you mean?". One of them asked about
("at the ski centre") still asks which, quoting the kind as said ("“ski centre” matches several stations"). On a
snow-sports and golf operator built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog

SKI, GOLF = ["SN-1", "SN-2", "SN-3"], ["GC-1", "GC-2"]
CAT = Catalog(
    stations={"SN-1": "Cairnhill Snowdome", "SN-2": "Bracken Snowdome", "SN-3": "Larchmoor Snowdome",
              "GC-1": "Whinfell Links", "GC-2": "Otterburn Links"},
    regions={"N": "North"},
    kpis={"ADMISSIONS": ["Visitor admissions", "admissions", "visitors"],
          "WAIT_MIN": ["Average wait minutes", "wait time", "waits"]},
    services=["till-sync"], incidents=[], station_regions=dict.fromkeys(SKI + GOLF, "N"),
    station_kinds={**dict.fromkeys(SKI, "Ski"), **dict.fromkeys(GOLF, "Golf")},
    kpi_higher_is_better={"ADMISSIONS": True, "WAIT_MIN": False})


def plan(q: str) -> QueryPlan:
    r = route(q, {}, CAT, dt.date(2027, 2, 10), None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "codes"), [
    ("ski centre admissions last week", SKI),
    ("Ski Centre wait times yesterday", SKI),
    ("golf club admissions this month", GOLF),
    ("ski admissions last week", SKI),  # the sheet's own kind, no site noun after it
    ("admissions last week at the ski centres", SKI),
])
def test_a_kind_before_a_kpi_is_its_sites(q: str, codes: list[str]) -> None:
    p = plan(q)
    assert p.operation != "clarify" and not p.unknown, p.model_dump(exclude_defaults=True)
    assert sorted(x.code or "" for x in p.subjects.scopes) == codes


def test_one_site_of_a_kind_is_asked_by_the_kind_as_said() -> None:
    p = plan("admissions at the ski centre last week")
    assert p.operation == "clarify" and p.clarification is not None
    assert p.clarification.question.startswith("“ski centre” matches several stations"), p.clarification.question
    assert plan("admissions at Bracken last week").subjects.scopes[0].code == "SN-2"
