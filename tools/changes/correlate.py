"""``correlate_changes``: rank the deployments and config changes that could explain an onset (what the onset is
and which services it concerns — the focus — is resolved in :mod:`tools.changes.focus`; the candidates and their
scores are built in :mod:`tools.changes.candidates`, their words in :mod:`tools.changes.wording`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes import named, noop, scoring, sites, unlinked
from tools.changes.candidates import _apply_metrics, _Candidate, _candidates, _metric_requests, _score
from tools.changes.focus import Focus, resolve_focus
from tools.changes.freeze import load_freezes, with_freezes
from tools.changes.metric_context import all_own, own_metrics, spacing
from tools.changes.models import (
    MAX_LIMIT,
    ChangeCorrelation,
    ChangeHypothesis,
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
    service_descriptions,
    walk_dependencies,
)
from tools.changes.why import why_first
from tools.changes.wording import _conclusion, _rationale, period_label

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
    :func:`metric_onset` over the last day, else over the last 3 days, else now), or ``kpi`` (+ ``station``) + ``onset`` date
    (the KPI's ``related_services``, onset at the start of that day; without one,
    the KPI's latest stage change). Candidates are the changes of those services
    and of everything they depend on (transitively), effective inside
    ``[onset - lookback, onset]`` (default look-back 24 h, 7 days for KPIs; an incident: 72 h of its own service's
    changes, 24 h of its dependencies', its onset the move of its service's metric in the hours before its
    recorded start when there is one, and a change its own record names ranks first — :mod:`tools.changes.named`) —
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
        elif focus.kind == "kpi" and focus.station:  # a KPI at a site: its rollouts on other services too, and
            more, d2, c2, named = await sites.naming_site(session, ctx.org_id, focus.station, nodes, since, until)
            nodes, deps, cfgs = {**nodes, **more}, deps + d2, cfgs + c2
            focus.named_site |= named
            away = await sites.elsewhere(session, ctx.org_id, focus.station,  # not what was done at another site
                                         [d.external_id for _, d in deps] + [c.external_id for _, c in cfgs])
            deps = [(sid, d) for sid, d in deps if d.external_id not in away]
            cfgs = [(sid, c) for sid, c in cfgs if c.external_id not in away]
            if away:
                focus.notes.append(f"left out {len(away)} change(s) whose record names another site: "
                                   + ", ".join(sorted(away)[:5]))
        cands = _candidates(nodes, deps, cfgs, focus.onset, since, ctx.now, until - focus.onset)
        cands = _named_and_near(cands, focus)
        metrics = await comovement_metrics(session, ctx.org_id, list(nodes)) if cands else []
        own = (await own_metrics(session, ctx.org_id, sorted({c.node.service_id for c in cands}),
                                  await role_overrides(session, ctx.org_id))) if cands else {}
        spacings = {sid: await spacing(session, ctx.org_id, [sid], focus.onset)  # error/latency metrics only: a
                    for sid in sorted({c.node.service_id for c in cands} - set(own))}  # fallback's cycles are no harm
        windows = await load_windows(session, ctx.org_id, _metric_requests(cands, ctx.now, spacings),
                                     sorted(set(metrics) | all_own(own)))
        freezes = await load_freezes(session, ctx.org_id, since, until) if cands else []
        described = await service_descriptions(session, ctx.org_id) if focus.unlinked is not None else {}
    _apply_metrics(cands, windows, own)
    _score(cands, focus.onset, focus.half_life, until - focus.onset, min(grace, until - focus.onset),
           cap_after=not focus.period,  # hourly means take a few points to show a change
           shows=dt.timedelta(0) if focus.period else dt.timedelta(minutes=scoring.show_grace(grace.total_seconds() / 60)),
           tail=focus.near is not None, moved_ahead=focus.kind == "kpi")
    if focus.unlinked is not None:  # no service recorded behind the KPI: timing alone never makes a change plausible
        unlinked.weigh(cands, focus.unlinked, described, {service.lower()} if service else set())
    noop.rule_out(cands)  # a config change whose value stayed the same changed nothing
    args = {"service": service, "incident": incident, "kpi": kpi, "station": station,
            "onset": _iso(_utc(onset)) if onset is not None else None,
            "lookback_minutes": focus.lookback.total_seconds() / 60.0, "limit": limit,
            "onset_tolerance_minutes": (until - focus.onset).total_seconds() / 60.0}
    return with_freezes(_correlation_output(focus, nodes, cands, since, limit, args), freezes)


def _named_and_near(cands: list[_Candidate], focus: Focus) -> list[_Candidate]:
    """Each candidate the incident's own record names (its config key, version or id in the record's text), and —
    when only the incident's own service is searched further back (``focus.near``) — the other services' changes
    older than that left out, unless the record names them."""
    out = []
    for c in cands:
        if focus.record:
            c.named = named.named_by(focus.record, external_id=c.subject,
                                     key=c.config.key if c.config is not None else None,
                                     version=c.deployment.version if c.deployment is not None else None)
        if focus.only is not None or c.subject in focus.named_site:  # its record names the site: tied to it
            c.unknown_contents = False
        if (focus.near is not None and c.node.distance > 0 and c.named is None
                and c.changed_at < focus.onset - focus.near):
            continue
        out.append(c)
    return out


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
        onset_metric=focus.onset_metric, started_at=focus.started_at, onset_kpi=focus.onset_kpi,
        unlinked=focus.unlinked_note,
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
        evidence_refs=refs, named_in_record=c.named,
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
        summary=(f"Changes before {result.label} onset {period_label(result.onset, focus.period)} "
                 f"({result.candidates_considered} considered): " + (ranked or "none") + f" — {result.conclusion}"),
    )


