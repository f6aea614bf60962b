"""The candidates of a change correlation: the deployments and config changes effective before an onset, the metric
windows around each (co-movement after it, recovery after its rollback) and their scores
(:mod:`tools.changes.scoring`). A deployment's recorded outcome (failed, rolled back) is read by
:mod:`tools.changes.outcome`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tools.changes import counters, moved_first, scoring
from tools.changes.metric_context import all_own
from tools.changes.models import RECOVERY, ChangeKind, ConfigChangeInfo, DeploymentInfo
from tools.changes.outcome import Outcome, deployment_outcome
from tools.changes.queries import _Node


@dataclass
class _Candidate:
    kind: ChangeKind
    node: _Node
    changed_at: dt.datetime
    deployment: DeploymentInfo | None = None
    config: ConfigChangeInfo | None = None
    risk: float = 0.0
    risk_reason: str = ""
    undone_by: str | None = None
    undone_at: dt.datetime | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    comovement: float | None = None
    recovered: bool | None = None
    components: scoring.Components | None = None
    outcome: Outcome | None = None  # a deployment whose status says it failed or was rolled back
    named: str | None = None  # the incident's own record names it: "<field>: <identifier>" (tools.changes.named)
    #: a deployment with no recorded commits: its risk only a stand-in (scoring.checked_flat), unless a record ties it
    unknown_contents: bool = False

    @property
    def change(self) -> DeploymentInfo | ConfigChangeInfo:
        """The deployment or the config change (a candidate is built with exactly one)."""
        change = self.deployment or self.config
        if change is None:
            raise ValueError("a change candidate needs a deployment or a config change")
        return change

    @property
    def score(self) -> scoring.Components:
        """The score components (set for every candidate before the ranking)."""
        if self.components is None:
            raise ValueError(f"change candidate {self.subject} was not scored")
        return self.components

    @property
    def subject(self) -> str:
        return self.change.external_id


def _effective(d: DeploymentInfo, onset: dt.datetime) -> dt.datetime:
    """A deployment takes effect when it finishes; one still rolling out at the onset counts from its start."""
    return d.finished_at if d.finished_at is not None and d.finished_at <= onset else d.started_at


def _candidates(
    nodes: dict[int, _Node], deps: list[tuple[int, DeploymentInfo]], cfgs: list[tuple[int, ConfigChangeInfo]],
    onset: dt.datetime, since: dt.datetime, now: dt.datetime, tolerance: dt.timedelta = dt.timedelta(0),
) -> list[_Candidate]:
    """Changes effective in [since, onset], never after the onset (rollbacks/reverts known by ``now``) — but up
    to ``tolerance`` after an onset that was estimated from a metric."""
    out = []
    last = onset + tolerance
    for sid, d in deps:
        at = _effective(d, onset)  # still rolling out at the onset itself: from its start (not from onset + tolerance)
        if d.started_at <= last and since <= at <= last:
            risk, top = scoring.deployment_risk(d.change_types, is_rollback=d.is_rollback)
            reason = (f"rolls back {d.rollback_of}" if d.is_rollback else
                      f"ships {_types_phrase(top)}" if top else "ships no recorded commits")
            out.append(_Candidate("deployment", nodes[sid], at, deployment=d, risk=risk, risk_reason=reason,
                                  outcome=deployment_outcome(d.status),
                                  unknown_contents=not d.is_rollback and not d.change_types,
                                  **_undone(d.rolled_back_by, d.rolled_back_at, now)))
    for sid, c in cfgs:
        if since <= c.changed_at <= last:
            risk, why = scoring.config_risk(c.key, is_secret=c.is_secret, reverts=c.reverts)
            if c.service != nodes[sid].name:
                why += f"; filed under {c.service}, its key names {nodes[sid].name}"
            out.append(_Candidate("config_change", nodes[sid], c.changed_at, config=c, risk=risk, risk_reason=why,
                                  **_undone(c.reverted_by, c.reverted_at, now)))
    return out


def _undone(by: str | None, at: dt.datetime | None, now: dt.datetime) -> dict[str, Any]:
    known = by is not None and at is not None and at <= now
    return {"undone_by": by if known else None, "undone_at": at if known else None}


def _types_phrase(types: Sequence[str]) -> str:
    if list(types) == ["other"]:
        return "unclassified code changes"
    if set(types) <= {"docs", "test"}:
        return "only " + "/".join(types) + " changes"
    return ("a " if len(types) == 1 else "") + ", ".join(types) + (" change" if len(types) == 1 else " changes")


def _metric_requests(cands: list[_Candidate], now: dt.datetime, spacings: dict[int, dt.timedelta] | None = None,
                     ) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Per candidate: baseline, after-change and (when undone) after-fix windows, in that order (none past now);
    ``spacings``: each service's usual point spacing (an hourly service's windows hold enough of its points,
    :func:`tools.changes.moved_first.windows`)."""
    reqs = []
    for c in cands:
        sid, t = c.node.service_id, c.changed_at
        before, after = moved_first.windows((spacings or {}).get(sid, dt.timedelta(0)))
        reqs += [(sid, t - before, t), (sid, t, min(t + after, now))]
        if c.undone_at is not None:
            reqs.append((sid, c.undone_at + RECOVERY[0], min(c.undone_at + RECOVERY[1], now)))
    return reqs


