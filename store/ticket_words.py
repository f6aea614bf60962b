"""Other helpdesks' words for a ticket's priority and status, mapped to opsgraph's (shared by the ticket import,
the status-as-of reading of a ticket's history, and the question parser). Plain data: imports no project code."""

from __future__ import annotations

# common helpdesk priority words → ours (Zendesk urgent/normal, Jira blocker/highest/…, P1–P4)
TICKET_PRIORITY_WORDS = {
    "urgent": "critical", "blocker": "critical", "highest": "critical", "emergency": "critical", "p1": "critical",
    "1": "critical", "major": "high", "p2": "high", "2": "high", "normal": "medium", "moderate": "medium",
    "standard": "medium", "p3": "medium", "3": "medium", "minor": "low", "lowest": "low", "trivial": "low",
    "p4": "low", "4": "low", "p5": "low", "5": "low",
    "critical": "critical", "high": "high", "medium": "medium", "low": "low",
}

TICKET_STATUS_WORDS = {
    "in progress": "open", "assigned": "open", "reopened": "open", "working": "open", "active": "open",
    "on hold": "pending", "waiting": "pending", "waiting for customer": "pending", "hold": "pending",
    "solved": "resolved", "done": "resolved", "fixed": "resolved", "completed": "resolved", "cancelled": "closed",
}


def status_word(value: str) -> str:
    """A status as another helpdesk writes it (``In Progress``, ``on-hold``, ``Solved``) → ours (or as written,
    lower-cased, when it is not one of the known words)."""
    raw = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return TICKET_STATUS_WORDS.get(raw, raw)
