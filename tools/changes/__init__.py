"""Change correlation: which deployment or config change explains an incident or a KPI shift?

Three tools, all read-only, parameterised and scoped to ``ctx.org_id``:

- :func:`correlate_changes` ranks the deployments and config changes before an
  onset on the service under investigation and on everything it depends on
  (walked transitively in SQL), scored by :mod:`tools.changes.scoring`;
- :func:`service_changes` lists one service's deployments (with their commits
  and per-file change types) and config changes in a time range;
- :func:`metric_onset` finds when a service metric moved (the latest bad stage
  change or critical episode of its 5-minute XmR analysis).

Onset detection is split by concern: :mod:`~tools.changes.grid` (points on a regular grid at their usual
spacing), :mod:`~tools.changes.seasonal` (the daily shape taken out), :mod:`~tools.changes.spikes` (lone points
that stand out; the shape a question names), :mod:`~tools.changes.rhythm` (the same time on earlier days),
:mod:`~tools.changes.drift` (where a slow climb began), :mod:`~tools.changes.leading` (the metric of a service
that moved first), :mod:`~tools.changes.counters` (a running total judged on its increase per point) and
:mod:`~tools.changes.metric_names` (a user's word → one of the service's metrics). :mod:`~tools.changes.why` says
why the top-ranked change ranks first (timing, scope, size, what it changed).

Only deployments and config changes are candidates: a commit counts through the
deployment that shipped it (``deployment_commits``); a merged commit that was
never deployed is never a candidate.
"""

from tools.changes import drift, roles, scoring, spikes
from tools.changes.correlate import correlate_changes
from tools.changes.leading import leading
from tools.changes.models import (
    ChangeCorrelation,
    ChangeHypothesis,
    CommitInfo,
    ConfigChangeInfo,
    DeploymentInfo,
    FileChange,
    MetricOnset,
    MetricStage,
    ScoreComponents,
    ServiceChanges,
    ServiceDistance,
)
from tools.changes.onset import metric_onset
from tools.changes.queries import (
    load_changes,
    load_windows,
    resolve_service,
    walk_dependencies,
)
from tools.changes.service_changes import service_changes

__all__ = [
    "ChangeCorrelation",
    "ChangeHypothesis",
    "CommitInfo",
    "ConfigChangeInfo",
    "DeploymentInfo",
    "FileChange",
    "MetricOnset",
    "MetricStage",
    "ScoreComponents",
    "ServiceChanges",
    "ServiceDistance",
    "correlate_changes",
    "drift",
    "leading",
    "load_changes",
    "load_windows",
    "metric_onset",
    "resolve_service",
    "roles",
    "scoring",
    "service_changes",
    "spikes",
    "walk_dependencies",
]
