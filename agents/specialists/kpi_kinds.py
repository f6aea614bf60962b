"""What kind of quantity a KPI is, read from its own definition (name, aliases, unit).

A *stock* counts what is there at a moment (a backlog, open work orders, deferred items, beds occupied,
inventory on hand): its latest value is the state, and adding days up means nothing. A *flow* counts what
happened in a period (bursts, delays, tickets received) and is totalled or averaged over a window. KPI
definitions declare only how daily values aggregate (``sum`` or ``mean``), so "right now" on a stock is
answered with its latest day, on a flow with its window.
"""

from __future__ import annotations

import re

from tools.kpis.models import KpiInfo

# words that name a standing quantity, in any organisation's vocabulary (English; the catalogue's own aliases
# carry the organisation's words, and they are read too)
_STOCK = re.compile(
    r"\b(open|backlog\w*|outstanding|pending|deferr\w*|queue[ds]?|queuing|in[- ]progress|wip|work[- ]in[- ]progress|"
    r"inventory|on[- ]hand|in[- ]stock|stock[- ]on[- ]hand|balance|unresolved|awaiting|waiting[- ]list|"
    r"headcount|occupan\w*|occupied|carried[- ]over|overdue)\b", re.IGNORECASE)


def stock_like(kpi: KpiInfo) -> bool:
    """True when the KPI's name or aliases say it counts a standing quantity (its latest value is the state)."""
    return any(_STOCK.search(w.replace("_", " ")) for w in [kpi.name, *kpi.aliases])
