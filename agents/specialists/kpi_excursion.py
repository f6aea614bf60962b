"""A short excursion that is over, said as past: "it dipped 11-24–11-27 to 98.9 and has been back within its earlier
limits since 11-28", instead of "it shifted down from 99.7 to 99.4 starting 11-24" when the current stage's centre only
mixes a few bad days with the recovery after them (:func:`tools.kpis.recovery.recovery` decides it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from agents.specialists.common import StepScope, first
from tools.kpis import KpiSeries, kpi_series
from tools.kpis.models import SeriesSummary


def excursion_line(series: KpiSeries, f: Callable[[float | None], str], shift: Any = None) -> str | None:
    """The excursion line when the series' latest shift (or ``shift``) is an excursion that is over, else None."""
    ex, sh = getattr(series.summary, "excursion", None), shift or series.shift
    if ex is None or sh is None or sh.kind != "level" or sh.onset != ex.start:
        return None
    moved = "dipped" if ex.extreme < ex.before_cl else "rose"
    when = f"on {ex.start}" if ex.start == ex.end else f"from {ex.start} to {ex.end}"
    return (f"It {moved} {when} (to {f(ex.extreme)} at its worst, against a usual {f(ex.before_cl)}) and has been "
            f"back within its earlier limits since {ex.since} (averaging {f(ex.recovered_mean)} since): a short "
            f"excursion that is over, not a lasting shift — the current stage's centre mixes the two.")


def centre(sm: SeriesSummary) -> float:
    """The level a goal is held to: the mean since a short excursion ended, else the current stage's centre."""
    ex = getattr(sm, "excursion", None)
    return ex.recovered_mean if ex is not None else float(sm.cl or 0.0)


def centre_words(sm: SeriesSummary) -> str:
    return "the level since it came back" if getattr(sm, "excursion", None) is not None else "the current stage's centre"


def state_words(sm: SeriesSummary) -> str:
    """"ok, recovered since <day>" when the latest points are back after a short excursion, else the state."""
    if (ex := getattr(sm, "excursion", None)) is not None and sm.state == "ok":
        return f"ok, recovered since {ex.since}"
    return sm.state


def recovered_line(items: list[Any]) -> str | None:
    """The attention list's "recently recovered" line: series fine now after a short excursion that ended lately."""
    if not items:
        return None
    return ("Recently recovered, not in need of attention now: " + "; ".join(
        f"{i.kpi_name} at {i.station} (out of its usual range {i.start}" + (f" to {i.end}" if i.end != i.start else "")
        + f", back since {i.since})" for i in items[:5])
        + (f"; and {len(items) - 5} more in the evidence" if len(items) > 5 else "") + ".")


async def later_excursion(s: StepScope, ctx: Any, level: Any, series: KpiSeries, f: Callable[[float | None], str],
                          today: dt.date) -> tuple[str, Any] | None:
    """An explanation's window ends a week after the asked day, when a short excursion may not have been over long
    enough to tell (three points back): a bad step at its onset is read again up to the latest data, and when by then
    it is an excursion that is over, that is said instead of "shifted ... starting"."""
    sh, latest = series.shift, series.summary.latest_date
    if sh is None or sh.kind != "level" or not sh.bad or latest is None or latest >= today - dt.timedelta(days=1):
        return None
    got = await s.tool("kpi_series", kpi_series, kpi=ctx["kpi"], station=ctx.get("station"), region=ctx.get("region"),
                       summary_level=level)
    if got is None or (line := excursion_line(got[0], f, sh)) is None:
        return None
    return f"Read up to {got[0].summary.latest_date}: {line[0].lower()}{line[1:]}", first(got[1], "kpi_series")
