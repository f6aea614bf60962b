"""Urgency from what a ticket says NOW: deadlines with business impact, how many people, workarounds, exposure,
and reply chains whose latest message changes the state.

Tickets here are a second organisation's — a ferry operator (terminals, ticket desks, crew tablets) and a pharmacy
chain — in words unlike the dev sets' and the demo's. Each behaviour is checked zero-shot (no labels) and with the
organisation's own learned model (labels), as a help-desk lead would see it.
"""

from __future__ import annotations

import itertools

import pytest

from evals.triage.score import TRIAGE23_DEV, evaluate, load
from tools.tickets import classify as cls
from tools.tickets import urgency as urg

# (subject, content, urgency by the labelling guide)
CASES = [
    # a question with a date set by a business event: medium; the same question without one: low
    ("Publishing the crew rota app", "How do we publish the crew rota app through the app connector? It has to be live "
     "by Monday's launch of the summer timetable, the ship officers will use it from the vessels.", "medium"),
    ("Evidence export for the maritime auditors", "The flag-state auditors arrive on Wednesday and want the posture "
     "findings for our SaaS apps as one document. Where do I export that?", "medium"),
    ("Publishing the crew rota app", "How do we publish the crew rota app through the app connector? Just exploring "
     "for later, there is no date yet.", "low"),
    ("tag colours", "URGENT!!! how do I change the colour of a custom tag? need it for my slides tomorrow", "low"),
    # how many people: a whole terminal, every pharmacy, a counted desk
    ("Tromsø terminal cannot reach anything", "Nobody in the Tromsø terminal can open any site since 06:40, the gateway "
     "answers every request with a 503. Check-in is done on paper and the 07:30 sailing is boarding late.",
     "critical"),
    ("Card terminals offline in every pharmacy", "Every pharmacy (all 63) lost card payments after the firewall update "
     "at 05:00. Staff are taking cash only and sending customers away.", "critical"),
    ("Ticket desk can't sign in", "The 18-person ticket desk in Bergen can't sign in to the private access client since "
     "this morning, 'posture check failed'. Everyone else is fine. Phone bookings are piling up.", "high"),
    ("Payroll can't reach the bank", "All of payroll cannot reach the bank's upload site since the firewall change; "
     "the other departments are fine.", "high"),
    # a workaround vs none
    ("Crew tablets cannot reach the manifests", "The 20 deckhands of the evening shift cannot open the cargo manifests "
     "on their tablets through private access. We tried re-enrolling, there is no workaround.", "high"),
    ("Rota app drops for me", "The rota app through private access drops for me every hour or so. Reconnecting helps "
     "for now.", "medium"),
    # data being taken right now
    ("Pharmacist copying patient lists out", "A locum pharmacist who leaves on Friday is uploading patient lists to "
     "her personal Google Drive right now, the DLP alerts keep coming. How do we stop her immediately?", "critical"),
]
THREADS = [
    # the latest message escalates: the quoted past said one user, now a whole deck
    ("RE: slow timetable page",
     "Still broken and worse: nobody at the Ålesund terminal can load the timetable or the booking pages now, and the "
     "harbour master is waiting on the manifest.\n\nOn Mon, 2 Jun at 08:02, Support wrote:\n> We'll look at the slow "
     "timetable page for this one user.", ("critical", "high")),
    # the latest message says it is over: the shouting in the quoted past and the reply subject no longer count
    ("RE: URGENT whole fleet offline",
     "All sorted after the connector restart, please close this. Thanks for the quick help.\n\n-----Original "
     "Message-----\nFrom: Fleet IT\nSubject: URGENT whole fleet offline\n\nNo vessel can reach the booking system, the "
     "whole fleet is offline!!!", ("low",)),
    # the latest message narrows it: not the whole pharmacy, two kiosks, with a way around
    ("Re: Harbour Street pharmacy offline?",
     "Correction to my last mail: it's not the whole pharmacy, only the two self-service kiosks lose the connection "
     "every few minutes. The counters work fine and customers are served there.\n\n> Harbour Street pharmacy seems "
     "offline, nothing loads!", ("medium",)),
]


