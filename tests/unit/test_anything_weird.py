""""Anything weird yesterday?", "anything odd at <site> this week?": what is flagged (every KPI, the open incidents
too when no place is named), not out of scope. On a chain of laundrettes built here."""

from __future__ import annotations

import pytest

from tests.unit.laundrettes import plan_of


@pytest.mark.parametrize(("question", "incidents"), [
    ("anything weird yesterday?", True), ("anything strange going on?", True),
    ("anything odd at quayside this week?", False),
])
def test_anything_weird_is_what_is_flagged(question: str, incidents: bool) -> None:
    p = plan_of(question)
    assert p.operation == "attention", (question, p.model_dump(exclude_defaults=True))
    assert ("attention:incidents" in p.notes) == incidents, p.notes
