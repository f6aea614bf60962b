"""Which move of a KPI a "why did it drop?" is about, and the slow drift a stage search does not split.

A question without a period ("why did deck load fall at <site>?") means the drop the user saw: of the stage changes
in view (the window or the last 90 days), the largest in the asked direction is explained, not merely the latest
(a small later step would otherwise hide the big one); the others are mentioned in one line. A period the user
gave still decides (the caller does not ask here then).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from agents.plan import QueryPlan

_DOWN = re.compile(r"\b(?:drop\w*|fall\w*|fell|declin\w*|decreas\w*|dip\w*|sank|sink\w*|slump\w*|plung\w*|"
                   r"plummet\w*|tank\w*|shrank|shrink\w*|down|lower\w*|low|slid\w*)\b", re.I)
_UP = re.compile(r"\b(?:rise|rises|rising|rose|risen|jump\w*|increas\w*|spik\w*|climb\w*|grow\w*|grew|surg\w*|"
                 r"soar\w*|up|higher|high|went\s+up)\b", re.I)
_WORSE = re.compile(r"\b(?:worse\w*|worsen\w*|deteriorat\w*|degrad\w*)\b", re.I)
_BETTER = re.compile(r"\b(?:better|improv\w*)\b", re.I)


def asked_direction(question: str, higher_is_better: bool) -> str | None:
    """'down' or 'up' when the question names one way only ("drop", "rise", or "worse"/"better" by the KPI's
    direction), else None."""
    worse, better = bool(_WORSE.search(question)), bool(_BETTER.search(question))
    down = bool(_DOWN.search(question)) or (worse and higher_is_better) or (better and not higher_is_better)
    up = bool(_UP.search(question)) or (worse and not higher_is_better) or (better and higher_is_better)
    return "down" if down and not up else "up" if up and not down else None


def asked_move(plan: QueryPlan | None, question: str, series: Any) -> tuple[Any | None, list[Any]]:
    """(the move to explain, the other moves in view) for an explanation asked without a period; (None, []) when
    the question gives a period or no direction, or no stage change in view went that way. Without a stage change
    in the window the caller's search of the whole history decides (the latest change, however old)."""
    w = plan.window if plan else None
    if plan is None or plan.operation != "explain" or (w is not None and w.explicit) or series.shift is None:
        return None, []
    way = asked_direction(question or "", series.kpi.higher_is_better)
    same = [m for m in series.moves if m.direction == way]
    if not same:
        return None, []
    top = max(same, key=lambda m: (abs(m.delta), m.onset))
    return top, [m for m in series.moves if m.onset != top.onset]


def others_line(top: Any, others: list[Any], f: Callable[[float | None], str], unit: str) -> str:
    """One line on the other stage changes in view, the latest first."""
    parts = [f"on {m.onset} it moved {m.direction} {'again ' if m.direction == top.direction else ''}from "
             f"{f(m.before_cl)} to {f(m.after_cl)}" for m in sorted(others, key=lambda m: m.onset, reverse=True)[:2]]
    size = f(abs(top.delta)).removesuffix("%") + " points" if unit == "%" else f(abs(top.delta))
    smaller = all(abs(m.delta) < abs(top.delta) for m in others)
    return (f"That step {top.direction} of {size} is the largest {top.direction} in view (the last 90 days), so it is "
            f"the one explained; the {'smaller ' if smaller else ''}other stage change{'s' if len(parts) > 1 else ''}: "
            + "; ".join(parts) + ".")


async def quarter_drift(s: Any, ctx: Any, kpi: str, level: str, series: Any,
                        spans: tuple[int, ...] = (90, 180)) -> tuple[Any, Any, Any] | None:
    """(drift, the series, its records) when the last 90 days drift steadily — else the last 180 (a drift too slow
    to pass the test over one quarter, when the history goes back that far) — else None."""
    from tools.kpis import kpi_series

    for days in spans:
        longer = await s.tool("kpi_series", kpi_series, kpi=kpi, station=ctx.get("station"), region=ctx.get("region"),
                              summary_level=level, start=series.end - dt.timedelta(days=days - 1), end=series.end,
                              chart=False)
        if longer is None:
            return None
        if (d := drift(longer[0])) is not None:
            return d, longer[0], longer[1]
        if first_day(longer[0]) > longer[0].start:  # the history starts inside this span: nothing longer to look at
            return None
    return None


def first_day(series: Any) -> dt.date:
    """The date of the series' first value (later than its asked start when the history begins after it)."""
    return next((p.date for p in series.points if p.value is not None), series.start)


