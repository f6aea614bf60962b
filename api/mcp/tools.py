"""The MCP tools: ``ask`` (a full chat turn) and the read-only analytics tools, called directly.

:data:`TOOLS` is the table the server registers: adding a tool is one :class:`McpTool` entry whose handler
takes the MCP ``Context`` and typed, described arguments (they become its JSON schema) and calls the tool
through :func:`api.mcp.results.analytics`. The ``tools`` package is imported inside the handlers, so the
stdio server starts without loading pandas, numpy or the agent graph.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from api.mcp.results import analytics, answer, guarded, runtime_of
from api.mcp.runtime import CallerError, NotFound
from api.ticket_filters import Moment, created_by, ticket_ref
from tools.base import ToolContext, ToolOutput

Level = Literal["station", "region", "company"]
GrainArg = Annotated[Literal["daily", "weekly"], Field(description="daily points or weekly aggregates")]
StationArg = Annotated[str | None, Field(max_length=64, description="a station (site, location) code or name")]
RegionArg = Annotated[str | None, Field(max_length=64, description="a region code or name (groups of stations)")]
LevelArg = Annotated[Level | None, Field(description="summarise per station, per region or for the whole "
                                                     "company (default: the narrowest scope given)")]
KpiArg = Annotated[str, Field(min_length=1, max_length=100, description="KPI code or name (close spellings are "
                                                                     "matched; see catalog)")]
ServiceArg = Annotated[str, Field(min_length=1, max_length=100, description="service name (close spellings are matched)")]


# ------------------------------------------------------------------ ask


async def ask(
    ctx: Context,
    question: Annotated[str, Field(min_length=1, max_length=4000, description="the question, in plain language")],
    thread_id: Annotated[str | None, Field(description="continue a conversation: the thread_id an earlier ask "
                                                       "returned")] = None,
    as_of: Annotated[dt.datetime | None, Field(description="pin 'now' for relative dates and SLA states (ISO 8601); "
                                                           "default: the current time")] = None,
) -> CallToolResult:
    """Ask opsgraph an operations question (KPI drops, what changed before an incident, ticket triage, SLA risk…).
    Runs a full investigation through the coordinator and its specialist agents and answers in Markdown that cites
    its evidence as [E:<id>]; returns the run id, the thread id (to ask a follow-up) and a link to the run in the
    opsgraph panel. Takes a few seconds; needs a member key."""
    rt = runtime_of(ctx)

    async def body() -> CallToolResult:
        principal = await rt.principal(ctx.request_context, role="member")
        try:
            thread = uuid.UUID(thread_id) if thread_id else None
        except ValueError:
            raise CallerError(f"thread_id {thread_id!r} is not a thread id") from None
        from store.runs import RunLimitReached

        assistant = await rt.assistant()
        run: dict[str, Any] = {"org_id": principal.org_id, "question": question, "thread_id": thread, "trigger": "mcp",
               "api_key_id": principal.id, "as_of": as_of,
               # counted in Postgres under the key's lock, like POST /api/chat: the limit holds across processes
               "max_active_for_key": rt.limits.max_concurrent_runs_per_key}
        try:
            if rt.inline:  # stdio: no worker around, the run's job executes in this process (steps as progress)
                progress = rt.progress_publisher(lambda n, message: ctx.report_progress(n, None, message))
                record = await assistant.ask(publish=progress, **run)
            else:  # the service: a worker takes the job; a client that gives up does not cancel the run
                started = await assistant.start(**run)
                record = await assistant.wait(principal.org_id, started.run_id)
        except RunLimitReached as exc:
            raise CallerError(str(exc)) from None
        except LookupError:
            raise NotFound(f"thread {thread_id} not found") from None
        except ValueError as exc:
            raise CallerError(str(exc)) from None
        link = rt.run_link(record.id)
        if record.status != "completed":
            why = record.error or "no answer"
            if why.startswith("internal error"):  # the details are in the server log, not for the caller
                why = "an internal error occurred (it was logged)"
            raise CallerError(f"the run {record.id} {record.status}: {why} (see {link})")
        result = {"answer": record.answer, "run_id": str(record.id), "thread_id": str(record.thread_id),
                  "status": record.status, "link": link}
        return answer(rt, "ask", result, record.evidence, headline=f"run {record.id} · {link}")

    return await guarded("ask", body)


# ------------------------------------------------------------------ KPIs


async def catalog(ctx: Context) -> CallToolResult:
    """What there is to ask about in this organisation: its KPIs (code, name, unit, goal, direction), stations and
    regions, and services. Use the codes and names in the other tools."""
    rt = runtime_of(ctx)

    async def body() -> CallToolResult:
        from api.queries import stations_and_regions
        from tools.kpis import list_kpis

        principal = await rt.principal(ctx.request_context)
        async with rt.sessions() as s:
            kpis = await list_kpis(s, principal.org_id)
            stations, regions = await stations_and_regions(s, principal.org_id)
            services = await _service_names(s, principal.org_id)
        result: dict[str, list[Any]] = {"kpis": kpis, "stations": stations, "regions": regions, "services": services}
        return answer(rt, "catalog", {k: [_dump(x) for x in v] for k, v in result.items()}, [])

    return await guarded("catalog", body)


async def kpi_series(
    ctx: Context,
    kpi: KpiArg,
    station: StationArg = None,
    region: RegionArg = None,
    summary_level: LevelArg = None,
    grain: GrainArg = "daily",
    start: Annotated[dt.date | None, Field(description="first day (YYYY-MM-DD); default: a window ending at the "
                                                       "latest point")] = None,
    end: Annotated[dt.date | None, Field(description="last day (YYYY-MM-DD); default: the latest point")] = None,
) -> CallToolResult:
    """A KPI's series for a station, a region or the whole company with Wheeler XmR control limits: values,
    year-over-year values, stages (centre line and limits of each stable period), signals (points beyond the limits
    and runs) and the latest stage change (when the level shifted, from what to what)."""
    from tools.kpis import kpi_series as tool

    return await analytics(ctx, "kpi_series", lambda t: tool(
        t, kpi=kpi, station=station, region=region, summary_level=summary_level, grain=grain, start=start, end=end,
        chart=False))


async def active_signals(
    ctx: Context, station: StationArg = None, region: RegionArg = None, summary_level: LevelArg = None,
    grain: GrainArg = "daily",
) -> CallToolResult:
    """What needs attention now: every KPI whose latest point is in a warning or critical state, with the rule that
    fired, for a station, a region or the whole company."""
    from tools.kpis import active_signals as tool

    return await analytics(ctx, "active_signals", lambda t: tool(
        t, station=station, region=region, summary_level=summary_level, grain=grain),
        headline=lambda r: f"{len(r.signals)} KPI(s) in a warning or critical state")


# ------------------------------------------------------------------ changes and incidents


async def correlate_changes(
    ctx: Context,
    service: Annotated[str | None, Field(max_length=100, description="the service that degraded")] = None,
    incident: Annotated[str | None, Field(max_length=64, description="an incident id: explain its onset")] = None,
    kpi: Annotated[str | None, Field(max_length=100, description="a KPI whose level shifted")] = None,
    station: StationArg = None,
    onset: Annotated[dt.datetime | None, Field(description="when the problem started (ISO 8601, UTC if no offset); "
                                                           "default: the incident's start or the detected onset")] = None,
    lookback_hours: Annotated[float | None, Field(gt=0, le=24 * 60, description="how far before the onset to "
                                                                                  "look (default 24 h, 7 days for KPIs)")] = None,
    limit: Annotated[int, Field(ge=1, le=20, description="hypotheses to return")] = 5,
) -> CallToolResult:
    """Which deployments or config changes could explain a problem: ranks the changes of the service and of
    everything it depends on, effective before the onset, by timing, dependency distance, risky change types
    and the metric jump after each. Give an incident, or a service (+ onset), or a KPI (+ station, onset)."""
    from tools.changes import correlate_changes as tool

    if not (service or incident or kpi):
        return await guarded("correlate_changes", _need("give an incident, a service or a KPI to explain"))
    lookback = dt.timedelta(hours=lookback_hours) if lookback_hours else None
    return await analytics(ctx, "correlate_changes", lambda t: tool(
        t, service=service, incident=incident, kpi=kpi, station=station, onset=onset, lookback=lookback, limit=limit))


async def service_changes(
    ctx: Context,
    service: ServiceArg,
    since: Annotated[dt.datetime | None, Field(description="start (ISO 8601); default: 7 days before until")] = None,
    until: Annotated[dt.datetime | None, Field(description="end (ISO 8601); default: now")] = None,
) -> CallToolResult:
    """A service's change log: its deployments (with commits and the kind of each file change) and config changes
    in a time window."""
    from tools.changes import service_changes as tool

    rt = runtime_of(ctx)
    end = until or rt.clock()
    begin = since or end - dt.timedelta(days=7)
    return await analytics(ctx, "service_changes", lambda t: tool(t, service=service, since=begin, until=end))


async def get_incident(
    ctx: Context,
    incident: Annotated[str, Field(min_length=1, max_length=64, description="the incident's id")],
) -> CallToolResult:
    """One incident: what, which service, severity, status, when it started, was detected and resolved, summary.
    Its report and hypotheses are the resource opsgraph://incidents/{id}."""
    from tools.incidents import get_incident as tool

    return await analytics(ctx, "get_incident", lambda t: tool(t, incident=incident))


