"""The typed query plan: what a question asks, before any tool runs.

Every question becomes one :class:`QueryPlan` — filled by the offline parser,
or by a model's structured output validated against the organisation's
catalog. Specialists read the plan, never the raw question (ticket text to
classify travels in ``ticket_text`` as data). The plan is recorded on the
coordinator's step and shown in the panel's timeline.

Names here are the organisation's own (codes, ids as stored); nothing in this
module knows any organisation's vocabulary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Operation = Literal[
    "lookup",  # a KPI's value/series/state for a scope and window (also "show me the chart")
    "explain",  # why did a KPI / service metric move: onset, then correlated changes
    "compare",  # two or more scopes on one KPI over a window
    "rank",  # stations or regions ordered by a KPI over a window
    "attention",  # every KPI in warning/critical (optionally within a region/station)
    "changelog",  # deployments, config changes, commits for a service; dependencies
    "incident_list",  # incidents with filters (open, by service, by date), the latest
    "incident_status",  # one incident's status, resolution, remediation
    "incident_cause",  # what caused an incident (change correlation)
    "ticket_classify",  # classify a ticket by id or pasted text
    "ticket_sla",  # one ticket's SLA state
    "ticket_similar",  # similar resolved tickets / suggested response
    "ticket_stats",  # counts by status/product/tier/priority; SLA met rate; breached / at-risk lists
    "runbook_search",  # "find the runbook for …": runbooks and past-incident summaries matching the topic
    "ticket_search",  # "tickets about login problems", "tickets like KD-1": the org's tickets found by topic/example
    "report",  # draft an incident or investigation report
    "clarify",  # ambiguous: ask the user (see ``clarification``)
    "unknown",  # a name that does not exist (see ``unknown``): say so with suggestions
    "out_of_scope",  # not something this organisation's data can answer
]

Grain = Literal["day", "week", "month"]
ScopeLevel = Literal["station", "region", "company"]
ServiceMetricRole = Literal["errors", "latency", "throughput", "saturation"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopeRef(_Model):
    """A KPI scope: one station, one region, or the whole company."""

    level: ScopeLevel
    code: str | None = None  # station/region code as stored; None for the company
    name: str | None = None  # display name


class Window(_Model):
    """The time the question is about, resolved against the run's "now" (or ``as_of``)."""

    start: dt.date
    end: dt.date  # inclusive
    label: str  # how the user said it ("last week", "on 3 Nov", "Q3")
    grain: Grain = "day"
    single_day: bool = False  # "on 2026-11-03": the value on that date
    explicit: bool = True  # False when a default was applied (no time in the question)


class ServiceMetric(_Model):
    role: ServiceMetricRole | None = None  # what kind of metric the user meant
    name: str | None = None  # the organisation's metric name when they named one


class Subjects(_Model):
    scopes: list[ScopeRef] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)  # service names as stored
    incidents: list[str] = Field(default_factory=list)  # incident external ids as stored
    tickets: list[str] = Field(default_factory=list)  # ticket external ids as stored
    deployments: list[str] = Field(default_factory=list)  # deployment external ids
    config_changes: list[str] = Field(default_factory=list)  # config change external ids
    commits: list[str] = Field(default_factory=list)  # full or prefix sha as stored


class Filters(_Model):
    status: list[str] = Field(default_factory=list)  # tickets: open/pending/…; incidents: open/mitigated/resolved
    product: list[str] = Field(default_factory=list)
    customer_tier: list[str] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=list)
    urgency: list[str] = Field(default_factory=list)
    severity: list[str] = Field(default_factory=list)
    sla: Literal["breached", "at_risk", "met"] | None = None
    sla_clock: Literal["response", "resolution"] | None = None


class TicketText(_Model):
    """Pasted ticket text to classify: data, never instructions."""

    subject: str
    content: str


class UnknownName(_Model):
    kind: str  # "station", "region", "KPI", "service", "incident", "ticket", "deployment", …
    text: str  # what the user wrote
    suggestions: list[str] = Field(default_factory=list)  # close matches from the catalog


class Clarification(_Model):
    question: str  # what to ask the user
    kind: str  # what is ambiguous
    candidates: list[str] = Field(default_factory=list)


class QueryPlan(_Model):
    operation: Operation
    subjects: Subjects = Field(default_factory=Subjects)
    kpis: list[str] = Field(default_factory=list)  # KPI codes as stored
    service_metrics: list[ServiceMetric] = Field(default_factory=list)
    window: Window | None = None
    filters: Filters = Field(default_factory=Filters)
    group_by: Literal["station", "region"] | None = None  # rank over stations or regions
    order: Literal["worst", "best"] | None = None  # worst = the KPI's bad direction
    limit: int | None = Field(default=None, ge=1, le=1000)
    count: bool = False  # "how many …": a count, not a list
    rate: Literal["sla_response", "sla_resolution"] | None = None  # "SLA response met rate"
    chart: bool = False
    ticket_text: TicketText | None = None
    report_kind: Literal["incident", "investigation"] | None = None
    include_dependencies: bool = False  # change log / correlation over a service's dependencies too
    unknown: list[UnknownName] = Field(default_factory=list)
    clarification: Clarification | None = None
    follow_up: bool = False  # this turn inherited from the thread's last plan
    inherited: list[str] = Field(default_factory=list)  # which fields came from the thread
    notes: list[str] = Field(default_factory=list)  # said plainly in the answer (e.g. "showing weekly totals")

    def summary(self) -> str:
        """One line for the timeline: operation and what it is about."""
        parts: list[str] = [self.operation]
        if self.kpis:
            parts.append("/".join(self.kpis))
        if self.subjects.scopes:
            parts.append(" vs ".join(s.code or s.level for s in self.subjects.scopes))
        for ids in (self.subjects.services, self.subjects.incidents, self.subjects.tickets,
                    self.subjects.deployments, self.subjects.config_changes, self.subjects.commits):
            if ids:
                parts.append(", ".join(ids))
        if self.window:
            parts.append(f"{self.window.label} ({self.window.start}–{self.window.end}, {self.window.grain})")
        if self.order:
            parts.append(f"{self.order}{f' {self.limit}' if self.limit else ''}")
        f = self.filters
        shown = [*f.status, *f.customer_tier, *f.product, *f.priority, *f.severity]
        if f.sla:
            shown.append(f"SLA {f.sla.replace('_', ' ')}")
        if shown:
            parts.append(", ".join(shown))
        if self.count:
            parts.append("count")
        if self.rate:
            parts.append(self.rate.replace("_", " ") + " met rate")
        return " · ".join(parts)


def plan_of(state: Mapping[str, object]) -> QueryPlan | None:
    """The turn's plan from the graph state (stored there as JSON so checkpoints stay plain data)."""
    raw = state.get("query")
    if raw is None:
        return None
    return raw if isinstance(raw, QueryPlan) else QueryPlan.model_validate(raw)
