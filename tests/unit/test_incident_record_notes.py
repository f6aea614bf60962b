"""Which fields of an imported incident are its cause and resolution notes, and how their text is quoted."""

from __future__ import annotations

import pytest

from tools.incidents.record_notes import MAX_CHARS, inert, kind_of


@pytest.mark.parametrize(("name", "kind"), [
    ("root_cause", "cause"), ("rootCause", "cause"), ("Root Cause", "cause"), ("RCA", "cause"), ("cause", "cause"),
    ("probable_cause", "cause"), ("what_happened", "cause"), ("contributing factors", "cause"),
    ("resolution", "resolution"), ("Resolution Notes", "resolution"), ("close_notes", "resolution"),
    ("closeNotes", "resolution"), ("postmortem", "resolution"), ("post-mortem", "resolution"), ("fix", "resolution"),
    ("workaround", "resolution"),
    ("resolved_at", None), ("resolution_code", None), ("cause_code", None), ("id_prefix", None), ("suffix", None),
    ("fixVersion", None), ("postmortem_url", None), ("components", None), ("tags", None), ("assignee", None),
])
def test_a_field_name_as_exports_spell_it(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


def test_quoted_text_is_one_inert_line() -> None:
    assert inert("<p>Disk <b>full</b></p>\n\non node 3") == "Disk full on node 3"
    assert inert(["cert expired", {"text": "renewed by hand"}, 7]) == "cert expired; renewed by hand"
    assert inert({"display_value": "DNS TTL too long"}) == "DNS TTL too long"
    assert "[E:" not in (inert("see [E:12] and [ E : 3 ]") or "")  # never passes for one of our citations
    assert len(inert("x" * 2000) or "") == MAX_CHARS + 1 and inert("   ") is None and inert(None) is None
