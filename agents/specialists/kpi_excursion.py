"""A short excursion that is over, said as past: "it dipped 11-24–11-27 to 98.9 and has been back within its earlier
limits since 11-28", instead of "it shifted down from 99.7 to 99.4 starting 11-24" when the current stage's centre only
mixes a few bad days with the recovery after them (:func:`tools.kpis.recovery.recovery` decides it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.kpis import KpiSeries
from tools.kpis.models import SeriesSummary


def excursion_line(series: KpiSeries, f: Callable[[float | None], str]) -> str | None:
    """The excursion line when the series' latest shift is an excursion that is over, else None."""
    ex, sh = getattr(series.summary, "excursion", None), series.shift
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
