"""Report writer: an incident or investigation report built only from this run's evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.deps import RunDeps
from agents.plan import Operation, plan_of
from agents.specialists.change_correlator import _service_of_title
from agents.specialists.common import step, update
from agents.specialists.metric_source import paged_later, say_incident_onset
from agents.state import GraphState, ThreadContext
from store.reports import insert_report
from tools.changes import correlate_changes
from tools.incidents import get_incident
from tools.kpis import kpi_series
from tools.reports import compose_report
from tools.retrieval import search

NAME = "report_writer"
TITLE = "Report writer"
DESCRIPTION = (
    "Drafts incident and investigation reports from this run's evidence, every claim cited."
)
OPERATIONS: tuple[Operation, ...] = ("report",)


async def run(state: GraphState, deps: RunDeps) -> dict[str, Any]:
    ctx = state.get("context", ThreadContext()).copy()
    async with step(deps, NAME, {"incident": ctx.get("incident"), "kpi": ctx.get("kpi")}) as s:
        incident_id = None
        if ctx.get("incident"):
            got = await s.tool("get_incident", get_incident, incident=ctx["incident"])
            if got is None:
                return update(state, s, ctx)
            inc, _ = got
            incident_id = inc.id
            title = f"Incident report: {inc.external_id} — {inc.title}"
            plan = plan_of(state)
            named = plan.subjects.services if plan is not None and len(plan.subjects.services) == 1 else []
            svc = None if inc.service else (named[0] if named else _service_of_title(deps.catalog, inc.external_id))
            if svc:  # a paging tool's alert names no service: the one the question or the alert's title names
                s.say(f"{inc.external_id} names no service; {svc} is the service examined (named by "
                      f"{'the question' if named else 'its title'}).")
            got = await s.tool("correlate_changes", correlate_changes, incident=inc.external_id,
                               **({"service": svc} if svc else {}))
            if (got is not None and not got[0].plausible and got[0].services
                    and await paged_later(s, inc.external_id, got[0])):
                s.evidence = [r for r in s.evidence if r not in got[1]]  # the service's onset, not the page, explains
            elif got is not None:
                await say_incident_onset(s, got[0], deps.tools.now, say=False)  # its metric's move: in the report
            await s.tool("search", search, query=f"{inc.title} {inc.service or ''}", k=3, kinds=("runbook", "incident_summary"))
        else:
            gathered = [r for r in deps.recorder.evidence if r.kind in ("kpi_series", "stage_change", "signals", "change",
                                                                       "hypotheses")]
            scope_label = ctx.get("station") or ctx.get("region") or "company"
            if not any(r.kind == "kpi_series" for r in gathered):  # nothing analysed yet in this run: do it now
                got = await s.tool("kpi_series", kpi_series, kpi=ctx["kpi"], station=ctx.get("station"),
                                   region=ctx.get("region"))
                if got is None:
                    return update(state, s, ctx)
                series, _ = got
                scope_label = series.scope.label
                if series.shift is not None:
                    await s.tool("correlate_changes", correlate_changes, kpi=series.kpi.code, station=ctx.get("station"),
                                 onset=series.shift.onset)
            title = f"Investigation report: {ctx['kpi']} at {scope_label}"
            await s.tool("search", search, query=f"{ctx['kpi'].replace('_', ' ').lower()} degradation", k=3,
                         kinds=("runbook",))
        # An investigation report draws on everything this run found; an incident report on what it gathered here.
        pool = [*deps.recorder.evidence, *s.evidence] if not incident_id else s.evidence
        evidence = list({r.id: r for r in pool}.values())
        report = compose_report(kind="incident" if incident_id else "investigation", title=title,
                                evidence=evidence, now=deps.now)
        async with deps.recorder.sessions() as session, session.begin():
            report_id = await insert_report(session, org_id=deps.tools.org_id, incident_id=incident_id,
                                            run_id=deps.recorder.run_id, kind=report.kind, title=report.title,
                                            markdown=report.markdown, evidence_ids=report.evidence_ids)
        s.data = {"report_id": report_id, "markdown": report.markdown, "title": report.title,
                  "drafted_at": dt.datetime.now(dt.UTC).isoformat()}
        s.lines.append({"text": report.markdown, "evidence_ids": report.evidence_ids, "markdown": True})
        return update(state, s, ctx)
