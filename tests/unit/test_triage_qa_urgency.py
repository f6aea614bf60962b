"""Urgency misreadings a QA pass found, checked as a help-desk lead would see them (``triage`` with the base model).

1. a short closing note written above a quoted or forwarded older message about an outage is low: the author's own
   latest words say it is over (a bag of words reads the fix's words like the outage);
2. a request tied to a dated deadline with a consequence ("by the 3rd, otherwise …") is at least medium;
3. an organisation whose own labels file one site's outage as "high" does not pull a company-wide outage or a breach
   in progress down to "high".

The tickets are a university's and a logistics firm's, in words unlike the dev sets' (``triage23_dev.jsonl``).
"""

from __future__ import annotations

import pytest

from tools.tickets import classify as cls

CLOSING_NOTES = [
    ("Re: nobody on campus can get to the library databases",
     "The certificate swap did the trick, students have been reaching the journals all afternoon. Feel free to close "
     "this one.\n\n> On Tue, 4 Nov 2025 at 09:12, Library IT wrote:\n> Since 08:00 every student and member of staff "
     "is blocked from the library databases through the web gateway. Exams start tomorrow, urgent!!"),
    ("RE: Depot scanners offline - all sites",
     "Hello, confirming it's fixed: the rollback held overnight and every depot is scanning again. Ok to close the "
     "case.\n\n-----Original Message-----\nFrom: Depot Operations\nSent: Wednesday, 5 November 2025 05:40\nTo: "
     "Support\nSubject: Depot scanners offline - all sites\n\nAll 14 depots lost their scanners behind the firewall at "
     "05:00. Nothing is being loaded, trucks are stuck in the yards and there is no workaround."),
    ("Re: data leaving through personal cloud storage?",
     "We're all good now - the upload rule you pushed works and the alert storm has stopped. No need to keep this "
     "open.\n\nFrom: SOC\nSent: 6 November 2025 22:10\nSubject: data leaving through personal cloud storage?\n\nWe "
     "can see exam papers being uploaded to a personal cloud drive right now, it's still going."),
]


@pytest.mark.parametrize(("subject", "content"), CLOSING_NOTES)
def test_a_closing_note_above_a_quoted_outage_is_low(subject, content):
    d = cls.triage(subject, content)
    assert d.urgency == "low", (d.urgency, d.urgency_probabilities, d.urgency_cues)
    assert "resolved / closing" in d.urgency_cues


def test_a_follow_up_that_says_it_is_still_down_keeps_the_outage():
    d = cls.triage("Re: all depots offline", "Still the same after the restart you suggested - all 14 depots are "
                   "offline and nothing can be loaded, no workaround.\n\n> On Wed, 5 Nov 2025, Support wrote:\n> Could "
                   "you restart the cluster and tell us if it helps?")
    assert d.urgency == "critical", (d.urgency, d.urgency_cues)


@pytest.mark.parametrize(("subject", "content", "expected"), [
    # a request with a date and a consequence: the date makes it matter (medium by the guide: a question with a
    # business date), and nothing is broken yet
    ("Export of web filtering logs for the inspectors",
     "We need a full export of last term's web filtering logs before the inspectors' visit on the 9th, otherwise the "
     "safeguarding review is failed.", "medium"),
    ("Access review list for the auditors",
     "Hi, the external auditors want the list of who used the remote access client in October, no later than the "
     "2nd of December. Missing it means a qualified opinion for the university. Where do I get it?", "medium"),
    # something broken with a date and a consequence: high
    ("Invoice run blocked before the 28th",
     "The finance office can't upload the invoice batch to the bank portal, the data protection policy blocks it as "
     "'bank details - external'. The run has to reach the bank by the 28th or 300 hauliers are paid late. What "
     "should we change?", "high"),
])
def test_a_dated_deadline_with_a_consequence_raises_the_urgency(subject, content, expected):
    d = cls.triage(subject, content)
    assert d.urgency == expected, (d.urgency, d.urgency_probabilities, d.urgency_cues)
    assert "a consequence if the date is missed" in d.urgency_cues


def test_a_date_without_a_consequence_stays_a_question():
    d = cls.triage("URL category list", "Is there a way to see all URL categories in one list? I'd like to go "
                   "through them before the 9th, only for my own notes, no pressure.")
    assert d.urgency == "low", (d.urgency, d.urgency_cues)


# ---------------------------------------------------------------- the organisation's labels vs strong evidence

DEPOTS = ["Leeds", "Hull", "Derby", "Crewe", "Slough", "Dover"]


def depot_rows() -> list[tuple[str, str, str | None, str | None, str | None, str | None]]:
    """A logistics firm's labelled history: an outage at one depot is "high", a data leak "critical"."""
    rows = []
    for depot in DEPOTS:
        rows += [
            (f"{depot}: scanners down", f"The {depot} depot is locked out of the loading system since this morning, "
             "drivers wait at the gates.", "ZTNA", "high", None, None),
            (f"{depot}: no remote access", f"Nobody at the {depot} depot can reach the route planner through the "
             "access client, the planners are stuck.", "ZTNA", "high", None, None),
            (f"{depot}: tills offline", f"The {depot} canteen tills are offline behind the firewall, the team takes "
             "cash only.", "CFW", "high", None, None),
            (f"{depot}: tablets blocked", f"Yard tablets in {depot} cannot load any page, the gateway blocks "
             "everything for them.", "SWG", "high", None, None),
            (f"{depot}: slow client", f"One planner in {depot} finds the access client slow, works after a "
             "reconnect.", "ZTNA", "medium", None, None),
            (f"{depot}: certificate warning", f"A clerk in {depot} gets a certificate warning on the fuel card site, "
             "she uses the other PC meanwhile.", "SWG", "medium", None, None),
            (f"{depot}: allow a site", f"How do we allow the new {depot} tyre supplier's site? No rush.", "SWG", "low",
             None, None),
            (f"{depot}: invoice", f"Can you send the invoice for the {depot} licences again with our VAT number?",
             "GENERAL", "low", None, None),
            (f"{depot}: data leak", f"Customer delivery addresses from {depot} are being uploaded to an unknown "
             "external site right now.", "DLP", "critical", None, None),
        ]
    return rows


@pytest.fixture(scope="module")
def depot_model():
    model = cls.train_model(depot_rows())
    assert model.weight("urgency") >= 0.3  # the firm's labels carry real weight on its tickets
    return model


@pytest.mark.parametrize(("subject", "content"), [
    ("every depot offline", "Since the firewall update at 04:00 all 30 depots and head office are offline. Nothing "
     "ships, the whole business is stopped and there is no workaround."),
    ("nobody can log in anywhere", "Since about 6 this morning none of our 2,000 staff can get into any internal "
     "system through the access client. Every depot is working on paper, there is no workaround."),
])
def test_the_orgs_labels_do_not_pull_a_clear_critical_down(depot_model, subject, content):
    d = cls.triage(subject, content, model=depot_model)
    assert d.urgency == "critical", (d.urgency, d.urgency_probabilities, d.learned_weight)


def test_the_orgs_labels_still_count_below_strong_evidence(depot_model):
    d = cls.triage("Bristol: scanners down", "The Bristol depot is locked out of the loading system since this "
                   "morning, drivers wait at the gates.", model=depot_model)
    assert d.urgency == "high" and d.learned_weight["urgency"] > 0, (d.urgency, d.learned_weight)
