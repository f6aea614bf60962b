"""Round 8 (qa21b) of the table-driven parser tests, on the demo and the grocery company; and the telemetry misreadings
of round 7 (a service's underscore name taken as a metric, a metric named after the service) on an organisation of
sensors and workers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from agents.router import route
from agents.understanding.catalog import Catalog
from tests.unit.test_understanding_cases import ORGS, _check, _plan
from tests.unit.understanding_case_table import D, G
from tests.unit.understanding_case_table_r8 import CASES_R8
from tests.unit.understanding_orgs import TODAY


@pytest.mark.parametrize(("org", "question", "exp"), CASES_R8, ids=[f"{o}:{q[:60]}" for o, q, _ in CASES_R8])
def test_question_to_plan_r8(org: str, question: str, exp: dict[str, Any]) -> None:
    _check(_plan(org, question, exp.get("prior")), exp)


def test_each_shape_is_asked_on_both_organisations() -> None:
    assert sum(1 for o, _, _ in CASES_R8 if o == G) >= 20 and sum(1 for o, _, _ in CASES_R8 if o == D) >= 25


_TELEMETRY = Catalog(stations={}, regions={}, kpis={}, incidents=[],
                     services=["kiln_ctrl", "thumb_svc", "ReportGen", "sync-relay", "Inventory.DB"])


@pytest.mark.parametrize(("question", "service", "metric"), [
    ("kiln_ctrl temperature", "kiln_ctrl", "temperature"),
    ("why is kiln_ctrl temperature so high?", "kiln_ctrl", "temperature"),
    ("kiln_ctrl temperature last 24h", "kiln_ctrl", "temperature"),
    ("thumb_svc disk writes", "thumb_svc", "disk writes"),
    ("why did thumb_svc disk writes drop this morning?", "thumb_svc", "disk writes"),
    ("disk writes on thumb_svc", "thumb_svc", "disk writes"),
    ("ReportGen disk writes", "ReportGen", "disk writes"),
    ("what are thumb_svc's disk writes doing?", "thumb_svc", "disk writes"),
    ("why is ReportGen disk writes so high since yesterday?", "ReportGen", "disk writes"),
    ("thumb_svc disk_write_bytes", "thumb_svc", "disk_write_bytes"),
])
def test_a_service_and_its_metric_words(question: str, service: str, metric: str) -> None:
    """Before: "kiln_ctrl temperature" asked for the metric "kiln_ctrl" (the service's own name); "thumb_svc disk
    writes" the same, while "ReportGen disk writes" named no metric at all."""
    plan = route(question, {}, _TELEMETRY, TODAY, None).query
    assert plan is not None and plan.subjects.services == [service], plan
    assert [m.name for m in plan.service_metrics] == [metric], plan.service_metrics


@pytest.mark.parametrize("question", ["what changed on thumb_svc", "kiln_ctrl deploys last week", "is kiln_ctrl ok?"])
def test_a_service_question_names_no_metric(question: str) -> None:
    plan = route(question, {}, _TELEMETRY, TODAY, None).query
    assert plan is not None and not any(m.name for m in plan.service_metrics), plan.service_metrics


@pytest.mark.parametrize("org", [D, G])
def test_an_unknown_grouping_lists_the_regions(org: str) -> None:
    cat = ORGS[org]
    said = route("how are all the Texas stations doing?", {}, cat, TODAY, None).notices[0]
    assert said.startswith("I don't know a region called “Texas”. The regions I know are"), said
    assert all(name in said for name in cat.regions.values()), said
    assert all(code in said for code in cat.station_regions), said  # each region's stations


@pytest.mark.parametrize(("org", "question"), [(D, "how long do aircraft sit waiting for parts"),
                                               (G, "how long do orders wait for picking at widzew")])
def test_durations_not_recorded(org: str, question: str) -> None:
    said = route(question, {}, ORGS[org], TODAY, None).notices[0]
    assert said.startswith("Durations are not recorded"), said
    other = next(o for o in (D, G) if o != org)
    assert not any(v[0] in said for v in ORGS[other].kpis.values())  # its own KPIs, never another organisation's


def test_the_period_shorthand_keeps_a_qualified_word() -> None:
    from agents.understanding.time_typos import fix_time_typos

    cat = ORGS[D]
    assert fix_time_typos("dal tdr wk", cat) == "dal tdr this week"
    assert fix_time_typos("tdr at DAL last wk", cat) == "tdr at DAL last wk"
    assert fix_time_typos("aog 2 wk", cat) == "aog 2 wk"
    assert fix_time_typos("otp dal l30d", cat) == "otp dal last 30 days"
    assert dt.date(2026, 11, 20) == TODAY
