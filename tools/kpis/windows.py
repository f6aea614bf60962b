"""The window a KPI question covers: the dates asked for, clipped to the data and to the run's "now"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import ToolError
from tools.kpis import last_day
from tools.kpis.analytics import DEFAULT_DAYS

YEAR = dt.timedelta(days=365)


async def data_window(session: AsyncSession, org_id: int, start: dt.date | None, end: dt.date | None,
                  default_days: int = DEFAULT_DAYS, kpi_id: int | None = None,
                  until: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """[start, end] clipped to the data (the KPI's own latest day, one index probe, or the org's) and to
    ``until`` (the run's "now")."""
    if kpi_id is not None:
        latest = (await session.execute(
            text("SELECT max(day) FROM kpi_points WHERE org_id = :org AND kpi_id = :k AND day <= CAST(:until AS date)"),
            {"org": org_id, "k": kpi_id, "until": until or dt.date.max},
        )).scalar()
    else:
        latest = await last_day(session, org_id, until)
    if latest is None:
        raise ToolError("there are no KPI points yet (import some with `opsgraph import kpis FILE`)")
    stop = min(end or latest, latest)
    first = start or stop - dt.timedelta(days=default_days - 1)
    if first > stop:
        raise ToolError(f"there is no data between {first} and {end} (the latest point is {latest})")
    return first, stop
