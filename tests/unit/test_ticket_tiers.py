"""Customer segments as helpdesks and billing systems write them (qa19a: an internet provider's ``Residential`` /
``Business`` tiers) are read as opsgraph's tiers; a word that names none is still refused by name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from store.ticket_rows import TicketRow

BASE = {"external_id": "70412", "subject": "internet keeps dropping", "content": "router says PPP auth failed",
        "created_at": "2026-11-26T23:20:00Z"}


@pytest.mark.parametrize(("written", "tier"), [("Residential", "standard"), ("consumer", "standard"),
                                               ("SMB", "business"), ("Business", "business"),
                                               ("Corporate", "enterprise"), ("key account", "enterprise"),
                                               ("FREE", "free")])
def test_a_segment_word_is_read_as_a_tier(written, tier):
    assert TicketRow.model_validate({**BASE, "customer_tier": written}).customer_tier == tier


def test_an_unknown_segment_is_refused():
    with pytest.raises(ValidationError, match="customer_tier"):
        TicketRow.model_validate({**BASE, "customer_tier": "gold"})
