"""SLA arithmetic for support tickets (pure: no database, no clock of its own).

Targets are set by the ticket's *priority* and scaled by the customer tier:

=========  ==========  ===========
priority   response    resolution
=========  ==========  ===========
critical   15 min      2 h
high       30 min      4 h
medium     2 h         8 h
low        4 h         24 h
=========  ==========  ===========

tier multiplier: enterprise 0.5, business 0.75, standard 1.0, free 1.5
(an enterprise critical ticket must get a response within 7.5 minutes).

Each clock (response, resolution) starts at ``created_at``; its *window* is the
scaled target and its *deadline* ``created_at + window``. Clocks run in wall
time (a ``pending`` status does not pause them). The state of a clock at
``now``:

- ``met``: done (first response / resolution) at or before the deadline;
- ``breached``: done after the deadline, or not done and ``now`` is past the deadline;
- ``at_risk``: not done and at most 15 % of the window is left
  (``deadline - now <= 0.15 * window``; exactly 15 % left is at risk);
- ``on_track``: not done and more than 15 % of the window is left.

Escalation level of a clock:

- 0: ``on_track`` or ``met``;
- 1: ``at_risk``;
- 2: ``breached``, overdue by at most 50 % of the window;
- 3: ``breached`` by more than 50 % of the window (overdue > 0.5 * window),
  where "overdue" is measured to the completion time when the work was done
  late, otherwise to ``now``.

All comparisons are exact (timedelta arithmetic in microseconds), so the
boundaries above hold to the microsecond.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, Field

Priority = Literal["critical", "high", "medium", "low"]
Tier = Literal["enterprise", "business", "standard", "free"]
ClockKind = Literal["response", "resolution"]
SlaState = Literal["on_track", "at_risk", "breached", "met", "not_recorded"]

RESPONSE_TARGETS: dict[str, dt.timedelta] = {
    "critical": dt.timedelta(minutes=15),
    "high": dt.timedelta(minutes=30),
    "medium": dt.timedelta(hours=2),
    "low": dt.timedelta(hours=4),
}
RESOLUTION_TARGETS: dict[str, dt.timedelta] = {
    "critical": dt.timedelta(hours=2),
    "high": dt.timedelta(hours=4),
    "medium": dt.timedelta(hours=8),
    "low": dt.timedelta(hours=24),
}
# Fractions keep the scaled windows exact (0.75 * 15 min = 11 min 15 s, not 11.2499…).
TIER_MULTIPLIERS: dict[str, Fraction] = {
    "enterprise": Fraction(1, 2),
    "business": Fraction(3, 4),
    "standard": Fraction(1),
    "free": Fraction(3, 2),
}
AT_RISK_REMAINING = Fraction(15, 100)  # at risk once <= 15 % of the window is left
ESCALATE_OVERDUE = Fraction(1, 2)  # level 3 once overdue by more than 50 % of the window

STATE_SEVERITY: dict[str, int] = {"not_recorded": -1, "met": 0, "on_track": 0, "at_risk": 1, "breached": 2}


class SlaClock(BaseModel):
    """One SLA clock (response or resolution) of a ticket, evaluated at ``as_of``."""

    kind: ClockKind
    state: SlaState
    window_minutes: float = Field(description="the target after the tier multiplier")
    started_at: dt.datetime
    deadline: dt.datetime
    completed_at: dt.datetime | None = Field(None, description="first response / resolution time, when done")
    as_of: dt.datetime
    remaining_minutes: float | None = Field(None, description="time left to the deadline (open clocks only)")
    overdue_minutes: float = Field(0.0, description="how far past the deadline (0 when not breached)")
    elapsed_fraction: float = Field(description="time used / window (to completion, or to as_of when open)")
    escalation_level: int = Field(description="0 on track/met, 1 at risk, 2 breached, 3 breached by > 50 % of the window")


def _td_minutes(td: dt.timedelta) -> float:
    return td.total_seconds() / 60.0


def _scale(td: dt.timedelta, factor: Fraction) -> dt.timedelta:
    us = td // dt.timedelta(microseconds=1)
    return dt.timedelta(microseconds=round(us * factor))


def _us(td: dt.timedelta) -> int:
    return td // dt.timedelta(microseconds=1)


def _check(value: str, allowed: dict, what: str) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return value


def targets(priority: str, tier: str) -> tuple[dt.timedelta, dt.timedelta]:
    """(response, resolution) windows for a priority and customer tier."""
    _check(priority, RESPONSE_TARGETS, "priority")
    m = TIER_MULTIPLIERS[_check(tier, TIER_MULTIPLIERS, "customer tier")]
    return _scale(RESPONSE_TARGETS[priority], m), _scale(RESOLUTION_TARGETS[priority], m)


def escalation_level(state: str, overdue: dt.timedelta, window: dt.timedelta) -> int:
    if state == "at_risk":
        return 1
    if state == "breached":
        return 3 if _us(overdue) > _us(window) * ESCALATE_OVERDUE else 2
    return 0


def evaluate_clock(
    kind: ClockKind,
    started_at: dt.datetime,
    window: dt.timedelta,
    completed_at: dt.datetime | None,
    now: dt.datetime,
) -> SlaClock:
    """State of one clock at ``now`` (see the module docstring for the rules)."""
    if window <= dt.timedelta(0):
        raise ValueError("the SLA window must be positive")
    deadline = started_at + window
    remaining: dt.timedelta | None = None
    if completed_at is not None:
        used = completed_at - started_at
        overdue = max(completed_at - deadline, dt.timedelta(0))
        state: SlaState = "met" if completed_at <= deadline else "breached"
    else:
        used = now - started_at
        remaining = deadline - now
        overdue = max(now - deadline, dt.timedelta(0))
        if now > deadline:
            state = "breached"
        elif _us(remaining) <= _us(window) * AT_RISK_REMAINING:
            state = "at_risk"
        else:
            state = "on_track"
    return SlaClock(
        kind=kind,
        state=state,
        window_minutes=_td_minutes(window),
        started_at=started_at,
        deadline=deadline,
        completed_at=completed_at,
        as_of=now,
        remaining_minutes=None if remaining is None else _td_minutes(remaining),
        overdue_minutes=_td_minutes(overdue),
        elapsed_fraction=used / window,
        escalation_level=escalation_level(state, overdue, window),
    )


def ticket_clocks(
    *,
    priority: str,
    customer_tier: str,
    created_at: dt.datetime,
    first_response_at: dt.datetime | None,
    resolved_at: dt.datetime | None,
    now: dt.datetime,
    response_recorded: bool = True,
) -> tuple[SlaClock, SlaClock]:
    """(response, resolution) clocks of a ticket at ``now``.

    A ticket resolved without a recorded first response counts the resolution
    as its first response (a resolution answers the customer). A ticket from a
    helpdesk that records no first response at all (``response_recorded`` False)
    has its response clock ``not_recorded``: neither met nor breached.
    """
    resp_window, res_window = targets(priority, customer_tier)
    responded = first_response_at if first_response_at is not None else resolved_at
    response = evaluate_clock("response", created_at, resp_window, responded, now)
    if not response_recorded and first_response_at is None:
        response = response.model_copy(update={
            "state": "not_recorded", "completed_at": None, "remaining_minutes": None, "overdue_minutes": 0.0,
            "escalation_level": 0})
    return response, evaluate_clock("resolution", created_at, res_window, resolved_at, now)


def worst(*clocks: SlaClock) -> SlaClock:
    """The clock that matters most: highest escalation, then the earliest deadline."""
    return sorted(clocks, key=lambda c: (-c.escalation_level, -STATE_SEVERITY[c.state], c.deadline))[0]
