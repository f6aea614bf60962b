"""Recurring faults and ongoing losses are impact, not a polite question (``triage`` with the base model).

Site and field staff of any industry report a fault that comes back ("tripped twice during the night shift", "went
out of service again, second time since Monday", "keeps freezing, third time this week") or output and money lost
while it lasts ("we're losing about 3,000 litres every day since the valve swap", "costing us €900 a day"), often
ending with "is anyone looking at this?". That ending is a chase after a fault, not a how-to: such tickets are at
least medium, and the ones with an ongoing loss high. A polite how-to that merely mentions a schedule ("every day")
or a fault counter, and a note that the recurring fault is fixed, stay low.

The tickets are a dairy cooperative's and a hotel group's, in words unlike the dev set's (``recurring_dev.jsonl``).
"""

from __future__ import annotations

import pytest

from tools.tickets import classify as cls

RECURRING = [
    ("Homogeniser 2 tripped again",
     "Homogeniser 2 at the Holloway creamery tripped on high pressure twice during the night shift. Is anyone "
     "looking at this?"),
    ("Room service tablets",
     "The ordering tablets in the Marlow hotel restaurant keep freezing during dinner service, third time this week. "
     "Guests wait for their food and we end up comping meals."),
    ("Re: loading bay door",
     "Still happening - the bay 6 door at the cold store went out of service again this morning, second time since "
     "Monday. Lorries queue on the road while we unload through bay 5.\n\n> We'll send an engineer when we can."),
]
ONGOING_LOSS = [
    ("we're losing milk every day since the valve swap",
     "Since the valve swap on Tuesday the cleaning cycle on tank 4 overruns and we're losing about 3,000 litres of "
     "product every day."),
    ("pasteuriser stops",
     "The pasteuriser on line B has stopped four times since Friday on a flow alarm. Each time it stops we scrap the "
     "batch in the holding tube - it's costing us roughly €900 a day. Any update?"),
]
POLITE = [
    ("How do I change the cleaning reminder?",
     "Hello, how can I change the tank cleaning reminder from every day to every other day? Nothing is wrong, just "
     "tidying our settings. Thanks!"),
    ("Question on the fault counter",
     "Could you explain how the monthly fault counter on the site report is calculated? We'd like to use it in our "
     "planning next quarter."),
    ("chiller trips - fixed",
     "The chiller that kept tripping every night turned out to be a worn contactor. It was replaced on Thursday and "
     "there have been no trips since, so you can close this."),
]


@pytest.mark.parametrize(("subject", "content"), RECURRING)
def test_a_fault_that_keeps_coming_back_is_not_low(subject, content):
    d = cls.triage(subject, content)
    assert d.urgency in ("medium", "high"), (d.urgency, d.urgency_probabilities, d.urgency_cues)
    assert "a fault that keeps recurring" in d.urgency_cues
    assert "a question or request" not in d.urgency_cues  # "is anyone looking at this?" chases the fault


@pytest.mark.parametrize(("subject", "content"), ONGOING_LOSS)
def test_output_or_money_lost_while_it_lasts_is_high(subject, content):
    d = cls.triage(subject, content)
    assert d.urgency == "high", (d.urgency, d.urgency_probabilities, d.urgency_cues)
    assert "output or revenue being lost" in d.urgency_cues


@pytest.mark.parametrize(("subject", "content"), POLITE)
def test_a_polite_how_to_or_a_fixed_fault_stays_low(subject, content):
    d = cls.triage(subject, content)
    assert d.urgency == "low", (d.urgency, d.urgency_probabilities, d.urgency_cues)


def test_the_rules_alone_read_the_same():
    """Without the base model (a bag of words) the impact reader alone gets the same answers."""
    for subject, content in RECURRING:
        assert cls.triage(subject, content, base=False).urgency in ("medium", "high"), subject
    for subject, content in ONGOING_LOSS:
        assert cls.triage(subject, content, base=False).urgency == "high", subject
    for subject, content in POLITE:
        assert cls.triage(subject, content, base=False).urgency == "low", subject
