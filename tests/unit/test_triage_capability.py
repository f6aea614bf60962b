"""A question about a security capability, a past or another's event, or a report is not an incident in progress.

Customers ask about breaches in breach vocabulary ("do you catch DNS tunnelling?", "would a wiper be stopped by
default?", "last year's leak incidents for the board"): these are questions (low), not pages at 3 am. Their twins that
place the event in the present ("data is leaving right now") stay critical. Tickets here are a second organisation's
(a chain of veterinary clinics and a shipping line), in words unlike the dev sets'.
"""

from __future__ import annotations

import pytest

from evals.triage.score import CAPABILITY_DEV, ece, evaluate, load
from tools.tickets import classify as cls
from tools.tickets import impact

QUESTIONS = [  # (subject, content) — all low by the labelling guide
    ("Wiper ransomware - covered?", "Our group IT director read about a ransomware wiper hitting a logistics firm. "
     "Would your firewall stop it calling home to its command-and-control server by default, or is that an add-on?"),
    ("exfil over DNS, do you catch it", "hey, do you guys detect exfiltration over DNS queries? our vet clinics all use "
     "your DNS resolver and the practice owners asked me. just want to know for the partners meeting notes"),
    ("Breach at another clinic group - would we have noticed?", "A clinic group near us had patient owner records "
     "stolen through a hijacked staff login last month. If that happened to us, would your cloud app monitoring have "
     "flagged the mass download, or only logged it? Nothing has happened here."),
    ("Report of last year's leak incidents", "For the shareholders' risk committee I need last year's data leak "
     "incidents per clinic, blocked vs allowed. Is there a standard report or do I export it?"),
    ("How do I look into a hijacked mailbox?", "New to the admin side. How do we investigate a compromised mailbox in "
     "your console - which activity logs show where the data went? Is there a guide?"),
    ("Crew laptops - is ransomware blocked by default?", "Our fleet manager asks: when crew members on the vessels "
     "download files over the satellite link, is ransomware blocked by default by the web filter?"),
]
INCIDENTS = [  # (subject, content, urgency) — the same vocabulary, happening now
    ("Payroll data leaving via DNS right now", "We think data is leaving via DNS right now: one accounts PC sends "
     "thousands of long lookups a minute to a domain registered yesterday. Can you confirm and block it everywhere?",
     "critical"),
    ("Ransomware encrypting the clinic share", "Ransomware is encrypting files on the shared drive of the Harbour "
     "Road clinic as we speak, vets can't open any patient notes. Please block the addresses it calls immediately.",
     "critical"),
    ("Hijacked login pulling client records", "A hijacked account has been downloading our client records to an "
     "unknown device abroad for the last 20 minutes and it is still going. Disabling the user didn't end the session.",
     "critical"),
]


@pytest.mark.parametrize(("subject", "content"), QUESTIONS)
def test_a_question_in_breach_words_is_low_and_not_critical(subject, content):
    d = cls.triage(subject, content)
    assert d.urgency == "low", (d.urgency, d.urgency_cues)
    assert d.urgency_probabilities["critical"] < 0.2  # never a confident page for a question (main: 0.8-0.99)
    assert any("in a question (ignored)" in c for c in d.urgency_cues)  # the breach words were read, and asked about


@pytest.mark.parametrize(("subject", "content", "urgency"), INCIDENTS)
def test_the_same_words_happening_now_stay_critical(subject, content, urgency):
    d = cls.triage(subject, content)
    assert d.urgency == urgency, (d.urgency, d.urgency_cues)
    assert "event in progress" in d.urgency_cues


def test_the_reader_tells_tense_and_form_apart():
    assert "event in progress" in impact.event_form("we see uploads to an unknown host since 6am")
    assert "event in progress" in impact.event_form("the attacker is still logged in")
    assert "event in progress" not in impact.event_form("if we suspect an account is compromised, what do we do?")
    assert "asks about a capability" in impact.event_form("Is C2 traffic blocked by default?")
    assert "asks about a capability" in impact.event_form("would we have seen the exfiltration?")
    assert "a past or another's event" in impact.event_form("after a peer's breach last month")
    assert "asks for a report or plan" in impact.event_form("a number for the audit committee")
    assert impact.event_form("the printer on floor 2 is jammed") == []


def _org_rows() -> list[tuple[str, str, str, str, None, None]]:
    """A shipping line's own labelled tickets: its usual problems and questions, none in breach words."""
    places = ["Rotterdam terminal", "Antwerp depot", "Hamburg office", "Felixstowe yard", "Genoa agency", "Algeciras port"]
    shapes = [
        ("Nobody at the {p} can reach the cargo system", "Since 06:00 every workstation at the {p} is cut off from the "
         "cargo planning system through the firewall, all loading has stopped. No workaround.", "critical"),
        ("{p}: planners blocked by the web filter", "The 12 planners at the {p} can't open the port community portal, "
         "the web gateway blocks it as uncategorised. They are phoning in bookings meanwhile.", "high"),
        ("One laptop at the {p} slow on the access client", "A single clerk at the {p} finds the private app access "
         "slow in the afternoons; she can use the desktop in the back office for now.", "medium"),
        ("How do I add a user at the {p}?", "Quick question: how do I add a new starter at the {p} to the remote access "
         "group? Is there a doc?", "low"),
        ("Is SFTP from the {p} inspected by default?", "Does the firewall inspect SFTP traffic from the {p} by default, "
         "or is that something we switch on? Asking for our design notes.", "low"),
        ("Feature wish for the {p}", "It would be nice if the web filter block page at the {p} showed our own logo. "
         "No rush.", "low"),
    ]
    return [(subj.format(p=p), body.format(p=p), "CFW", urg, None, None) for p in places for subj, body, urg in shapes]


def test_an_orgs_own_labels_keep_the_reading_of_questions_and_incidents():
    model = cls.train_model(_org_rows(), base=False)
    assert model.urgency is not None
    for subject, content in QUESTIONS:
        d = cls.triage(subject, content, model=model)
        assert d.urgency == "low", (subject, d.urgency, d.urgency_probabilities)
        assert d.urgency_probabilities["critical"] < 0.2
    for subject, content, urgency in INCIDENTS:
        assert cls.triage(subject, content, model=model).urgency == urgency


def test_capability_dev_set_no_confident_critical_for_a_question():
    rows = load(CAPABILITY_DEV, split_name="capability")
    res = evaluate(rows, base=False)
    wrong_pages = [c for r, c, ok in zip(rows, res["urgency_conf"], res["urgency_ok"], strict=True)
                   if not ok and r["urgency"] in ("low", "medium") and c > 0.5
                   and cls.triage(r["subject"], r["content"], base=False).urgency == "critical"]
    print(f"\ncapability_dev rules alone: urgency {res['urgency_accuracy']:.3f}, "
          f"ECE {ece(res['urgency_conf'], res['urgency_ok']):.3f}, confident critical for a question {len(wrong_pages)}")
    assert res["urgency_accuracy"] >= 0.80  # main: 0.418 (28 questions called critical)
    assert len(wrong_pages) <= 1
    assert ece(res["urgency_conf"], res["urgency_ok"]) < 0.12  # main: 0.458
