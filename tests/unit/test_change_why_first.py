"""Why the top change ranks first (tools/changes/why.py): the components it wins on against the runner-up."""

from __future__ import annotations

import datetime as dt

from tools.changes.models import ChangeHypothesis, ScoreComponents
from tools.changes.why import why_first

AT = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def _h(rank: int, subject: str, minutes: float, *, time: float, distance: int = 0, risk: float = 0.4,
       comovement: float = 0.0, confidence: float = 0.5, service: str = "rota-planner") -> ChangeHypothesis:
    comp = ScoreComponents(time=time, distance=0.6 ** distance, risk=risk, comovement=comovement, rollback=0.0,
                           reach=1.0, base=time, support=0.5, raw=0.5)
    return ChangeHypothesis(rank=rank, type="deployment", subject=subject, service=service,
                            changed_at=AT - dt.timedelta(minutes=minutes), minutes_before_onset=minutes,
                            distance=distance, confidence=confidence, plausible=True, rationale="", components=comp,
                            evidence_refs=[])


def test_timing_scope_size_and_risk_are_named_against_the_runner_up():
    top = _h(1, "rp-12", 12, time=0.91, comovement=0.8, risk=1.0)
    nxt = _h(2, "ROSTER_CACHE", 17 * 60, time=0.0, distance=1, service="shift-store")
    why = why_first([top, nxt], 2)
    assert why is not None and why.startswith("Why rp-12 ranks first, ahead of ROSTER_CACHE")
    assert "timing — 12 min before the onset, ROSTER_CACHE 17.0 h before the onset" in why
    assert "scope — on rota-planner itself, ROSTER_CACHE 1 hop away" in why
    assert "size — rota-planner's metrics left their pre-change limits after it, not after ROSTER_CACHE" in why
    assert "riskier change (risk 1.0 against 0.4)" in why


def test_a_narrow_lead_is_called_narrow():
    top = _h(1, "cfg-a", 30, time=0.8, confidence=0.41)
    nxt = _h(2, "dep-b", 32, time=0.78, confidence=0.40)
    why = why_first([top, nxt], 2)
    assert why is not None and "only narrowly" in why and "30 min before the onset against 32 min before" in why


def test_a_runner_up_after_the_onset_loses_on_timing():
    top = _h(1, "cfg-a", 0, time=1.0, confidence=0.41)
    nxt = _h(2, "dep-b", -3, time=0.98, confidence=0.40)
    why = why_first([top, nxt], 2)
    assert why is not None and "timing — at the onset minute, dep-b 3 min after it, after the symptom began" in why


def test_alone_or_nothing():
    assert why_first([], 0) is None
    only = why_first([_h(1, "rp-12", 30, time=0.8)], 1)
    assert only is not None and "the only change in the window" in only


def test_busy_and_occupancy_metrics_are_saturation():
    from tools.changes import roles

    for name in ("worker_busy_pct", "slot_occupancy", "conns_in_use", "inflight_jobs"):
        assert roles.role_of(name) == "saturation", name
    assert roles.role_of("http_5xx_pct") == "errors"
