""""Which <region word> needs attention / is in trouble / should we look at first?" is the attention check grouped by
region (the regions ranked by their sites' signals), not every site's series in one list and not "rank by which
KPI?"; the organisation's own word for its regions ("… district") is read as region. A KPI said with the words of
attention keeps to it; "which district is worst on X" stays a ranking. On a water utility's districts built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 5, 12)


def _catalog() -> Catalog:
    return Catalog(
        stations={"KLN": "Kilnworth Pumping Station", "RDM": "Redmoor Pumping Station", "ASF": "Ashford Reservoir",
                  "BLY": "Bly Weir"},
        regions={"UV": "Upper Vale district", "LV": "Lower Vale district", "CH": "Chalk Hills district"},
        kpis={"LEAK_ML": ["Leakage megalitres", "leakage"], "PRESSURE_OK": ["Pressure compliance", "pressure"]},
        services=["scada-hub"], incidents=[],
        station_regions={"KLN": "UV", "RDM": "UV", "ASF": "LV", "BLY": "CH"},
        kpi_higher_is_better={"LEAK_ML": False, "PRESSURE_OK": True},
    )


def _plan(q: str) -> QueryPlan:
    r = route(q, {}, _catalog(), TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize("q", [
    "which district needs attention?",
    "which district is in trouble?",
    "which district should we look at first?",
    "which districts need the most attention right now",
    "which district has the most problems?",
    "which district is doing worst?",
    "what needs attention in each district?",
    "which region is struggling?",
])
def test_which_region_needs_attention_is_the_regions_ranked(q: str) -> None:
    p = _plan(q)
    # before: the stations' series in one list, or "Rank by which KPI?"
    assert p.operation == "attention" and p.group_by == "region", (q, p.model_dump(exclude_defaults=True))
    assert not p.subjects.scopes and p.clarification is None, (q, p.model_dump(exclude_defaults=True))


def test_a_kpi_with_the_words_of_attention_keeps_to_it() -> None:
    p = _plan("which district needs attention on leakage?")
    assert p.operation == "attention" and p.group_by == "region" and p.kpis == ["LEAK_ML"], p.model_dump(exclude_defaults=True)


def test_worst_on_a_kpi_and_a_named_region_are_unchanged() -> None:
    p = _plan("which district is worst on leakage?")
    assert p.operation == "rank" and p.group_by == "region", p.model_dump(exclude_defaults=True)
    p = _plan("what needs attention in upper vale?")
    assert p.operation == "attention" and p.group_by != "region", p.model_dump(exclude_defaults=True)
    assert [x.code for x in p.subjects.scopes] == ["UV"]
    p = _plan("which pumping station needs attention?")
    assert p.group_by != "region", p.model_dump(exclude_defaults=True)
