"""A chain of laundrettes (two sites, two KPIs, a payment service) and the plan a question gets there: the second
organisation the routing tests of the stranger's phrasings are checked on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 2, 10)  # a Wednesday


def laundrettes(**more: Any) -> Catalog:
    """The chain's catalog; ``more`` adds to it (config changes, keys, the services they were made on)."""
    return Catalog(
        stations={"QSD": "Quayside Laundrette", "MKT": "Market Street Laundrette"}, regions={"N": "North"},
        kpis={"DRYER_UP_PCT": ["Dryer uptime", "dryer availability"], "WASHES": ["Washes", "loads washed"]},
        services=["coin-gateway", "cycle-controller"], incidents=[], tickets=[],
        station_regions={"QSD": "N", "MKT": "N"}, kpi_higher_is_better={"DRYER_UP_PCT": True, "WASHES": True},
        **more,
    )


def plan_of(question: str, cat: Catalog | None = None) -> Any:
    """The plan ``question`` gets on the chain (a fresh thread, today :data:`TODAY`)."""
    r = route(question, {}, cat or laundrettes(), TODAY, None)
    assert r.query is not None, question
    return r.query
