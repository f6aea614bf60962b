""""Is the <KPI> spike at <site> related to a deploy?", "was the drop down to the config change?": a question about
the cause, explained with the changes before it — not a Yes because a spike exists. On a chain of laundrettes built
here."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize("question", [
    "is the quayside washes spike related to a deploy?",
    "was the dryer uptime drop at market street down to a config change?",
    "is the dip in washes at quayside linked to the update?",
    "did washes at quayside spike because of a release?",
])
def test_related_to_a_change_is_explained(question: str) -> None:
    p = plan_of(question)
    assert p.operation == "explain" and not any(n.startswith("q:") for n in p.notes), (question, p.model_dump(exclude_defaults=True))


def test_any_spikes_is_still_the_spikes() -> None:
    p = plan_of("any spikes in washes at quayside last month?")
    assert "q:spikes" in p.notes, p.model_dump(exclude_defaults=True)
