"""A service metric's last minutes or hours against the same span just before ("webhook queue depth last 30 minutes vs
the 30 before", "p99 on <service> past hour compared with the hour before"): both periods' means from the points, the
change, and whether the recent points stay within the metric's usual range."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.specialists.common import StepScope
from tools.changes.metric_window import metric_window

_N = r"(\d+|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty[- ]five)"
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "fifteen": 15,
          "twenty": 20, "thirty": 30, "forty-five": 45, "forty five": 45}
_UNIT = r"(min(?:ute)?s?|h(?:ours?|rs?)?)"
_RECENT = re.compile(rf"\b(?:last|past|previous)\s+(?:{_N}\s*)?{_UNIT}\b", re.I)
_BEFORE = re.compile(r"\b(?:vs\.?|versus|compared\s+(?:with|to)|against|than)\s+(?:the\s+)?(?:\S+\s+){0,3}?"
                     r"(?:before|prior|previous|earlier)\b", re.I)


def recent_span(question: str) -> dt.timedelta | None:
    """The span of "last 30 minutes vs the 30 before" / "past hour compared with the hour before"; None unless the
    question sets a span of minutes or hours against the one before it."""
    m = _RECENT.search(question)
    if not m or not _BEFORE.search(question[m.end():]):
        return None
    n = m.group(1)
    count = 1 if n is None else int(n) if n.isdigit() else _WORDS.get(n.lower().replace("-", " "), _WORDS.get(n.lower(), 1))
    unit = dt.timedelta(minutes=1) if m.group(2).lower().startswith("m") else dt.timedelta(hours=1)
    span = count * unit
    return span if dt.timedelta(minutes=5) <= span <= dt.timedelta(days=2) else None


def _span_words(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes" if minutes != 1 else "minute"
    hours = minutes // 60
    return "hour" if hours == 1 else f"{hours} hours"


async def say_recent_vs_before(s: StepScope, service: str, metric: str, span: dt.timedelta, now: dt.datetime) -> bool:
    """Say the metric's mean over the last ``span`` against the ``span`` before it; True when said (both periods
    have points), False otherwise (the caller then answers as it would have)."""
    noticed = len(s.notices)
    recent = await s.tool("metric_window", metric_window, service=service, metric=metric, start=now - span, end=now)
    if recent is None or recent[0].n == 0 or recent[0].mean is None:
        del s.notices[noticed:]
        return False
    r, records = recent
    before = await s.tool("metric_window", metric_window, service=service, metric=r.metric, start=now - 2 * span,
                          end=now - span - dt.timedelta(seconds=1))
    if before is None or before[0].n == 0 or before[0].mean is None:
        del s.notices[noticed:]
        return False
    b, b_records = before
    words = _span_words(span)
    change = r.mean - b.mean
    pct = f" ({change / abs(b.mean):+.1%})" if b.mean else ""
    verdict = "about the same as" if b.mean and abs(change) < 0.03 * abs(b.mean) else (
        "higher than" if change > 0 else "lower than")
    ev: Any = records[0]
    s.say(f"{r.service} {r.metric}: mean {r.mean:.4g} over the last {words} ({r.start:%H:%M}–{r.end:%H:%M} UTC, {r.n} "
          f"points) against {b.mean:.4g} over the {words} before ({b.start:%H:%M}–{b.end:%H:%M} UTC, {b.n} points) — "
          f"{verdict} before, {change:+.4g}{pct}.", ev, b_records[0] if b_records else None)
    if r.usual_low is not None and r.usual_high is not None:
        out = r.n_above + r.n_below
        s.say(f"Every point of the last {words} is within its usual range {r.usual_low:.4g}–{r.usual_high:.4g} "
              "(1st–99th percentile of the week before)." if not out else
              f"{out} of the last {words}'s {r.n} points are outside its usual range {r.usual_low:.4g}–"
              f"{r.usual_high:.4g} ({r.n_above} above, {r.n_below} below).", ev)
    return True
