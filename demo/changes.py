"""Services, 5-minute metrics, commits, deployments, config changes and incidents.

The incident stories (:data:`demo.stories.INCIDENT_STORIES`, data in ``incident_stories.json``): each is
caused by exactly one change (a deployment shipping risky commits, or a config
change of a risky key). Its metric effect starts ``lag`` minutes (2-20) after
the change became effective (deployment ``finished_at`` / config
``changed_at``) on the changed service and propagates, weaker, to its callers
(half at one hop, a quarter at two hops).

Around them: remediations (a rollback, a fix-forward deployment, config
reverts), planted red herrings (harmless changes 1-3 h before onsets on
unrelated services, one of them closer than the true cause), risky commits
that were merged but never deployed, and random harmless changes that keep
away from every incident window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demo import change_text
from demo.catalog import (
    DEPLOY_BOTS,
    ENGINEERS,
    SERVICE_SPECS,
    callers_by_hops,
    related_services,
)
from demo.stories import (
    HEADLINE_COMMITS,
    HEADLINE_DEPLOY_DAY,
    HEADLINE_DEPLOY_TIME,
    HEADLINE_DESCRIPTION,
    INCIDENT_STORIES,
    INJECTION_COMMIT,
    N_RANDOM_HARMLESS,
    PLANNED_HARMLESS,
    CommitSpec,
    IncidentStory,
)

METRIC_DAYS = 15
STEP_MINUTES = 5
PROPAGATION_WEIGHTS = {0: 1.0, 1: 0.5, 2: 0.25}
UTC = dt.UTC


@dataclass
class ChangesResult:
    services: list[dict]
    metric_points: pd.DataFrame
    commits: list[dict]
    deployments: list[dict]
    config_changes: list[dict]
    incidents: list[dict]
    manifest_incidents: list[dict]
    harmless: list[dict]
    undeployed: list[str]
    headline_cause: dict
    injections: list[dict]
    incident_details: list[dict]  # for writing incident summaries


# ---------------------------------------------------------------- helpers


def _at(anchor: dt.date, day: int, hhmm: str) -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    base = dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    return base - dt.timedelta(days=day) + dt.timedelta(hours=h, minutes=m)


def _ceil_grid(t: dt.datetime) -> dt.datetime:
    step = STEP_MINUTES * 60
    epoch = int(t.timestamp())
    return dt.datetime.fromtimestamp(-(-epoch // step) * step, tz=UTC)


@dataclass
class _Change:
    """A change before ids are assigned."""

    kind: str  # deployment | config_change
    service: str
    at: dt.datetime  # effective time: deployment finished_at / config changed_at
    role: str  # cause | headline_cause | remediation | near_incident | noise
    commits: list[CommitSpec] = field(default_factory=list)
    config: tuple[str, str | None, str | None, bool] | None = None  # key, old, new, secret
    values: list[str] = field(default_factory=list)  # harmless configs: the values the key cycles through
    description: str = ""  # config changes only
    rollback_of: _Change | None = None
    is_rollback: bool = False
    external_id: str = ""
    status: str = "succeeded"
    record: dict = field(default_factory=dict)


class _Shas:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.n = 0

    def new(self, service: str, message: str) -> str:
        self.n += 1
        return hashlib.sha1(f"opsgraph-demo:{self.seed}:{self.n}:{service}:{message}".encode()).hexdigest()


# ---------------------------------------------------------------- generation


def generate_changes(rng: np.random.Generator, anchor: dt.date, seed: int) -> ChangesResult:
    start = _at(anchor, METRIC_DAYS, "00:00")
    end = _at(anchor, 0, "00:00")

    changes: list[_Change] = []
    windows: list[tuple[dt.datetime, dt.datetime]] = []  # incident windows (onset - 3 h, recovery + 1 h)
    story_state: list[dict] = []
    undeployed_specs: list[tuple[str, dt.datetime, CommitSpec]] = []

    # ---- incident causes, remediations, red herrings
    for story in INCIDENT_STORIES:
        onset = _at(anchor, story.day, story.onset)
        lag = int(rng.integers(story.lag_range[0], story.lag_range[1] + 1))
        cause_at = onset - dt.timedelta(minutes=lag, seconds=int(rng.integers(0, 50)))
        if story.cause_type == "deployment":
            cause = _Change("deployment", story.cause_service, cause_at, "cause", commits=story.cause_commits)
        else:
            assert story.config is not None
            key, old, new = story.config
            cause = _Change("config_change", story.cause_service, cause_at, "cause", config=(key, old, new, False),
                            description=change_text.config_description(key, old, new, rng))
        changes.append(cause)

        recovery = onset + dt.timedelta(minutes=story.recovery_after_min) if story.recovery_after_min else None
        remediation: _Change | None = None
        if recovery is not None and story.remediation is not None:
            rem_at = recovery - dt.timedelta(minutes=int(rng.integers(1, 4)), seconds=int(rng.integers(0, 50)))
            if story.remediation == "rollback":
                remediation = _Change("deployment", story.cause_service, rem_at, "remediation", is_rollback=True,
                                      rollback_of=cause)
                cause.status = "rolled_back"
            elif story.remediation == "fix_deploy":
                remediation = _Change("deployment", story.cause_service, rem_at, "remediation",
                                      commits=story.fix_commits)
            else:
                assert story.config is not None
                key, old, new = story.config
                remediation = _Change("config_change", story.cause_service, rem_at, "remediation",
                                      config=(key, new, old, False),
                                      description=f"Revert {key} to {old} (incident mitigation)")
            changes.append(remediation)

        for kind, service, minutes in story.near_harmless:
            assert service not in related_services(story.service), (story.key, service)
            at = onset - dt.timedelta(minutes=minutes, seconds=int(rng.integers(0, 50)))
            changes.append(_harmless(kind, service, at, rng, role="near_incident"))
        for service, minutes, commit in story.undeployed:
            undeployed_specs.append((service, onset - dt.timedelta(minutes=minutes), commit))

        effect_end = recovery if recovery is not None else end
        windows.append((onset - dt.timedelta(hours=3), effect_end + dt.timedelta(hours=1)))
        story_state.append({"story": story, "onset": onset, "cause": cause, "remediation": remediation,
                            "recovery": recovery})

    # ---- the KPI headline cause
    headline = _Change("deployment", "parts-inventory", _at(anchor, HEADLINE_DEPLOY_DAY, HEADLINE_DEPLOY_TIME),
                       "headline_cause", commits=HEADLINE_COMMITS)
    changes.append(headline)
    planned = [
        _harmless(kind, svc, _at(anchor, day, hhmm), rng, role="noise") for kind, svc, day, hhmm in PLANNED_HARMLESS
    ]
    # The first planned release (search) also ships a docs commit whose message carries a prompt injection.
    planned[0].commits.insert(0, INJECTION_COMMIT)
    changes.extend(planned)

    # ---- random harmless changes that keep out of every story
    frozen_until = {svc: at for svc, at, _ in undeployed_specs}  # no deployments after an undeployed commit
    headline_quiet = (_at(anchor, 12, "00:00"), _at(anchor, 9, "00:00"))
    placed = 0
    while placed < N_RANDOM_HARMLESS:
        kind = "deployment" if rng.random() < 0.6 else "config_change"
        service = SERVICE_SPECS[int(rng.integers(len(SERVICE_SPECS)))].name
        day = int(rng.integers(1, METRIC_DAYS + 1))
        at = _at(anchor, day, f"{int(rng.integers(7, 23)):02d}:{int(rng.integers(0, 60)):02d}")
        if at < start + dt.timedelta(hours=2) or at > end - dt.timedelta(hours=1):
            continue
        if any(lo <= at <= hi for lo, hi in windows):
            continue
        if service in ("mx-planning", "parts-inventory") and headline_quiet[0] <= at <= headline_quiet[1]:
            continue
        if kind == "deployment" and service in frozen_until and at >= frozen_until[service] - dt.timedelta(hours=6):
            continue
        if any(c.service == service and abs((c.at - at).total_seconds()) < 3 * 3600 for c in changes):
            continue
        changes.append(_harmless(kind, service, at, rng, role="noise"))
        placed += 1

    for svc, frozen in frozen_until.items():
        late = [c for c in changes if c.kind == "deployment" and c.service == svc and c.at >= frozen]
        assert not late, f"a deployment of {svc} would ship an undeployed commit"

    # ---- ids in time order, commits, records
    changes.sort(key=lambda c: c.at)
    shas = _Shas(seed)
    commits, deployments, configs = _materialise(changes, undeployed_specs, shas, rng)
    undeployed_shas = [c["sha"] for c in commits if c.get("_undeployed")]
    for c in commits:
        c.pop("_undeployed", None)

    injected = next(c for c in commits if change_text.COMMIT_INJECTION in c["message"])
    injections = [{"kind": "commit", "id": injected["sha"], "text": change_text.COMMIT_INJECTION}]

    # ---- metrics, incidents
    metric_points = _metrics(rng, start, story_state, end)
    incidents, manifest_incidents, details = _incidents(rng, story_state)

    harmless = [
        {"type": c.kind, "external_id": c.external_id, "service": c.service, "role": c.role}
        for c in changes
        if c.role in ("noise", "near_incident", "remediation")
    ]
    headline_cause = {
        "type": "deployment",
        "external_id": headline.external_id,
        "service": headline.service,
        "at": headline.record["finished_at"].isoformat(),
        "description": HEADLINE_DESCRIPTION,
    }
    return ChangesResult(
        services=[s.as_dict() for s in SERVICE_SPECS],
        metric_points=metric_points,
        commits=commits,
        deployments=deployments,
        config_changes=configs,
        incidents=incidents,
        manifest_incidents=manifest_incidents,
        harmless=harmless,
        undeployed=undeployed_shas,
        headline_cause=headline_cause,
        injections=injections,
        incident_details=details,
    )


def _harmless(kind: str, service: str, at: dt.datetime, rng: np.random.Generator, role: str) -> _Change:
    if kind == "deployment":
        n = int(rng.integers(1, 4))
        commits = [change_text.harmless_commit(rng) for _ in range(n)]
        return _Change("deployment", service, at, role, commits=commits)
    key, values, secret = change_text.SECRET_ROTATION if kind == "secret_rotation" else change_text.harmless_config(rng)
    # old/new values are resolved in time order by _materialise (from the key's current value).
    return _Change("config_change", service, at, role, config=(key, None, None, secret), values=values)


def _materialise(
    changes: list[_Change],
    undeployed_specs: list[tuple[str, dt.datetime, CommitSpec]],
    shas: _Shas,
    rng: np.random.Generator,
) -> tuple[list[dict], list[dict], list[dict]]:
    """Assign ids, versions and commit ranges; build the public records."""
    commits: list[dict] = []
    deployments: list[dict] = []
    configs: list[dict] = []
    versions: dict[str, tuple[int, int, int]] = {}
    for spec in SERVICE_SPECS:
        versions[spec.name] = (int(rng.integers(1, 5)), int(rng.integers(0, 40)), int(rng.integers(0, 10)))
    last_merged: dict[str, dt.datetime] = {}
    last_started: dict[str, dt.datetime] = {}
    deployed_versions: dict[str, list[tuple[str, str | None]]] = {}  # service -> [(version, head sha)]
    n_dep = n_cfg = 0
    config_state: dict[tuple[str, str], str | None] = {}

    def make_commits(service: str, specs: list[CommitSpec], lo: dt.datetime, hi: dt.datetime) -> list[dict]:
        lo = max(lo, last_merged.get(service, lo), last_started.get(service, lo))
        span = (hi - lo).total_seconds()
        offsets = sorted(float(x) for x in rng.uniform(0.1, 0.95, len(specs)))
        out = []
        prev = lo
        for (message, files), off in zip(specs, offsets, strict=False):
            merged = lo + dt.timedelta(seconds=int(off * span))
            gap = (merged - prev).total_seconds()
            committed = merged - dt.timedelta(seconds=int(gap * float(rng.uniform(0.2, 0.8))))
            sha = shas.new(service, message)
            out.append(
                {
                    "sha": sha,
                    "service": service,
                    "message": message,
                    "author": ENGINEERS[int(rng.integers(len(ENGINEERS)))],
                    "committed_at": committed,
                    "merged_at": merged,
                    "pr_number": None,
                    "files": [
                        {"path": p, "change_type": ct, "additions": a, "deletions": d} for p, ct, a, d in files
                    ],
                }
            )
            prev = merged
        if out:
            last_merged[service] = out[-1]["merged_at"]
        return out

    for ch in changes:
        if ch.kind == "config_change":
            n_cfg += 1
            ch.external_id = f"CFG-{n_cfg:04d}"
            key, old, new, secret = ch.config  # type: ignore[misc]
            if ch.values and not secret:
                old = config_state.get((ch.service, key), ch.values[0])
                choices = [v for v in ch.values if v != old]
                new = choices[int(rng.integers(len(choices)))]
            if not ch.description:
                ch.description = change_text.config_description(key, old, new, rng, secret=secret)
            config_state[(ch.service, key)] = new
            ch.record = {
                "external_id": ch.external_id,
                "service": ch.service,
                "key": key,
                "old_value": None if secret else old,
                "new_value": None if secret else new,
                "is_secret": secret,
                "changed_at": ch.at,
                "changed_by": ENGINEERS[int(rng.integers(len(ENGINEERS)))],
                "description": ch.description,
            }
            configs.append(ch.record)
            continue

        n_dep += 1
        ch.external_id = f"DEP-{n_dep:04d}"
        duration = dt.timedelta(minutes=int(rng.integers(3, 11)), seconds=int(rng.integers(0, 60)))
        started = ch.at - duration
        history = deployed_versions.setdefault(ch.service, [])
        if ch.is_rollback:
            assert ch.rollback_of is not None
            bad = ch.rollback_of.record
            idx = next(i for i, (v, _) in enumerate(history) if v == bad["version"])
            version, head = history[idx - 1] if idx > 0 else (bad["version"], None)
            shipped: list[dict] = []
            commit_from, commit_to = bad["commit_to_sha"], head
        else:
            major, minor, patch = versions[ch.service]
            if any(ct == "dependency" for _, files in ch.commits for _, ct, _, _ in files):
                minor, patch = minor + 1, 0
            else:
                patch += 1
            versions[ch.service] = (major, minor, patch)
            version = f"{major}.{minor}.{patch}"
            lo = started - dt.timedelta(days=2)
            shipped = make_commits(ch.service, ch.commits, lo, started - dt.timedelta(minutes=10))
            last_started[ch.service] = started
            commits.extend(shipped)
            commit_from = shipped[0]["sha"] if shipped else None
            commit_to = shipped[-1]["sha"] if shipped else None
            history.append((version, commit_to))
        human = ch.role in ("cause", "remediation") or rng.random() < 0.4
        people = ENGINEERS if human else DEPLOY_BOTS
        deployer = people[int(rng.integers(len(people)))]
        ch.record = {
            "external_id": ch.external_id,
            "service": ch.service,
            "version": version,
            "environment": "production",
            "status": ch.status,
            "started_at": started,
            "finished_at": ch.at,
            "deployed_by": deployer,
            "commit_from_sha": commit_from,
            "commit_to_sha": commit_to,
            "is_rollback": ch.is_rollback,
            "rollback_of": ch.rollback_of.external_id if ch.rollback_of is not None else None,
            "commits": [c["sha"] for c in shipped],
        }
        deployments.append(ch.record)

    # Merged but never deployed: after the service's last deployment.
    for service, at, spec in sorted(undeployed_specs, key=lambda x: x[1]):
        made = make_commits(service, [spec], at - dt.timedelta(minutes=30), at)
        made[-1]["merged_at"] = at
        made[-1]["_undeployed"] = True
        commits.extend(made)

    commits.sort(key=lambda c: c["merged_at"])
    for i, c in enumerate(commits):
        c["pr_number"] = 1180 + i
    return commits, deployments, configs


def _metrics(rng: np.random.Generator, start: dt.datetime, story_state: list[dict], end: dt.datetime) -> pd.DataFrame:
    n = int((end - start).total_seconds() // (STEP_MINUTES * 60))
    ts = pd.date_range(start, periods=n, freq=f"{STEP_MINUTES}min", tz="UTC")
    hours = (np.arange(n) * STEP_MINUTES / 60.0) % 24.0
    season = np.sin(2 * np.pi * (hours - 12.0) / 24.0)  # peak around 18:00 UTC (US afternoon)

    # effect[service] = list of (weight, profile, story) arrays
    profiles: dict[str, list[tuple[float, np.ndarray, IncidentStory]]] = {}
    for st in story_state:
        story: IncidentStory = st["story"]
        i0 = int((st["onset"] - start).total_seconds() // (STEP_MINUTES * 60))
        step_s = STEP_MINUTES * 60
        i1 = n if st["recovery"] is None else int((_ceil_grid(st["recovery"]) - start).total_seconds() // step_s)
        prof = np.zeros(n)
        prof[i0:i1] = 1.0
        prof[i0] = 0.7
        if i1 < n:
            prof[i1] = 0.25
        st["effect_end"] = ts[i1].to_pydatetime() if i1 < n else None
        affected = {story.cause_service: 0, **callers_by_hops(story.cause_service, 2)}
        st["affected"] = sorted(affected, key=lambda s: (affected[s], s))
        for svc, hop in affected.items():
            profiles.setdefault(svc, []).append((PROPAGATION_WEIGHTS[hop], prof, story))

    frames = []
    for spec in SERVICE_SPECS:
        thr = spec.throughput_base_rpm * (1 + 0.45 * season) * (1 + 0.04 * rng.standard_normal(n))
        p99 = spec.p99_base_ms * (1 + 0.12 * season) * np.exp(0.06 * rng.standard_normal(n))
        err = spec.error_base * np.exp(0.15 * rng.standard_normal(n))
        for weight, prof, story in profiles.get(spec.name, []):
            jitter = 1 + 0.1 * rng.standard_normal(n)
            err = err + weight * story.effect.error_add * prof * jitter
            p99 = p99 * (1 + weight * story.effect.p99_factor * prof * jitter)
            if weight == 1.0 and story.effect.throughput_factor:
                thr = thr * (1 + story.effect.throughput_factor * prof)
        for metric, values in (
            ("error_rate", np.clip(np.round(err, 5), 0.0, 1.0)),
            ("p99_latency_ms", np.round(p99, 1)),
            ("throughput", np.round(thr, 0)),
        ):
            frames.append(pd.DataFrame({"service": spec.name, "metric": metric, "ts": ts, "value": values}))
    return pd.concat(frames, ignore_index=True)


def _incidents(rng: np.random.Generator, story_state: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    incidents, manifest, details = [], [], []
    for i, st in enumerate(sorted(story_state, key=lambda s: s["onset"])):
        story: IncidentStory = st["story"]
        ext = f"INC-{2041 + i}"
        onset: dt.datetime = st["onset"]
        detected = onset + dt.timedelta(minutes=int(rng.integers(3, 9)), seconds=int(rng.integers(0, 60)))
        resolved = None
        if story.status == "resolved":
            assert st["effect_end"] is not None and story.resolve_after_min is not None
            after = dt.timedelta(minutes=story.resolve_after_min, seconds=int(rng.integers(0, 60)))
            resolved = st["effect_end"] + after
        incidents.append(
            {
                "external_id": ext,
                "title": story.title,
                "service": story.service,
                "severity": story.severity,
                "status": story.status,
                "started_at": onset,
                "detected_at": detected,
                "resolved_at": resolved,
                "summary": story.summary,
            }
        )
        cause: _Change = st["cause"]
        rem: _Change | None = st["remediation"]
        manifest.append(
            {
                "external_id": ext,
                "title": story.title,
                "service": story.service,
                "severity": story.severity,
                "status": story.status,
                "onset": onset.isoformat(),
                "detected_at": detected.isoformat(),
                "effect_end": st["effect_end"].isoformat() if st["effect_end"] is not None else None,
                "cause": {
                    "type": cause.kind,
                    "external_id": cause.external_id,
                    "service": cause.service,
                    "at": cause.at.isoformat(),
                    "lag_minutes": round((onset - cause.at).total_seconds() / 60.0, 2),
                    "description": story.cause_description,
                    **({"key": story.config[0]} if story.config else {}),
                },
                "cause_on_dependency": cause.service != story.service,
                "affected_services": st["affected"],
                "rollback": rem.external_id if rem is not None and rem.is_rollback else None,
                "remediation": (
                    {"type": rem.kind, "external_id": rem.external_id, "kind": story.remediation}
                    if rem is not None
                    else None
                ),
            }
        )
        details.append({"incident": incidents[-1], "story": story, "cause": cause.record, "cause_type": cause.kind,
                        "remediation": rem.record if rem is not None else None,
                        "remediation_kind": story.remediation, "affected": st["affected"],
                        "effect_end": st["effect_end"]})
    return incidents, manifest, details
