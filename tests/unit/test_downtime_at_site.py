""""Downtime at <site>": the site's availability KPI when the organisation keeps one, else said it is not kept —
never the latest incident of some other service. On a cold-storage operator."""

from __future__ import annotations

from agents.router import route
from tests.unit.test_incident_words_period import TODAY, _cold_store, _plan


def test_downtime_at_a_site_is_its_availability_kpi() -> None:
    p = _plan("downtime at ashby vale last week")
    assert (p.operation, p.kpis, [x.code for x in p.subjects.scopes]) == ("lookup", ["freezer_avail"], ["AVL"])
    assert (str(p.window.start), str(p.window.end)) == ("2026-11-23", "2026-11-29")  # type: ignore[union-attr]
    assert _plan("how much downtime did brennock have last month?").kpis == ["freezer_avail"]


def test_downtime_without_an_availability_kpi_is_said_not_kept() -> None:
    cat = _cold_store()
    del cat.kpis["freezer_avail"]
    p = route("downtime at ashby vale last week", {}, cat, TODAY, None).query
    assert p is not None and p.operation == "unknown"
    assert [(u.kind, u.text, u.suggestions) for u in p.unknown] == [("KPI", "downtime", ["dock_turn"])]
    assert "pending:lookup" in p.notes  # "I meant dock turnaround time" answers it for that KPI


def test_downtime_of_a_service_or_downtime_incidents_stay_incident_questions() -> None:
    assert _plan("downtime incidents at brennock").operation == "incident_list"
    p = _plan("any downtime on stock-app?")
    assert p.kpis == [] and p.subjects.services == ["stock-app"]
