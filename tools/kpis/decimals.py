"""The decimals a KPI is shown with when its definition does not say (``decimals`` left out, stored as NULL).

Chosen from the KPI's own recent values and its aggregation, never from its name:

- whole numbers summed (guests, complaints, parcels) are counts: shown whole ("463,664 guests", "12");
- whole numbers averaged: the average of counts needs a little more the smaller they are — none from 100 up
  ("74,899 visitors a day"), one from 10 ("29.4 min"), two below ("1.87 bookings");
- values recorded with decimals (rates, percentages, ratios) keep the former default of two, or more when they
  are small enough that two would hide them (0.0123 → 3 decimals), never more than they are recorded with or 4.

Without any value the former default (2) stands. An explicit ``decimals`` in the definition is always kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_DECIMALS = 2
MAX_DECIMALS = 4
#: How many of a KPI's latest values are read to choose (the newest first; its stations' days).
SAMPLE = 500
_TOLERANCE = 1e-6


def recorded_decimals(value: float) -> int:
    """The decimals a value is written with (12 → 0, 96.8 → 1, 0.0123 → 4), at most :data:`MAX_DECIMALS`."""
    for d in range(MAX_DECIMALS):
        scaled = value * 10 ** d
        if abs(scaled - round(scaled)) <= _TOLERANCE * max(1.0, abs(scaled)):
            return d
    return MAX_DECIMALS


def shown_decimals(values: Sequence[float], aggregation: str) -> int:
    """The decimals to show a KPI with, from its values and how its stations' values combine (``sum``/``mean``)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return DEFAULT_DECIMALS
    recorded = max(recorded_decimals(v) for v in finite)
    typical = sorted(abs(v) for v in finite)[len(finite) // 2]
    if recorded == 0:
        if aggregation == "sum" or typical >= 100:
            return 0
        return 1 if typical >= 10 else 2
    if typical == 0 or typical >= 1:
        return DEFAULT_DECIMALS
    significant = 1 - math.floor(math.log10(typical))  # two significant figures of the typical value
    return max(DEFAULT_DECIMALS, min(significant, recorded, MAX_DECIMALS))


async def fill_decimals(session: AsyncSession, org_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """KPI definition rows with every missing ``decimals`` chosen from the KPI's latest values (one query)."""
    missing = [r["id"] for r in rows if r.get("decimals") is None]
    if not missing:
        return rows
    found = (
        await session.execute(
            text(
                """SELECT k.id, array_agg(p.value) AS vals
                   FROM unnest(CAST(:ids AS bigint[])) AS k(id)
                   CROSS JOIN LATERAL (SELECT value FROM kpi_points
                                       WHERE org_id = :org AND kpi_id = k.id AND value IS NOT NULL
                                       ORDER BY day DESC LIMIT :n) p
                   GROUP BY k.id"""
            ),
            {"org": org_id, "ids": missing, "n": SAMPLE},
        )
    ).all()
    values: dict[int, list[float]] = {int(kid): list(vals) for kid, vals in found}
    return [r if r.get("decimals") is not None
            else {**r, "decimals": shown_decimals(values.get(r["id"], []), r["aggregation"])} for r in rows]
