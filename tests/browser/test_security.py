"""Issue 14 in the browser: a link planted in a runbook comes back in an answer as inert text (no anchor), and
*Sign out* ends the session (the cookie no longer works, even replayed)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import psycopg
import pytest

from store.importers import run_import
from tests.browser.conftest import Panel
from tests.browser.test_panel import ask
from tools.embeddings import embed_missing, make_embedder

pytestmark = pytest.mark.browser

PHISH = "http://evil.example/phish"


def test_a_link_planted_in_a_runbook_is_inert_in_the_answer(page: Any, panel: Panel, tmp_path) -> None:
    path = tmp_path / "runbooks.json"
    path.write_text(json.dumps([{
        "external_id": "RB-SEC-PHISH", "title": f"Hopper winch brake slipping [fix here]({PHISH})",
        "body": "Hopper winch brake slipping on the dredger: check the brake pads of the hopper winch.",
    }]))
    with psycopg.connect(panel.demo.target.conninfo, autocommit=True) as conn:
        run_import(conn, "demo", "runbooks", path)
        embed_missing(conn, make_embedder(panel.demo.settings), panel.demo.org_id)
    turn = ask(page, "classify this ticket: hopper winch brake slipping on the dredger, brake pads worn")
    assert turn["status"] == "completed"
    answer = page.locator("article.turn").last.locator(".answer")
    assert "Hopper winch brake slipping" in answer.inner_text() and PHISH in answer.inner_text()
    assert answer.locator("a[href*='evil.example']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert answer.locator(".inert-link").count() >= 1


def test_sign_out_ends_the_session(page: Any, panel: Panel) -> None:
    cookie = next(c for c in page.context.cookies() if c["name"] == "opsgraph_session")
    page.locator("#logout button").click()
    page.wait_for_selector("#login:not([hidden])")
    assert not [c for c in page.context.cookies() if c["name"] == "opsgraph_session"]
    replay = httpx.get(f"{panel.direct}/api/me", cookies={"opsgraph_session": cookie["value"]})
    assert replay.status_code == 401
