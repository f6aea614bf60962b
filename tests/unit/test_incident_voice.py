""""Any complaints related to the <words> incident?": the incident found by its title's words and what customers
raised about it (its tickets, and a KPI whose name has the customers' word over its days) — never the complaints
KPI alone. "What caused …", "why did complaints go up during …" and plain KPI questions are unchanged. On a bus
company's catalog with two incidents."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import IncidentRef
from tests.unit.bus_org import CAT, TODAY

REFS = [IncidentRef("BUS-INC-77", "Contactless fare readers rejecting cards", "ticket-machines", dt.date(2026, 3, 2),
                    "resolved"),
        IncidentRef("BUS-INC-78", "Vehicle tracking feed stale", "avl-tracker", dt.date(2026, 3, 5), "resolved")]
BUSES = dataclasses.replace(CAT, incidents=[r.external_id for r in REFS], incident_refs=REFS)


def plan(q: str) -> QueryPlan:
    r = route(q, {}, BUSES, TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "inc", "kpi"), [
    ("any complaints related to the fare reader incident?", "BUS-INC-77", True),
    ("did the fare reader outage cause complaints?", "BUS-INC-77", True),
    ("were there passenger complaints about the contactless outage?", "BUS-INC-77", True),
    ("how many complaints during the tracking feed incident", "BUS-INC-78", True),
    ("were there customer tickets about the tracking feed outage?", "BUS-INC-78", False),
])
def test_complaints_about_a_named_incident_are_its_tickets(q: str, inc: str, kpi: bool) -> None:
    p = plan(q)
    assert p.operation == "ticket_stats", p.model_dump(exclude_defaults=True)
    assert f"tickets:incident:{inc}" in p.notes and not p.kpis
    assert ("tickets:kpi:PAX_COMPLAINTS" in p.notes) is kpi, p.notes
    start = next(r.started for r in REFS if r.external_id == inc)
    assert p.window is not None and p.window.start == start


@pytest.mark.parametrize(("q", "op"), [
    ("what caused the fare reader incident?", "incident_cause"),
    ("why did complaints go up during the fare reader outage?", "explain"),
    ("complaints last week", "lookup"),
])
def test_other_questions_are_unchanged(q: str, op: str) -> None:
    p = plan(q)
    assert p.operation == op and not any(n.startswith("tickets:") for n in p.notes), p.model_dump(exclude_defaults=True)
