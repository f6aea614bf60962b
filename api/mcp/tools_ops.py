"""More read-only analytics tools for MCP: comparing and ranking KPI scopes, what needs attention across the
organisation, KPI values at a grain, change logs and lookups, incident lists and status (the ticket tools are
:mod:`api.mcp.tools_tickets`).

Each handler is one entry in :data:`TOOLS_OPS` (appended to :data:`api.mcp.tools.TOOLS` by the server).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from api.mcp.results import analytics
from api.mcp.tools import KpiArg, LevelArg, McpTool, RegionArg, ServiceArg, StationArg

StartArg = Annotated[dt.date | None, Field(description="first day (YYYY-MM-DD); default: a recent window")]
EndArg = Annotated[dt.date | None, Field(description="last day (YYYY-MM-DD), inclusive; default: the latest data")]
Names = Annotated[list[str] | None, Field(max_length=20, description="any of these values")]


async def compare_kpi(
    ctx: Context, kpi: KpiArg,
    scopes: Annotated[list[str], Field(min_length=2, max_length=12, description="two or more scopes: "
                                       "'station:CODE', 'region:CODE' or 'company'")],
    start: StartArg = None, end: EndArg = None,
) -> CallToolResult:
    """Compare one KPI across stations, regions or the company over a window: each scope's value by the KPI's rule,
    signals, year-over-year value and latest shift, and which scope is better or worse."""
    from tools.kpis.questions import compare_kpi as tool

    return await analytics(ctx, "compare_kpi", lambda t: tool(t, kpi=kpi, scopes=scopes, start=start, end=end))


async def rank_kpi(
    ctx: Context, kpi: KpiArg,
    group_by: Annotated[Literal["station", "region"], Field(description="rank stations or regions")] = "station",
    order: Annotated[Literal["best", "worst"], Field(description="best or worst first, by the KPI's direction")] = "worst",
    limit: Annotated[int, Field(ge=1, le=100, description="rows to return")] = 5,
    start: StartArg = None, end: EndArg = None, region: RegionArg = None,
) -> CallToolResult:
    """Rank stations (optionally within one region) or regions by a KPI over a window."""
    from tools.kpis.questions import rank_kpi as tool

    return await analytics(ctx, "rank_kpi", lambda t: tool(t, kpi=kpi, group_by=group_by, order=order, limit=limit,
                                                           start=start, end=end, region=region))


async def attention(
    ctx: Context, region: RegionArg = None, station: StationArg = None,
    kpi: Annotated[str | None, Field(max_length=100, description="only this KPI")] = None,
) -> CallToolResult:
    """What needs attention across the organisation: every KPI at every station (of a region, or one station) whose
    latest point is warning or critical, critical first, with since when."""
    from tools.kpis.questions import attention as tool

    return await analytics(ctx, "attention", lambda t: tool(t, region=region, station=station, kpi=kpi))


async def kpi_values(
    ctx: Context, kpi: KpiArg, station: StationArg = None, region: RegionArg = None, summary_level: LevelArg = None,
    start: StartArg = None, end: EndArg = None,
    grain: Annotated[Literal["day", "week", "month"], Field(description="values per day, week or month")] = "day",
) -> CallToolResult:
    """A KPI's value on a date, or its daily/weekly/monthly values and the window's total (or mean) with
    year-over-year values, by the KPI's own aggregation rule."""
    from tools.kpis.questions import kpi_values as tool

    return await analytics(ctx, "kpi_values", lambda t: tool(t, kpi=kpi, station=station, region=region,
                                                             summary_level=summary_level, start=start, end=end,
                                                             grain=grain))


async def kpi_last_shift(
    ctx: Context, kpi: KpiArg, station: StationArg = None, region: RegionArg = None, summary_level: LevelArg = None,
    before: Annotated[dt.date | None, Field(description="look only before this day (YYYY-MM-DD)")] = None,
) -> CallToolResult:
    """The most recent stage change (level shift) in a KPI's whole history, however long ago: when, from what level
    to what, better or worse."""
    from tools.kpis.questions import kpi_last_shift as tool

    return await analytics(ctx, "kpi_last_shift", lambda t: tool(t, kpi=kpi, station=station, region=region,
                                                                 summary_level=summary_level, before=before))


async def change_log(
    ctx: Context, service: ServiceArg,
    since: Annotated[dt.datetime | None, Field(description="start (ISO 8601); default: 7 days ago")] = None,
    until: Annotated[dt.datetime | None, Field(description="end (ISO 8601); default: now")] = None,
    include_dependencies: Annotated[bool, Field(description="also the changes of everything it depends on")] = False,
) -> CallToolResult:
    """Who changed what on a service: deployments (who, commits, file change types) and config changes (who, key,
    old and new values), optionally with its dependencies' changes, plus its dependencies and dependents."""
    from tools.changes.changelog import change_log as tool

    return await analytics(ctx, "change_log", lambda t: tool(t, service=service, since=since, until=until,
                                                             include_dependencies=include_dependencies))


async def change_lookup(
    ctx: Context,
    deployment: Annotated[str | None, Field(max_length=100, description="a deployment id")] = None,
    config_change: Annotated[str | None, Field(max_length=100, description="a config change id")] = None,
    commit: Annotated[str | None, Field(max_length=200, description="a commit sha prefix or words of its message")] = None,
) -> CallToolResult:
    """One change by id: a deployment (who, version, commits, rollback), a config change (key, old → new, revert),
    or a commit (author, files, was it ever deployed?)."""
    from tools.changes.changelog import change_lookup as tool

    return await analytics(ctx, "change_lookup", lambda t: tool(t, deployment=deployment, config_change=config_change,
                                                                commit=commit))


async def incident_list(
    ctx: Context, status: Names = None,
    service: Annotated[str | None, Field(max_length=100, description="only this service's incidents")] = None,
    severity: Names = None, start: StartArg = None, end: EndArg = None,
    limit: Annotated[int, Field(ge=1, le=200, description="incidents to return (1 = the latest)")] = 20,
) -> CallToolResult:
    """Incidents, most recent first, filtered by status ('open' = not resolved yet), service, severity and a date
    window (incidents active during it)."""
    from tools.incidents import incident_list as tool

    return await analytics(ctx, "incident_list", lambda t: tool(t, status=status, service=service, severity=severity,
                                                                start=start, end=end, limit=limit))


async def incident_status(
    ctx: Context, incident: Annotated[str, Field(min_length=1, max_length=64, description="the incident's id")],
) -> CallToolResult:
    """Is an incident resolved, when and after how long, and what fixed it (rollbacks, reverts, decisions)."""
    from tools.incidents import incident_status as tool

    return await analytics(ctx, "incident_status", lambda t: tool(t, incident=incident))


TOOLS_OPS: list[McpTool] = [
    McpTool(compare_kpi, "Compare a KPI across scopes"),
    McpTool(rank_kpi, "Rank stations or regions by a KPI"),
    McpTool(attention, "What needs attention across the organisation"),
    McpTool(kpi_values, "KPI values by day, week or month"),
    McpTool(kpi_last_shift, "A KPI's latest level shift"),
    McpTool(change_log, "Who changed what on a service"),
    McpTool(change_lookup, "One change by id"),
    McpTool(incident_list, "List incidents"),
    McpTool(incident_status, "Incident status and what fixed it"),
]
