"""Names and phrasings a parcel carrier's staff use (qa20a), each checked on the carrier's catalog (depots
``DEP-BHX-2`` "Birmingham depot 2 (Tyseley)", a hub, a sortation centre; services ``label-api`` …; config keys
``routing.v2.enabled``, ``tracking.eta_window_minutes``) and on another organisation's (a rail operator's, a hospital
group's or the demo's) where the phrasing is general:

- "which depot is worst …", "… by depot": a common word is no typo of one site's "depot 2", so it ranks;
- "at the Leeds hub": a place after the article that is not a site is said as unknown, never dropped;
- "SC4": the initials of the words before a number in a site's name ("Sortation centre 4");
- "the COO", "the CFO": a job title is no site code;
- "label api error rate …": a service named first is not "label this ticket";
- "solve time on route-optimiser", "sync failures on handheld-sync": the words before "on <service>" name its metric;
- "which day of the week is worst for X": the week's rhythm, not a ranking of sites;
- "who changed the ETA window", "turning on routing v2": a config key by its words; "did <change> help <KPI>"
  explains the KPI with that change ranked.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog
from tests.unit.understanding_orgs import TODAY, demo, hospital, rail

PARCEL = Catalog(
    stations={"DEP-BHX-2": "Birmingham depot 2 (Tyseley)", "DEP-BHX-1": "Birmingham depot 1 (Aston)",
              "DEP-WSL-1": "Walsall depot", "HUB-COV": "Coventry hub", "SORT-04": "Sortation centre 4 (Daventry)",
              "DEP-LEI-1": "Leicester depot (Braunstone)", "DEP-NTG-3": "Nottingham depot 3 (Colwick)",
              "DEP-DBY-1": "Derby depot"},
    regions={"WMIDS": "West Midlands", "EMIDS": "East Midlands"},
    kpis={"FAD_RATE": ["First-attempt delivery rate", "FAD", "first attempt"],
          "OTD_PCT": ["On-time delivery", "on time", "OTD"], "MISSORT_10K": ["Mis-sorts per 10k", "missorts", "mis-sorts"],
          "DMG_CLAIMS": ["Damaged claims", "damages"], "CONTACTS_1K": ["Customer contacts per 1k parcels", "contacts"],
          "PPVH": ["Parcels per van-hour"]},
    services=["label-api", "route-optimiser", "handheld-sync", "tracking-web", "returns-portal"],
    incidents=["sp-9xq4"], tickets=["48174"],
    deployments=["88213", "RO-5582", "RO-5590"], config_changes=["CFG-3107", "CFG-3114", "CFG-3121", "CFG-3050"],
    deployment_versions={"v3.14.0": "88213", "HHT-OS 5.8.2": "RO-5590"},
    version_deployments={"HHT-OS 5.8.2": ["RO-5582", "RO-5590"]},
    change_services={"88213": ("label-api", dt.date(2026, 11, 27)), "RO-5582": ("handheld-sync", dt.date(2026, 11, 16)),
                     "RO-5590": ("handheld-sync", dt.date(2026, 11, 24)), "CFG-3121": ("route-optimiser", dt.date(2026, 11, 25)),
                     "CFG-3114": ("tracking-web", dt.date(2026, 11, 25)), "CFG-3050": ("route-optimiser", dt.date(2026, 11, 2))},
    config_keys={"routing.v2.enabled": "CFG-3121", "tracking.eta_window_minutes": "CFG-3114",
                 "MAX_STOPS_PER_ROUTE": "CFG-3050"},
    kpi_services={"OTD_PCT": ["route-optimiser"], "PPVH": ["route-optimiser"]},
)
BUS = Catalog(  # numbered sites named by a word that is not a common one: "Garage 2 (Hackney)"
    stations={"GAR-02": "Garage 2 (Hackney)", "GAR-05": "Garage 5 (Bow)", "GAR-11": "Garage 11 (Stratford)"},
    regions={"EAST": "East London"}, kpis={"MILEAGE_LOST": ["Lost mileage", "mileage lost"]},
    services=["ibus-feed"], incidents=[], tickets=[],
    config_keys={"feed.poll_interval_seconds": "CHG-12"}, config_changes=["CHG-12"],
)
ORGS = {"parcel": PARCEL, "bus": BUS, "rail": rail(), "hospital": hospital(), "demo": demo()}


def _plan(org: str, q: str) -> QueryPlan:
    r = route(q, {}, ORGS[org], TODAY, None)
    assert r.query is not None
    return r.query


def _at(p: QueryPlan) -> list[str | None]:
    return [x.code for x in p.subjects.scopes]


@pytest.mark.parametrize(("org", "q", "kpi"), [
    ("parcel", "which depot is worst on first-attempt this month", "FAD_RATE"),
    ("parcel", "contacts per 1k parcels by depot last week", "CONTACTS_1K"),
    ("hospital", "which hospital has the worst bed occupancy", "BED_OCC"),
])
def test_a_place_noun_ranks_and_is_no_typo_of_one_site(org, q, kpi):
    p = _plan(org, q)
    assert p.operation == "rank" and p.kpis == [kpi] and _at(p) == [], p.model_dump(exclude_defaults=True)


def test_a_kind_of_site_named_by_several_is_those_sites():
    p = _plan("bus", "which garage lost the most mileage this month")  # not the one whose name reads "garage 2"
    # every site's name has "Garage": the word is their kind, so every site is ranked (no one of them is named)
    assert p.operation == "rank" and p.kpis == ["MILEAGE_LOST"] and _at(p) == [], p


@pytest.mark.parametrize(("org", "q", "typed"), [
    ("parcel", "damaged claims at the Leeds hub", "Leeds"),
    ("rail", "punctuality at the Cardiff depot", "Cardiff"),
])
def test_a_place_after_the_article_that_is_no_site(org, q, typed):
    p = _plan(org, q)
    assert p.operation == "unknown" and [u.text for u in p.unknown] == [typed], p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "site"), [
    ("parcel", "why did SC4 mis-sorts spike?", "SORT-04"),
    ("parcel", "mis-sorts at sc 4 yesterday", "SORT-04"),
    ("parcel", "first attempt at dep bhx 2", "DEP-BHX-2"),
])
def test_a_site_by_its_names_initials(org, q, site):
    p = _plan(org, q)
    assert _at(p) == [site] and not p.unknown, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q"), [
    ("parcel", "one line for the COO: how's the network doing"),
    ("demo", "one line for the CFO: how is the network doing"),
])
def test_a_job_title_is_no_site(org, q):
    p = _plan(org, q)
    assert not p.unknown and p.operation == "attention", p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "svc", "metric"), [
    ("parcel", "label api error rate friday night", "label-api", None),
    ("parcel", "solve time on route-optimiser tuesday", "route-optimiser", "solve time"),
    ("parcel", "sync failures on handheld-sync last night", "handheld-sync", "sync failures"),
    ("rail", "seat hold count on seat-reservations yesterday", "seat-reservations", "seat hold count"),
    ("demo", "queue depth of notifications last night", "notifications", "queue depth"),
])
def test_a_service_metric_named_in_words(org, q, svc, metric):
    p = _plan(org, q)
    assert p.operation == "explain" and p.subjects.services == [svc], p.model_dump(exclude_defaults=True)
    assert metric is None or [m.name for m in p.service_metrics] == [metric], p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "op"), [
    ("parcel", "what changed on label-api in the last fortnight", "changelog"),
    ("parcel", "any failures on handheld-sync this week", None),
    ("demo", "what changed on checkout-api this week", "changelog"),
    ("parcel", "label this: my parcel never came", "ticket_classify"),
])
def test_cue_words_before_a_service_are_no_metric(org, q, op):
    p = _plan(org, q)
    assert not any(m.name for m in p.service_metrics), p.model_dump(exclude_defaults=True)
    assert op is None or p.operation == op, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "kpi"), [
    ("parcel", "which day of the week is worst for first attempt", "FAD_RATE"),
    ("rail", "what day of the week is worst for cancellations", "CANCEL_PCT"),
])
def test_which_day_of_the_week(org, q, kpi):
    p = _plan(org, q)
    assert p.operation == "lookup" and p.kpis == [kpi] and "dow" in p.notes and p.group_by is None, p


@pytest.mark.parametrize(("org", "q", "change", "op"), [
    ("parcel", "who changed the ETA window and when", "CFG-3114", "changelog"),
    ("parcel", "when was routing.v2.enabled switched off", "CFG-3121", "changelog"),
    ("parcel", "did turning on routing v2 hurt OTD?", "CFG-3121", "explain"),
    ("parcel", "did MAX_STOPS_PER_ROUTE going to 150 help parcels per van hour?", "CFG-3050", "explain"),
    ("bus", "who changed the feed poll interval", "CHG-12", "changelog"),
])
def test_a_config_key_in_words_and_its_effect(org, q, change, op):
    p = _plan(org, q)
    assert p.subjects.config_changes == [change] and p.operation == op, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("q", "start", "end"), [
    ("parcel volume black friday week vs last year", dt.date(2025, 11, 24), dt.date(2025, 11, 30)),  # TODAY: 2026-11-20
    ("on time on black friday 2024", dt.date(2024, 11, 29), dt.date(2024, 11, 29)),
    ("otd last year's black friday weekend", dt.date(2025, 11, 28), dt.date(2025, 11, 30)),
    ("first attempt on boxing day", dt.date(2025, 12, 26), dt.date(2025, 12, 26)),
    ("mis-sorts on cyber monday last year", dt.date(2025, 12, 1), dt.date(2025, 12, 1)),
])
def test_named_days_of_the_calendar(q, start, end):
    for org in ("parcel", "demo"):
        p = _plan(org, q.replace("parcel volume", "otp mx") if org == "demo" else q)
        assert p.window is not None and (p.window.start, p.window.end) == (start, end), p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "who"), [
    ("parcel", "tickets from Brightwell Retail", "Brightwell Retail"),
    ("parcel", "open tickets for Oak & Fern Ltd", "Oak & Fern Ltd"),
    ("demo", "any tickets from Acme Logistics last month?", "Acme Logistics"),
    ("demo", "tickets for CASB this week", None),  # a product, not a customer
    ("demo", "open tickets from Enterprise customers", None),  # a tier
])
def test_tickets_from_a_customer(org, q, who):
    p = _plan(org, q)
    notes = [n.removeprefix("customer:") for n in p.notes if n.startswith("customer:")]
    assert p.operation == "ticket_stats" and notes == ([who] if who else []), p.model_dump(exclude_defaults=True)


def test_a_version_shipped_twice_is_asked_about_when_its_effect_is():
    p = _plan("parcel", "did the HHT-OS 5.8.2 rollout break anything")  # two depots' rollouts of one firmware
    assert p.operation == "clarify" and p.clarification and p.clarification.candidates == ["RO-5582", "RO-5590"], p
    p = _plan("parcel", "did RO-5590 break anything")  # named by its id: that one
    assert p.operation == "explain" and p.subjects.deployments == ["RO-5590"], p.model_dump(exclude_defaults=True)
    p = _plan("parcel", "who deployed v3.14.0")
    assert p.operation == "changelog" and p.subjects.deployments == ["88213"], p.model_dump(exclude_defaults=True)
