"""Customer tiers and ticket priorities a question names that the data model does not have ("gold tier",
"platinum customers", "P7 tickets", "priority 9"): said back with the known ones, instead of silently ignored
(which would answer about every ticket). Plain English only; the known values come from the data model."""

from __future__ import annotations

import re

from agents.plan import UnknownName
from store.models import CUSTOMER_TIERS, PRIORITIES
from store.names import close_matches

_I = re.IGNORECASE
# Words commonly used as customer-tier names elsewhere; "<word> customers" is read as a tier only for these
# (a plain adjective — "angry customers", "new customers" — is not a tier).
_TIER_NAMES = {"gold", "silver", "bronze", "platinum", "diamond", "premium", "pro", "professional", "basic", "vip",
               "starter", "plus", "team", "trial", "ultimate", "elite", "corporate", "premier", "paid", "freemium",
               "small-business", "smb", "mid-market", "midmarket", "strategic", "partner", "education"}
_NOT_A_TIER = {"which", "what", "each", "every", "any", "all", "the", "a", "that", "this", "same", "their", "its",
               "our", "by", "per", "top", "higher", "lower", "customer", "pricing", "service", "support", "sla",
               "one", "another", "other", "next", "new", "old", "current"}
_PRIORITY_LABELS = [f"P{i + 1} ({p})" for i, p in enumerate(PRIORITIES)]


def _tier(word: str) -> UnknownName:
    word = word.lower()
    close = close_matches(word, list(CUSTOMER_TIERS))
    return UnknownName(kind="customer tier", text=word,
                       suggestions=close + [t for t in CUSTOMER_TIERS if t not in close])


def unknown_ticket_values(q: str) -> list[UnknownName]:
    """The tiers and priorities ``q`` names that tickets cannot have, each with the known ones as suggestions."""
    low = q.lower()
    out: list[UnknownName] = []
    seen: set[str] = set()
    for m in re.finditer(r"\b([a-z][\w-]*)[- ]tier\b|\btier[- ]?(\d+)\b", low):
        word = m.group(1) or f"tier {m.group(2)}"
        if word not in CUSTOMER_TIERS and word not in _NOT_A_TIER and word not in seen:
            seen.add(word)
            out.append(_tier(word))
    for m in re.finditer(r"\b([a-z][\w-]*)\s+(?:customers?|clients?|accounts?|plan)\b", low):
        word = m.group(1)
        if word in _TIER_NAMES and word not in seen:
            seen.add(word)
            out.append(_tier(word))
    for m in re.finditer(r"\bp(\d+)s?\b|\bpriority[- ]?(\d+)\b", low):
        n = int(m.group(1) or m.group(2))
        if not 1 <= n <= len(PRIORITIES) and f"P{n}" not in seen:
            seen.add(f"P{n}")
            out.append(UnknownName(kind="ticket priority", text=f"P{n}", suggestions=_PRIORITY_LABELS))
    return out
