"""Change correlator: what changed before an onset, ranked hypotheses with confidence."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from agents.deps import RunDeps
from agents.plan import Operation
from agents.specialists.common import first, step, update
from tools.changes import correlate_changes, metric_onset

NAME = "change_correlator"
TITLE = "Change correlator"
DESCRIPTION = (
    "What changed before a KPI or service metric moved or an incident began: deployments, config changes and commits ranked as hypotheses; change logs, dependencies and incidents."
)
OPERATIONS: tuple[Operation, ...] = ("explain", "changelog", "incident_list", "incident_status", "incident_cause")


def _metric_for(question: str) -> str:
    if re.search(r"p99|latency|slow", question, re.I):
        return "p99_latency_ms"
    if re.search(r"throughput|traffic|requests", question, re.I):
        return "throughput"
    return "error_rate"


async def run(state: dict[str, Any], deps: RunDeps) -> dict[str, Any]:
    ctx = dict(state.get("context", {}))
    question = state.get("question", "")
    task = {k: ctx.get(k) for k in ("incident", "service", "kpi", "station", "onset", "time") if ctx.get(k)}
    async with step(deps, NAME, task) as s:
        kwargs: dict[str, Any] = {}
        if ctx.get("incident"):
            kwargs = {"incident": ctx["incident"]}
        elif ctx.get("kpi") and ctx.get("onset"):
            kwargs = {"kpi": ctx["kpi"], "station": ctx.get("station"), "onset": dt.date.fromisoformat(ctx["onset"][:10])}
        elif ctx.get("kpi"):
            s.notices.append("The KPI shows no stage change in the window, so there is no onset to explain.")
            return update(state, s, ctx)
        elif ctx.get("service"):
            around = None
            if ctx.get("time"):
                around = dt.datetime.combine(dt.date.fromisoformat(ctx["time"]["end"]), dt.time.max, dt.UTC)
            metric = _metric_for(question)
            got = await s.tool("metric_onset", metric_onset, service=ctx["service"], metric=metric, around=around,
                               hours=24 * 7 if ctx.get("time") else 24 * 3)
            kwargs = {"service": ctx["service"]}
            if got:
                onset, records = got
                if onset.onset is not None:
                    s.say(f"{onset.service} {onset.metric} moved {onset.direction or ''} at "
                          f"{onset.onset:%Y-%m-%d %H:%M} UTC (from {onset.before_level:.4g} to {onset.after_level:.4g}).",
                          first(records, "metric_onset") or (records[0] if records else None))
                    kwargs["onset"] = onset.onset
                    ctx["onset"] = onset.onset.isoformat()
                else:
                    s.say(f"{onset.service} {onset.metric} shows no onset in the period examined.", *records[:1])
                    return update(state, s, ctx)
        else:
            s.notices.append("Name a service, an incident or a KPI so I know which change to look for.")
            return update(state, s, ctx)

        got = await s.tool("correlate_changes", correlate_changes, **kwargs)
        if got is None:
            return update(state, s, ctx)
        corr, records = got
        ranking = first(records, "hypotheses")
        if not corr.plausible or not corr.hypotheses:
            s.say(f"{corr.conclusion}", ranking)
        else:
            top = corr.hypotheses[0]
            s.say(f"Most likely cause for {corr.label}: {top.subject} on {top.service} "
                  f"(confidence {top.confidence:.2f}) — {top.rationale}", records[top.evidence_refs[0]], ranking)
            for h in corr.hypotheses[1:3]:
                if h.plausible:
                    s.say(f"Also possible: {h.subject} on {h.service} (confidence {h.confidence:.2f}) — {h.rationale}",
                          records[h.evidence_refs[0]])
            ctx["top_hypothesis"] = top.subject
        s.data = {"hypotheses": [h.model_dump(mode="json") for h in corr.hypotheses[:5]], "plausible": corr.plausible}
        return update(state, s, ctx)
