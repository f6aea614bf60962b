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


# A newcomer's helpdesk (a car-share club's) files tickets under its own categories: the file is refused by name,
# saying what opsgraph's products are and how to import the tickets anyway; products in any case are read.
@pytest.mark.parametrize("written", ["casb", " Dlp ", "general"])
def test_a_product_in_any_case_is_read(written):
    assert TicketRow.model_validate({**BASE, "product": written}).product == written.strip().upper()


def test_an_empty_product_is_unlabelled():
    assert TicketRow.model_validate({**BASE, "product": " "}).product is None


def test_an_organisations_own_category_is_refused_with_what_to_do():
    from store.importers_files import validate_rows

    errors: list[tuple[int, str]] = []
    rows = validate_rows([(1, {**BASE, "product": "Vehicle damage"}), (2, BASE)], TicketRow, errors)
    assert [n for n, _ in rows] == [2]
    [(line, message)] = errors
    assert line == 1 and message.startswith("product: 'Vehicle damage' is not one of the ticket products")
    assert "CASB, SWG, ZTNA, DLP, SSPM, CFW, GENERAL" in message and "leave product empty" in message