def _org_model():
    """The ferry operator's own labelled history: its in-house name for the ZTNA ("Fjordgate"), its voices, labelled
    with the guide, all four urgencies."""
    history = {
        "critical": ["the whole {p} terminal has no connection through Fjordgate, check-in is on paper",
                     "no vessel calling at {p} can reach the booking system, boarding has stopped",
                     "someone unknown is signed in to Fjordgate as our admin right now from abroad",
                     "every ticket machine in {p} is offline, passengers cannot buy tickets"],
        "high": ["the {p} deckhands can't open Fjordgate on the crew tablets, the team is stuck",
                 "the {p} ticket office (12 people) cannot reach the fares app, queues are forming",
                 "our admins cannot publish any Fjordgate policy before Friday's timetable change",
                 "the whole {p} engineering crew loses Fjordgate every few minutes, they can't log repairs"],
        "medium": ["Fjordgate on my laptop in {p} is slow in the afternoons, I use the desk PC meanwhile",
                   "one captain in {p} has to sign in to Fjordgate twice each morning",
                   "the {p} rota report in Fjordgate shows yesterday's names, a refresh fixes it",
                   "a deckhand's tablet in {p} drops the Fjordgate tunnel sometimes, reconnecting helps"],
        "low": ["how do I add a new {p} deckhand to Fjordgate? no rush",
                "could Fjordgate show the vessel name on the sign-in page? would be nice",
                "please send the {p} invoice for last month again, with our PO number",
                "where is the Fjordgate guide for the {p} office managers?"],
    }
    rows = []
    for place, (urgency, texts) in itertools.product(["Bergen", "Tromsø", "Ålesund"], history.items()):
        for text in texts:
            rows.append((f"Fjordgate - {place}", f"Hi, {text.format(p=place)}. Regards, Fleet IT", "ZTNA", urgency,
                         None, None))
    return cls.train_model(rows)


@pytest.fixture(scope="module")
def org_model():
    model = _org_model()
    assert model.urgency is not None  # the labels trained an urgency head
    return model


@pytest.mark.parametrize("learned", [False, True], ids=["zero-shot", "learned"])
@pytest.mark.parametrize(("subject", "content", "urgency"), CASES)
def test_urgency_reads_deadlines_counts_workarounds_and_exposure(subject, content, urgency, learned, org_model):
    d = cls.triage(subject, content, model=org_model if learned else None)
    assert d.urgency == urgency, (d.urgency, d.urgency_probabilities, d.urgency_cues)


@pytest.mark.parametrize("learned", [False, True], ids=["zero-shot", "learned"])
@pytest.mark.parametrize(("subject", "content", "allowed"), THREADS)
def test_the_latest_message_of_a_thread_decides(subject, content, allowed, learned, org_model):
    d = cls.triage(subject, content, model=org_model if learned else None)
    assert d.urgency in allowed, (d.urgency, d.urgency_probabilities, d.urgency_cues)


def test_a_reply_subject_is_the_threads_not_the_latest_state():
    own, other = urg.latest_words("RE: URGENT whole fleet offline", "All sorted now, please close this.")
    assert "fleet" not in own and "fleet offline" in other
    own, _ = urg.latest_words("whole fleet offline", "No vessel can reach the booking system.")
    assert "fleet offline" in own  # a first message's subject is the author's own words
    # the base model's urgency reads the latest words of a thread, the whole text of a plain ticket
    assert urg.latest_text("RE: fleet offline", "All sorted after the connector restart, please close it.\n\n> down!") \
        .strip() == "All sorted after the connector restart, please close it."
    assert urg.latest_text("fleet offline", "No vessel can reach the booking system since 6am.") is None
    assert urg.latest_text("FW: alert", "see below\n\n> Connector unreachable") is None  # too little of their own


def test_a_department_is_a_scope():
    assert "a team or site affected" in cls.triage("Payroll blocked", "All of payroll cannot reach the bank's upload "
                                                   "site since this morning.").urgency_cues


def test_a_deadline_is_the_business_not_the_askers_clock():
    cues = cls.triage("Exporting shop findings", "Where do I export the posture findings? The certification audit is "
                      "next Tuesday.").urgency_cues
    assert "a business deadline on a question" in cues
    cues = cls.triage("Exporting shop findings", "Where do I export the posture findings? I want to read them "
                      "tomorrow on the train.").urgency_cues
    assert "a business deadline on a question" not in cues
    # "until this is fixed" waits for a fix, it does not report one
    d = cls.triage("Fleet IT locked out of the admin portal", "All 5 of our admins are locked out of your admin portal "
                   "since the SSO change. Crews are fine, but we cannot change any policy until this is fixed.")
    assert "resolved / closing" not in d.urgency_cues and d.urgency == "high", (d.urgency, d.urgency_cues)


def test_below_the_threshold_the_urgency_goes_to_a_human_and_confident_answers_hold():
    rows = load(TRIAGE23_DEV, split_name="triage23")
    assert len(rows) >= 60
    res = evaluate(rows)
    assert res["urgency_accuracy"] >= 0.85 and res["product_accuracy"] >= 0.85
    confident = [ok for ok, c in zip(res["urgency_ok"], res["urgency_conf"], strict=True) if c >= 0.7]
    assert sum(confident) / len(confident) >= 0.9  # what it is sure of, it gets right
    for r in rows:  # a coin flip is never answered as if it were known
        d = cls.triage(r["subject"], r["content"])
        if d.urgency_confidence < cls.NEEDS_HUMAN_URGENCY:
            assert d.needs_human and "urgency is uncertain" in cls.reasoning(d)
