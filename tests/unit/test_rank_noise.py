""""Which branch is worst on X (and why)?" when every branch's value is within its day-to-day noise of the first:
said ("no station stands out"), and "why" explains what they share. Before: a ranking of six values within
2.22–2.26% read as a clear worst, and "which <the organisation's own word for a site> is worst … and why" (a word
outside the built-in place nouns) was a plain ranking with no why. A chain of public libraries built here."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from agents.router import route
from agents.specialists.kpi_rank_noise import tie_line
from agents.understanding.catalog import Catalog
from tools.kpis import KpiInfo
from tools.kpis.questions import RankRow, within_noise

LIBS = Catalog(
    stations={"AS": "Ashcombe Library", "KE": "Kelvedon Library", "MI": "Millbrook Library"},
    regions={"EAST": "East"}, services=["catalogue-api"], incidents=[], tickets=[],
    kpis={"LATE_RET": ["Late returns", "overdue returns"]}, station_regions={"AS": "EAST", "KE": "EAST", "MI": "EAST"},
    kpi_higher_is_better={"LATE_RET": False},
)


def test_which_library_is_worst_and_why_ranks_then_explains():
    for q in ("which library is worst on late returns and why", "worst library for late returns, and why?"):
        plan = route(q, {}, LIBS, dt.date(2027, 4, 14), None).query
        assert plan is not None and plan.operation == "explain" and plan.limit == 1, plan  # before: rank, no why
    plan = route("which libraries are worst on late returns", {}, LIBS, dt.date(2027, 4, 14), None).query
    assert plan is not None and plan.operation == "rank"


def _rows(values: list[float], spread: float, days: int = 30) -> list[RankRow]:
    return [RankRow(rank=i, code=c, name=c, value=v, days=days, spread=spread)
            for i, (c, v) in enumerate(zip(["AS", "KE", "MI"], values, strict=False), 1)]


def test_values_within_their_noise_are_not_told_apart():
    assert within_noise(_rows([2.26, 2.25, 2.22], spread=0.2), "mean") == ["KE", "MI"]
    assert within_noise(_rows([4.10, 2.25, 2.22], spread=0.2), "mean") == []  # a real worst stands out
    assert within_noise(_rows([120.0, 118.0, 80.0], spread=2.0, days=7), "sum") == ["KE"]


def test_the_answer_says_no_branch_stands_out():
    k = KpiInfo(id=1, code="LATE_RET", name="Late returns", unit="%", aggregation="mean", decimals=2, higher_is_better=False)
    rows = _rows([2.26, 2.25, 2.22], spread=0.2)
    r = SimpleNamespace(kpi=k, rows=rows, total=3, order="worst", within_noise=["KE", "MI"], lowest=2.22, highest=2.26)
    assert tie_line(r, "station").startswith("No station stands out: all 3 are between 2.22% and 2.26%")
    r.within_noise = ["KE"]
    assert tie_line(r, "station").startswith("AS is not clearly the worst: KE is within day-to-day noise of it")
    r.within_noise = []
    assert tie_line(r, "station") is None
