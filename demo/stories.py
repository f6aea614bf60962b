"""The demo's incident stories and the planned changes around them (data; the generator is demo.changes).

Each story in ``incident_stories.json`` is caused by exactly one change (a deployment shipping risky commits,
or a config change of a risky key); :func:`load_stories` reads it into :class:`IncidentStory` records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from demo import change_text

FileSpec = tuple[str, str, int, int]  # path, change_type, additions, deletions
CommitSpec = tuple[str, list[FileSpec]]  # message, files


@dataclass(frozen=True)
class Effect:
    error_add: float  # absolute error-rate increase on the changed service
    p99_factor: float  # p99 *= 1 + weight * p99_factor
    throughput_factor: float = 0.0  # changed service only: throughput *= 1 + throughput_factor


@dataclass(frozen=True)
class IncidentStory:
    key: str
    title: str
    summary: str
    service: str  # where the incident was declared
    cause_service: str
    cause_type: str  # "deployment" | "config_change"
    day: int  # days before the anchor
    onset: str  # "HH:MM" UTC, on the 5-minute grid
    lag_range: tuple[int, int]  # minutes between the change and the onset
    severity: str
    status: str  # resolved | mitigated | open
    effect: Effect
    recovery_after_min: int | None  # minutes after onset the metrics recover (None: still ongoing)
    remediation: str | None  # rollback | fix_deploy | config_revert | None
    resolve_after_min: int | None  # minutes after recovery the incident was resolved
    cause_commits: list[CommitSpec] = field(default_factory=list)
    config: tuple[str, str, str] | None = None  # key, old, new
    cause_description: str = ""
    fix_commits: list[CommitSpec] = field(default_factory=list)
    # kind (deployment | config_change | secret_rotation), service, minutes before onset
    near_harmless: list[tuple[str, str, int]] = field(default_factory=list)
    undeployed: list[tuple[str, int, CommitSpec]] = field(default_factory=list)  # service, minutes before onset, commit


def _commit(spec: dict[str, Any]) -> CommitSpec:
    return spec["message"], [(str(p), str(ct), int(a), int(d)) for p, ct, a, d in spec["files"]]


def _story(d: dict[str, Any]) -> IncidentStory:
    return IncidentStory(
        key=d["key"], title=d["title"], summary=d["summary"], service=d["service"],
        cause_service=d["cause_service"], cause_type=d["cause_type"], day=int(d["day"]), onset=str(d["onset"]),
        lag_range=(int(d["lag_range"][0]), int(d["lag_range"][1])), severity=d["severity"], status=d["status"],
        effect=Effect(**d["effect"]), recovery_after_min=d["recovery_after_min"], remediation=d["remediation"],
        resolve_after_min=d["resolve_after_min"],
        cause_commits=[_commit(c) for c in d.get("cause_commits", [])],
        config=(str(d["config"][0]), str(d["config"][1]), str(d["config"][2])) if d.get("config") else None,
        cause_description=d.get("cause_description", ""),
        fix_commits=[_commit(c) for c in d.get("fix_commits", [])],
        near_harmless=[(str(k), str(s), int(m)) for k, s, m in d.get("near_harmless", [])],
        undeployed=[(u["service"], int(u["minutes_before_onset"]), _commit(u["commit"])) for u in d.get("undeployed", [])],
    )


def load_stories() -> list[IncidentStory]:
    """The stories of ``incident_stories.json``, in file order (the generator's random draws follow it)."""
    data = json.loads(resources.files("demo").joinpath("incident_stories.json").read_text(encoding="utf-8"))
    return [_story(d) for d in data]


INCIDENT_STORIES: list[IncidentStory] = load_stories()

# The Tech Ops headline: a parts-inventory deployment the day before OTP MX at DAL drops.
HEADLINE_DEPLOY_DAY = 11
HEADLINE_DEPLOY_TIME = "15:10"
HEADLINE_COMMITS: list[CommitSpec] = [
    (
        "Switch reorder-point calculation to a 30-day demand window",
        [
            ("src/parts/reorder.py", "other", 64, 22),
            ("config/app.yaml", "config", 3, 1),
            ("tests/test_reorder.py", "test", 41, 7),
        ],
    ),
    ("Update replenishment job schedule for outstations", [("src/jobs/replenish.py", "other", 12, 9)]),
]
HEADLINE_DESCRIPTION = (
    "the new 30-day demand window lowered reorder points for rotable parts, so DAL ran short of "
    "brake and wheel assemblies and maintenance delays grew"
)

# Planned harmless changes tied to no incident: (kind, service, day, "HH:MM").
PLANNED_HARMLESS: list[tuple[str, str, int, str]] = [
    ("deployment", "search", 15, "10:30"),  # gives the search rollback a version to return to
    ("config_change", "mx-planning", 13, "09:20"),  # a distractor for the KPI headline
    ("deployment", "parts-inventory", 6, "11:15"),  # after the KPI drop: not its cause
]
N_RANDOM_HARMLESS = 11
INJECTION_COMMIT: CommitSpec = (
    f"docs: update search relevance tuning guide\n\n{change_text.COMMIT_INJECTION}",
    [("docs/relevance-tuning.md", "docs", 42, 6)],
)