#: How many (autocorrelation-widened) standard errors a slope must be from flat to be called a drift. Measured on
#: 1,000 simulated 90-day series of each kind: stable Poisson(4.5) and weekly-rhythm series are never called drifting,
#: AR(1) φ=0.6 / 0.8 ones 0.6 % / 3.8 % of the time (the old rule alone: 0.5 % / 4 %), while a count going from 3.5 to
#: 7.5 a day is named 94 % of the time (the old rule: under 1 %; 4 standard errors: 70 %).
DRIFT_T = 3.0


def _slope_t(x: np.ndarray, y: np.ndarray, slope: float, fitted: np.ndarray) -> float:
    res = y - fitted
    n = len(y)
    r1 = float(np.clip(np.corrcoef(res[:-1], res[1:])[0, 1], 0.0, 0.9)) if res.std() > 0 else 0.0
    n_eff = max(n * (1 - r1) / (1 + r1), 2.0)
    sxx = float(((x - x.mean()) ** 2).sum())
    se = np.sqrt(float((res ** 2).sum()) / (n - 2) / sxx) * np.sqrt(n / n_eff) if sxx > 0 else 0.0
    return float(slope / se) if se > 0 else 0.0


def drift(series: Any) -> tuple[str, float, float, float] | None:
    """A slow drift the stage search does not split: a least-squares line over the series whose rise or fall across
    it is at least two process sigmas and explains a third of the variance — or, for noisy series (counts) where a
    real drift explains little of the day-to-day variance, whose slope is at least four standard errors from flat
    (the errors widened for the residuals' lag-1 autocorrelation) and whose rise is at least one process sigma.
    (direction, start, end, per week)."""
    pts = [(p.date, p.value) for p in series.points if p.value is not None]
    cl, ucl = series.summary.cl, series.summary.ucl
    if len(pts) < 28 or cl is None or ucl is None or ucl <= cl:
        return None
    x = np.array([(d - pts[0][0]).days for d, _ in pts], dtype=float)
    y = np.array([v for _, v in pts], dtype=float)
    slope, icpt = np.polyfit(x, y, 1)
    fitted = slope * x + icpt
    r2 = 1 - float(((y - fitted) ** 2).sum()) / max(float(((y - y.mean()) ** 2).sum()), 1e-12)
    sigma, rise = (ucl - cl) / 3, abs(slope * x[-1])
    if not ((rise >= 2 * sigma and r2 >= 0.33) or (rise >= sigma and abs(_slope_t(x, y, slope, fitted)) >= DRIFT_T)):
        return None
    if _a_step_fits_better(getattr(series, "shift", None), pts[0][0], x, y, fitted):
        return None
    return ("down" if slope < 0 else "up"), float(fitted[0]), float(fitted[-1]), float(slope * 7)


def _a_step_fits_better(shift: Any, first: dt.date, x: np.ndarray, y: np.ndarray, fitted: np.ndarray) -> bool:
    """Whether the stage change found in the series (two levels split at its onset) fits the values at least as well
    as the line: a step, which a line across it would only mimic, is no drift."""
    if shift is None or shift.kind != "level":
        return False
    after = x >= (shift.onset - first).days
    if after.all() or not after.any():
        return False
    levels = np.where(after, y[after].mean(), y[~after].mean())
    return float(((y - levels) ** 2).sum()) <= float(((y - fitted) ** 2).sum())


def level_line(series: Any, f: Any) -> str:
    """The window's level when no stage change was found: "stable around <centre>" only when the values sit there —
    a drift, or values far from a centre set by a stage that began before the window, is said as such."""
    sm = series.summary
    latest = f" The latest value is {f(sm.latest_value)} on {sm.latest_date}." if sm.latest_value is not None else ""
    if (d := drift(series)) is not None:
        return (f"No stage change in the window, but it is not stable: it has been drifting {d[0]}, from about "
                f"{f(d[1])} on {series.start} to about {f(d[2])} on {series.end}.{latest}")
    vals = sorted(p.value for p in series.points if p.value is not None and series.start <= p.date <= series.end)
    cl, ucl = sm.cl, sm.ucl
    if vals and cl is not None and ucl is not None and ucl > cl:
        mid, sigma = float(np.median(vals)), (ucl - cl) / 3
        one_side = max(sum(v < cl for v in vals), sum(v > cl for v in vals)) / len(vals)
        if abs(mid - cl) > 2 * sigma or (len(vals) >= 10 and one_side >= 0.85 and abs(mid - cl) > sigma):
            # far from the centre, or nearly every value on one side of it (a run no stable process makes)
            return (f"No stage change in the window, but its values ({f(vals[0])} to {f(vals[-1])}, around {f(mid)}) sit "
                    f"{'below' if mid < cl else 'above'} the stage's centre of {f(cl)}.{latest}")
    return f"No stage change in the window: the process is stable around {f(cl)}."
