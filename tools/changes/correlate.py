"""``correlate_changes``: rank the deployments and config changes that could explain an onset (what the onset is
and which services it concerns — the focus — is resolved in :mod:`tools.changes.focus`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import counters, scoring
from tools.changes.focus import Focus, resolve_focus
from tools.changes.freeze import load_freezes, with_freezes
from tools.changes.metric_context import all_own, own_metrics, spacing
from tools.changes.models import (
    AFTER,
    BASELINE,
    MAX_LIMIT,
    RECOVERY,
    ChangeCorrelation,
    ChangeHypothesis,
    ChangeKind,
    ConfigChangeInfo,
    DeploymentInfo,
    ScoreComponents,
    ServiceDistance,
)
from tools.changes.queries import (
    _iso,
    _Node,
    _utc,
    comovement_metrics,
    load_changes,
    load_named_configs,
    load_windows,
    role_overrides,
    walk_dependencies,
)
from tools.changes.why import why_first

# ------------------------------------------------------------------ candidates


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


def _metric_requests(cands: list[_Candidate], now: dt.datetime) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Per candidate: baseline, after-change and (when undone) after-fix windows, in that order (none past now)."""
    reqs = []
    for c in cands:
        sid, t = c.node.service_id, c.changed_at
        reqs += [(sid, t - BASELINE, t), (sid, t, min(t + AFTER, now))]
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
           grace: dt.timedelta = dt.timedelta(0), cap_after: bool = True) -> None:
    """Score every candidate; ``cap_after``: keep a change after an *estimated* onset instant below a plausible one
    just before it (not for a whole point's period — a daily value covers changes made during its day)."""
    for c in cands:
        undone_before = c.undone_at is not None and c.undone_at <= onset
        feats = scoring.Features(
            minutes_before=(onset - c.changed_at).total_seconds() / 60.0,
            distance=c.node.distance, risk=c.risk, comovement=c.comovement,
            rollback=0.0 if undone_before else scoring.rollback_score(c.undone_by is not None, c.recovered),
            reverted_before_onset=undone_before, after_tolerance=tolerance.total_seconds() / 60.0,
            after_grace=grace.total_seconds() / 60.0,
        )
        c.components = scoring.score_candidate(feats, half_life_minutes=half_life)
    if cap_after and tolerance > dt.timedelta(0):  # after the onset only when no plausible change came just before it
        before = [(onset - c.changed_at).total_seconds() / 60.0 for c in cands]
        capped = scoring.after_behind_before(before, [c.score.raw for c in cands], tolerance.total_seconds() / 60.0)
        for c, raw in zip(cands, capped, strict=True):
            if raw < c.score.raw:
                c.components = dataclasses.replace(c.score, raw=raw)


# ------------------------------------------------------------------ wording


def _what(c: _Candidate) -> str:
    if c.deployment is not None:
        return f"{c.node.name} deploy {c.deployment.external_id} ({c.deployment.version})"
    cfg = c.config
    assert cfg is not None
    values = "" if cfg.is_secret else f": {cfg.old_value} → {cfg.new_value}"
    return f"{c.node.name} config change {cfg.external_id} ({cfg.key}{values})"


def _where(c: _Candidate, focus: Focus) -> str:
    if focus.kind == "kpi":
        if focus.only is not None:
            return f"on {c.node.name}, its record names {focus.station}"
        if c.node.distance == 0:
            return f"on {c.node.name}, a service behind {focus.kpi}"
        return scoring.hops_phrase(c.node.distance, c.node.via[0] if c.node.via else "it", c.node.via[1:])
    root = next(iter(focus.roots.values()))
    return scoring.hops_phrase(c.node.distance, root, c.node.via)


def _rationale(c: _Candidate, focus: Focus) -> str:
    minutes = (focus.onset - c.changed_at).total_seconds() / 60.0
    when = (f"{scoring.ago(minutes)} before onset" if minutes >= 0 else
            f"at {c.changed_at:%Y-%m-%d %H:%M} UTC, during the first {_period_word(focus.period)} of the new level "
            f"({focus.onset:%Y-%m-%d})" if focus.period else
            f"{scoring.ago(minutes)} after the onset found on the metric (within its uncertainty)")
    parts = [f"{_what(c)} {when}", _where(c, focus), c.risk_reason]
    moved = c.metrics.get("moved") or []
    if moved:
        parts.append(f"{c.node.name} {'/'.join(moved)} rose above the pre-change limits within the hour after")
    elif c.comovement is not None:
        parts.append(f"no metric movement on {c.node.name} after it")
    if c.undone_by is not None and c.undone_at is not None:
        verb = "rolled back" if c.kind == "deployment" else "reverted"
        delta = (c.undone_at - c.changed_at).total_seconds() / 60.0
        if c.undone_at <= focus.onset:
            parts.append(f"but {verb} before the onset ({c.undone_by})")
        else:
            tail = " and errors recovered" if c.recovered else ""
            parts.append(f"{verb} {scoring.ago(delta)} later ({c.undone_by}){tail}")
    return ", ".join(p for p in parts if p)


