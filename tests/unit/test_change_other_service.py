""""Did <change> hurt <another service>'s latency?", "did <change> make <svc> slower?": that service's metric before
vs after the change (the plan keeps the service asked about, not the change's own), a yes/no; the change's own
service as before. On a brewery's systems built here."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 6, 20)


def _catalog() -> Catalog:
    return Catalog(
        stations={"BRW": "Brewhouse"}, regions={"NO": "North"}, kpis={"BATCH_LOSS": ["Batch loss", "batch loss"]},
        services=["mash-ctl", "keg-gw", "taproom-app"], incidents=[], station_regions={"BRW": "NO"},
        kpi_higher_is_better={"BATCH_LOSS": False},
        deployments=["keg-rel-7"], config_changes=["CK-CFG-41"],
        config_keys={"brew.mash.pollIntervalSec": "CK-CFG-41"},
        change_services={"CK-CFG-41": ("mash-ctl", dt.date(2027, 6, 12)), "keg-rel-7": ("keg-gw", dt.date(2027, 6, 18))},
        config_history={"brew.mash.pollIntervalSec": [("CK-CFG-41", "30")]},
    )


def _plan(q: str) -> QueryPlan:
    r = route(q, {}, _catalog(), TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "svc"), [
    ("did CK-CFG-41 hurt keg-gw latency?", "keg-gw"),
    ("did the poll interval change hurt keg-gw errors?", "keg-gw"),
    ("did CK-CFG-41 affect keg-gw's error rate?", "keg-gw"),
    ("was taproom-app latency hurt by the pollIntervalSec change?", "taproom-app"),
    ("did CK-CFG-41 make taproom-app slower?", "taproom-app"),
    ("did CK-CFG-41 hurt mash-ctl latency?", "mash-ctl"),  # the change's own service, as before
])
def test_a_change_and_a_service_metric_is_that_metric_either_side(q: str, svc: str) -> None:
    p = _plan(q)
    # before: another service than the change's own gave its change log ("Yes — keg-gw: 1 deployment(s) …")
    assert p.operation == "explain" and "change:metric" in p.notes, (q, p.model_dump(exclude_defaults=True))
    assert p.subjects.services == [svc] and p.subjects.config_changes == ["CK-CFG-41"], (q, p.subjects)


def test_what_changed_on_another_service_is_still_a_change_log() -> None:
    p = _plan("what changed on keg-gw this week?")
    assert p.operation == "changelog", p.model_dump(exclude_defaults=True)
