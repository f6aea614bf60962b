"""A commit asked about by the words of its message, on a library network built here, when a later commit reverted it
with the same words and a rollback deployment undid the one that shipped it: "was the RFID batching commit deployed?"
names that commit (not its revert, nor "RFID" as an unknown place), the deployment that shipped it and the rollback.
Before: "I don't know a station called RFID" — both commits matched, so neither was picked."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.integration.qa_support import load_org, org_assistant

NOW = dt.datetime(2027, 4, 20, 9, 0, tzinfo=dt.UTC)
BRANCHES = [("LB-CEN", "Central Library"), ("LB-RIV", "Riverside Library"), ("LB-HIL", "Hillcrest Library")]


@pytest.fixture
async def libraries(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "shelfwise", "Shelfwise Libraries", {
            "stations": [{"code": c, "name": n, "region": "MET", "region_name": "Metro"} for c, n in BRANCHES],
            "services": [{"name": "loanledger", "team": "circulation", "description": "Loans, returns and holds"}],
            "commits": [
                {"sha": "1a2b3c4d5e6f", "service": "loanledger", "message": "returns: batch RFID tag reads per trolley",
                 "committed_at": "2027-04-08T10:00:00Z"},
                {"sha": "9f8e7d6c5b4a", "service": "loanledger",
                 "message": "Revert 'returns: batch RFID tag reads per trolley'", "committed_at": "2027-04-11T15:00:00Z"},
            ],
            "deployments": [
                {"external_id": "LL-301", "service": "loanledger", "version": "4.2.0", "commits": ["1a2b3c4d5e6f"],
                 "started_at": "2027-04-09T08:00:00Z", "finished_at": "2027-04-09T08:10:00Z"},
                {"external_id": "LL-302", "service": "loanledger", "version": "4.2.1", "commits": ["9f8e7d6c5b4a"],
                 "started_at": "2027-04-11T16:00:00Z", "finished_at": "2027-04-11T16:12:00Z",
                 "is_rollback": True, "rollback_of": "LL-301"},
            ],
        }, tmp_path)
    async with org_assistant(target, pg_server, NOW) as a:
        yield a, org_id


async def test_a_commit_by_its_words_is_named_with_its_deployment_and_rollback(libraries):
    a, org_id = libraries
    for q in ("was the RFID batching commit deployed?", "did the rfid batch commit ship?"):
        r = await a.ask(org_id=org_id, question=q)
        assert "don't know" not in r.answer and "1a2b3c4d5e" in r.answer, r.answer
        assert "LL-301" in r.answer and "rolled back by LL-302" in r.answer, r.answer
