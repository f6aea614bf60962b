""""And error rate?" after a service's latency: that service's errors — not the latency again; "and since monday?"
keeps the metric. On a credit union's services built here."""

from __future__ import annotations

import datetime as dt

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 3, 10)


def _cat() -> Catalog:
    return Catalog(stations={"CEN": "Central Branch"}, regions={"R": "Region"}, kpis={"LOANS": ["Loans approved"]},
                   services=["ledger-api", "card-auth"], incidents=[], tickets=[], station_regions={"CEN": "R"},
                   kpi_higher_is_better={"LOANS": True})


def _turns(*questions: str):  # type: ignore[no-untyped-def]
    prior = None
    for q in questions:
        r = route(q, {}, _cat(), TODAY, prior)
        assert r.query is not None, q
        prior = r.query
    return prior


def test_another_metric_of_the_same_service() -> None:
    p = _turns("ledger-api p95 latency since the 3rd", "and error rate?")
    assert p.subjects.services == ["ledger-api"], p.model_dump(exclude_defaults=True)
    assert [m.role for m in p.service_metrics] == ["errors"], p.model_dump(exclude_defaults=True)


def test_a_new_period_keeps_the_metric() -> None:
    p = _turns("ledger-api p95 latency since the 3rd", "and since monday?")
    assert [m.role for m in p.service_metrics] == ["latency"], p.model_dump(exclude_defaults=True)
