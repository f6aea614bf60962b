"""Tech Ops: KPI catalogue, dashboard cards, active signals, investigations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import text

from api import queries as repo
from api.deps import Member, State, Tools, Viewer
from api.errors import ApiError, from_tool_error, responses
from api.models import (
    BIGINT,
    FinalizeRequest,
    InvestigationCreate,
    InvestigationOut,
    InvestigationSummary,
    KpiCatalog,
    SummaryLevel,
)
from api.services import create_investigation, finalize_investigation
from tools.base import ToolError
from tools.kpis import ActiveSignals, Dashboard, active_signals, dashboard, list_kpis, match_kpi, resolve_scope

router = APIRouter(tags=["techops"])

Station = Annotated[str | None, Query(max_length=64, description="station code (a region code at region level)",
                                      examples=["DAL"])]
Level = Annotated[SummaryLevel | None, Query(description="default: station when a station is given, else company")]
InvestigationId = Annotated[int, Path(ge=1, le=BIGINT)]


def _level(station: str | None, summary_level: SummaryLevel | None) -> SummaryLevel:
    return summary_level or ("station" if station else "company")


@router.get("/api/techops/kpis", response_model=KpiCatalog, responses=responses(401))
async def kpis(state: State, principal: Viewer) -> KpiCatalog:
    """The KPIs (unit, aggregation, goal, limits, direction), stations and regions."""
    async with state.sessions() as s:
        items = await list_kpis(s, principal.org_id)
        stations, regions = await repo.stations_and_regions(s, principal.org_id)
    return KpiCatalog(kpis=items, stations=stations, regions=regions)


@router.get("/api/techops/dashboard/{grain}", response_model=Dashboard, responses=responses(401, 404, 422))
async def kpi_dashboard(
    ctx: Tools,
    grain: Annotated[Literal["daily", "weekly"], Path(description="daily or weekly points")],
    station: Station = None,
    summary_level: Level = None,
    charts: Annotated[bool, Query(description="include a Plotly figure per card")] = True,
) -> Dashboard:
    """One card per KPI: latest value, year-over-year value and delta, signal state and rule, the current stage's
    limits (centre, UCL, LCL) and a Plotly chart payload (`{"data": [...], "layout": {...}}`)."""
    out = await dashboard(ctx, grain=grain, station=station, summary_level=_level(station, summary_level), charts=charts)
    return out.result


@router.get("/api/techops/signals/active", response_model=ActiveSignals, responses=responses(401, 404, 422))
async def signals(
    ctx: Tools, station: Station = None, summary_level: Level = None,
    grain: Annotated[Literal["daily", "weekly"], Query()] = "daily",
) -> ActiveSignals:
    """KPIs whose latest point is in a warning or critical state, with the rule that fired."""
    out = await active_signals(ctx, station=station, summary_level=_level(station, summary_level), grain=grain)
    return out.result


@router.post(
    "/api/techops/investigations", status_code=201, response_model=InvestigationOut,
    responses=responses(401, 403, 413, 422),
)
async def open_investigation(body: InvestigationCreate, state: State, principal: Member, response: Response) -> InvestigationOut:
    """Opens an investigation and its thread. Ask in it with `POST /api/chat` and `investigation_id`: each run
    becomes a step."""
    if not body.title and not body.question:
        raise ApiError(422, "give a title or a question")
    level = _level(body.station, body.summary_level)
    org = principal.org_id
    async with state.sessions() as s, s.begin():
        kpi_id = kpi_code = None
        try:
            if body.kpi:
                info = match_kpi(await list_kpis(s, org), body.kpi)
                kpi_id, kpi_code = info.id, info.code
            station_id = region_id = None
            if level != "company":
                scope = await resolve_scope(s, org, level, body.station)
                if level == "station":
                    station_id, region_id = (
                        await s.execute(text("SELECT id, region_id FROM stations WHERE org_id = :org AND code = :c"),
                                        {"org": org, "c": scope.code})
                    ).one()
                else:
                    region_id = (
                        await s.execute(text("SELECT id FROM regions WHERE org_id = :org AND code = :c"),
                                        {"org": org, "c": scope.code})
                    ).scalar_one()
        except ToolError as exc:  # a name in the body: the request is wrong, not a missing resource
            raise from_tool_error(exc, status=422) from None
        title = body.title or (body.question or "")[:300] or f"{kpi_code} at {body.station or 'company'}"
        inv_id = await create_investigation(
            s, org, title=title, question=body.question, kpi_id=kpi_id, station_id=station_id, region_id=region_id,
            summary_level=level, created_by=principal.name or f"key:{principal.prefix}", api_key_id=principal.id,
        )
    response.headers["Location"] = f"/api/techops/investigations/{inv_id}"
    async with state.sessions() as s:
        out = await repo.get_investigation(s, org, inv_id)
    assert out is not None
    return out


@router.get("/api/techops/investigations", response_model=list[InvestigationSummary], responses=responses(401, 422))
async def investigations(
    state: State, principal: Viewer,
    status: Literal["open", "finalized"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[InvestigationSummary]:
    async with state.sessions() as s:
        return await repo.list_investigations(s, principal.org_id, status, limit, offset)


@router.get("/api/techops/investigations/{investigation_id}", response_model=InvestigationOut,
            responses=responses(401, 404, 422))
async def investigation(investigation_id: InvestigationId, state: State, principal: Viewer) -> InvestigationOut:
    """The investigation with its steps (runs), actions, notes, linked evidence and reports."""
    async with state.sessions() as s:
        out = await repo.get_investigation(s, principal.org_id, investigation_id)
    if out is None:
        raise ApiError(404, f"investigation {investigation_id} not found")
    return out


@router.post("/api/techops/investigations/{investigation_id}/finalize", response_model=InvestigationOut,
             responses=responses(401, 403, 404, 409, 413, 422))
async def finalize(investigation_id: InvestigationId, body: FinalizeRequest, state: State, principal: Member) -> InvestigationOut:
    """Closes the investigation with its root cause, actions, notes and the evidence that supports it."""
    async with state.sessions() as s, s.begin():
        await finalize_investigation(s, principal.org_id, investigation_id, body, principal.name or f"key:{principal.prefix}")
    async with state.sessions() as s:
        out = await repo.get_investigation(s, principal.org_id, investigation_id)
    assert out is not None
    return out