# ------------------------------------------------------------------ tickets


async def classify_ticket(
    ctx: Context,
    subject: Annotated[str | None, Field(max_length=500, description="the ticket's subject")] = None,
    content: Annotated[str | None, Field(max_length=20_000, description="the ticket's text")] = None,
    external_id: Annotated[str | None, Field(max_length=64, description="or: a stored ticket's id")] = None,
) -> CallToolResult:
    """Product and urgency of a support ticket, with confidence and reasoning (nearest labelled tickets and the
    phrases that point to each product). Give subject + content, or the id of a stored ticket."""
    from tools.tickets import classify_ticket as by_text
    from tools.tickets import classify_ticket_by_id as by_id

    if external_id:
        return await analytics(ctx, "classify_ticket", lambda t: by_id(t, external_id=external_id))
    if not (subject or content):
        return await guarded("classify_ticket", _need("give the ticket's subject and content, or its external_id"))
    return await analytics(ctx, "classify_ticket", lambda t: by_text(t, subject=subject or "", content=content or ""))


async def ticket_sla(
    ctx: Context,
    external_id: Annotated[str, Field(min_length=1, max_length=64, description="the ticket's id")],
    as_of: Annotated[Moment | None, Field(description=(
        "the clocks as they stood at this past moment (ISO 8601; a date means 12:00 UTC); work recorded later does "
        "not count; default: now"))] = None,
) -> CallToolResult:
    """A ticket's response and resolution SLA now (or at `as_of`): deadlines, time left or overdue, state (ok, at
    risk, breached) and escalation level."""
    from tools.tickets import ticket_sla as tool

    async def call(t: ToolContext) -> ToolOutput[Any]:
        out = await tool(t, external_id=ticket_ref(external_id, "external_id") or external_id)
        created_by(out.result.created_at, out.result.as_of, out.result.external_id)
        return out

    return await analytics(ctx, "ticket_sla", call, as_of=as_of)


