"""SLA arithmetic: targets x tier multipliers, deadlines, states, the 15 % boundary, escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from tools.tickets.sla import evaluate_clock, targets, ticket_clocks, worst

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("priority", "tier", "response_min", "resolution_min"),
    [
        ("critical", "standard", 15, 120),
        ("high", "standard", 30, 240),
        ("medium", "standard", 120, 480),
        ("low", "standard", 240, 1440),
        ("critical", "enterprise", 7.5, 60),
        ("critical", "business", 11.25, 90),
        ("critical", "free", 22.5, 180),
        ("high", "enterprise", 15, 120),
        ("medium", "business", 90, 360),
        ("low", "free", 360, 2160),
    ],
)
def test_targets_scale_by_tier(priority, tier, response_min, resolution_min):
    resp, res = targets(priority, tier)
    assert resp == dt.timedelta(minutes=response_min)
    assert res == dt.timedelta(minutes=resolution_min)


def test_unknown_priority_or_tier_is_rejected():
    with pytest.raises(ValueError, match="unknown priority 'urgent'"):
        targets("urgent", "standard")
    with pytest.raises(ValueError, match="unknown customer tier 'platinum'"):
        targets("high", "platinum")


def test_deadlines_are_created_plus_window():
    # business medium: response 90 min, resolution 6 h
    resp, res = ticket_clocks(priority="medium", customer_tier="business", created_at=T0, first_response_at=None,
                              resolved_at=None, now=T0 + 10 * MIN)
    assert resp.deadline == dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
    assert res.deadline == dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    assert resp.state == res.state == "on_track"
    assert resp.remaining_minutes == pytest.approx(80)
    assert resp.escalation_level == 0


def test_exact_15_percent_left_is_at_risk_and_just_above_is_on_track():
    # standard critical response: 15 min window, 15 % = 2 min 15 s
    window = 15 * MIN
    at_boundary = T0 + window - dt.timedelta(minutes=2, seconds=15)
    c = evaluate_clock("response", T0, window, None, at_boundary)
    assert c.state == "at_risk" and c.escalation_level == 1
    assert c.remaining_minutes == pytest.approx(2.25)
    c = evaluate_clock("response", T0, window, None, at_boundary - US)
    assert c.state == "on_track" and c.escalation_level == 0


@pytest.mark.parametrize("tier", ["enterprise", "business", "standard", "free"])
def test_boundary_holds_for_every_tier(tier):
    # low resolution: 24 h x multiplier; at exactly 15 % left -> at risk
    _, window = targets("low", tier)
    boundary = T0 + window - window * 15 / 100
    _, res = ticket_clocks(priority="low", customer_tier=tier, created_at=T0, first_response_at=T0 + MIN,
                           resolved_at=None, now=boundary)
    assert res.state == "at_risk"
    _, res = ticket_clocks(priority="low", customer_tier=tier, created_at=T0, first_response_at=T0 + MIN,
                           resolved_at=None, now=boundary - US)
    assert res.state == "on_track"


def test_deadline_itself_is_not_yet_breached():
    window = 30 * MIN
    assert evaluate_clock("response", T0, window, None, T0 + window).state == "at_risk"
    assert evaluate_clock("response", T0, window, None, T0 + window + US).state == "breached"


def test_met_versus_breached_when_done():
    window = 30 * MIN  # high standard response
    assert evaluate_clock("response", T0, window, T0 + 29 * MIN, T0 + 5 * 60 * MIN).state == "met"
    assert evaluate_clock("response", T0, window, T0 + window, T0 + 5 * 60 * MIN).state == "met"  # at the deadline
    late = evaluate_clock("response", T0, window, T0 + 31 * MIN, T0 + 5 * 60 * MIN)
    assert late.state == "breached"
    assert late.overdue_minutes == pytest.approx(1)
    assert late.escalation_level == 2  # late by 1 min of a 30 min window
    # done state does not depend on "now": a met clock stays met long after the deadline
    assert late.remaining_minutes is None


def test_escalation_levels():
    window = 60 * MIN  # enterprise critical resolution
    on_track = evaluate_clock("resolution", T0, window, None, T0 + 30 * MIN)
    at_risk = evaluate_clock("resolution", T0, window, None, T0 + 55 * MIN)
    breached = evaluate_clock("resolution", T0, window, None, T0 + 61 * MIN)
    half = evaluate_clock("resolution", T0, window, None, T0 + 90 * MIN)  # overdue exactly 50 %: still level 2
    beyond = evaluate_clock("resolution", T0, window, None, T0 + 90 * MIN + US)
    late_done = evaluate_clock("resolution", T0, window, T0 + 100 * MIN, T0 + 200 * MIN)
    assert [c.escalation_level for c in (on_track, at_risk, breached, half, beyond, late_done)] == [0, 1, 2, 2, 3, 3]
    assert [c.state for c in (on_track, at_risk, breached, half, beyond)] == [
        "on_track", "at_risk", "breached", "breached", "breached"]
    assert beyond.overdue_minutes == pytest.approx(30, abs=1e-6)
    assert half.elapsed_fraction == pytest.approx(1.5)


def test_open_ticket_response_met_resolution_running():
    # enterprise high: response 15 min, resolution 2 h; responded after 10 min, now 1 h 45 min in
    resp, res = ticket_clocks(priority="high", customer_tier="enterprise", created_at=T0,
                              first_response_at=T0 + 10 * MIN, resolved_at=None, now=T0 + 105 * MIN)
    assert resp.state == "met"
    assert res.state == "at_risk"  # 15 of 120 minutes left = 12.5 %
    assert worst(resp, res) is res


def test_resolution_without_recorded_response_counts_as_response():
    resp, res = ticket_clocks(priority="medium", customer_tier="standard", created_at=T0, first_response_at=None,
                              resolved_at=T0 + 100 * MIN, now=T0 + 1000 * MIN)
    assert resp.state == "met" and resp.completed_at == T0 + 100 * MIN
    assert res.state == "met"


def test_worst_prefers_breached_then_earliest_deadline():
    a = evaluate_clock("response", T0, 15 * MIN, None, T0 + 20 * MIN)  # breached
    b = evaluate_clock("resolution", T0, 120 * MIN, None, T0 + 20 * MIN)  # on track
    assert worst(b, a) is a
    c = evaluate_clock("response", T0, 15 * MIN, None, T0 + 14 * MIN)  # at risk, earlier deadline
    d = evaluate_clock("resolution", T0 - 100 * MIN, 120 * MIN, None, T0 + 14 * MIN)  # at risk, later deadline
    assert worst(d, c) is c
