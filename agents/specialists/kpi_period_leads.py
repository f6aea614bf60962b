"""The KPI analyst's first line for two periods of one series: "were there more X this week than last week?",
"how much did X go up vs last month?", "X this week vs last" (which way it went, by the KPI's direction) and "X on
the 1st: this month vs last" (that day of each month). A period only begun is said, never compared silently."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.kpi_leads import _f


def periods(plan: QueryPlan, series: Any, word: str) -> str | None:
    """"Were there more X this week than last week?": the two periods of the window, per day when one is partial."""
    k, w = series.kpi, plan.window
    if w is None:
        return None
    unit = w.label.split()[1]
    if unit == "week":
        split = w.end - dt.timedelta(days=w.end.weekday()) if w.label.startswith("this") else w.start + dt.timedelta(days=7)
    else:
        split = w.end.replace(day=1)
    dom = re.search(r", compared on day (\d+) of each$", w.label)  # "on the 1st: this month vs last": that day of each month only
    pts = [p for p in series.points if p.value is not None and (dom is None or p.date.day == int(dom.group(1)))]
    before = [p.value for p in pts if w.start <= p.date < split]
    now = [p.value for p in pts if split <= p.date <= w.end]
    if dom is not None:
        return _same_day(series, int(dom.group(1)), pts, split)
    if not before or not now:
        return None
    per_day = k.aggregation != "sum" or len(before) != len(now)
    a = sum(now) / len(now) if per_day else sum(now)
    b = sum(before) / len(before) if per_day else sum(before)
    higher = a > b
    if word in ("better", "worse"):
        yes = a != b and (higher == k.higher_is_better) == (word == "better")
    else:
        yes = a != b and higher == (word in ("more", "higher", "bigger"))
    how = "a day on average" if k.aggregation == "sum" and per_day else ("on average" if per_day else "in all")
    extra = 1 if k.aggregation == "sum" and per_day else 0
    short = _partial(unit, split, now, before)
    if word == "change":  # "how much did X go up vs last month (in percent)?": the change, in % of the earlier period
        v = 100 * (a - b) / abs(b) if b else None
        pct = "n/a" if v is None else f"{v:+.1f}%" if abs(v) >= 0.05 else f"{v:+.2f}%"
        verdict = "level" if a == b else ("up" if higher else "down") + (
            f", {'better' if higher == k.higher_is_better else 'worse'}")
        return (f"{pct} ({verdict}) — {k.name} at {series.scope.label}: {_f(a, k, extra)} {how} from {split} to "
                f"{min(w.end, series.end)} ({_days(len(now))}) against {_f(b, k, extra)}{' a day' if extra else ''} from "
                f"{w.start} to {split - dt.timedelta(days=1)} ({_days(len(before))}); "
                f"{'higher' if k.higher_is_better else 'lower'} is better.{short}")
    head = "Yes" if yes else "No"
    if word == "vs":  # "X this week vs last": which way it went, by the KPI's own direction
        head = "Level" if a == b else f"{'Up' if higher else 'Down'} ({'better' if higher == k.higher_is_better else 'worse'})"
    return (f"{head} — {k.name} at {series.scope.label}: {_f(a, k, extra)} {how} from {split} to "
            f"{min(w.end, series.end)} ({_days(len(now))}) against {_f(b, k, extra)}{' a day' if extra else ''} from {w.start} "
            f"to {split - dt.timedelta(days=1)} ({_days(len(before))}); {'higher' if k.higher_is_better else 'lower'} is "
            f"better.{short}")


def _same_day(series: Any, day: int, pts: list[Any], split: dt.date) -> str | None:
    """"X on the 1st: this month vs last": the value on that day of this month against that day of last month."""
    k = series.kpi
    now = next((p for p in pts if p.date >= split), None)
    before = next((p for p in reversed(pts) if p.date < split), None)
    if now is None or before is None:
        return None
    d = now.value - before.value
    how = "Level" if d == 0 else f"{'Up' if d > 0 else 'Down'} ({'better' if (d > 0) == k.higher_is_better else 'worse'})"
    return (f"{how} — {k.name} at {series.scope.label} was {_f(now.value, k)} on {now.date} against {_f(before.value, k)} "
            f"on {before.date} ({'+' if d >= 0 else ''}{_f(d, k)}); {'higher' if k.higher_is_better else 'lower'} is better. "
            f"These are single days, not the months.")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _partial(unit: str, split: dt.date, now: list[float], before: list[float]) -> str:
    """What a comparison with a period only begun must say: how little of it there is."""
    if len(now) >= len(before):
        return ""
    what = f"the week of {split}" if unit == "week" else f"{split:%B %Y}"
    if len(now) == 1:
        return (f" Note: {what} has only one day of data so far ({split}), so this is one day against the whole "
                f"{unit} before — an early read, not a {unit}-on-{unit} result.")
    return f" Note: {what} is partial ({_days(len(now))} of data so far against {_days(len(before))}), compared per day."
