""""Who changed the <setting> on the <service word>?": the topic searched is the setting, without the dangling "on
the" left once the service's word is taken out (before: "1 change(s) about drum timeout on the in the last 30
days"). On a chain of laundrettes."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize("question", ["who changed the drum timeout on the controller",
                                      "who changed the drum timeout on the cycle controller?",
                                      "did anyone touch the drum timeout for the controller"])
def test_the_topic_has_no_dangling_preposition(question: str) -> None:
    p = plan_of(question)
    assert p.operation == "changelog" and "about:drum timeout" in p.notes, p.model_dump(exclude_defaults=True)
