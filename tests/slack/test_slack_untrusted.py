"""Issue 14 item 4 in Slack: a link planted in a runbook comes back in a posted answer as inert text — no
``<url|label>`` link to it, and its URL in inline code (which Slack never turns into a link)."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from store.importers import run_import
from tests.slack.fake_slack import command_body
from tools.embeddings import embed_missing, make_embedder

pytestmark = pytest.mark.timeout(180)
PHISH = "http://evil.example/phish"


async def test_a_link_planted_in_a_runbook_is_inert_in_a_slack_answer(service, fake, slack_demo, tmp_path):
    path = tmp_path / "runbooks.json"
    path.write_text(json.dumps([{
        "external_id": "RB-SEC-SLACK", "title": f"Ballast pump cavitation [fix here]({PHISH})",
        "body": "Ballast pump cavitation on the tug: bleed the ballast pump and check the strainer.",
    }]))
    with psycopg.connect(slack_demo.target.conninfo, autocommit=True) as conn:
        run_import(conn, "demo", "runbooks", path)
        embed_missing(conn, make_embedder(slack_demo.settings), slack_demo.org_id)
    key = uuid.uuid4().hex[:12]
    resp = await service.command(command_body(f"triage ballast pump cavitation on the tug, strainer clogged ({key})",
                                              response_url=fake.response_url(key)))
    assert resp.status_code == 200
    calls = await fake.wait_for(lambda: fake.responses(key))
    posted = json.dumps(calls[0].body)
    assert "Ballast pump cavitation" in posted, posted[:2000]
    assert f"<{PHISH}" not in posted and f"`{PHISH}`" in posted