def _period_word(period: dt.timedelta) -> str:
    return {1: "day", 7: "week"}.get(period.days, f"{period.days}-day point") if period.days else "point"


def _conclusion(focus: Focus, hyps: list[ChangeHypothesis], considered: int, plausible: bool) -> str:
    window = f"{focus.onset - focus.lookback:%Y-%m-%d %H:%M}–{focus.onset + focus.period:%Y-%m-%d %H:%M} UTC"
    if not plausible:
        best = f"; the closest was {hyps[0].subject} (confidence {hyps[0].confidence:.2f})" if hyps else ""
        return (f"no plausible change found in the window {window} for {focus.label} "
                f"({considered} change(s) considered{best})")
    top = hyps[0]
    return f"most likely {top.subject} (confidence {top.confidence:.2f}): {top.rationale}"


# ------------------------------------------------------------------ correlate_changes


async def correlate_changes(
    ctx: ToolContext,
    *,
    service: str | None = None,
    incident: str | None = None,
    kpi: str | None = None,
    station: str | None = None,
    onset: dt.datetime | dt.date | None = None,
    lookback: dt.timedelta | None = None,
    limit: int = 5,
    onset_tolerance: dt.timedelta | None = None,
) -> ToolOutput[ChangeCorrelation]:
    """Rank the deployments and config changes that could explain an incident, a service's jump or a KPI shift.

    What is explained: ``incident`` (its service unless ``service`` is given, onset =
    its ``started_at`` unless ``onset`` is given), or
    ``service`` + ``onset`` (without an onset: the latest error-rate/p99 onset from
    :func:`metric_onset`, else now), or ``kpi`` (+ ``station``) + ``onset`` date
    (the KPI's ``related_services``, onset at the start of that day; without one,
    the KPI's latest stage change). Candidates are the changes of those services
    and of everything they depend on (transitively), effective inside
    ``[onset - lookback, onset]`` (default look-back 24 h, 7 days for KPIs) —
    never after the onset — except when the onset was estimated from a metric (found here, or
    ``onset_tolerance`` given by a caller that found it with :func:`metric_onset`): changes up to that
    long after it stay candidates at a reduced time score. Scores: :mod:`tools.changes.scoring`. When no
    candidate reaches the plausibility floor, ``plausible`` is False and the
    conclusion says "no plausible change found in the window".

    Evidence convention: the returned ``evidence`` list holds one ``change``
    draft per ranked hypothesis (in rank order, index ``rank - 1``) followed by
    one ``hypotheses`` draft summarising the ranking (the last index). Each
    hypothesis's ``evidence_refs`` are indexes into that list (its own change
    draft and the ranking draft); once the runtime stores the drafts, index
    ``i`` maps to the ``i``-th stored evidence id.
    """
    limit = max(1, min(MAX_LIMIT, int(limit)))
    if lookback is not None and lookback <= dt.timedelta(0):
        raise ToolError("lookback must be positive")
    if onset_tolerance is not None and not dt.timedelta(0) <= onset_tolerance <= dt.timedelta(hours=6):
        raise ToolError("onset_tolerance must be between 0 and 6 hours")
    focus = await resolve_focus(ctx, service=service, incident=incident, kpi=kpi, station=station,
                                 onset=onset, lookback=lookback)
    if onset_tolerance is not None:
        focus.tolerance = onset_tolerance
    since = focus.onset - focus.lookback
    async with ctx.read() as session:
        grace = (focus.period if focus.period else  # a daily KPI value: its whole day is "the onset"
                 await spacing(session, ctx.org_id, list(focus.roots), focus.onset) if focus.tolerance else dt.timedelta(0))
        if grace > focus.tolerance:  # an hourly point stamped 10:00 is 10:00–11:00: its whole hour is "the onset"
            focus.tolerance = min(grace, dt.timedelta(hours=6))
        until = min(focus.onset + focus.tolerance, max(focus.onset, ctx.now))
        nodes = await walk_dependencies(session, ctx.org_id, list(focus.roots))
        deps, cfgs = await load_changes(session, ctx.org_id, list(nodes), since, until)
        cfgs += await load_named_configs(session, ctx.org_id, focus.roots, since, until)  # filed elsewhere, naming it
        if focus.only is not None:  # the changes whose record names the site, not the same services' others
            deps = [(sid, d) for sid, d in deps if d.external_id in focus.only]
            cfgs = [(sid, c) for sid, c in cfgs if c.external_id in focus.only]
        cands = _candidates(nodes, deps, cfgs, focus.onset, since, ctx.now, until - focus.onset)
        metrics = await comovement_metrics(session, ctx.org_id, list(nodes)) if cands else []
        own = (await own_metrics(session, ctx.org_id, sorted({c.node.service_id for c in cands}),
                                  await role_overrides(session, ctx.org_id))) if cands else {}
        windows = await load_windows(session, ctx.org_id, _metric_requests(cands, ctx.now),
                                     sorted(set(metrics) | all_own(own)))
        freezes = await load_freezes(session, ctx.org_id, since, until) if cands else []
    _apply_metrics(cands, windows, own)
    _score(cands, focus.onset, focus.half_life, until - focus.onset, min(grace, until - focus.onset),
           cap_after=not focus.period)
    args = {"service": service, "incident": incident, "kpi": kpi, "station": station,
            "onset": _iso(_utc(onset)) if onset is not None else None,
            "lookback_minutes": focus.lookback.total_seconds() / 60.0, "limit": limit,
            "onset_tolerance_minutes": (until - focus.onset).total_seconds() / 60.0}
    return with_freezes(_correlation_output(focus, nodes, cands, since, limit, args), freezes)


