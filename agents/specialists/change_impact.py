"""What a named change did to the KPIs behind its service ("did NB-4471 break anything?" when the service's own
metrics did not move): each KPI whose related services include it, at every site, and whether its current warning or
critical stage began within two days after the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.change_questions import _lookup_line
from agents.understanding.catalog import Catalog
from tools.changes.changelog import change_lookup
from tools.kpis.questions import attention

AFTER_DAYS = 2  # a KPI's stage that began this many days after the change (or sooner) is reported with it
LOOK_AFTER = dt.timedelta(hours=24)  # a named change's service is examined up to this long after it


async def the_change(s: Any, plan: QueryPlan, now: dt.datetime) -> tuple[dt.datetime, int, dt.datetime] | None:
    """Name the change asked about ("did v2026.37.1 break anything?") and return the end and the hours of the period
    its service is examined over — from a day before it (the usual level) to a day after (or now) — and its time."""
    kind, ids = ("deployment", plan.subjects.deployments) if plan.subjects.deployments else (
        "config_change", plan.subjects.config_changes)
    if not ids:
        return None
    got = await s.tool("change_lookup", change_lookup, **{kind: ids[0]})
    if got is None:
        return None
    r, records = got
    for rec in records:
        s.say(_lookup_line(r, kind), rec)
    at = r.deployment.started_at if r.deployment else r.config_change.changed_at if r.config_change else None
    if at is None:
        return None
    end = min(now, at + LOOK_AFTER)
    return end, int(max(6, (end - (at - dt.timedelta(hours=24))).total_seconds() // 3600 + 1)), at


async def kpis_after(s: Any, catalog: Catalog, service: str, plan: QueryPlan) -> None:
    ext = next(iter(plan.subjects.deployments or plan.subjects.config_changes), None)
    hit = catalog.change_services.get(ext) if ext else None
    kpis = sorted(k for k, svcs in catalog.kpi_services.items() if service.lower() in {x.lower() for x in svcs})
    if ext is None or hit is None or not kpis:
        return
    day, moved, checked, last = hit[1], 0, [], None
    for kpi in kpis:
        got = await s.tool("attention", attention, kpi=kpi)
        if got is None:
            continue
        result, records = got
        last = records[0] if records else last
        checked.append(kpi)
        for i in result.items:
            if day <= i.since <= day + dt.timedelta(days=AFTER_DAYS):
                moved += 1
                s.say(f"{i.kpi_name} at {i.station} ({i.station_name}) has been {i.state} since {i.since:%Y-%m-%d} "
                      f"({i.rule}), {(i.since - day).days} day(s) after {ext} on {service}, a service behind it — ask "
                      f"why {i.kpi_name} changed at {i.station} for the ranked causes.", records[0] if records else None)
    if checked and not moved:
        s.say(f"No KPI behind {service} ({', '.join(checked)}) entered a warning or critical stage within "
              f"{AFTER_DAYS} days after {ext} ({day:%Y-%m-%d}).", last)
