"""Tech Ops KPI tools: series with control limits and YoY, active signals, dashboard cards.

Read models in :mod:`tools.kpis.models`, database reads in :mod:`tools.kpis.queries`, the arithmetic in
:mod:`tools.kpis.analytics`, shaping in :mod:`tools.kpis.shaping`, the tools in :mod:`tools.kpis.series`;
the question-shaped tools in :mod:`tools.kpis.questions`.
"""

from tools.kpis.models import (
    ActiveSignal,
    ActiveSignals,
    Dashboard,
    KpiCard,
    KpiInfo,
    KpiPoint,
    KpiSeries,
    Scope,
    SeriesSummary,
    Shift,
    SignalOut,
    StageOut,
    SummaryLevel,
)
from tools.kpis.queries import last_day, list_kpis, load_daily, match_kpi, resolve_scope
from tools.kpis.series import active_signals, dashboard, kpi_series

__all__ = [
    "ActiveSignal",
    "ActiveSignals",
    "Dashboard",
    "KpiCard",
    "KpiInfo",
    "KpiPoint",
    "KpiSeries",
    "Scope",
    "SeriesSummary",
    "Shift",
    "SignalOut",
    "StageOut",
    "SummaryLevel",
    "active_signals",
    "dashboard",
    "kpi_series",
    "last_day",
    "list_kpis",
    "load_daily",
    "match_kpi",
    "resolve_scope",
]
