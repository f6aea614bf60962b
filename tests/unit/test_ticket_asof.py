"""A ticket's status and finished work as of a moment (tools.tickets.asof), from its history or its timestamps."""

from __future__ import annotations

import datetime as dt

from tools.tickets import sla as slalib
from tools.tickets.asof import completion_times, is_open_at, status_at
from tools.tickets.sla_tools import clocks_for


def t(h: float) -> dt.datetime:
    return dt.datetime(2026, 3, 10, tzinfo=dt.UTC) + dt.timedelta(hours=h)


def row(**kw):
    base = {"created_at": t(0), "first_response_at": None, "resolved_at": None, "closed_at": None,
            "updated_at": None, "status_history": [], "status": "new", "priority": "medium",
            "customer_tier": "standard"}
    return base | kw


def test_history_gives_the_status_then_in_other_helpdesks_words():
    r = row(status="open", first_response_at=t(1), updated_at=t(30), status_history=[
        {"at": t(0).isoformat(), "status": "New"}, {"at": "2026-03-10T01:00:00Z", "status": "In Progress"},
        {"at": t(5).isoformat(), "status": "Solved"}, {"at": t(30).isoformat(), "status": "reopened"},
        {"at": "not a time", "status": "closed"}, {"status": "closed"}, "garbage"])
    assert status_at(r, t(-1)) is None  # not created yet
    assert [status_at(r, t(h)) for h in (0, 2, 6, 31)] == ["new", "open", "resolved", "open"]


def test_timestamps_only():
    r = row(status="closed", first_response_at=t(2), resolved_at=t(10), closed_at=t(50))
    assert [status_at(r, t(h)) for h in (1, 3, 11, 60)] == ["new", "open", "resolved", "closed"]
    assert is_open_at(r, t(3)) and not is_open_at(r, t(11))
    assert status_at(row(status="pending", first_response_at=t(4)), t(2)) == "new"  # not answered yet
    assert status_at(row(status="resolved"), t(5)) == "resolved"  # nothing says when: its status


def test_work_recorded_later_does_not_count_at_an_earlier_moment():
    r = row(priority="high", first_response_at=t(3), resolved_at=t(9), status="resolved")
    assert completion_times(r, t(2)) == (None, None) and completion_times(r, t(10)) == (t(3), t(9))
    response, resolution = clocks_for(r, t(2))  # 2 h in: response (30 min) already breached, resolution running
    assert response.state == "breached" and response.completed_at is None
    assert resolution.state == "on_track"
    response, resolution = clocks_for(r, t(10))  # afterwards: both done late
    assert (response.state, resolution.state) == ("breached", "breached")
    assert slalib.worst(response, resolution).completed_at is not None
