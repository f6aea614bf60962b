""""Complaints last week vs the week before across the network — which hub got worse most?": the whole
organisation's two periods and the sites ranked by their change (``rank:change_*`` with ``rank:with_company``),
not the company compared with itself. Plain English only: the organisation's own words come from its catalog."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from agents.plan import QueryPlan
from agents.understanding.catalog import Catalog
from agents.understanding.cues import _COMPANY, _I

_WHICH = re.compile(r"\b(?:which|what)\b", _I)


def network_and_ranked(question: str, plan: QueryPlan, cat: Catalog, today: dt.date,
                       parse: Callable[[str, Catalog, dt.date], QueryPlan]) -> QueryPlan:
    """``plan`` unless it compares the company alone while the question also asks which site changed most: then
    the question without its company words, ranked by the change, with the company's two periods said first."""
    scopes = plan.subjects.scopes
    if not (plan.operation in ("compare", "lookup") and plan.kpis and len(scopes) == 1 and scopes[0].level == "company"
            and _WHICH.search(question) and _COMPANY.search(question)):
        return plan
    alt = parse(_COMPANY.sub(" ", question), cat, today)
    if alt.operation != "rank" or alt.kpis != plan.kpis or not any(n.startswith("rank:change_") for n in alt.notes):
        return plan
    alt.notes.append("rank:with_company")
    return alt