def _correlation_output(
    focus: Focus, nodes: dict[int, _Node], cands: list[_Candidate], since: dt.datetime, limit: int,
    args: dict[str, Any],
) -> ToolOutput[ChangeCorrelation]:
    raws = [c.score.raw for c in cands]
    confs = scoring.confidences(raws)
    order = scoring.rank(raws)[:limit]
    ranking_ref = len(order)
    hyps = [_hypothesis(rank, cands[i], confs[i], focus, [rank - 1, ranking_ref]) for rank, i in enumerate(order, 1)]
    plausible = bool(hyps) and hyps[0].plausible
    result = ChangeCorrelation(
        focus=focus.kind, label=focus.label, incident=focus.incident, kpi=focus.kpi, station=focus.station,
        services=list(focus.roots.values()), onset=focus.onset, onset_source=focus.onset_source,
        window_start=since, half_life_minutes=focus.half_life,
        searched=[ServiceDistance(service=n.name, distance=n.distance, via=n.via)
                  for n in sorted(nodes.values(), key=lambda n: (n.distance, n.name))],
        candidates_considered=len(cands), hypotheses=hyps, plausible=plausible,
        conclusion=_conclusion(focus, hyps, len(cands), plausible), why_first=why_first(hyps, len(cands)),
    )
    ref = {
        "tool": "correlate_changes", "args": args,
        "query": (f"deployments (commits via deployment_commits/commit_files) and config changes of "
                  f"{', '.join(result.services)} and their transitive dependencies (recursive CTE over "
                  f"service_dependencies) effective between {since.isoformat()} and {focus.onset.isoformat()}; "
                  "metric_points of the error and latency metrics (by role) around each change"),
    }
    evidence = [_change_evidence(cands[i], h, ref) for i, h in zip(order, hyps, strict=True)]
    evidence.append(_ranking_evidence(result, focus, ref))
    return ToolOutput(result=result, evidence=evidence)


def _hypothesis(rank: int, c: _Candidate, confidence: float, focus: Focus, refs: list[int]) -> ChangeHypothesis:
    comp = c.score
    return ChangeHypothesis(
        rank=rank, type=c.kind, subject=c.subject, service=c.node.name, changed_at=c.changed_at,
        minutes_before_onset=round((focus.onset - c.changed_at).total_seconds() / 60.0, 1),
        distance=c.node.distance, confidence=round(confidence, 3), plausible=scoring.is_plausible(confidence),
        rationale=_rationale(c, focus),
        components=ScoreComponents(**{k: round(v, 4) for k, v in vars(comp).items()}),
        evidence_refs=refs,
    )


def _change_evidence(c: _Candidate, h: ChangeHypothesis, ref: dict[str, Any]) -> EvidenceDraft:
    detail = c.change.model_dump(mode="json")
    return EvidenceDraft(
        kind="change", source="tools.changes.correlate_changes",
        ref=ref | {"subject": {"type": c.kind, "external_id": c.subject}},
        payload={"type": c.kind, "change": detail, "distance": c.node.distance, "via": c.node.via,
                 "changed_at": c.changed_at.isoformat(), "rank": h.rank, "confidence": h.confidence,
                 "components": h.components.model_dump(), "metrics": c.metrics},
        summary=f"#{h.rank} ({h.confidence:.2f}) {h.rationale}",
    )


def _ranking_evidence(result: ChangeCorrelation, focus: Focus, ref: dict[str, Any]) -> EvidenceDraft:
    ranked = "; ".join(f"{h.rank}. {h.subject} {h.confidence:.2f}" for h in result.hypotheses)
    return EvidenceDraft(
        kind="hypotheses", source="tools.changes.correlate_changes", ref=ref,
        payload={"label": result.label, "onset": result.onset.isoformat(), "onset_source": result.onset_source,
                 "window_start": result.window_start.isoformat(), "plausible": result.plausible,
                 "candidates_considered": result.candidates_considered, "notes": focus.notes,
                 "why_first": result.why_first,
                 "hypotheses": [h.model_dump(mode="json") for h in result.hypotheses]},
        summary=(f"Changes before {result.label} onset {result.onset:%Y-%m-%d %H:%M} UTC "
                 f"({result.candidates_considered} considered): " + (ranked or "none") + f" — {result.conclusion}"),
    )


