"""With no date named, the move a user asks about ("what changed before <svc> errors went up?") is the largest lasting
step of the metric's level in the history there is (relative to its noise), when the look at the last days found
nothing, or only a small move on top of it (:func:`tools.changes.largest_step.largest_held_step`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tools.changes import metric_onset

#: How far back (hours) the whole-history look goes: the tool's limit (31 days).
HISTORY_HOURS = 744
#: The latest move found is a small one on top of the lasting step when the step is this many times larger.
LARGER = 3.0


async def largest_lasting(s: Any, service: str, got: Any, around: dt.datetime | None, hours: int) -> tuple[Any, int]:
    """``(the onset to explain, its look-back hours)``: the whole-history look's largest lasting step when the
    latest look found no onset (though it had data) or a move at most 1/:data:`LARGER` of it, else ``got``."""
    if got is None or not got[0].n_points or hours >= HISTORY_HOURS:
        return got, hours
    r = got[0]
    noticed = len(s.notices)
    wide = await s.tool("metric_onset", metric_onset, service=service, metric=r.metric, around=around,
                        hours=HISTORY_HOURS, largest=True)
    del s.notices[noticed:]
    if wide is None or (w := wide[0]).onset is None or w.before_level is None or w.after_level is None:
        return got, hours
    if r.onset is not None and r.before_level is not None and r.after_level is not None and (
            w.onset >= r.onset or abs(w.after_level - w.before_level) < LARGER * abs(r.after_level - r.before_level)):
        return got, hours  # the latest move is the big one (or as big): it is the one asked about
    return wide, HISTORY_HOURS
