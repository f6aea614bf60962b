"""What a named change did to the KPIs behind its service ("did NB-4471 break anything?" when the service's own
metrics did not move): each KPI whose related services include it, at every site, and whether its current warning or
critical stage began within two days after the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan
from agents.understanding.catalog import Catalog
from tools.kpis.questions import attention

AFTER_DAYS = 2  # a KPI's stage that began this many days after the change (or sooner) is reported with it


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
