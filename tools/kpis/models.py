"""KPI read models: definitions, scopes, series points, stages, signals, cards."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.kpis.analytics import Grain

SummaryLevel = Literal["station", "region", "company"]


class KpiInfo(BaseModel):
    id: int
    code: str
    name: str
    unit: str
    aggregation: str
    goal: float | None = None
    upper_limit: float | None = None
    lower_limit: float | None = None
    decimals: int = 2
    higher_is_better: bool
    aliases: list[str] = []
    related_services: list[str] = []


class Scope(BaseModel):
    summary_level: SummaryLevel
    code: str | None = Field(None, description="station or region code; None for the company")
    label: str
    station_ids: list[int]


class KpiPoint(BaseModel):
    date: dt.date
    value: float | None
    yoy_value: float | None = None
    yoy_delta: float | None = None
    cl: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    phase_number: int | None = None
    signal: str | None = Field(None, description="critical|warning|info when a rule fired at this point")


class StageOut(BaseModel):
    phase_number: int
    start_date: dt.date
    end_date: dt.date
    cl: float
    ucl: float
    lcl: float
    sigma: float
    mr_bar: float
    confirmed_by: str | None = None
    evidence_start_date: dt.date | None = None
    kind: str = Field("level", description="what changed at the stage's start: level, trend or dispersion")
    upper_limit_kind: str = Field("natural process limit", description="which upper limit the stage uses: 'natural process limit' (XmR) or 'count limit' (Poisson limit of a rare-count stage)")


class SignalOut(BaseModel):
    date: dt.date
    value: float
    rule: str
    state: str
    side: str


class Shift(BaseModel):
    """The latest stage change: where the process moved to a new level."""

    onset: dt.date
    before_cl: float
    after_cl: float
    delta: float
    direction: Literal["up", "down"]
    bad: bool
    confirmed_by: str | None
    kind: str = Field("level", description="'level' (a step), 'trend' (the direction or slope turned) or 'dispersion' (the point-to-point variation)")
    before_mr: float | None = Field(None, description="average moving range before (a dispersion change)")
    after_mr: float | None = Field(None, description="average moving range after (a dispersion change)")


class Excursion(BaseModel):
    """A short move the wrong way that is over: the latest points are back at the earlier level
    (:func:`tools.kpis.recovery.recovery`), so the current stage's centre mixes the excursion with the recovery."""

    start: dt.date = Field(description="first day of the excursion")
    end: dt.date = Field(description="last day beyond the earlier limits")
    since: dt.date = Field(description="back within the earlier limits since this day")
    extreme: float = Field(description="the excursion's worst value")
    before_cl: float = Field(description="the earlier usual level")
    recovered_mean: float = Field(description="the mean since it came back")


class SeriesSummary(BaseModel):
    latest_date: dt.date | None
    latest_value: float | None
    mean: float | None
    past_value: float | None = Field(None, description="the latest point's value one year earlier")
    delta: float | None = Field(None, description="latest value minus past value")
    cl: float | None
    ucl: float | None
    lcl: float | None
    sigma: float | None
    mr_bar: float | None
    state: str = Field(description="ok, warning or critical at the latest point")
    rule: str | None = None
    upper_limit_kind: str = Field("natural process limit", description="which upper limit the stage uses: 'natural process limit' (XmR) or 'count limit' (Poisson limit of a rare-count stage)")
    excursion: Excursion | None = Field(None, description="the current stage is a short excursion that is over")


class KpiSeries(BaseModel):
    kpi: KpiInfo
    scope: Scope
    grain: Grain
    start: dt.date
    end: dt.date
    points: list[KpiPoint]
    stages: list[StageOut]
    signals: list[SignalOut]
    summary: SeriesSummary
    shift: Shift | None = None
    moves: list[Shift] = Field(default_factory=list, description="every level stage change whose onset lies in the "
                               "window or the 90 days up to its end, oldest first (the latest is ``shift`` when in the window)")
    chart: dict[str, Any] | None = None


class ActiveSignal(BaseModel):
    kpi: str
    kpi_name: str
    date: dt.date
    value: float
    state: str
    rule: str
    side: str
    cl: float
    ucl: float
    lcl: float
    upper_limit_kind: str = Field("natural process limit", description="which upper limit the stage uses: 'natural process limit' (XmR) or 'count limit' (Poisson limit of a rare-count stage)")


class GoalMiss(BaseModel):
    """A KPI with no control-chart signal whose current stage runs short of its goal: the single lookup calls that
    a warning (``kpi_state(with_goal=True)``), so a site's status names it too."""

    kpi: str
    kpi_name: str
    cl: float
    goal: float
    higher_is_better: bool
    unit: str = ""
    decimals: int = 2


class ActiveSignals(BaseModel):
    scope: Scope
    signals: list[ActiveSignal]
    as_of: dt.date | None = Field(None, description="the day the states are read on: the latest with data, or the "
                                                   "latest on or before the day asked")
    goal_misses: list[GoalMiss] = Field(default_factory=list, description="KPIs without a signal whose current stage "
                                        "is short of the goal (station scope, daily values)")


class KpiCard(BaseModel):
    kpi: KpiInfo
    latest_date: dt.date | None
    value: float | None
    yoy_value: float | None
    yoy_delta: float | None
    state: str
    rule: str | None
    cl: float | None
    ucl: float | None
    lcl: float | None
    chart: dict[str, Any] | None = None


class Dashboard(BaseModel):
    scope: Scope
    grain: Grain
    start: dt.date
    end: dt.date
    cards: list[KpiCard]
