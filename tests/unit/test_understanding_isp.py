"""Names and phrasings a regional internet provider's staff use (qa19a), each checked on two catalogs unlike each
other: the provider's (points of presence ``pop-lds-03``, exchanges ``EXCH_Harrogate``, towers ``TWR-114``) and a
parcel carrier's (hubs ``hub-mcr-02``, cross-docks ``XD_07`` "Crossdock 7 …", services ``tracking-portal`` …), plus
the demo where a phrasing is general.

- a site code without its type prefix ("LDS3", "lds-03" for ``pop-lds-03``);
- a numbered site that does not exist ("pop-mcr-01", "Tower 999") is said as unknown, never asked between siblings;
- a service by the one word only it has ("radius" for ``radius-auth``, "the portal") — but not a word before a KPI's;
- "timing out" is the errors role; "anything pushed before X started …" explains X;
- "how's the network tonight" is an overview; "firmware"/"upgrade" are change words; a version's product word
  ("the freeradius upgrade") names its deployment; "did <change> break anything" is its service after it; "tickets
  from <site>" keep the site (the triager names the tickets whose text names it); a KPI's words inside "tickets
  about …" are the topic.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agents.plan import QueryPlan
from agents.router import route
from agents.understanding.catalog import Catalog, IncidentRef
from tests.unit.understanding_orgs import TODAY, demo

ISP = Catalog(
    stations={"pop-lds-03": "Leeds PoP 3 (Kirkstall)", "pop-lds-01": "Leeds PoP 1 (Hunslet)",
              "pop-yrk-02": "York PoP 2 (Clifton Moor)", "EXCH_Harrogate": "Harrogate exchange",
              "EXCH_Ripon": "Ripon exchange", "TWR-114": "Tower 114 - Greenhow Hill", "TWR-207": "Tower 207 - Pateley Bridge"},
    regions={"LEEDS": "Leeds Metro", "DALES": "Dales"},
    kpis={"PKT_LOSS_PCT": ["Packet loss", "loss", "PL"], "JITTER_MS": ["Jitter"],
          "OUTAGE_MIN": ["Outage minutes", "outages", "downtime"], "FTF_PCT": ["First-time fix rate", "FTF"]},
    services=["radius-auth", "bng-cluster-b", "billing-rater", "provisioning-orchestrator", "cust-portal"],
    incidents=["PD-5512"], tickets=["70412"],
    incident_refs=[IncidentRef("PD-5512", "RADIUS timeouts - PPPoE sessions failing", "radius-auth",
                               dt.date(2026, 11, 12), "resolved")],
    deployments=["FW-2211", "FW-2230"], config_changes=["NB-4471"],
    deployment_versions={"JunOS 23.4R2-S3": "FW-2211", "freeradius 3.2.6": "FW-2230"},
    change_services={"FW-2211": ("bng-cluster-b", dt.date(2026, 11, 5)), "FW-2230": ("radius-auth", dt.date(2026, 11, 12)),
                     "NB-4471": ("bng-cluster-b", dt.date(2026, 11, 18))},
)
CARRIER = Catalog(
    stations={"hub-mcr-02": "Manchester hub 2", "hub-bhx-01": "Birmingham hub 1", "XD_07": "Crossdock 7 Wakefield",
              "XD_12": "Crossdock 12 Daventry", "DEPOT_Croydon": "Croydon depot"},
    regions={"NORTH": "North", "SOUTH": "South"},
    kpis={"ON_TIME_PCT": ["On-time delivery", "OTD"], "MISSORTS": ["Missorts", "mis-sorts"],
          "SEAT_UTIL": ["Van fill", "fill"]},
    services=["tracking-portal", "label-printer-api", "route-optimiser", "scan-ingest"],
    incidents=["OPS-88"], tickets=["ZD-1"],
    deployments=["rel-5", "rel-6"],
    deployment_versions={"Zebra 4.1.7": "rel-5", "2026.11.2": "rel-6"},
    change_services={"rel-5": ("label-printer-api", dt.date(2026, 11, 10)), "rel-6": ("route-optimiser", dt.date(2026, 11, 19))},
)
ORGS = {"isp": ISP, "carrier": CARRIER, "demo": demo()}


def _plan(org: str, q: str) -> QueryPlan:
    r = route(q, {}, ORGS[org], TODAY, None)
    assert r.query is not None
    return r.query


def _at(p: QueryPlan) -> list[str | None]:
    return [x.code for x in p.subjects.scopes]


@pytest.mark.parametrize(("org", "q", "site"), [
    ("isp", "packet loss at LDS3 last week", "pop-lds-03"), ("isp", "jitter at lds-03", "pop-lds-03"),
    ("isp", "pl at pop lds 3 yesterday", "pop-lds-03"), ("isp", "hows LDS1 doing", "pop-lds-01"),
    ("isp", "loss at yrk2", "pop-yrk-02"), ("isp", "outage minutes at twr 114 last 14 days", "TWR-114"),
    ("carrier", "on-time delivery at MCR2 last week", "hub-mcr-02"), ("carrier", "missorts at bhx-01", "hub-bhx-01"),
    ("carrier", "missorts at xd 7", "XD_07"),
])
def test_a_site_code_without_its_type_prefix_is_that_site(org, q, site):
    p = _plan(org, q)
    assert _at(p) == [site] and not p.unknown, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q", "typed", "sugg"), [
    ("isp", "packet loss at pop-mcr-01", "pop-mcr-01", "pop-lds-01"), ("isp", "jitter at Tower 999", "Tower 999", "TWR-114"),
    ("carrier", "missorts at hub-lpl-04", "hub-lpl-04", "hub-mcr-02"),
    ("carrier", "missorts at Crossdock 9", "Crossdock 9", "XD_07"),
])
def test_a_numbered_site_that_does_not_exist_is_said_as_typed(org, q, typed, sugg):
    p = _plan(org, q)
    assert p.operation == "unknown" and p.unknown[0].text == typed and sugg in p.unknown[0].suggestions, p


def test_a_place_word_before_a_time_span_is_not_a_numbered_site():
    p = _plan("carrier", "missorts at croydon last 14 days")
    assert _at(p) == ["DEPOT_Croydon"] and not p.unknown


@pytest.mark.parametrize(("org", "q", "svc", "op"), [
    ("isp", "anything pushed before radius started timing out?", "radius-auth", "explain"),
    ("isp", "how's the portal doing", "cust-portal", "explain"),
    ("carrier", "anything deployed before tracking started failing?", "tracking-portal", "explain"),
    ("carrier", "what's going on with the optimiser", "route-optimiser", "explain"),
])
def test_a_service_by_the_one_word_only_it_has(org, q, svc, op):
    p = _plan(org, q)
    assert p.operation == op and p.subjects.services == [svc], p.model_dump(exclude_defaults=True)


def test_timing_out_is_the_errors_role():
    p = _plan("isp", "is radius-auth timing out?")
    assert "errors" in [m.role for m in p.service_metrics]


def test_a_service_word_before_a_kpi_word_names_neither():
    p = _plan("carrier", "van fill at croydon")  # not "fill" → a service; the KPI at the depot
    assert p.kpis == ["SEAT_UTIL"] and not p.subjects.services


@pytest.mark.parametrize(("org", "q"), [("isp", "how's the network tonight"),
                                        ("isp", "one line: how did the network do last week"),
                                        ("carrier", "how is the network looking today"),
                                        ("demo", "how's the network tonight")])
def test_how_is_the_network_is_an_overview(org, q):
    assert _plan(org, q).operation == "attention"


@pytest.mark.parametrize(("org", "q", "dep"), [("isp", "who pushed junos to the bng", "FW-2211"),
                                               ("carrier", "when did the zebra firmware go out", "rel-5")])
def test_a_versions_product_word_names_its_deployment(org, q, dep):
    p = _plan(org, q)
    assert p.subjects.deployments == [dep] and p.operation == "changelog", p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize(("org", "q"), [("isp", "what firmware went onto bng-cluster-b this month"),
                                        ("carrier", "any upgrades to scan-ingest last week")])
def test_firmware_and_upgrades_are_changes(org, q):
    assert _plan(org, q).operation == "changelog"


@pytest.mark.parametrize(("org", "q", "site"), [("isp", "tickets from greenhow", "TWR-114"),
                                                ("carrier", "tickets from the wakefield crossdock", "XD_07")])
def test_tickets_from_a_site_keep_the_site(org, q, site):
    p = _plan(org, q)  # tickets record no site: the answer says so, then names the tickets whose text names it
    assert p.operation == "ticket_stats" and _at(p) == [site], p


@pytest.mark.parametrize(("org", "q", "topic"), [("isp", "how many tickets mention packet loss", "packet loss"),
                                                 ("carrier", "any tickets about missorts", "missorts"),
                                                 ("demo", "tickets about aog events", "aog events")])
def test_a_kpis_words_in_a_ticket_topic_are_the_topic(org, q, topic):
    p = _plan(org, q)
    assert p.operation == "ticket_search" and p.ticket_text and p.ticket_text.subject == topic and not p.kpis, p


@pytest.mark.parametrize(("org", "q", "typed"), [("isp", "what's going on with the sbc-cluster", "sbc-cluster"),
                                                 ("carrier", "what's going on with thermal-printer-api", "thermal-printer-api")])
def test_a_compound_name_with_a_word_of_one_service_is_not_that_service(org, q, typed):
    p = _plan(org, q)  # "cluster" alone names bng-cluster-b; "sbc-cluster" does not
    assert p.operation == "unknown" and p.unknown[0].text == typed and not p.subjects.services, p


@pytest.mark.parametrize(("org", "q", "svc", "start"), [
    ("isp", "did the freeradius upgrade break anything", "radius-auth", "2026-11-12"),
    ("isp", "did NB-4471 break anything", "bng-cluster-b", "2026-11-18"),
    ("carrier", "did rel-6 affect anything", "route-optimiser", "2026-11-19"),
    ("carrier", "did the zebra release break anything", "label-printer-api", "2026-11-10"),
])
def test_did_a_change_break_anything_is_its_service_after_it(org, q, svc, start):
    p = _plan(org, q)  # the service on the change's day and the next (then the KPIs behind it, in the specialist)
    assert p.operation == "explain" and p.subjects.services == [svc] and p.window is not None, p
    assert str(p.window.start) == start and (p.window.end - p.window.start).days == 1, p.window


@pytest.mark.parametrize(("org", "q", "now"), [("isp", "auth timeouts on radius last night", True),
                                              ("carrier", "scan-ingest errors today", True),
                                              ("isp", "radius timeouts last week", False)])
def test_a_service_metric_last_night_is_its_value_now(org, q, now):
    p = _plan(org, q)  # a window ending today or yesterday, a day or two long: the latest value against its usual range
    assert p.operation == "explain" and ("metric:now" in p.notes) == now, p
