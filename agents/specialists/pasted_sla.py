"""The SLA of a pasted ticket ("classify this ticket and tell me its SLA: …"): it has no record, so no clock runs
yet; what it would get if it were filed now — its urgency read as the priority, the customer tier its text names
(else standard) — is said, with the policy's response and resolution windows."""

from __future__ import annotations

import datetime as dt
import re

from tools.tickets.sla import targets

ASKS_SLA = re.compile(r"\bsla\b|\b(response|resolution) (time|target|deadline)s?\b|\bhow (fast|quickly|soon)\b", re.I)
_TIER = re.compile(r"\b(enterprise|business|free)(?:[- ]tier)?\s+(customer|client|account|plan|tier|user)s?\b", re.I)


def asks_sla(question: str) -> bool:
    """Does the request (before the pasted text) ask for the SLA?"""
    return bool(ASKS_SLA.search(question.split(":", 1)[0]))


def _span(td: dt.timedelta) -> str:
    minutes = td.total_seconds() / 60
    if minutes < 60:
        return f"{minutes:g} min"
    return f"{minutes / 60:g} h"


def sla_line(urgency: str, text: str) -> str:
    """What the pasted ticket would get if filed now."""
    m = _TIER.search(text)
    tier = m.group(1).lower() if m else "standard"
    response, resolution = targets(urgency, tier)
    said = f"its text says {m.group(0).strip()!r}" if m else "no tier in its text, so standard"
    return (f"SLA if filed now (not filed, so no clock runs yet): as a {urgency} ticket of the {tier} tier ({said}), "
            f"a first response within {_span(response)} and resolution within {_span(resolution)}.")
