"""Incidents named with a period ("… last week") or by one word of their title, on a cold-storage operator."""

from __future__ import annotations

import datetime as dt

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog, IncidentRef

TODAY = dt.date(2026, 12, 3)


def _cold_store() -> Catalog:
    refs = [
        IncidentRef("CS-INC-9", "Pick labels not printing at docks", "label-printer", dt.date(2026, 11, 29), "open"),
        IncidentRef("CS-INC-8", "Slot plan missing morning cutoff", "slotting-engine", dt.date(2026, 11, 26), "resolved"),
        IncidentRef("CS-INC-7", "Handhelds cannot sign in to stock app", "stock-app", dt.date(2026, 11, 20), "resolved"),
        IncidentRef("CS-INC-5", "Ashby Vale freezers staying warm after power dips", "telemetry-hub",
                    dt.date(2026, 11, 10), "mitigated"),
    ]
    return Catalog(stations={"AVL": "Ashby Vale", "BRN": "Brennock"}, regions={},
                   kpis={"freezer_avail": ["Freezer availability"], "dock_turn": ["Dock turnaround time"]},
                   services=["label-printer", "slotting-engine", "stock-app", "telemetry-hub"],
                   incidents=[r.external_id for r in refs], incident_refs=refs,
                   kpi_services={"freezer_avail": ["telemetry-hub"], "dock_turn": ["slotting-engine"]})


def _plan(q: str, prior: list[str] | None = None) -> QueryPlan:
    cat, last = _cold_store(), None
    for p in prior or []:
        r = route(p, {}, cat, TODAY, last)
        last = r.query if (r.specialists or r.intent in ("clarify", "unknown")) else last
    r = route(q, {}, cat, TODAY, last)
    assert r.query is not None
    return r.query


def test_last_week_narrows_the_time_not_the_latest_incident() -> None:
    for q in ("what caused the outage last week?", "what caused the incident in the last 3 days?"):
        p = _plan(q)
        assert p.limit != 1, q  # not "the most recent incident"
        assert p.window is not None and p.window.start >= dt.date(2026, 11, 23), q
    p = _plan("what caused the outage last week?")
    assert (str(p.window.start), str(p.window.end)) == ("2026-11-23", "2026-11-29")  # type: ignore[union-attr]
    assert _plan("what was the last outage?").subjects.incidents == ["CS-INC-9"]  # "the last outage" is still the latest


def test_incident_named_by_one_word_of_its_title() -> None:
    assert _plan("what caused the handheld incident").subjects.incidents == ["CS-INC-7"]  # "Handhelds cannot sign in…"
    assert _plan("what caused the freezers incident?").subjects.incidents == ["CS-INC-5"]
    p = _plan("what caused the slot incident last week?")
    assert (p.operation, p.subjects.incidents) == ("incident_cause", ["CS-INC-8"])
    assert _plan("what caused the incident").subjects.incidents == []  # no word of a title: not one incident
