"""A service metric "now" ("p99 latency of <service> now", "error rate on <service>"): its latest value and whether
it is within its usual range, said before (or instead of) any story of when it moved."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from tools.changes.metric_now import metric_now
from tools.changes.metric_window import metric_window


async def say_metric_now(s: StepScope, service: str, metric: str) -> bool:
    """Say the metric's value now; True when the answer is complete (it is within its usual range, or there is no
    range to hold it against), False when it is outside (the caller then looks for when it moved and why)."""
    noticed = len(s.notices)
    got = await s.tool("metric_now", metric_now, service=service, metric=metric)
    if got is None:
        del s.notices[noticed:]  # not in Postgres (or no such metric): the onset path says what it can
        return False
    if metric == "latency":  # "latency on <svc>" with a p50 and a p99: both, never one picked for the user
        tail = await s.tool("metric_now", metric_now, service=service, metric="tail latency")
        del s.notices[noticed:]
        if tail is not None and tail[0].metric != got[0].metric:
            return all([_say_now(s, *got), _say_now(s, *tail)])
    return _say_now(s, *got)


def _say_now(s: StepScope, r: Any, records: list[Any]) -> bool:
    ev: Any = records[0]
    head = f"{r.service} {r.metric} is {r.value:.4g} now (latest point {r.ts:%Y-%m-%d %H:%M} UTC)"
    if r.usual_low is None:
        s.say(head + "; there is too little history before it for a usual range.", ev)
        return True
    rng = (f"its usual range {r.usual_low:.4g}–{r.usual_high:.4g} (1st–99th percentile, median {r.usual_median:.4g}, "
           f"{r.usual_start:%Y-%m-%d} to {r.usual_end:%Y-%m-%d}")
    if r.moved_at is not None:  # a move still going on is no yardstick: the range is from before it
        rng += (f", before it moved on {r.moved_at:%Y-%m-%d %H:%M} UTC; it has been about {r.level_since:.4g} "
                f"since then)")
    else:
        rng += ")"
    if r.state == "within":
        s.say(f"{head} — normal: within {rng}.", ev)
        return True
    bad = r.higher_is_better is not None and (r.state == "above") != r.higher_is_better
    s.say(f"{head} — {'not normal' if bad or r.higher_is_better is None else 'unusually good'}: {r.state} {rng}.", ev)
    return False


async def say_health(s: StepScope, service: str) -> str | None:
    """"Is <service> ok?": each metric role the service reports (errors, latency, saturation, throughput), its value
    now against its usual range, with a verdict first. None when all are within it (the answer is complete), else
    the first metric outside it (the caller tells when it moved and why)."""
    seen: dict[str, Any] = {}
    for role in ("errors", "latency", "tail latency", "saturation", "throughput"):  # a p99 beside a p50
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


async def say_metric_window(s: StepScope, service: str, metric: str, plan: QueryPlan, now: dt.datetime) -> bool:
    """"p99 of <service> over the last 24h" / "… at 20:30 yesterday": the numbers for that period (or moment) against
    the usual range; True when the answer is complete (a moment asked), False for a period (the caller then tells
    whether and when it moved in it, and why)."""
    w = plan.window
    at_note = next((n[10:] for n in plan.notes if n.startswith("metric:at:")), None)
    at = None
    if at_note:
        hh, mm = (int(x) for x in at_note.split(":"))
        at = dt.datetime.combine(w.start if w is not None else now.date(), dt.time(hh, mm), dt.UTC)
        if at > now and w is None:
            at -= dt.timedelta(days=1)  # "p99 at 20:30" before 20:30 today: yesterday's
        start, end = at - dt.timedelta(hours=1), at
    elif w is not None and (m := re.fullmatch(r"the last (\d+) hours?", w.label)):
        end, start = now, now - dt.timedelta(hours=int(m.group(1)))  # "over the last 24h": those hours, not their days
    elif w is not None:
        start, end = dt.datetime.combine(w.start, dt.time.min, dt.UTC), dt.datetime.combine(w.end, dt.time.max, dt.UTC)
    else:
        return False
    noticed = len(s.notices)
    got = await s.tool("metric_window", metric_window, service=service, metric=metric, start=start, end=end,
                       **({"at": at} if at else {}))
    if got is None:
        del s.notices[noticed:]  # no points then (or not in Postgres): the onset path says what it can
        return False
    r, records = got
    ev: Any = records[0]
    before = (f"the week before it moved on {r.moved_at:%Y-%m-%d %H:%M} UTC (still at that level when the period "
              "began)" if r.moved_at is not None else "the week before")
    rng = (f"its usual range {r.usual_low:.4g}–{r.usual_high:.4g} (1st–99th percentile of {before}, median "
           f"{r.usual_median:.4g})" if r.usual_low is not None and r.usual_high is not None else None)
    if r.at is not None and r.at_value is not None and r.at_ts is not None:
        where = ("" if rng is None or r.usual_low is None or r.usual_high is None else
                 f" — {'within' if r.usual_low <= r.at_value <= r.usual_high else 'above' if r.at_value > r.usual_high else 'below'} {rng}")
        s.say(f"{r.service} {r.metric} was {r.at_value:.4g} at {r.at_ts:%Y-%m-%d %H:%M} UTC (the point for "
              f"{r.at:%Y-%m-%d %H:%M}){where}.", ev)
        return True
    label = w.label if w is not None else "then"
    s.say(f"{r.service} {r.metric}, {label} ({r.start:%Y-%m-%d %H:%M} to {r.end:%Y-%m-%d %H:%M} UTC, {r.n} points): "
          f"mean {r.mean:.4g}, median {r.median:.4g}, lowest {r.low:.4g} at {r.low_ts:%Y-%m-%d %H:%M}, highest "
          f"{r.high:.4g} at {r.high_ts:%Y-%m-%d %H:%M}, latest {r.latest:.4g} at {r.latest_ts:%Y-%m-%d %H:%M}.", ev)
    if rng is not None:
        out = r.n_above + r.n_below
        s.say(f"Every point is within {rng}." if not out else
              f"{out} of the {r.n} points are outside {rng} ({r.n_above} above, {r.n_below} below).", ev)
    return False  # the numbers first; whether (and when) it moved in that period follows
