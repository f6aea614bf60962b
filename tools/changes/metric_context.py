"""What correlation needs to know about a service's metrics beyond the error/latency roles (read-only queries).

* :func:`own_metrics` — for a service that reports no error or latency metric (only cpu, disk, network,
  temperature…), the metrics co-movement is judged on instead;
* :func:`spacing` — the usual spacing of a service's points before an onset (an hourly point stamped 10:00
  covers 10:00–11:00, so a change at 10:20 is "at" that onset).
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.changes import roles


def all_own(own: dict[int, dict[str, bool]] | None) -> set[str]:
    return {m for d in (own or {}).values() for m in d}


async def own_metrics(session: AsyncSession, org_id: int, service_ids: list[int],
                      overrides: dict[str, str]) -> dict[int, dict[str, bool]]:
    """For each service that reports no error or latency metric (only cpu, disk, network, temperature…): its
    metrics, each with whether a move either way counts (no role, or throughput) — so a change on it can still
    be seen to move its service."""
    rows = (await session.execute(text(
        """SELECT DISTINCT service_id, metric FROM metric_points
           WHERE org_id = :org AND service_id = ANY(CAST(:sids AS bigint[]))"""),
        {"org": org_id, "sids": service_ids})).all()
    by: dict[int, list[str]] = {}
    for sid, metric in rows:
        by.setdefault(sid, []).append(metric)
    out: dict[int, dict[str, bool]] = {}
    for sid, names in by.items():
        if any(roles.role_of(n, overrides) in roles.COMOVEMENT_ROLES for n in names):
            continue
        out[sid] = {n: roles.higher_is_better(n, overrides) is None for n in names}
    return out


async def spacing(session: AsyncSession, org_id: int, service_ids: list[int], onset: dt.datetime) -> dt.timedelta:
    """The usual spacing of the services' metric points in the day before the onset (0 without points)."""
    rows = (await session.execute(text(
        """SELECT DISTINCT ts FROM metric_points WHERE org_id = :org AND service_id = ANY(CAST(:sids AS bigint[]))
           AND ts <= :onset AND ts > :since ORDER BY ts DESC LIMIT 48"""),
        {"org": org_id, "sids": service_ids, "onset": onset, "since": onset - dt.timedelta(days=1)})).scalars().all()
    gaps = sorted(a - b for a, b in itertools.pairwise(rows))
    return gaps[len(gaps) // 2] if gaps else dt.timedelta(0)
