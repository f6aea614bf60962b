"""A service metric "now" ("p99 latency of <service> now", "error rate on <service>"): its latest value and whether
it is within its usual range, said before (or instead of) any story of when it moved."""

from __future__ import annotations

from typing import Any

from agents.specialists.common import StepScope
from tools.changes.metric_now import metric_now


async def say_metric_now(s: StepScope, service: str, metric: str) -> bool:
    """Say the metric's value now; True when the answer is complete (it is within its usual range, or there is no
    range to hold it against), False when it is outside (the caller then looks for when it moved and why)."""
    noticed = len(s.notices)
    got = await s.tool("metric_now", metric_now, service=service, metric=metric)
    if got is None:
        del s.notices[noticed:]  # not in Postgres (or no such metric): the onset path says what it can
        return False
    r, records = got
    ev: Any = records[0]
    head = f"{r.service} {r.metric} is {r.value:.4g} now (latest point {r.ts:%Y-%m-%d %H:%M} UTC)"
    if r.usual_low is None:
        s.say(head + "; there is too little history before it for a usual range.", ev)
        return True
    if r.state == "within":
        s.say(f"{head} — normal: within its usual range {r.usual_low:.4g}–{r.usual_high:.4g} (1st–99th percentile, "
              f"median {r.usual_median:.4g}, {r.usual_start:%Y-%m-%d} to {r.usual_end:%Y-%m-%d}).", ev)
        return True
    bad = r.higher_is_better is not None and (r.state == "above") != r.higher_is_better
    s.say(f"{head} — {'not normal' if bad or r.higher_is_better is None else 'unusually good'}: {r.state} its usual "
          f"range {r.usual_low:.4g}–{r.usual_high:.4g} (1st–99th percentile, median {r.usual_median:.4g}, "
          f"{r.usual_start:%Y-%m-%d} to {r.usual_end:%Y-%m-%d}).", ev)
    return False


async def say_health(s: StepScope, service: str) -> str | None:
    """"Is <service> ok?": each metric role the service reports (errors, latency, saturation, throughput), its value
    now against its usual range, with a verdict first. None when all are within it (the answer is complete), else
    the first metric outside it (the caller tells when it moved and why)."""
    seen: dict[str, Any] = {}
    for role in ("errors", "latency", "saturation", "throughput"):
        noticed = len(s.notices)
        got = await s.tool("metric_now", metric_now, service=service, metric=role)
        del s.notices[noticed:]  # a role the service does not report is not news
        if got is not None and got[0].metric not in seen:
            seen[got[0].metric] = got
    if not seen:
        s.notices.append(f"There are no metrics for {service} up to now, so I cannot tell whether it is healthy.")
        return None
    off = [m for m, (r, _recs) in seen.items() if r.usual_low is not None and r.state != "within"]
    bad = [m for m in off if (r := seen[m][0]).higher_is_better is None or (r.state == "above") != r.higher_is_better]
    first_ev = next(iter(seen.values()))[1][0]
    if bad:
        s.say(f"Not entirely — {service}: {', '.join(bad)} {'is' if len(bad) == 1 else 'are'} outside the usual range now.",
              first_ev)
    else:
        s.say(f"Yes — {service} looks normal now: {', '.join(seen)} {'is' if len(seen) == 1 else 'are all'} within "
              f"{'its' if len(seen) == 1 else 'their'} usual range"
              + (f" ({', '.join(off)} unusually good)" if off else "") + ".", first_ev)
    for r, records in seen.values():
        rng = (f"usual range {r.usual_low:.4g}–{r.usual_high:.4g}, median {r.usual_median:.4g}" if r.usual_low is not None
               else "too little history for a usual range")
        s.say(f"{r.service} {r.metric} is {r.value:.4g} now (latest point {r.ts:%Y-%m-%d %H:%M} UTC; {rng}; {r.state}).",
              records[0])
    return bad[0] if bad else None
