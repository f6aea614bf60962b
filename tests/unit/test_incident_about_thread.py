""""Is there an incident about it?" in a thread about a KPI at a site: that subject's incidents in or near the
thread's period, not every incident. On a cold-storage operator."""

from __future__ import annotations

from tests.unit.test_incident_words_period import _plan


def test_incident_about_the_threads_kpi_is_on_its_related_service_in_its_period() -> None:
    p = _plan("is there an incident about it?", ["freezer availability at ashby vale last month"])
    assert p.operation == "incident_list" and p.subjects.services == ["telemetry-hub"]  # CS-INC-5 only
    assert p.window is not None and (str(p.window.start), str(p.window.end)) == ("2026-11-01", "2026-11-30")


def test_no_incident_about_it_is_looked_for_on_its_service_and_said_none() -> None:
    p = _plan("any incidents related to this?", ["dock turnaround time at brennock in october"])
    assert p.operation == "incident_list" and p.subjects.services == ["slotting-engine"]  # none there in October
    assert p.window is not None and str(p.window.start) == "2026-10-01"


def test_any_incidents_without_it_is_still_every_incident() -> None:
    assert _plan("any incidents?", ["freezer availability at ashby vale last month"]).subjects.services == []
