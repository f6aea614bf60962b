"""A KPI question about the future (round 7): "what will OTP at <site> be next week?", "forecast fill rate for
December", "is X going to improve?" — there are no forecasts in the data and the assistant does not extrapolate:
the plan says so (``asks:future``) and the KPI analyst answers with where the KPI stands now and the range its
natural process limits give while nothing changes. Plain English only."""

from __future__ import annotations

import re

from agents.plan import QueryPlan
from agents.understanding.cues import _I

FUTURE = re.compile(
    r"\bforecast\w*|\bpredict\w*|\bproject(?:ed|ion|ions)\b|\bextrapolat\w*|"
    r"\b(?:what|how\s+(?:much|many|high|low))\s+will\b|\bwill\s+(?:it|they|we|\w+)\s+(?:be|get|go|reach|hit|improve|recover)\b|"
    r"\b(?:going\s+to|gonna|likely\s+to|expected\s+to)\s+(?:be|get|go|reach|hit|improve|recover|drop|rise|stay)\b|"
    r"\bnext\s+(?:week|month|quarter|year|few\s+(?:days|weeks|months))\b|\btomorrow\b|\bin\s+the\s+coming\s+\w+", _I)
# "since next week" is no future question; "what did we forecast" or "the forecast accuracy" KPI would name a KPI word
_PAST = re.compile(r"\b(?:was|were|did|had|has|have)\b[^?]*\bforecast", _I)


def ahead(q: str, plan: QueryPlan) -> None:
    """Mark a KPI question about the future (``asks:future``)."""
    if (plan.kpis and plan.operation in ("lookup", "explain", "compare", "rank", "attention") and FUTURE.search(q)
            and not _PAST.search(q) and (re.search(r"\bwill\b|\bgoing\s+to\b|\bgonna\b|\blikely\b|\bexpected\b|"
                                                   r"\bforecast\w*|\bpredict\w*|\bproject\w*|\bextrapolat\w*", q, _I))):
        plan.notes.append("asks:future")
        plan.window = None  # "forecast X for december" is not last December: where it stands now
