"""A service named by what it is — its description and team on the services sheet — rather than by its name:
"is the loans service ok?", "incidents on renewals", "is the website down?"; several equally described are asked
about, and a word no service is described by is said, never dropped. A library network, unlike the demo's airline."""

from __future__ import annotations

import datetime as dt

from agents.router import route
from agents.understanding.catalog import Catalog, IncidentRef

TODAY = dt.date(2026, 5, 14)


def _library(described: bool = True) -> Catalog:
    about = {
        "lendr-core": ("circulation", "Loans and renewals engine: checkouts, holds, due dates"),
        "patron-portal": ("member-services", "Member website: accounts, reading history, fines payment"),
        "notices-api": ("circulation", "Email and SMS notices API for overdue items"),
        "shelfscan-api": ("collections", "RFID shelf inventory API"),
        "opac-search": ("discovery", "Catalogue search index"),
    }
    return Catalog(
        stations={"CEN": "Central Library", "RIV": "Riverside Branch"}, regions={"N": "North District"},
        kpis={"ISSUES": ["Items issued", "loans issued"], "FOOTFALL": ["Visitor footfall"]},
        services=sorted(about), incidents=["LIB-77", "LIB-76"],
        incident_refs=[IncidentRef("LIB-77", "Renewals failing for e-books", "lendr-core", dt.date(2026, 5, 12), "open"),
                       IncidentRef("LIB-76", "Portal login errors", "patron-portal", dt.date(2026, 5, 2), "resolved")],
        service_about=about if described else {},
    )


def _plan(question: str, cat: Catalog | None = None, prior: str | None = None):  # type: ignore[no-untyped-def]
    cat = cat or _library()
    last = route(prior, {}, cat, TODAY, None).query if prior else None
    r = route(question, {}, cat, TODAY, last)
    assert r.query is not None
    return r.query


def test_a_service_called_by_its_description_is_that_service() -> None:
    for q in ("is the loans service ok?", "whats up with the checkouts engine", "how is the loans system doing?",
              "are holds down?"):
        p = _plan(q)
        assert p.operation == "explain" and p.subjects.services == ["lendr-core"], (q, p.operation, p.subjects.services)


def test_the_website_and_the_app_by_what_their_description_says() -> None:
    for q in ("is the website down?", "whats wrong with the member website?", "what's going on with the website"):
        p = _plan(q)
        assert p.subjects.services == ["patron-portal"] and p.operation == "explain", (q, p.operation)


def test_incidents_on_a_described_service_keep_the_filter() -> None:
    for q in ("incidents on renewals", "any outages affecting loans?", "incidents on the loans service"):
        p = _plan(q)
        assert p.operation == "incident_list" and p.subjects.services == ["lendr-core"], (q, p.operation)


def test_incidents_on_a_word_no_service_has_is_said_not_dropped() -> None:
    p = _plan("incidents on podcasts")
    assert p.operation == "unknown" and any(u.kind == "service" and u.text == "podcasts" for u in p.unknown)
    for q in ("incidents on monday", "any incidents on the weekend?"):  # time words are no service
        p = _plan(q)
        assert p.operation == "incident_list" and not p.unknown, q


def test_several_services_described_alike_are_asked_about() -> None:
    p = _plan("whats up with the circulation service")  # a team with two services
    assert p.operation == "clarify" and p.clarification is not None
    assert set(p.clarification.candidates) == {"lendr-core", "notices-api"}
    p = _plan("is the api ok?")  # two APIs: which, then its health
    assert p.operation == "clarify" and p.clarification is not None
    assert set(p.clarification.candidates) == {"notices-api", "shelfscan-api"}
    after = _plan("shelfscan-api", prior="is the api ok?")
    assert after.operation == "explain" and after.subjects.services == ["shelfscan-api"]
    assert "metric:health" in after.notes
    p = _plan("incidents on the api")
    assert p.operation == "clarify"
    after = _plan("notices-api", prior="incidents on the api")
    assert after.operation == "incident_list" and after.subjects.services == ["notices-api"]


def test_the_description_wins_over_a_shared_team() -> None:
    p = _plan("is the notices service ok?")  # circulation owns two; only one is described as notices
    assert p.subjects.services == ["notices-api"]


def test_kpi_questions_and_names_are_unchanged() -> None:
    assert _plan("items issued at Central Library last week").kpis == ["ISSUES"]
    assert _plan("whats wrong with lendr-core?").subjects.services == ["lendr-core"]
    p = _plan("is the website down?", _library(described=False))  # no descriptions: which system, as before
    assert p.operation == "clarify" and not p.subjects.services
