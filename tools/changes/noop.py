"""A config change that changed nothing: its new value equals its old one (a re-apply, a no-op save). It can never
explain a move, so a change correlation keeps it out of "most likely cause" and says why."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from tools.changes.candidates import _Candidate
from tools.changes.models import ConfigChangeInfo, same_value

#: what a ranking says of a change that changed nothing
NOOP_REASON = "it changed nothing (the new value equals the old one), so it cannot explain a move"


def is_noop(change: ConfigChangeInfo | None) -> bool:
    """True for a config change whose record holds both values and they are equal."""
    return (change is not None and change.old_value is not None and change.new_value is not None
            and same_value(change.old_value, change.new_value))


def rule_out(cands: Iterable[_Candidate]) -> None:
    """Score every no-op config change 0 (never plausible, ranked last) and say it changed nothing."""
    for c in cands:
        if is_noop(c.config) and c.components is not None:
            c.components = dataclasses.replace(c.components, raw=0.0)
            c.risk_reason = NOOP_REASON
