"""The ticket row of an import: a helpdesk's export (Zendesk, Freshdesk, Jira, ServiceNow…) read field by field into
opsgraph's ticket, with its priority, status and tier words and its text made plain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, get_args

from pydantic import Field, field_validator

from store import importers_fields as aliases
from store.helpdesk_shapes import freshdesk_ticket
from store.importers_base import Name, _aware
from store.importers_rows import Row
from store.importers_values import field_key, html_to_text
from store.incident_shapes import servicenow_incident
from store.models import CustomerTier, Priority, Product, TicketStatus, Urgency
from store.ticket_words import priority_word, status_word, tier_from_tags, tier_word


class TicketRow(Row):
    FIELD_ALIASES = aliases.TICKET
    external_id: Annotated[str, Field(min_length=1, max_length=64)]
    subject: Annotated[str, Field(min_length=1, max_length=500)]
    content: str
    product: Product | None = None
    urgency: Urgency | None = None
    priority: Priority = "medium"
    customer: Name | None = None
    customer_tier: CustomerTier = "standard"
    status: TicketStatus = "new"
    created_at: dt.datetime
    first_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    status_history: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)
    resolution: str | None = None
    first_response_recorded: bool = Field(True, description=(
        "false when the helpdesk records no first-response time (Zendesk's ticket list): the response SLA then "
        "reads 'not recorded' instead of breached"))
    MARK_UNRECORDED: ClassVar[bool] = True  # a file record without the field; the file decides (import_tickets)

    _tz = field_validator("created_at", "first_response_at", "resolved_at", "closed_at", "updated_at")(_aware)

    @classmethod
    def unwrap(cls, data: Any) -> Any:
        """A ServiceNow incident or requested item with raw choice codes (``"state": "6"``, ``"urgency": 2``) read by
        the same mapping as the incidents import (:mod:`store.incident_shapes`); Freshdesk's numeric status and
        priority by Freshdesk's (:mod:`store.helpdesk_shapes`); a tier held in tags (``tier_enterprise``) read as
        the customer tier when no tier field is given; a record without any first-response field marked as not
        recording one."""
        if not isinstance(data, dict):
            return data
        data = freshdesk_ticket(servicenow_incident(data))

        def field(k: object) -> str:
            return cls.FIELD_ALIASES.get(field_key(k), field_key(k))

        given = {field(k) for k, v in data.items() if v not in (None, "")}
        tags = next((v for k, v in data.items() if field_key(k) == "tags"), None)
        if "customer_tier" not in given and (tier := tier_from_tags(tags)):
            data = {**data, "customer_tier": tier}
        keys = {field(k) for k in data}  # a first-response column left empty still records the field
        if cls.MARK_UNRECORDED and not keys & {"first_response_at", "first_response_recorded"}:
            data = {**data, "first_response_recorded": False}
        return data

    @field_validator("subject", "content", "resolution", mode="before")
    @classmethod
    def _plain_text(cls, v: Any) -> Any:
        """Helpdesk HTML bodies are stored as inert plain text: scripts and styles dropped with their content,
        tags removed, links kept as ``text (url)``."""
        return html_to_text(v) if isinstance(v, str) else v

    @field_validator("product", mode="before")
    @classmethod
    def _product_word(cls, v: Any) -> Any:
        """A product in any case (``casb``); an empty cell is unlabelled; a category of the organisation's own (a
        helpdesk's ``Billing``, ``Charger``) is refused by name, with what to do instead."""
        if not isinstance(v, str):
            return v
        word = v.strip().upper()
        if not word:
            return None
        known = get_args(Product)
        if word not in known:
            raise ValueError(f"{v.strip()[:40]!r} is not one of the ticket products opsgraph triages "
                             f"({', '.join(known)}); leave product empty to import the ticket unlabelled "
                             "(it is then classified from its text)")
        return word

    @field_validator("priority", "urgency", mode="before")
    @classmethod
    def _priority_words(cls, v: Any) -> Any:
        """Other helpdesks' priority words (see TICKET_PRIORITY_WORDS); anything else is rejected by name."""
        return priority_word(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else v

    @field_validator("customer_tier", mode="before")
    @classmethod
    def _tier_words(cls, v: Any) -> Any:
        """``Residential``, ``Consumer``, ``SMB``, ``Corporate`` … (see TICKET_TIER_WORDS); anything else is rejected."""
        return tier_word(v) if isinstance(v, str) else v

    @field_validator("status", mode="before")
    @classmethod
    def _status_words(cls, v: Any) -> Any:
        """``Open``, ``In Progress``, ``On hold``, ``Solved`` … from other helpdesks; anything else is rejected."""
        return status_word(v) if isinstance(v, str) else v

    @classmethod
    def _prepare(cls, known: dict[str, Any]) -> dict[str, Any]:
        """A ticket exported without a description (ServiceNow requested items, Jira issues often have none) is
        its subject."""
        if not known.get("content") and isinstance(known.get("subject"), str):
            return {**known, "content": known["subject"]}
        return known
