"""A service metric's value over a period or at a moment (round 7): "p99 over the last 24h for <service>", "error
rate of <service> yesterday", "what was p99 on <service> at 20:30 yesterday" — numbers, not a story
(``metric:window``, ``metric:at:HH:MM``); a why, a move or a story word keeps the onset story. Plain English only."""

from __future__ import annotations

import re

from agents.plan import QueryPlan, ServiceMetric
from agents.understanding.cues import _I, _WHY
from agents.understanding.op_cues import _MOVED, _STORY

_CLOCK = re.compile(r"\bat\s+(?:(\d{1,2}):(\d{2})|(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?|(noon|midday|midnight))\b", _I)


def clock_time(q: str) -> tuple[int, int] | None:
    """"at 20:30", "at 8pm", "at 7:15 am", "at noon" → (hour, minute)."""
    if not (m := _CLOCK.search(q)):
        return None
    if m.group(6):
        return (0, 0) if m.group(6).lower() == "midnight" else (12, 0)
    if m.group(1):
        h, mi = int(m.group(1)), int(m.group(2))
    else:
        h, mi = int(m.group(3)) % 12 + (12 if m.group(5).lower() == "p" else 0), int(m.group(4) or 0)
    return (h, mi) if h < 24 and mi < 60 else None


_STABLE = re.compile(r"\b(?:stable|steady|settled|stabili[sz]ed|consistent|predictable|flat)\b", _I)


def stability_asked(q: str, plan: QueryPlan) -> bool:
    """Mark "is <service> stable?" / "is the webhook queue depth steady?": a verdict from the analysis of the
    period (no shift and no signal = stable), not its value now (``metric:stable``)."""
    if (plan.operation != "explain" or not plan.subjects.services or plan.kpis or _WHY.search(q)
            or not _STABLE.search(q)):
        return False
    plan.notes = [n for n in plan.notes if n not in ("metric:now", "metric:health")] + ["metric:stable"]
    return True


def metric_value_asked(q: str, plan: QueryPlan) -> None:
    """Mark a service-metric question that asks its value over the named period or at a moment."""
    if stability_asked(q, plan):
        return
    if (plan.operation != "explain" or not plan.subjects.services or plan.kpis or not plan.service_metrics
            or _WHY.search(q) or _MOVED.search(q) or _STORY.search(q) or "metric:now" in plan.notes):
        return
    if (hm := clock_time(q)) is not None:
        plan.notes.append(f"metric:at:{hm[0]:02d}:{hm[1]:02d}")  # "p99 on <service> at 20:30 yesterday": that point
    elif plan.window is not None and plan.window.explicit:
        plan.notes.append("metric:window")  # "p99 over the last 24h": the period's numbers


# "is it still slow?", "still erroring?", "is it back to normal?", "has it recovered?": the state now, not the story
STILL = re.compile(r"\bstill\s+(?:(?:very|so|too|really)\s+)?(?:slow|down|failing|erroring|broken|bad|high|elevated|up|"
                    r"degraded|timing\s+out|spiking|throwing|a\s+problem|an\s+issue|happening|going\s+on|struggling|"
                    r"red|unhealthy|sluggish|laggy)\b|\bback\s+to\s+normal\b|\b(?:has|is)\s+(?:it|that|this)\s+"
                    r"(?:recovered|settled|fixed|resolved|better)\b|\b(?:ok|okay|fine|healthy|better)\s+now\b", _I)
_SLOW = re.compile(r"\b(?:slow|sluggish|laggy|latency|timing\s+out|p\d{2,3})\b", _I)
_ERRORS = re.compile(r"\b(?:erroring|errors?|failing|failures?|5xx|throwing)\b", _I)


def still_now(plan: QueryPlan, q: str) -> bool:
    """A follow-up on the thread's service asking whether it is still bad ("is it still slow now?" after its story
    or its change log): its metric now against its usual range (``metric:now``), the latency or errors when the
    question says which, the metric the thread was about, else each of its metrics (``metric:health``)."""
    if not STILL.search(q) or _WHY.search(q):
        return False
    plan.operation = "explain"
    plan.notes = [n for n in plan.notes if n not in ("metric:now", "metric:health", "yesno")] + ["yesno"]
    role = "latency" if _SLOW.search(q) else "errors" if _ERRORS.search(q) else None
    if role:
        plan.service_metrics = [ServiceMetric(role=role)]
    if plan.service_metrics:
        plan.notes.append("metric:now")
    else:
        plan.notes.append("metric:health")
    return True
