"""Helpdesk API exports whose status and priority are bare numbers with a meaning of their own. Plain data and
dict reshaping: imports no project code.

Freshdesk's ticket API (``GET /api/v2/tickets``) writes ``status`` 2 Open, 3 Pending, 4 Resolved, 5 Closed and
``priority`` 1 Low, 2 Medium, 3 High, 4 Urgent — the opposite order to ServiceNow's 1 Critical … 5 Planning, so a
bare ``1`` cannot be read the same way for both. A record is Freshdesk's when it carries Freshdesk's own
first-response fields (``fr_due_by``, ``fr_escalated``); its codes are then read by Freshdesk's defaults, and
any other code (an account's custom status) is left as written, to be refused naming the values understood.
"""

from __future__ import annotations

from typing import Any

from store.importers_values import field_key

FRESHDESK_STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
FRESHDESK_PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "critical"}
_MARKERS = frozenset({"fr_due_by", "fr_escalated"})


def is_freshdesk_ticket(obj: dict[str, Any]) -> bool:
    return any(field_key(k) in _MARKERS for k in obj)


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def freshdesk_ticket(obj: dict[str, Any]) -> dict[str, Any]:
    """A Freshdesk ticket with its numeric status and priority as words (others unchanged)."""
    if not is_freshdesk_ticket(obj):
        return obj
    out = dict(obj)
    for key, value in obj.items():
        name, code = field_key(key), _code(value)
        if code is None:
            continue
        if name == "status" and code in FRESHDESK_STATUS:
            out[key] = FRESHDESK_STATUS[code]
        elif name == "priority" and code in FRESHDESK_PRIORITY:
            out[key] = FRESHDESK_PRIORITY[code]
    return out