# ------------------------------------------------------------------ evidence


async def search_evidence(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=2000, description="what to look for")],
    k: Annotated[int, Field(ge=1, le=50, description="hits to return")] = 10,
    kinds: Annotated[list[Literal["runbook", "incident_summary", "evidence"]] | None,
                     Field(description="restrict to runbooks, past incident summaries and/or stored evidence")] = None,
    service: Annotated[str | None, Field(max_length=100, description="only about this service")] = None,
) -> CallToolResult:
    """Semantic + full-text search over runbooks, past incident summaries and the evidence earlier investigations
    stored."""
    from tools.retrieval import SEARCH_KINDS, search

    return await analytics(ctx, "search_evidence", lambda t: search(
        t, query=query, k=k, kinds=kinds or SEARCH_KINDS, service=service))


async def get_evidence(
    ctx: Context,
    evidence_id: Annotated[int, Field(ge=1, le=2**63 - 1, description="the id cited as [E:<id>]")],
) -> CallToolResult:
    """One evidence item by id: what it says, its data, and how to reproduce it (the query or tool call)."""
    rt = runtime_of(ctx)

    async def body() -> CallToolResult:
        principal = await rt.principal(ctx.request_context)
        record = await rt.get_evidence(principal.org_id, evidence_id)
        return answer(rt, "get_evidence", record.model_dump(mode="json"), [record])

    return await guarded("get_evidence", body)


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class McpTool:
    handler: Callable[..., Any]
    title: str
    read_only: bool = True

    @property
    def name(self) -> str:
        return self.handler.__name__


TOOLS: list[McpTool] = [
    McpTool(ask, "Ask opsgraph (full investigation)", read_only=False),
    McpTool(catalog, "KPIs, stations, regions and services"),
    McpTool(kpi_series, "KPI series with control limits and stages"),
    McpTool(active_signals, "What needs attention (active KPI signals)"),
    McpTool(correlate_changes, "Which change caused it"),
    McpTool(service_changes, "Service change log"),
    McpTool(get_incident, "Incident lookup"),
    McpTool(classify_ticket, "Classify a ticket"),
    McpTool(ticket_sla, "Ticket SLA"),
    McpTool(search_evidence, "Search runbooks, incidents and evidence"),
    McpTool(get_evidence, "Evidence by id"),
]


def tool_annotations(tool: McpTool) -> ToolAnnotations:
    # Analytics tools only read the organisation's data (they store the evidence they produce); ask starts a run.
    return ToolAnnotations(title=tool.title, read_only_hint=tool.read_only, destructive_hint=False,
                           idempotent_hint=tool.read_only, open_world_hint=False)


# ------------------------------------------------------------------ helpers


def _need(message: str) -> Callable[[], Any]:
    async def fail() -> CallToolResult:
        raise CallerError(message)

    return fail


def _dump(x: Any) -> Any:
    return x.model_dump(mode="json") if hasattr(x, "model_dump") else x


async def _service_names(session: Any, org_id: int) -> list[str]:
    from sqlalchemy import text

    rows = await session.execute(text("SELECT name FROM services WHERE org_id = :org ORDER BY name"), {"org": org_id})
    return [r[0] for r in rows]
