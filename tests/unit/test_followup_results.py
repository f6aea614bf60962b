"""Follow-ups that point at what the last turn found (agents/understanding/results.py), on two organisations: the
thread's context carries the KPI the analyst found at a site and the change ranked first; "why?" and "who deployed
it?" are answered about those."""

from __future__ import annotations

import pytest

from agents.router import route
from tests.unit.understanding_orgs import TODAY, demo, grocery, water

CASES = [
    (demo, "how is DAL doing", "OTP_MX_RATE", "what caused INC-2045", "DEP-0019"),
    (grocery, "how is widzew doing", "LATE_DELIV", "what caused PD-88390", "argocd-pay-0412"),
]


@pytest.mark.parametrize(("org", "site_q", "kpi", "cause_q", "top"), CASES)
def test_why_after_how_is_a_site_doing_explains_the_kpi_found(org, site_q, kpi, cause_q, top):
    cat = org()
    first = route(site_q, {}, cat, TODAY, None)
    assert first.query is not None and first.query.operation == "attention"
    found = {**first.context, "kpi": kpi}  # what the KPI analyst left in the thread's context
    r = route("why?", found, cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "explain" and r.query.kpis == [kpi]
    assert [x.code for x in r.query.subjects.scopes] == [x.code for x in first.query.subjects.scopes]
    # nothing found there (no KPI in the context): "why?" is not turned into an explanation of some KPI
    r = route("why?", dict(first.context), cat, TODAY, first.query)
    assert r.query is not None and r.query.kpis == []


@pytest.mark.parametrize(("org", "site_q", "kpi", "cause_q", "top"), CASES)
@pytest.mark.parametrize("q", ["who deployed it?", "who made that change?", "when was it deployed?"])
def test_who_deployed_it_after_a_cause_is_the_top_ranked_change(org, site_q, kpi, cause_q, top, q):
    cat = org()
    first = route(cause_q, {}, cat, TODAY, None)
    assert first.query is not None and first.query.operation == "incident_cause"
    r = route(q, {**first.context, "top_hypothesis": top}, cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "changelog", r.query
    assert r.query.subjects.deployments == [top] and not r.notices
    r = route(q, dict(first.context), cat, TODAY, first.query)  # no change ranked: never made up
    assert r.query is not None and r.query.subjects.deployments == []


@pytest.mark.parametrize(("org", "listing", "first"), [(demo, "which incidents are still open", "INC-2045"),
                                                       (grocery, "any open incidents?", "PD-88412")])
def test_the_latest_one_after_an_incident_list(org, listing, first):
    cat = org()
    shown = route(listing, {}, cat, TODAY, None)
    assert shown.query is not None and shown.query.operation == "incident_list"
    listed = {**shown.context, "incident": first}  # the incident the list showed first, left by the specialist
    r = route("what caused the latest one?", listed, cat, TODAY, shown.query)
    assert r.query is not None and r.query.operation == "incident_cause" and r.query.subjects.incidents == [first]
    r = route("draft the postmortem for it", listed, cat, TODAY, shown.query)
    assert r.query is not None and r.query.operation == "report" and r.query.subjects.incidents == [first]
    r = route("what caused the latest one?", dict(shown.context), cat, TODAY, shown.query)  # nothing listed
    assert r.query is not None and r.query.subjects.incidents != [first]


@pytest.mark.parametrize(("org", "site_q", "kpi"), [(demo, "how is DAL doing and why", "OTP_MX_RATE"),
                                                    (grocery, "how is widzew doing and what changed there", "LATE_DELIV")])
def test_why_again_after_a_site_explained(org, site_q, kpi):
    cat = org()
    first = route(site_q, {}, cat, TODAY, None)
    assert first.query is not None and first.query.operation == "explain" and "explain:flagged" in first.query.notes
    assert first.specialists == ["kpi_analyst", "change_correlator"]
    r = route("why?", {**first.context, "kpi": kpi}, cat, TODAY, first.query)
    assert r.query is not None and r.query.kpis == [kpi] and r.query.operation == "explain"
    r = route("why?", dict(first.context), cat, TODAY, first.query)  # nothing was flagged there
    assert r.query is not None and "explain:flagged" in r.query.notes and "kpi_analyst" in r.specialists


@pytest.mark.parametrize(("org", "first_q"), [(demo, "how is DAL doing"), (grocery, "lates at widzew last week")])
@pytest.mark.parametrize("q", ["show the evidence", "how do you know", "sources?"])
def test_show_the_evidence_after_an_answer_says_where_it_is(org, first_q, q):
    cat = org()
    first = route(first_q, {}, cat, TODAY, None)
    r = route(q, dict(first.context), cat, TODAY, first.query)
    assert r.specialists == [] and "[E:id]" in r.notices[0] and "/api/evidence/" in r.notices[0]
    assert "outside what I can answer" not in route(q, {}, cat, TODAY, first.query).notices[0]


@pytest.mark.parametrize(("org", "story_q", "top"), [
    (demo, "what changed before checkout-api latency jumped?", "CFG-0007"),
    (grocery, "why did SlotEngine errors spike", "argocd-slot-1187"),
])
@pytest.mark.parametrize("q", ["who made that change?", "who did it?", "tell me more about that change",
                               "when was that deployed?"])
def test_who_made_it_after_a_service_story_is_the_top_ranked_change(org, story_q, top, q):
    """Before: "who made that change?" after a service's story told the story again."""
    cat = org()
    first = route(story_q, {}, cat, TODAY, None)
    assert first.query is not None and first.query.operation == "explain" and first.query.subjects.services
    r = route(q, {**first.context, "top_hypothesis": top}, cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "changelog", r.query
    assert [*r.query.subjects.deployments, *r.query.subjects.config_changes] == [top] and not r.notices
    r = route("why did that change break it?", {**first.context, "top_hypothesis": top}, cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "explain"  # a why is still the story


@pytest.mark.parametrize(("org", "story_q", "service"), [
    (demo, "what changed before checkout-api latency jumped?", "checkout-api"),
    (grocery, "why did SlotEngine errors spike", "SlotEngine"),
])
@pytest.mark.parametrize("q", ["what else changed?", "any other changes around then?", "were there other deploys?",
                               "what else was deployed"])
def test_what_else_changed_after_a_story_is_the_services_change_log_around_its_onset(org, story_q, service, q):
    """Before: "what else changed?" after a service's story was out of scope."""
    cat = org()
    first = route(story_q, {}, cat, TODAY, None)
    assert first.query is not None and first.query.operation == "explain"
    found = {**first.context, "service": service, "onset": "2026-11-18T14:05:00+00:00"}
    r = route(q, found, cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "changelog" and r.query.subjects.services == [service]
    assert r.query.window is not None and (str(r.query.window.start), str(r.query.window.end)) == ("2026-11-17",
                                                                                               "2026-11-18")
    r = route(q, dict(first.context), cat, TODAY, first.query)  # no onset found: never a made-up window
    assert r.query is not None and "the service and onset of the last answer" not in r.query.inherited


@pytest.mark.parametrize("q", ["what else changed?", "anything else change around then?", "what other changes were there?",
                               "did anything else change at that time?", "what other deploys went out?"])
def test_what_else_changed_after_a_kpi_story_with_no_service_is_every_services_log_around_its_onset(q):
    """Before: after "why did mains bursts at Moos go up?" (a KPI with no service recorded behind it, so the story
    leaves an onset but no service) "what else changed?" was out of scope, and "what other changes were there?" told
    the story again."""
    cat = water()
    first = route("why did mains bursts at moos go up?", {}, cat, TODAY, None)
    assert first.query is not None and first.query.operation == "explain"
    found = {**first.context, "onset": "2026-11-11"}
    found.pop("service", None)
    r = route(q, found, cat, TODAY, first.query)
    assert r.query is not None and r.query.operation == "changelog" and r.query.subjects.services == [], r.query
    assert r.query.window is not None and (str(r.query.window.start), str(r.query.window.end)) == ("2026-11-10",
                                                                                               "2026-11-11")
    assert any("every service" in x for x in r.query.inherited), r.query.inherited
