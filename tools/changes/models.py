"""Result models and constants of the change tools."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tools.changes import scoring

UTC = dt.UTC
SERVICE_LOOKBACK = dt.timedelta(hours=24)  # changes before a service's onset that are candidates
#: How far back a service's own onset is looked for when none is given (after the last day, where nothing moved).
SERVICE_ONSET_LOOKBACK = dt.timedelta(days=3)
KPI_LOOKBACK = dt.timedelta(days=7)
#: Changes of an incident's own service that are candidates: a change can take days to bite (a shorter TTL, a
#: certificate, a cache that empties) — closeness still counts in the ranking (scoring.time_score's tail).
INCIDENT_LOOKBACK = dt.timedelta(hours=72)
MAX_HOPS = 6
MAX_LIMIT = 20
BASELINE = dt.timedelta(hours=2)  # metrics before a change: its baseline limits
AFTER = dt.timedelta(minutes=60)  # metrics after a change: did they move?
RECOVERY = (dt.timedelta(minutes=5), dt.timedelta(minutes=35))  # metrics after a rollback: back to normal?
EPISODE_GAP = 12  # points without a critical signal that separate two episodes (1 h at 5 min)

ChangeKind = Literal["deployment", "config_change"]


# ------------------------------------------------------------------ result models


class FileChange(BaseModel):
    path: str
    change_type: str
    additions: int = 0
    deletions: int = 0


class CommitInfo(BaseModel):
    sha: str
    message: str
    author: str | None = None
    committed_at: dt.datetime
    merged_at: dt.datetime | None = None
    pr_number: int | None = None
    files: list[FileChange] = []


class DeploymentInfo(BaseModel):
    external_id: str
    service: str
    version: str
    environment: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    deployed_by: str | None = None
    is_rollback: bool = False
    rollback_of: str | None = Field(None, description="the deployment this one rolled back")
    rolled_back_by: str | None = Field(None, description="the deployment that rolled this one back")
    rolled_back_at: dt.datetime | None = None
    commits: list[CommitInfo] = []
    change_types: list[str] = Field([], description="distinct change types of the shipped files, riskiest first")


def same_value(old: str, new: str) -> bool:
    """A config change's two values are the same setting ("8" and "8.0" too): the change changed nothing."""
    a, b = old.strip(), new.strip()
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


class ConfigChangeInfo(BaseModel):
    external_id: str
    service: str
    key: str
    old_value: str | None = None
    new_value: str | None = None
    is_secret: bool = False
    changed_at: dt.datetime
    changed_by: str | None = None
    description: str | None = None
    reverted_by: str | None = Field(None, description="the next change of the key, when it restored the old value")
    reverted_at: dt.datetime | None = None
    reverts: str | None = Field(None, description="the key's previous change, when this one put its old value back")

    def values(self, secret: str = "(a secret value)") -> str:
        """"old → new" as answers say it: a value the record does not hold is "(unset)", a secret is never shown."""
        if self.is_secret:
            return secret
        old, new = ("(unset)" if v is None else v for v in (self.old_value, self.new_value))
        same = self.old_value is not None and self.new_value is not None and same_value(self.old_value, self.new_value)
        return f"{old} → {new}" + (" (unchanged: it changed nothing)" if same else "")


class ServiceChanges(BaseModel):
    service: str
    since: dt.datetime
    until: dt.datetime
    deployments: list[DeploymentInfo]
    config_changes: list[ConfigChangeInfo]


class ScoreComponents(BaseModel):
    """See :mod:`tools.changes.scoring`: each in [0, 1]."""

    time: float
    distance: float
    risk: float
    comovement: float
    rollback: float
    reach: float = Field(description="distance, half its penalty won back by co-movement")
    base: float = Field(description="time * reach")
    support: float = Field(description="noisy-OR of risk, co-movement, rollback and being named by the incident's record")
    raw: float = Field(description="base * (0.25 + 0.75 support), before competition")
    named: float = Field(0.0, description="1 when the incident's own record names the change")
    tie: float = Field(1.0, description="a KPI with no services recorded behind it: what ties the change to it beyond "
                                        "timing (shared words, its service's metrics moving), 0–1")


class ChangeHypothesis(BaseModel):
    rank: int
    type: ChangeKind
    subject: str = Field(description="the change's external id (DEP-…, CFG-…)")
    service: str
    changed_at: dt.datetime = Field(description="when it took effect (deployment finished / config changed)")
    minutes_before_onset: float
    distance: int = Field(description="dependency hops from the service under investigation (0 = itself)")
    confidence: float
    plausible: bool = Field(description=f"confidence >= {scoring.PLAUSIBLE_FLOOR}")
    rationale: str
    components: ScoreComponents
    evidence_refs: list[int] = Field(description="indexes into the tool output's evidence list")
    freeze: str | None = Field(None, description="the change freeze it was made in, if any (evidence, not a cause)")
    named_in_record: str | None = Field(None, description="the incident's own record names this change: the field "
                                        "and the identifier (its config key, version or id) it names, e.g. "
                                        "'summary: LOCKER_TIMEOUT_MS'")


class ServiceDistance(BaseModel):
    service: str
    distance: int
    via: list[str] = Field([], description="the services between the investigated one and this one")


class ChangeCorrelation(BaseModel):
    focus: Literal["incident", "service", "kpi"]
    label: str = Field(description="what is being explained, e.g. an incident id and its service, or a KPI and its scope")
    incident: str | None = None
    kpi: str | None = None
    station: str | None = None
    services: list[str] = Field(description="the services under investigation (distance 0)")
    onset: dt.datetime
    onset_source: Literal["incident", "given", "kpi_shift", "metric_onset", "now"]
    window_start: dt.datetime
    half_life_minutes: float
    searched: list[ServiceDistance] = Field(description="the services whose changes were considered")
    candidates_considered: int
    hypotheses: list[ChangeHypothesis]
    plausible: bool = Field(description="False: no plausible change found in the window")
    conclusion: str
    why_first: str | None = Field(None, description="why the top change ranks above the runner-up (timing, scope, "
                                                    "size, what it changed)")
    onset_metric: str | None = Field(None, description="an incident whose service's metric moved shortly before it "
                                                       "began: that metric (the onset is its move, not the start)")
    started_at: dt.datetime | None = Field(None, description="the incident's recorded start, when the onset is earlier")
    onset_kpi: str | None = Field(None, description="an incident whose service's related KPI stepped for the worse at "
                                                    "the site its record names shortly before it began: that step (the "
                                                    "onset is the day it began)")
    unlinked: str | None = Field(None, description="a KPI with no services recorded behind it: what was weighed "
                                                   "instead (every change around the onset) and how to record them")


class MetricStage(BaseModel):
    start: dt.datetime
    end: dt.datetime
    cl: float
    ucl: float
    lcl: float


OnsetMethod = Literal["stage_change", "critical_signal"]


class MetricOnset(BaseModel):
    service: str
    metric: str
    start: dt.datetime
    end: dt.datetime
    n_points: int
    onset: dt.datetime | None = Field(None, description="when the metric moved (None: it did not)")
    method: OnsetMethod | None = None
    before_level: float | None = None
    after_level: float | None = None
    direction: Literal["up", "down"] | None = None
    stages: list[MetricStage] = []
    n_critical: int = 0
    per_point: str | None = Field(None, description="a cumulative counter judged on its increase per point: the "
                                                    "spacing of a point ('5 min'); levels are increases per point")
    roles: dict[str, str] = Field({}, description="the service's metric for each role it has one for "
                                              "('errors' → 'error_rate'): the others a question can look at")


# ------------------------------------------------------------------ small helpers
