"""Tickets about none of the products — an organisation outside security that imports its helpdesk — are never
classified as a security product with confidence: with no word of any product in the ticket and no labels of the
organisation, a guessed product goes to a human, said so in the reasoning."""

from __future__ import annotations

import pytest

from tools.tickets.classify import reasoning, triage

# Customers of a regional water utility, a hotel group, a ferry line and a car-share club, in their own words.
ELSEWHERE = [
    ("Water pressure low", "Since Tuesday the water pressure in our street is very low, whole street affected."),
    ("classify this ticket", "Driver here, paid 79p/kWh at the depot but the app said 75p. Not urgent, just want "
                             "the difference refunded."),
    ("Room not cleaned", "Our room on the third floor wasn't cleaned on day two and the towels were not replaced."),
    ("Sailing cancelled", "The 07:40 crossing was cancelled and nobody told us at the terminal. Who pays the taxi?"),
    ("Car smelled of smoke", "Booked the hatchback for Saturday, it smelled of cigarettes. Please note it for the "
                             "next member."),
    ("Meter reading wrong", "The bill uses an estimated reading of 4,310 but the meter says 3,982. Please correct."),
]


@pytest.mark.parametrize(("subject", "content"), ELSEWHERE, ids=[s for s, _ in ELSEWHERE])
def test_a_ticket_about_no_product_is_general_or_goes_to_a_human(subject, content):
    d = triage(subject, content)
    assert d.product == "GENERAL" or d.needs_human, (d.product, d.product_confidence, d.product_probabilities)
    if d.product != "GENERAL":
        assert d.no_product_words
        assert reasoning(d).startswith("Needs a human: no word of any product in the ticket")


def test_a_ticket_naming_what_a_product_does_is_not_held_back():
    d = triage("Uploads to the partner share blocked",
               "Since this morning every upload of a spreadsheet to the partner's cloud storage is blocked by policy "
               "with 'sensitive data detected'. The finance team cannot send the month-end files.")
    assert d.product != "GENERAL" and not d.no_product_words
    assert "no word of any product" not in reasoning(d)


def test_an_organisation_that_labelled_such_tickets_is_followed_without_a_human():
    from tools.tickets.classify import train_model

    rows = [(f"Meter {i} reading", f"The smart meter {i} reports readings late, please check the gateway.", "SSPM",
             "medium", None, None) for i in range(12)]
    rows += [(f"Bill {i}", f"Question about invoice {i} and the direct debit date.", "GENERAL", "low", None, None)
             for i in range(12)]
    model = train_model(rows)
    text = ("Meter 77 reading", "The smart meter 77 reports readings late again.")
    alone = triage(*text)
    assert alone.no_product_words and alone.needs_human  # no product word, no labels: a human decides
    d = triage(*text, model=model)
    assert d.learned_weight["product"] > 0 and d.product == "SSPM"
    assert not d.no_product_words and not d.needs_human  # the organisation's own labels are the evidence
