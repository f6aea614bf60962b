"""Other helpdesks' words for a ticket's priority and status, mapped to opsgraph's (shared by the ticket import,
the status-as-of reading of a ticket's history, and the question parser). Plain data: imports no project code."""

from __future__ import annotations

import re

# common helpdesk priority words → ours (Zendesk urgent/normal, Jira blocker/highest/…, P1–P4)
TICKET_PRIORITY_WORDS = {
    "urgent": "critical", "blocker": "critical", "highest": "critical", "emergency": "critical", "p1": "critical",
    "1": "critical", "major": "high", "p2": "high", "2": "high", "normal": "medium", "moderate": "medium",
    "standard": "medium", "p3": "medium", "3": "medium", "minor": "low", "lowest": "low", "trivial": "low",
    "p4": "low", "4": "low", "p5": "low", "5": "low", "planning": "low",
    "critical": "critical", "high": "high", "medium": "medium", "low": "low",
}

TICKET_STATUS_WORDS = {
    "in progress": "open", "assigned": "open", "reopened": "open", "working": "open", "active": "open",
    "on hold": "pending", "waiting": "pending", "waiting for customer": "pending", "hold": "pending",
    "solved": "resolved", "done": "resolved", "fixed": "resolved", "completed": "resolved", "cancelled": "closed",
    # ServiceNow (incidents, requested items) and Jira Service Management workflows
    "canceled": "closed", "work in progress": "open", "closed complete": "closed", "closed incomplete": "closed",
    "closed skipped": "closed", "to do": "new", "open": "open", "waiting for support": "open", "escalated": "open",
    "awaiting customer": "pending", "pending": "pending",
}

# customer segments as helpdesks and billing systems name them → ours (enterprise/business/standard/free)
TICKET_TIER_WORDS = {
    "residential": "standard", "consumer": "standard", "home": "standard", "personal": "standard",
    "retail": "standard", "individual": "standard", "smb": "business", "sme": "business",
    "small business": "business", "corporate": "enterprise", "key account": "enterprise",
    "enterprise": "enterprise", "business": "business", "standard": "standard", "free": "free",
}

_NUMBERED = re.compile(r"([1-5])\s*-\s*([a-z][a-z ]*)")  # ServiceNow's "1 - Critical" … "5 - Planning"


def priority_word(value: str | int) -> str | int:
    """A priority as another helpdesk writes it (``Urgent``, ``Highest``, ``P2``, ``2 - High``) → ours, or the value
    unchanged when it is not a known word (then refused by the caller). ``N - Word`` is read by its word, or by its
    number when the word is not one of ours."""
    raw = " ".join(str(value).strip().lower().split())
    m = _NUMBERED.fullmatch(raw)
    if m:
        return TICKET_PRIORITY_WORDS.get(m.group(2).strip(), TICKET_PRIORITY_WORDS[m.group(1)])
    return TICKET_PRIORITY_WORDS.get(raw, value)


def status_word(value: str) -> str:
    """A status as another helpdesk writes it (``In Progress``, ``on-hold``, ``Solved``) → ours (or as written,
    lower-cased, when it is not one of the known words)."""
    raw = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return TICKET_STATUS_WORDS.get(raw, raw)


def tier_word(value: str) -> str:
    """A customer segment as another system writes it (``Residential``, ``SMB``, ``Corporate``) → ours, or the value
    unchanged when it is not a known word (then refused by the caller)."""
    raw = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return TICKET_TIER_WORDS.get(raw, value)


# tags that are a tier on their own ("enterprise", "key_account"); other tier words count only as "tier_<word>"
_BARE_TIER_TAGS = frozenset({"enterprise", "smb", "sme", "corporate", "key account", "small business"})
_TIER_TAG = re.compile(r"(?:(?:customer|cust|account|acct|plan)\s*)?(?:tier|segment|plan)\s*[:=]?\s*(.+)|(.+?)\s+(?:tier|plan)")


def tier_from_tags(tags: object) -> str | None:
    """The customer tier a helpdesk's tags carry (Zendesk keeps it there): ``tier_enterprise``, ``tier:smb``,
    ``business-tier``, or a tag that is a tier by itself (``enterprise``); None when no tag names one, or tags
    name different tiers."""
    if isinstance(tags, str):
        tags = re.split(r"[,;|\s]+", tags)
    if not isinstance(tags, list):
        return None
    found: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            continue
        raw = " ".join(tag.strip().lower().replace("_", " ").replace("-", " ").split())
        m = _TIER_TAG.fullmatch(raw)
        word = (m.group(1) or m.group(2)).strip() if m else (raw if raw in _BARE_TIER_TAGS else "")
        if word in TICKET_TIER_WORDS:
            found.append(TICKET_TIER_WORDS[word])
    return found[0] if len(set(found)) == 1 else None