def _apply_metrics(cands: list[_Candidate], windows: list[dict[str, np.ndarray]],
                   own: dict[int, dict[str, bool]] | None = None) -> None:
    """Co-movement after each change and recovery after its rollback/revert, from the loaded windows.

    ``own``: per service, the metrics of its own that count for a service reporting no error or latency
    metric (name → whether a move either way counts), see :func:`tools.changes.metric_context.own_metrics`."""
    pos = 0
    for c in cands:
        base, after = windows[pos], windows[pos + 1]
        fix = windows[pos + 2] if c.undone_at is not None else None
        pos += 3 if c.undone_at is not None else 2
        mine = (own or {}).get(c.node.service_id, {})
        moved: dict[str, float] = {}
        for m in sorted(set(base) | set(after)):
            if m in all_own(own) and m not in mine:
                continue  # another service's fallback metric: not this one's evidence
            b, a = _increase_if_counter(m, base.get(m, np.array([])), after.get(m, np.array([])))
            s = scoring.comovement_score(b, a, either_way=mine.get(m, False))
            if s is not None:
                moved[m] = s
        c.comovement = max(moved.values()) if moved else None
        elevated = [m for m, s in moved.items() if s >= scoring.MOVED]
        if fix is not None and elevated:
            checks = [scoring.recovered(*_increase_if_counter(m, base.get(m, np.array([])), fix.get(m, np.array([]))))
                      for m in elevated]
            c.recovered = None if any(x is None for x in checks) else all(checks)
        c.metrics = {"comovement_by_metric": moved, "moved": elevated, "recovered": c.recovered}


def _increase_if_counter(metric: str, base: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A cumulative counter's windows as its increase per point (a running total always "rises after" a change)."""
    if not counters.is_counter(metric, np.concatenate([np.asarray(base, float), np.asarray(after, float)])):
        return base, after
    return counters.to_increase(base), counters.to_increase(after)


def _score(cands: list[_Candidate], onset: dt.datetime, half_life: float, tolerance: dt.timedelta,
           grace: dt.timedelta = dt.timedelta(0), cap_after: bool = True, shows: dt.timedelta = dt.timedelta(0),
           tail: bool = False, moved_ahead: bool = False) -> None:
    """Score every candidate; ``cap_after``: keep a change after an *estimated* onset instant below a plausible one
    just before it (not for a whole point's period — a daily value covers changes made during its day);
    ``moved_ahead``: keep a change whose service's metrics stayed flat below one whose service's metrics moved
    right after it (:func:`tools.changes.moved_first.moved_first`, a KPI's step)."""
    for c in cands:
        undone_before = c.undone_at is not None and c.undone_at <= onset
        feats = scoring.Features(
            minutes_before=(onset - c.changed_at).total_seconds() / 60.0,
            distance=c.node.distance, risk=c.risk, comovement=c.comovement,
            rollback=0.0 if undone_before else scoring.rollback_score(c.undone_by is not None, c.recovered),
            reverted_before_onset=undone_before, after_tolerance=tolerance.total_seconds() / 60.0,
            after_grace=grace.total_seconds() / 60.0, before_grace=shows.total_seconds() / 60.0,
            outcome=scoring.outcome_factor(c.outcome, c.comovement, undone_known=c.undone_by is not None),
            named=c.named is not None, tail=tail, unknown_contents=c.unknown_contents and c.named is None,
        )
        c.components = scoring.score_candidate(feats, half_life_minutes=half_life)
    if any(c.named for c in cands):  # what the incident's own record names ranks first (when before the onset)
        capped = scoring.named_first([(onset - c.changed_at).total_seconds() / 60.0 for c in cands],
                                     [c.score.raw for c in cands], [c.named is not None for c in cands],
                                     grace.total_seconds() / 60.0)
        for c, raw in zip(cands, capped, strict=True):
            if raw < c.score.raw:
                c.components = dataclasses.replace(c.score, raw=raw)
    if moved_ahead:
        capped = moved_first.moved_first([c.comovement for c in cands], [c.score.raw for c in cands],
                                         [c.node.distance for c in cands])
        for c, raw in zip(cands, capped, strict=True):
            if raw < c.score.raw:
                c.components = dataclasses.replace(c.score, raw=raw)
    if cap_after and tolerance > dt.timedelta(0):  # after the onset only when no plausible change came just before it
        before = [(onset - c.changed_at).total_seconds() / 60.0 for c in cands]
        capped = scoring.after_behind_before(before, [c.score.raw for c in cands], tolerance.total_seconds() / 60.0)
        for c, raw in zip(cands, capped, strict=True):
            if raw < c.score.raw:
                c.components = dataclasses.replace(c.score, raw=raw)

