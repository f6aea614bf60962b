"""A problem someone reported, written out without quotes, then "how urgent is this?" / "what priority should this
be?": that report triaged like a pasted ticket — its place and KPI words are data, never "I don't know a station
called '<site> say'" or a KPI called "staff". A question about a KPI asked the same way stays a KPI question. On a
chain of laundrettes built here."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize(("question", "content"), [
    ("staff at quayside say the dryers won't start for anyone, queue of 12 people. how urgent is this",
     "staff at quayside say the dryers won't start for anyone, queue of 12 people"),
    ("a customer at market street reports the card reader is eating cards, how urgent is this?",
     "a customer at market street reports the card reader is eating cards"),
    ("The manager at Quayside called: two washers leaking onto the floor. What priority should this get?",
     "The manager at Quayside called: two washers leaking onto the floor"),
])
def test_a_report_then_how_urgent_is_triaged(question: str, content: str) -> None:
    p = plan_of(question)
    assert p.operation == "ticket_classify" and p.ticket_text is not None, p.model_dump(exclude_defaults=True)
    assert p.ticket_text.content == content and not p.unknown, p.model_dump(exclude_defaults=True)


@pytest.mark.parametrize("question", ["washes at quayside dropped, is that urgent?", "how urgent is this?"])
def test_no_report_no_triage(question: str) -> None:
    assert plan_of(question).operation != "ticket_classify"
