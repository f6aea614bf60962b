""""Anything weird yesterday?", "anything odd at <site> this week?": what is flagged (every KPI, the open incidents
too when no place is named), not out of scope. On a chain of laundrettes built here."""

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


@pytest.mark.parametrize(("question", "incidents"), [
    ("anything weird yesterday?", True), ("anything strange going on?", True),
    ("anything odd at quayside this week?", False),
])
def test_anything_weird_is_what_is_flagged(question: str, incidents: bool) -> None:
    p = _plan(question)
    assert p.operation == "attention", (question, p.model_dump(exclude_defaults=True))
    assert ("attention:incidents" in p.notes) == incidents, p.notes
