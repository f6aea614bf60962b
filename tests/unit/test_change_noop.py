"""A config change whose new value equals its old one changed nothing: a change correlation never makes it the most
likely cause and says so, and its listing says it was unchanged — on a hotel group's vocabulary (housekeeping
turnover, a room-allocation service)."""

from __future__ import annotations

import datetime as dt

from tools.changes import noop, scoring
from tools.changes.candidates import _Candidate
from tools.changes.models import ConfigChangeInfo
from tools.changes.queries import _Node

AT = dt.datetime(2027, 5, 9, 6, 0, tzinfo=dt.UTC)


def _config(ext: str, key: str, old: str | None, new: str | None, minutes_before: float) -> _Candidate:
    cfg = ConfigChangeInfo(external_id=ext, service="room-allocator", key=key, old_value=old, new_value=new,
                           changed_at=AT - dt.timedelta(minutes=minutes_before))
    c = _Candidate("config_change", _Node(1, "room-allocator", 0, []), cfg.changed_at, config=cfg,
                   risk_reason="a key of unknown risk")
    c.components = scoring.score_candidate(scoring.Features(minutes_before=minutes_before, distance=0, risk=1.0),
                                           half_life_minutes=2880)
    return c


def test_a_reapplied_value_is_never_the_most_likely_cause():
    same = _config("HTL-41", "housekeeping.turnover_minutes", "45", "45.0", 30)  # the closest, and equal values
    real = _config("HTL-38", "allocation.upgrade_quota", "10", "25", 3000)
    assert same.score.raw > real.score.raw  # on timing alone it would rank first
    noop.rule_out([same, real])
    assert same.score.raw == 0.0 and not scoring.is_plausible(same.score.raw)
    assert "changed nothing" in same.risk_reason and real.risk_reason == "a key of unknown risk"
    assert scoring.rank([same.score.raw, real.score.raw])[0] == 1


def test_only_equal_recorded_values_are_a_no_op():
    assert noop.is_noop(_config("HTL-1", "k", " 8 ", "8", 1).config)
    assert not noop.is_noop(_config("HTL-2", "k", None, "8", 1).config)  # unset → 8 is a change
    assert not noop.is_noop(_config("HTL-3", "k", "on", "off", 1).config)
    assert not noop.is_noop(None)


def test_the_listing_says_an_unchanged_value_changed_nothing():
    same = ConfigChangeInfo(external_id="HTL-41", service="room-allocator", key="housekeeping.turnover_minutes",
                            old_value="45", new_value="45", changed_at=AT)
    assert same.values() == "45 → 45 (unchanged: it changed nothing)"
    assert same.model_copy(update={"new_value": "50"}).values() == "45 → 50"
