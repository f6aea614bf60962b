""""Rollback candidates?", "what should we roll back?": the changes that might need it (the deploys in the period),
not the past rollbacks; "any rollbacks this week?" still lists those. On a chain of laundrettes built here."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize("question", ["roll back candidates? anything risky deployed this week",
                                      "what should we roll back?", "any candidates for a rollback this week?"])
def test_candidates_are_not_the_past_rollbacks(question: str) -> None:
    p = plan_of(question)
    assert p.operation == "changelog" and "only:rollback" not in p.notes, (question, p.model_dump(exclude_defaults=True))


def test_past_rollbacks_still_asked() -> None:
    assert "only:rollback" in plan_of("any rollbacks this week?").notes
