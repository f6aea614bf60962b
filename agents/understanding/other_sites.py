"""In a thread about a KPI at one site: "and the other vaults, same problem?", "what about the other sites?", "the
rest of the stations?" — the thread's KPI and period at every other site, side by side, never the thread's site
again nor the words read as a topic to search. The sites' word is a common place noun or the word the organisation's
site names share ("… Vault" → "vaults"). Plain English only."""

from __future__ import annotations

import re

from agents.plan import QueryPlan, ScopeRef
from agents.understanding.catalog import Catalog
from agents.understanding.cues import _I, _PLACE_NOUN
from agents.understanding.vs_rest import VS_REST


def _others(q: str, cat: Catalog) -> bool:
    words = "|".join([_PLACE_NOUN, *(re.escape(w) for w in sorted(cat.site_name_words))])
    return bool(re.search(rf"\b(?:(?:the\s+|our\s+)?(?:other|remaining)|(?:the\s+)?rest\s+of\s+(?:the\s+|our\s+)?)\s*"
                          rf"(?:{words})s?\b", q, _I))


def others_in_thread(q: str, plan: QueryPlan, prior: QueryPlan | None, cat: Catalog) -> bool:
    """The plan for "the other <sites>" after a turn about a KPI at one or a few sites; True when it was that."""
    if prior is None or not prior.kpis or VS_REST.search(q) or not _others(q, cat):
        return False
    here = {x.code for x in prior.subjects.scopes if x.level == "station" and x.code}
    own = {x.code for x in plan.subjects.scopes if x.level == "station" and x.code} - here
    s = plan.subjects
    if not here or own or s.services or s.incidents or s.tickets or (plan.kpis and plan.kpis != prior.kpis):
        return False
    kpi = prior.kpis[0]
    left = [c for c in cat.stations if c not in here and cat.unmeasured(kpi, c) is None]
    if not left:
        return False
    plan.kpis, plan.operation, plan.follow_up = list(prior.kpis), "compare", True
    plan.subjects.scopes = [ScopeRef(level="station", code=c, name=cat.stations[c]) for c in left]
    plan.window = plan.window or (prior.window.model_copy() if prior.window else None)
    plan.ticket_text, plan.clarification, plan.unknown = None, None, []
    plan.notes = [n for n in plan.notes if not n.startswith(("pending:", "wanted:"))]
    plan.inherited = list(dict.fromkeys([*plan.inherited, "kpis"]))
    return True
