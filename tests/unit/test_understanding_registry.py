"""The specialist registry: declarations read from the modules; the plan's operation picks the specialists."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient

from agents.plan import QueryPlan, ScopeRef, Subjects
from agents.registry import NAMES, REGISTRY, specialists_for
from api.panel import router


def test_every_operation_a_specialist_declares_routes_to_it():
    assert set(NAMES) >= {"kpi_analyst", "change_correlator", "ticket_triager", "report_writer"}
    for name, spec in REGISTRY.items():
        assert spec.title and spec.description and spec.operations
        for op in spec.operations:
            plan = QueryPlan(operation=op, kpis=["K"], subjects=Subjects(incidents=["X-1"]), report_kind="incident")
            assert name in specialists_for(plan), (name, op)


def test_explain_on_a_kpi_analyses_then_correlates_but_on_a_service_only_correlates():
    kpi = QueryPlan(operation="explain", kpis=["PPM"], subjects=Subjects(scopes=[ScopeRef(level="station", code="YRK")]))
    assert specialists_for(kpi) == ["kpi_analyst", "change_correlator"]
    svc = QueryPlan(operation="explain", subjects=Subjects(services=["ledger-svc"]))
    assert specialists_for(svc) == ["change_correlator"]
    inv = QueryPlan(operation="report", kpis=["PPM"], report_kind="investigation")
    assert specialists_for(inv) == ["kpi_analyst", "change_correlator", "report_writer"]
    assert specialists_for(QueryPlan(operation="report")) == []  # which incident? asked, not guessed
    assert specialists_for(QueryPlan(operation="out_of_scope")) == []


def test_the_panel_reads_the_labels_from_the_registry():
    app = FastAPI()
    app.include_router(router)
    body = TestClient(app).get("/static/agents.json").json()
    assert body["titles"]["kpi_analyst"] == REGISTRY["kpi_analyst"].title
    assert [s["name"] for s in body["specialists"]] == list(NAMES)


def test_plan_summary_names_operation_subjects_and_window():
    from agents.plan import Window

    plan = QueryPlan(operation="compare", kpis=["PPM"],
                     subjects=Subjects(scopes=[ScopeRef(level="station", code="YRK"), ScopeRef(level="station", code="LDS")]),
                     window=Window(start=dt.date(2026, 11, 9), end=dt.date(2026, 11, 15), label="last week"))
    assert plan.summary() == "compare · PPM · YRK vs LDS · last week (2026-11-09–2026-11-15, day)"
