"""``POST /slack/events`` end to end: requests signed exactly as Slack signs them, a fake Slack Web API and
``response_url`` on 127.0.0.1, the real assistant (offline provider) on the demo data."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

import pytest

from tests.slack.conftest import PANEL, SECRET, db_rows, running_service, slack_settings
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, command_body, event_body, sign

pytestmark = pytest.mark.timeout(180)


def _key() -> str:
    return uuid.uuid4().hex[:12]


def slack_runs(demo, question_like: str) -> list[tuple]:
    return db_rows(demo, "SELECT id, status, thread_id, trigger, answer FROM runs WHERE org_id = %s AND question LIKE %s "
                         "ORDER BY created_at", demo.org_id, question_like)


async def test_slash_command_acks_at_once_then_posts_the_answer_with_hypotheses_and_evidence_links(
        service, fake, slack_demo):
    head = slack_demo.manifest["headline"]
    key = _key()
    question = f"why did OTP MX rate at DAL drop last week? ({key})"
    service.provider.gate.clear()  # hold the run open: the ack must not wait for it
    try:
        t0 = time.monotonic()
        resp = await service.command(command_body(question, response_url=fake.response_url(key)))
        ack_seconds = time.monotonic() - t0
        assert resp.status_code == 200, resp.text
        ack = resp.json()
        assert ack["response_type"] == "ephemeral" and "investigating" in ack["text"]
        assert ack_seconds < 3.0
        await asyncio.sleep(0.3)
        runs = slack_runs(slack_demo, f"%{key}%")
        assert all(r[1] in ("queued", "running") for r in runs), "the run is still going after the ack"
        assert not fake.responses(key), "nothing is posted before the run finishes"
    finally:
        service.provider.gate.set()
    calls = await fake.wait_for(lambda: fake.responses(key))
    assert len(calls) == 1
    posted = calls[0].body
    assert posted["response_type"] == "in_channel"
    (run_id, status, _thread_id, trigger, answer), = slack_runs(slack_demo, f"%{key}%")
    assert status == "completed" and trigger == "slack"
    text = calls[0].blocks_text()
    # the answer (its first line, citations turned into evidence links) …
    assert head["cause"]["external_id"] in text
    assert re.search(r"shifted down", text)
    # … the top hypotheses with their confidence …
    assert "Top hypotheses" in text and re.search(r"confidence \*0\.\d\d\*", text)
    # … and links to the run and its evidence in the panel.
    assert f"{PANEL}/#/runs/{run_id}" in text
    cited = set(map(int, re.findall(r"\[E:(\d+)\]", answer)))
    linked = set(map(int, re.findall(re.escape(PANEL) + r"/#/evidence/(\d+)", text)))
    assert cited and cited <= linked
    # the same records as the chat panel: steps, tool calls, evidence, gapless events
    (route,), = db_rows(slack_demo, "SELECT route FROM runs WHERE id = %s", run_id)
    assert route == ["kpi_analyst", "change_correlator"]
    agents = [s[0] for s in db_rows(slack_demo, "SELECT agent FROM run_steps WHERE run_id = %s ORDER BY position", run_id)]
    assert {"kpi_analyst", "change_correlator"} <= set(agents)
    tools = [t[0] for t in db_rows(slack_demo, "SELECT tool FROM tool_calls WHERE run_id = %s ORDER BY id", run_id)]
    assert tools == ["kpi_series", "correlate_changes"]
    seqs = [r[0] for r in db_rows(slack_demo, "SELECT seq FROM run_events WHERE run_id = %s ORDER BY seq", run_id)]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 3
    (ev,), = db_rows(slack_demo, "SELECT count(*) FROM evidence WHERE run_id = %s", run_id)
    assert ev >= len(cited)
    # Slack's limits on blocks
    blocks = posted["blocks"]
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


@pytest.mark.parametrize(
    ("text", "route", "expect"),
    [
        ("signals DAL", ["kpi_analyst"], "DAL"),
        ("triage How do I export the URL filtering report from the web proxy?", ["ticket_triager"],
         "Classified as"),
        ("sla {ticket}", ["ticket_triager"], "SLA for {ticket}"),
        ("report {incident}", ["report_writer"], "Incident report: {incident}"),
    ],
)
async def test_subcommands_run_the_same_graph(service, fake, slack_demo, text, route, expect):
    ticket = slack_demo.manifest["tickets"]["test"][0]
    incident = slack_demo.manifest["incidents"][0]["external_id"]
    text, expect = text.format(ticket=ticket, incident=incident), expect.format(ticket=ticket, incident=incident)
    key = _key()
    before = {r[0] for r in db_rows(slack_demo, "SELECT id FROM runs WHERE trigger = 'slack'")}
    resp = await service.command(command_body(text, response_url=fake.response_url(key)))
    assert resp.status_code == 200 and "investigating" in resp.json()["text"]
    call, = await fake.wait_for(lambda: fake.responses(key))
    new = db_rows(slack_demo, "SELECT id, route, status FROM runs WHERE trigger = 'slack' AND id <> ALL(%s)", list(before))
    assert len(new) == 1 and new[0][2] == "completed" and new[0][1] == route
    assert expect in call.blocks_text()


async def test_help_and_usage_answer_in_the_ack_without_a_run(service, fake, slack_demo):
    n = db_rows(slack_demo, "SELECT count(*) FROM runs")[0][0]
    for text in ("help", "", "report"):
        resp = await service.command(command_body(text, response_url=fake.response_url(_key())))
        assert resp.status_code == 200
        body = resp.json()
        assert body["response_type"] == "ephemeral"
        assert "signals STATION" in json.dumps(body["blocks"])
    assert "needs an incident" in json.dumps(body["blocks"])
    await service.idle()
    assert db_rows(slack_demo, "SELECT count(*) FROM runs")[0][0] == n
    assert not fake.calls or all(c.method == "auth.test" for c in fake.calls)


@pytest.mark.parametrize("case", ["wrong_secret", "stale", "future", "missing", "malformed", "tampered"])
async def test_bad_signatures_answer_401_and_do_nothing(service, fake, slack_demo, case):
    key = _key()
    body = command_body(f"why did OTP MX rate at DAL drop? {key}", response_url=fake.response_url(key))
    kw: dict = {}
    if case == "wrong_secret":
        kw["secret"] = "not-the-secret"
    elif case == "stale":
        kw["timestamp"] = int(time.time()) - 5 * 60 - 5
    elif case == "future":
        kw["timestamp"] = int(time.time()) + 5 * 60 + 5
    elif case == "missing":
        kw["signed"] = False
    elif case == "malformed":
        kw["signed"] = False
        kw["headers"] = {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=abc"}
    if case == "tampered":  # signed for one body, sent with another
        resp = await service.client.post("/slack/events", content=(body + "&text=other").encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  **sign(SECRET, body)})
    else:
        resp = await service.command(body, **kw)
    assert resp.status_code == 401
    await asyncio.sleep(0.3)
    await service.idle()
    assert slack_runs(slack_demo, f"%{key}%") == []
    assert not fake.responses(key) and not fake.api("chat.postMessage")


async def test_a_signature_within_the_window_is_accepted(service, fake):
    resp = await service.command(command_body("help", response_url=fake.response_url(_key())),
                                 timestamp=int(time.time()) - 4 * 60)
    assert resp.status_code == 200


async def test_url_verification_challenge(service):
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    resp = await service.event(body)
    assert resp.status_code == 200 and resp.json()["challenge"].startswith("3eZbrw")
    assert (await service.event(body, secret="wrong")).status_code == 401


def _mention(text: str, *, channel: str, ts: str, thread_ts: str | None = None, user: str = "U0USER001") -> dict:
    e = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel,
         "event_ts": ts, "team": TEAM_ID}
    if thread_ts:
        e["thread_ts"] = thread_ts
    return e


def _message(text: str, *, channel: str, ts: str, thread_ts: str | None = None, user: str = "U0USER001",
             channel_type: str = "channel") -> dict:
    e = {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
         "channel_type": channel_type, "team": TEAM_ID}
    if thread_ts:
        e["thread_ts"] = thread_ts
    return e


async def test_mention_then_thread_reply_continue_one_thread_with_its_memory(service, fake, slack_demo):
    channel, root = "C0THREAD1", fake.next_ts()
    resp = await service.event(event_body(_mention("how is OTP MX rate at DAL doing over the past 30 days?",
                                                   channel=channel, ts=root)))
    assert resp.status_code == 200
    await fake.wait_for(lambda: fake.api("chat.update", channel=channel))
    await service.idle()
    thread = db_rows(slack_demo, "SELECT id FROM threads WHERE org_id = %s AND slack_channel = %s AND slack_thread_ts = %s",
                     slack_demo.org_id, channel, root)
    assert len(thread) == 1
    thread_id = thread[0][0]
    placeholder, = fake.api("chat.postMessage", channel=channel)
    assert placeholder.body["thread_ts"] == root and "investigating" in placeholder.body["text"]
    first, = fake.api("chat.update", channel=channel)
    assert "OTP" in first.blocks_text() and "DAL" in first.blocks_text()

    # A reply in the bot's thread, without a mention: same opsgraph thread, and "and PHX?" means OTP MX at PHX.
    reply_ts = fake.next_ts()
    resp = await service.event(event_body(_message("and PHX?", channel=channel, ts=reply_ts, thread_ts=root)))
    assert resp.status_code == 200
    await fake.wait_for(lambda: len(fake.api("chat.update", channel=channel)) == 2)
    await service.idle()
    runs = db_rows(slack_demo, "SELECT thread_id, question, answer, trigger, status FROM runs WHERE thread_id = %s "
                               "ORDER BY created_at", thread_id)
    assert [r[1] for r in runs] == ["how is OTP MX rate at DAL doing over the past 30 days?", "and PHX?"]
    assert all(r[3] == "slack" and r[4] == "completed" for r in runs)
    assert "PHX" in runs[1][2] and re.search(r"on-time|OTP", runs[1][2], re.I), "the follow-up kept the KPI"
    second = fake.api("chat.update", channel=channel)[1]
    assert "PHX" in second.blocks_text()
    assert all(c.body.get("thread_ts") == root for c in fake.api("chat.postMessage", channel=channel))


async def test_messages_outside_the_bots_threads_are_ignored(service, fake, slack_demo):
    channel = "C0QUIET01"
    root = fake.next_ts()
    for e in (_message("why did OTP MX rate at DAL drop?", channel=channel, ts=root),
              _message("and PHX?", channel=channel, ts=fake.next_ts(), thread_ts=root),
              {**_message("bot talk", channel=channel, ts=fake.next_ts(), thread_ts=root), "bot_id": "B0OTHER01"},
              {**_message("edited", channel=channel, ts=fake.next_ts()), "subtype": "message_changed"}):
        assert (await service.event(event_body(e))).status_code == 200
    await asyncio.sleep(0.3)
    await service.idle()
    assert db_rows(slack_demo, "SELECT count(*) FROM threads WHERE slack_channel = %s", channel)[0][0] == 0
    assert not fake.api("chat.postMessage", channel=channel)


async def test_a_retried_event_never_starts_a_second_run(service, fake, slack_demo):
    channel, ts = "C0RETRY01", fake.next_ts()
    body = event_body(_mention("what caused INC-2042?", channel=channel, ts=ts), event_id=f"Ev{_key()}")
    service.provider.gate.clear()
    try:
        first = await service.event(body)
        # Slack retries (same event id, X-Slack-Retry-Num), even concurrently with each other …
        retries = await asyncio.gather(*[
            service.event(body, headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
            for n in (1, 2)
        ])
        assert first.status_code == 200 and all(r.status_code == 200 for r in retries)
        # … and after a restart, when no in-memory cache remembers it: Postgres does.
        service.runtime._seen.clear()
        again = await service.event(body, headers={"X-Slack-Retry-Num": "3", "X-Slack-Retry-Reason": "http_timeout"})
        assert again.status_code == 200
        # The same message delivered as a `message` event too (it mentions the bot, in the bot's thread).
        await service.event(event_body(_message(f"<@{BOT_USER_ID}> what caused INC-2042?", channel=channel, ts=ts,
                                                thread_ts=ts)))
    finally:
        service.provider.gate.set()
    await fake.wait_for(lambda: fake.api("chat.update", channel=channel))
    await asyncio.sleep(0.3)
    await service.idle()
    runs = db_rows(slack_demo, "SELECT r.id FROM runs r JOIN threads t ON t.id = r.thread_id "
                               "WHERE t.slack_channel = %s AND t.slack_thread_ts = %s", channel, ts)
    assert len(runs) == 1
    assert len(fake.api("chat.postMessage", channel=channel)) == 1
    assert len(fake.api("chat.update", channel=channel)) == 1


async def test_a_retried_event_is_deduplicated_across_a_restart(slack_demo, fake):
    channel, ts = "C0RESTART", fake.next_ts()
    body = event_body(_mention("what caused INC-2042?", channel=channel, ts=ts), event_id=f"Ev{_key()}")
    async with running_service(slack_demo, fake) as svc:
        assert (await svc.event(body)).status_code == 200
        await fake.wait_for(lambda: fake.api("chat.update", channel=channel))
        await svc.idle()
    async with running_service(slack_demo, fake) as svc:  # a new process: nothing in memory
        assert (await svc.event(body, headers={"X-Slack-Retry-Num": "1"})).status_code == 200
        await asyncio.sleep(0.5)
        await svc.idle()
    runs = db_rows(slack_demo, "SELECT r.id FROM runs r JOIN threads t ON t.id = r.thread_id "
                               "WHERE t.slack_channel = %s", channel)
    assert len(runs) == 1 and len(fake.api("chat.postMessage", channel=channel)) == 1


async def test_direct_messages_are_questions_and_their_threads_continue(service, fake, slack_demo):
    channel, ts = "D0DIRECT1", fake.next_ts()
    await service.event(event_body(_message("What caused INC-2042?", channel=channel, ts=ts, channel_type="im")))
    await fake.wait_for(lambda: fake.api("chat.update", channel=channel))
    await service.idle()
    (thread_id,), = db_rows(slack_demo, "SELECT id FROM threads WHERE slack_channel = %s AND slack_thread_ts = %s",
                            channel, ts)
    assert db_rows(slack_demo, "SELECT count(*) FROM runs WHERE thread_id = %s", thread_id)[0][0] == 1


async def test_an_unlinked_workspace_is_told_how_to_link_and_link_works(service, fake, slack_demo):
    from sqlalchemy.orm import Session

    from store.db import make_sync_engine
    from store.keys import create_key

    team = "T0NEWTEAM"
    key = _key()
    resp = await service.command(command_body(f"what caused INC-2042? {key}", team_id=team,
                                              response_url=fake.response_url(key)))
    assert resp.status_code == 200
    call, = await fake.wait_for(lambda: fake.responses(key))
    assert "not linked" in call.blocks_text() and call.body["response_type"] == "ephemeral"
    assert slack_runs(slack_demo, f"%{key}%") == []

    engine = make_sync_engine(slack_demo.target)
    with Session(engine) as s, s.begin():
        admin, _ = create_key(s, org_slug="slack-other", role="admin", name="slack-link")
        viewer, _ = create_key(s, org_slug="slack-other", role="viewer", name="slack-link-viewer")
        demo_admin, _ = create_key(s, org_slug="demo", role="admin", name="slack-link-demo")
    engine.dispose()
    bad = await service.command(command_body(f"link {viewer.key}", team_id=team, response_url=fake.response_url(key)))
    assert "needs an admin key" in bad.text
    taken = await service.command(command_body(f"link {demo_admin.key}", team_id=team,
                                               response_url=fake.response_url(key)))
    assert "already linked to another Slack workspace" in taken.text
    ok = await service.command(command_body(f"link {admin.key}", team_id=team, response_url=fake.response_url(key)))
    assert ok.status_code == 200 and "now linked" in ok.text and ok.json()["response_type"] == "ephemeral"
    assert db_rows(slack_demo, "SELECT slug FROM orgs WHERE slack_team_id = %s", team) == [("slack-other",)]
    assert admin.key not in json.dumps(db_rows(slack_demo, "SELECT context FROM threads"))


async def test_response_url_budget_then_chat_post_message(service, fake):
    from api.slack.responder import Responder

    now = [1000.0]
    responder = Responder(service.runtime.client, max_uses=5, max_age_seconds=1800, clock=lambda: now[0])
    key = _key()
    target = responder.target(fake.response_url(key), "C0BUDGET1")
    vias = [(await responder.post(target, f"update {i}", [])).via for i in range(7)]
    assert vias == ["response_url"] * 5 + ["chat.postMessage"] * 2
    assert len(fake.responses(key)) == 5 and len(fake.api("chat.postMessage", channel="C0BUDGET1")) == 2

    late = responder.target(fake.response_url(key + "late"), "C0BUDGET2")
    now[0] += 30 * 60 + 1  # 30 minutes later the URL is no longer used
    assert (await responder.post(late, "late", [])).via == "chat.postMessage"
    assert not fake.responses(key + "late")

    fake.response_url_status = 404  # an expired URL: fall back
    gone = responder.target(fake.response_url(key + "gone"), "C0BUDGET3")
    assert (await responder.post(gone, "gone", [])).via == "chat.postMessage"


async def test_answer_falls_back_to_chat_post_message_and_links_the_thread(service, fake, slack_demo):
    key = _key()
    fake.response_url_status = 410
    resp = await service.command(command_body(f"What caused INC-2042? ({key})", channel_id="C0FALLBK1",
                                              response_url=fake.response_url(key)))
    assert resp.status_code == 200
    post, = await fake.wait_for(lambda: fake.api("chat.postMessage", channel="C0FALLBK1"))
    await service.idle()
    (_thread_id, ch, ts), = db_rows(slack_demo, "SELECT t.id, t.slack_channel, t.slack_thread_ts FROM runs r "
                                               "JOIN threads t ON t.id = r.thread_id WHERE r.question LIKE %s", f"%{key}%")
    assert (ch, ts) == ("C0FALLBK1", post.response["ts"]), "replies to the posted answer continue the thread"
    assert "Top hypotheses" in post.blocks_text()


async def test_without_credentials_slack_answers_503_and_the_rest_works(slack_demo, fake):
    settings = slack_settings(slack_demo, SLACK_SIGNING_SECRET="", SLACK_BOT_TOKEN="")
    async with running_service(slack_demo, fake, settings=settings, alert_interval=0.05) as svc:
        resp = await svc.command(command_body("help", response_url=fake.response_url("x")))
        assert resp.status_code == 503 and "SLACK_SIGNING_SECRET" in resp.json()["detail"]
        assert (await svc.client.get("/health")).status_code == 200
        assert svc.runtime.scheduler is None
        await asyncio.sleep(0.2)
    assert not fake.calls


async def test_over_real_http_with_uvicorn(slack_demo, fake):
    """The same wiring under uvicorn: the router's lifespan starts with the app's, the ack comes back over TCP."""
    import socket
    import threading

    import httpx
    import uvicorn

    from api.app import create_app
    from api.slack import SlackOptions
    from tests.slack.conftest import NOW

    settings = slack_settings(slack_demo)
    app = create_app(settings, target=slack_demo.target, run_migrations=False, clock=lambda: NOW,
                     slack=SlackOptions(public_url=PANEL, api_url=fake.api_url, alert_interval_seconds=0))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            await asyncio.sleep(0.05)
        key = _key()
        body = command_body(f"What caused INC-2042? ({key})", response_url=fake.response_url(key))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            t0 = time.monotonic()
            resp = await http.post("/slack/events", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)})
            assert resp.status_code == 200 and "investigating" in resp.json()["text"]
            assert time.monotonic() - t0 < 3.0
            bad = await http.post("/slack/events", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", **sign("wrong", body)})
            assert bad.status_code == 401
        call, = await fake.wait_for(lambda: fake.responses(key))
        assert "Top hypotheses" in call.blocks_text()
        assert len(slack_runs(slack_demo, f"%{key}%")) == 1
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)


async def test_a_quick_follow_up_waits_for_the_answer_it_follows(service, fake, slack_demo):
    channel, root = "C0QUICK01", fake.next_ts()
    service.provider.gate.clear()
    try:
        await service.event(event_body(_mention("why did OTP MX rate at DAL drop last week?", channel=channel, ts=root)))
        await fake.wait_for(lambda: fake.api("chat.postMessage", channel=channel))  # "investigating…" is up
        await service.event(event_body(_message("and PHX?", channel=channel, ts=fake.next_ts(), thread_ts=root)))
        await asyncio.sleep(0.3)
    finally:
        service.provider.gate.set()
    await fake.wait_for(lambda: len(fake.api("chat.update", channel=channel)) == 2)
    await service.idle()
    runs = db_rows(slack_demo, "SELECT r.started_at, r.finished_at, r.answer FROM runs r JOIN threads t "
                               "ON t.id = r.thread_id WHERE t.slack_channel = %s ORDER BY r.created_at", channel)
    assert len(runs) == 2 and runs[1][0] >= runs[0][1], "the follow-up started after the first answer"
    assert "PHX" in runs[1][2] and re.search(r"on-time|OTP", runs[1][2], re.I)


async def test_set_team_links_and_unlinks_by_slug(service, slack_demo):
    """``store.slack.set_team``: what a CLI or an admin script calls instead of ``/opsgraph link``."""
    import psycopg

    from store.slack import org_for_team, set_team

    sessions = service.app.state.opsgraph.sessions
    assert await set_team(sessions, "slack-set-team", "T0SETTEAM") is False  # no such organisation
    with psycopg.connect(slack_demo.target.conninfo, autocommit=True) as conn:
        conn.execute("INSERT INTO orgs (slug, name) VALUES ('slack-set-team', 'x') ON CONFLICT DO NOTHING")
    assert await set_team(sessions, "slack-set-team", "T0SETTEAM") is True
    assert (await org_for_team(sessions, "T0SETTEAM")).slug == "slack-set-team"
    assert await set_team(sessions, "slack-set-team", None) is True
    assert await org_for_team(sessions, "T0SETTEAM") is None
    assert (await org_for_team(sessions, TEAM_ID)).id == slack_demo.org_id
