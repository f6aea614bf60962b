"""Ticket triage tools: classification, SLA status, response suggestions (this module only re-exports).

Database access lives in :mod:`tools.tickets.sla_tools` (SLA status and
overview), :mod:`tools.tickets.triage` (classification) and
:mod:`tools.tickets.respond` (response suggestions): parameterised, READ
ONLY, org-scoped. The arithmetic is pure: :mod:`tools.tickets.classify`
(zero-shot prior, :mod:`tools.tickets.impact` + :mod:`tools.tickets.urgency`
for urgency, the org's learned model, calibration)
and :mod:`tools.tickets.sla` (targets, deadlines, states, escalation). The
write paths are SLA alert sync (:mod:`tools.tickets.alerts`) and the cached
triage model (:func:`tools.tickets.triage.org_model`).

Ticket subjects, contents and resolutions are untrusted data: sentences that
address an AI are dropped before features are computed, and text is only ever
quoted back, never interpreted.
"""

from __future__ import annotations

from tools.tickets.respond import (
    ResolvedTicketMatch,
    ResponseSuggestion,
    RunbookMatch,
    suggest_response,
)
from tools.tickets.sla_tools import (
    OPEN_STATUSES,
    SlaOverview,
    SlaOverviewItem,
    TicketSla,
    clocks_for,
    completion_times,
    open_ticket_rows,
    sla_overview,
    ticket_sla,
)
from tools.tickets.triage import (
    Classification,
    NeighbourOut,
    classify_ticket,
    classify_ticket_by_id,
)

__all__ = [
    "OPEN_STATUSES",
    "Classification",
    "NeighbourOut",
    "ResolvedTicketMatch",
    "ResponseSuggestion",
    "RunbookMatch",
    "SlaOverview",
    "SlaOverviewItem",
    "TicketSla",
    "classify_ticket",
    "classify_ticket_by_id",
    "clocks_for",
    "completion_times",
    "open_ticket_rows",
    "sla_overview",
    "suggest_response",
    "ticket_sla",
]
