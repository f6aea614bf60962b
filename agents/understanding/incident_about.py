""""Is there an incident about it?" in a thread about a KPI (at a site): the incidents of that subject — on the
KPI's related services or naming the site in their title, in or near the thread's period — not every incident."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan
from agents.understanding.catalog import GENERIC, Catalog, IncidentRef, norm_tokens
from agents.understanding.cues import _I

_ABOUT_IT = re.compile(r"\b(?:incidents?|outages?|disruptions?)\b.*\b(?:about|related\s+to|behind|for|with|linked\s+to|"
                       r"on|explain\w*|caus\w*)\s+(?:it|this|that|them)\b|\b(?:related|linked)\s+(?:incidents?|outages?)\b",
                       _I)
_NEAR = dt.timedelta(days=3)


def incidents_about_thread(plan: QueryPlan, prior: QueryPlan | None, question: str, cat: Catalog,
                           today: dt.date) -> None:
    """Narrow ``plan`` (an incident list) in place to the incidents of the thread's KPI and site."""
    if (prior is None or plan.operation != "incident_list" or not prior.kpis or plan.subjects.incidents
            or plan.subjects.services or not _ABOUT_IT.search(question)):
        return
    related = list(dict.fromkeys(sv for k in prior.kpis for sv in cat.kpi_services.get(k, [])))
    sites = [[w for w in norm_tokens(x.name or cat.stations.get(x.code or "", "")) if w not in GENERIC][:2]
             for x in prior.subjects.scopes if x.level == "station"]
    win = prior.window if prior.window is not None and prior.window.explicit else None

    def near(r: IncidentRef) -> bool:
        return win is None or (r.started <= win.end + _NEAR and (r.started >= win.start - _NEAR or r.status != "resolved"))

    def about(r: IncidentRef) -> bool:
        title = set(norm_tokens(r.title))
        return r.service in related or any(ws and all(w in title for w in ws) for ws in sites)

    hits = [r for r in cat.incident_refs if r.started <= today and near(r) and about(r)]
    if not hits and not related:
        return
    plan.follow_up = True
    plan.inherited.append("the thread's subject")
    if win is not None and (plan.window is None or not plan.window.explicit):
        plan.window = win.model_copy()
    if len({r.service for r in hits}) > 1:
        plan.subjects.incidents = [r.external_id for r in hits[:3]]  # on several services: each of them
        plan.operation = "incident_status"
        return
    plan.subjects.services = [hits[0].service if hits and hits[0].service else related[0]]  # none: said so for it
