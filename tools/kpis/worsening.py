"""Which KPI series are moving the wrong way, with no KPI named: "is anything getting worse?", "any stations trending
the wrong way?". Every KPI at every station (of the organisation, a region or one station): the last 14 days'
average against the 14 days before, in the series' own day-to-day noise; listed when the move is beyond it.

Read-only and scoped to ``ctx.org_id``; the arithmetic is :func:`moves` (numpy, no database).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.base import EvidenceDraft, ToolContext, ToolOutput
from tools.kpis.queries import scoped_points

RECENT_DAYS = 14
MIN_POINTS = 10  # of each 14-day half: a weekly KPI (two or three points) is not read day by day
BEYOND_NOISE = 3.0  # standard errors of the difference: every series of the organisation is tested at once

Direction = Literal["worse", "better", "up", "down"]


class Move(BaseModel):
    kpi: str
    kpi_name: str
    station: str
    station_name: str
    unit: str
    decimals: int
    higher_is_better: bool
    before: float  # the average of the 14 days before
    after: float  # the average of the last 14 days
    z: float  # the difference in standard errors (its sign: up is positive)


class Worsening(BaseModel):
    direction: Direction
    as_of: dt.date
    recent: tuple[dt.date, dt.date]
    prior: tuple[dt.date, dt.date]
    station: str | None
    region: str | None
    series_checked: int
    items: list[Move]  # the largest move first


def moves(values: np.ndarray, n: int = RECENT_DAYS) -> tuple[float, float, float] | None:
    """``(before, after, z)`` for one series of ``2n`` days (NaN where a day has no value): the two halves' means and
    their difference in standard errors, the noise being the median moving range of the whole (robust to a spike or
    a single step). None when a half has too few values or the series never moves."""
    before, after = values[:n], values[n:]
    b, a = before[~np.isnan(before)], after[~np.isnan(after)]
    if len(b) < MIN_POINTS or len(a) < MIN_POINTS:
        return None
    present = values[~np.isnan(values)]
    mr = np.abs(np.diff(present))
    sigma = float(np.median(mr)) / 0.954 if len(mr) else 0.0  # median moving range → sigma (Wheeler)
    if sigma <= 0:
        return None
    se = sigma * np.sqrt(1 / len(b) + 1 / len(a))
    return float(b.mean()), float(a.mean()), float((a.mean() - b.mean()) / se)


def _wanted(m: Move, direction: Direction) -> bool:
    up = m.z > 0
    return {"up": up, "down": not up, "better": up == m.higher_is_better,
            "worse": up != m.higher_is_better}[direction] and abs(m.z) >= BEYOND_NOISE


async def worsening(
    ctx: ToolContext, *, direction: Direction = "worse", region: str | None = None, station: str | None = None,
) -> ToolOutput[Worsening]:
    """Every KPI x station whose last 14 days moved ``direction`` (for the worse by default) against the 14 before,
    beyond the series' own noise."""
    async with ctx.read() as session:
        kpis, latest, scope, frame = await scoped_points(session, ctx.org_id, ctx.today, 2 * RECENT_DAYS,
                                                         station=station, region=region)
    start = latest - dt.timedelta(days=2 * RECENT_DAYS - 1)
    days = pd.date_range(start, latest, freq="D")
    by_id = {k.id: k for k in kpis}
    found: list[Move] = []
    checked = 0
    for (kpi_id, code), grp in frame.groupby(["kpi_id", "code"]):
        k = by_id.get(int(kpi_id))
        if k is None:
            continue
        series = grp.groupby(pd.DatetimeIndex(grp["day"]))["value"].mean().reindex(days).to_numpy(dtype=float)
        got = moves(series)
        if got is None:
            continue
        checked += 1
        m = Move(kpi=k.code, kpi_name=k.name, station=str(code), station_name=str(grp["name"].iloc[0]), unit=k.unit,
                 decimals=k.decimals, higher_is_better=k.higher_is_better, before=got[0], after=got[1], z=got[2])
        if _wanted(m, direction):
            found.append(m)
    found.sort(key=lambda m: (-abs(m.z), m.kpi, m.station))
    prior = (start, start + dt.timedelta(days=RECENT_DAYS - 1))
    recent = (prior[1] + dt.timedelta(days=1), latest)
    result = Worsening(direction=direction, as_of=latest, recent=recent, prior=prior,
                       station=scope.code if scope and scope.summary_level == "station" else None,
                       region=scope.code if scope and scope.summary_level == "region" else None,
                       series_checked=checked, items=found)
    where = scope.label if scope else "all stations"
    ref = {"tool": "worsening", "args": {"direction": direction, "region": region, "station": station},
           "query": f"kpi_points of every KPI x station, {start} to {latest}: the last {RECENT_DAYS} days' mean "
                    f"against the {RECENT_DAYS} before, in standard errors of the median-moving-range sigma"}
    summary = (f"{len(found)} of {checked} KPI series at {where} moved {direction} beyond their noise "
               f"({recent[0]}–{recent[1]} against {prior[0]}–{prior[1]})"
               + (": " + "; ".join(f"{m.kpi} at {m.station} {m.before:.4g} → {m.after:.4g}" for m in found[:8])
                  if found else ""))
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="kpi_moves", source="tools.kpis.worsening", ref=ref, payload=result.model_dump(mode="json"),
        summary=summary)])
