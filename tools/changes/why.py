"""Why the top-ranked change ranks first (pure: no database): the components it wins on against the runner-up —
timing (closer before the onset), scope (on the service itself rather than a dependency), size (its service's
metrics left their pre-change limits after it) and what it changed (a riskier change) — in words a user can
check against the evidence."""

from __future__ import annotations

from collections.abc import Sequence

from tools.changes.models import ChangeHypothesis
from tools.changes.phrases import ago
from tools.changes.scoring import MOVED

#: A component counts as a reason when the top change beats the runner-up on it by at least this much.
MARGIN = 0.05


def _when(h: ChangeHypothesis) -> str:
    m = h.minutes_before_onset
    if abs(m) < 1:
        return "at the onset minute"
    return f"{ago(m)} before the onset" if m > 0 else f"{ago(m)} after it"


def _where(h: ChangeHypothesis) -> str:
    return f"on {h.service} itself" if h.distance == 0 else f"{h.distance} hop{'s' if h.distance > 1 else ''} away"


def why_first(hyps: Sequence[ChangeHypothesis], considered: int) -> str | None:
    """One sentence on why ``hyps[0]`` ranks first, or None without a ranking."""
    if not hyps:
        return None
    top = hyps[0]
    if len(hyps) == 1:
        return (f"Why {top.subject} ranks first: it is the only change in the window ({_when(top)}, "
                f"{_where(top)}).") if considered <= 1 else None
    nxt = hyps[1]
    a, b = top.components, nxt.components
    reasons = []
    if top.minutes_before_onset >= 0 > nxt.minutes_before_onset:
        reasons.append(f"timing — {_when(top)}, {nxt.subject} {_when(nxt)}, after the symptom began")
    elif a.time > b.time + MARGIN:
        reasons.append(f"timing — {_when(top)}, {nxt.subject} {_when(nxt)}")
    if top.distance < nxt.distance:
        reasons.append(f"scope — {_where(top)}, {nxt.subject} {_where(nxt)}")
    if a.comovement >= MOVED and a.comovement > b.comovement + MARGIN:
        reasons.append(f"size — {top.service}'s metrics left their pre-change limits after it"
                       + ("" if b.comovement > 0 else f", not after {nxt.subject}"))
    if a.tie > b.tie + MARGIN:  # a KPI with no services recorded behind it (tools.changes.unlinked)
        reasons.append("what ties it to the KPI beyond timing — shared words in its record or its service's, or its "
                       "service's metrics moving" + ("" if b.tie > 0 else f"; only timing ties {nxt.subject} to it"))
    if a.risk > b.risk + MARGIN:
        reasons.append(f"what it changed — a riskier change (risk {a.risk:.1f} against {b.risk:.1f})")
    if not reasons:
        return (f"{top.subject} ranks first only narrowly: {nxt.subject} scores almost the same "
                f"(confidence {top.confidence:.2f} against {nxt.confidence:.2f}; {_when(top)} against {_when(nxt)}).")
    return f"Why {top.subject} ranks first, ahead of {nxt.subject}: " + "; ".join(reasons) + "."
