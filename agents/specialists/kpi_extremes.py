"""The extremes of one KPI series in the asked window: its worst (best, highest…) day, the worst n days, its worst
week or month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.kpi_leads import _f


def _window_points(plan: QueryPlan, series: Any) -> list[Any]:
    """The series' points with a value in the asked window (the whole series when none was asked)."""
    w = plan.window
    start, end = (w.start, w.end) if w is not None and w.explicit else (series.start, series.end)
    return [p for p in series.points if p.value is not None and start <= p.date <= end]


def _high(word: str, k: Any) -> bool:
    """Whether ``word``'s end of the series is its high values ("worst" and "best" by the KPI's direction)."""
    return {"highest": True, "busiest": True, "peak": True, "lowest": False, "quietest": False,
            "worst": not k.higher_is_better, "best": k.higher_is_better}.get(word, True)


def _top(pts: list[Any], high: bool) -> Any:
    """The point at that end (a tie: the latest)."""
    return max(pts, key=lambda p: (p.value if high else -p.value, p.date))


def extreme(plan: QueryPlan, series: Any, word: str, unit: str = "day") -> str | None:
    """"What was the worst day for X last month?": the day in the asked window at that end (by the KPI's direction);
    "which week was best?": the week (month) — its total for a count, its mean otherwise."""
    k = series.kpi
    w = plan.window
    pts = _window_points(plan, series)
    if not pts:
        return None
    start, end = (w.start, w.end) if w is not None and w.explicit else (pts[0].date, pts[-1].date)  # else: the
    high = _high(word, k)  # days there is data for ("the record low")
    if unit in ("week", "month"):
        return _extreme_period(series, pts, word, unit, high, start, end)
    n = next((int(x.rsplit(":", 1)[1]) for x in plan.notes if x.startswith("q:extreme_n:")), 1)
    if n > 1:  # "the worst 5 days": those days, that end first
        days = sorted(pts, key=lambda p: (p.value if high else -p.value, p.date), reverse=True)[:n]
        return (f"The {len(days)} {word} days for {k.name} at {series.scope.label} from {start} to {end}: "
                + "; ".join(f"{p.date} ({p.date:%a}) {_f(p.value, k)}" for p in days)
                + f" ({'higher' if k.higher_is_better else 'lower'} is better; {len(pts)} days).")
    top = _top(pts, high)
    other = min(pts, key=lambda p: (p.value if high else -p.value, -p.date.toordinal()))
    return (f"The {word} day for {k.name} at {series.scope.label} from {start} to {end} was {top.date} "
            f"({top.date:%A}) with {_f(top.value, k)}; at the other end {other.date} with {_f(other.value, k)} "
            f"({'higher' if k.higher_is_better else 'lower'} is better; {len(pts)} days).")


def _extreme_period(series: Any, pts: list[Any], word: str, unit: str, high: bool, start: dt.date,
                    end: dt.date) -> str | None:
    """The week (Monday to Sunday) or calendar month at that end: only periods wholly in the window when there is
    one (a half week's total is no week's), the total of a count, the mean of anything else."""
    k = series.kpi
    if series.grain != "daily":
        return None  # the lookup's points are already weeks or months: its own answer lists them
    groups: dict[dt.date, list[float]] = {}
    for p in pts:
        key = p.date - dt.timedelta(days=p.date.weekday()) if unit == "week" else p.date.replace(day=1)
        groups.setdefault(key, []).append(float(p.value))

    def last_day(first: dt.date) -> dt.date:
        if unit == "week":
            return first + dt.timedelta(days=6)
        return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    whole = {d: v for d, v in groups.items() if d >= start and last_day(d) <= end}
    use = whole or groups
    total = k.aggregation == "sum"
    value = {d: (sum(v) if total else sum(v) / len(v)) for d, v in use.items()}
    top = max(value, key=lambda d: (value[d] if high else -value[d], d))
    other = min(value, key=lambda d: (value[d] if high else -value[d], -d.toordinal()))

    def name(d: dt.date) -> str:
        return f"the week of {d} to {last_day(d)}" if unit == "week" else f"{d:%B %Y}"

    how = "total" if total else "mean per day"
    said = f"{len(use)} {'whole ' if whole else ''}{unit}{'' if len(use) == 1 else 's'}"
    if not whole:
        said += f", none wholly inside {start} to {end}: partial {unit}s compared"
    return (f"The {word} {unit} for {k.name} at {series.scope.label} from {start} to {end} was {name(top)} with "
            f"{_f(value[top], k)} ({how}); at the other end {name(other)} with {_f(value[other], k)} "
            f"({'higher' if k.higher_is_better else 'lower'} is better; {said}).")


def extreme_day(plan: QueryPlan | None, series: Any) -> tuple[Any, Any | None] | None:
    """"What was the worst day for X in november, and why?" (``anchor:extreme``): that day's point in the asked
    window and its warning/critical beyond-limits signal (None when the day is inside the limits: ordinary variation,
    nothing to explain)."""
    if plan is None or "anchor:extreme" not in plan.notes:
        return None
    word = next((n.removeprefix("q:extreme_") for n in plan.notes if n.startswith("q:extreme_") and "unit" not in n
                 and not n.startswith("q:extreme_n:")), None)
    pts = _window_points(plan, series)
    if word is None or not pts:
        return None
    top = _top(pts, _high(word, series.kpi))
    signal = next((x for x in series.signals if x.date == top.date and x.rule == "beyond_limits"
                   and x.state in ("warning", "critical")), None)
    return top, signal


def limits_of(series: Any, day: dt.date, f: Any) -> str:
    """" (L to U)" of the stage that holds ``day`` ("up to U" when the lower limit is below zero for a count)."""
    stage = next((st for st in series.stages if st.start_date <= day <= st.end_date), None)
    if stage is None:
        return ""
    return f" ({f(stage.lcl)} to {f(stage.ucl)})" if stage.lcl > 0 else f" (up to {f(stage.ucl)})"
