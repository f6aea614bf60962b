"""A report's actions follow guidance only when some was found: a runbook search with no hits is not "the matching
guidance" (before: "Follow the matching guidance: search '…': 0 hit(s)"), and its open questions are questions worth
asking — never "Does this answer the original question?"."""

from __future__ import annotations

from store.evidence import EvidenceRecord
from tools.reports import compose_report


def _search(i: int, hits: list[dict]) -> EvidenceRecord:
    return EvidenceRecord(id=i, org_id=1, kind="search_results", source="tools.retrieval.search",
                          ref={"query": "boiler lockout"}, payload={"hits": hits, "strategy": "hybrid"},
                          summary=f"search 'boiler lockout': {len(hits)} hit(s)")


def _incident() -> EvidenceRecord:
    return EvidenceRecord(id=1, org_id=1, kind="incident", source="tools.incidents.get_incident", ref={},
                          payload={}, summary="HV-12 (sev3) on boiler-telemetry: Boiler lockouts at the east wing")


def test_a_search_with_no_hits_is_no_guidance_to_follow():
    md = compose_report(kind="incident", title="HV-12", evidence=[_incident(), _search(2, [])]).markdown
    assert "Follow the matching guidance" not in md and "0 hit(s)" not in md.split("## Recommended actions")[1], md
    assert "No runbook or past incident matched" in md.split("## Open questions")[1]
    assert "original question" not in md


def test_a_search_with_hits_is_followed():
    hit = {"source": "runbook", "id": 7, "kind": "runbook", "title": "Boiler lockout reset", "score": 0.8}
    md = compose_report(kind="incident", title="HV-12", evidence=[_incident(), _search(2, [hit])]).markdown
    assert "Follow the matching guidance: search 'boiler lockout': 1 hit(s) [E:2]" in md, md
    assert "No runbook or past incident matched" not in md
