"""The pure parts of the Slack app: command grammar, Slack text in, mrkdwn and Block Kit out, alert logic."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from api.slack.alerts import collapse_sla, signal_changes
from api.slack.blocks import PanelLinks, help_message, hypotheses_from, run_result, signal_digest, sla_digest
from api.slack.config import SlackOptions
from api.slack.text import chunks, clean_text, mentions, parse_command, to_mrkdwn
from store.runs import EvidenceBrief, RunRecord

LINKS = PanelLinks("http://panel.test")


def test_subcommands_become_questions_for_the_same_graph():
    assert parse_command("signals DAL").question == "What are the active KPI signals at DAL?"
    assert parse_command("SIGNALS phx").question == "What are the active KPI signals at phx?"
    assert parse_command("triage VPN is down").question == "Classify this ticket: VPN is down"
    assert parse_command("sla TCK-10001").question == "What is the SLA of ticket TCK-10001?"
    assert parse_command("sla").question == "Which tickets are at risk of breaching SLA?"
    assert parse_command("report INC-2042").question == "Draft the incident report for INC-2042"
    assert parse_command("why did OTP MX rate at DAL drop last week?").question == \
        "why did OTP MX rate at DAL drop last week?"
    assert parse_command("why &amp; how?").question == "why & how?"
    for text in ("", "  ", "help", "HELP", "?"):
        assert parse_command(text).kind == "help"
    for text in ("signals", "triage", "report", "link"):
        c = parse_command(text)
        assert c.kind == "usage" and text in c.argument
    assert parse_command("link og_abc extra").argument == "og_abc"


def test_slack_text_is_cleaned():
    assert clean_text("<@U0BOT> why did <@U1|ann> see <#C1|ops> <https://x.io|this> &lt;b&gt; &amp;",
                      bot_user_id="U0BOT") == "why did @U1 see #ops this <b> &"
    assert clean_text("<!here> hi") == "hi"
    assert mentions("hey <@U0BOT> x", "U0BOT") and not mentions("hey <@U0BOTX>", "U0BOT")
    assert not mentions("anything", None)


def test_markdown_becomes_safe_mrkdwn_with_evidence_links():
    md = ("# Report\n**bold** and __it__ [E:12] <!channel> <@U1> & co\n- item [docs](https://d.io/x)\n"
          "> quoted\n```\n**raw** <b>\n```\n| a | b |\n| --- | --- |\n| 1 | [E:3] |")
    out = to_mrkdwn(md, LINKS.evidence)
    assert out.splitlines()[0] == "*Report*"
    assert "*bold* and _it_ <http://panel.test/#/evidence/12|E:12>" in out
    assert "&lt;!channel&gt; &lt;@U1&gt; &amp; co" in out  # no broadcast, no mention smuggled in
    assert "• item docs (`https://d.io/x`)" in out  # links from data are inert text (issue 14)
    assert "> quoted" in out
    assert "```\n**raw** &lt;b&gt;\n```" in out
    assert "*a · b*\n• 1 · <http://panel.test/#/evidence/3|E:3>" in out


def test_chunks_respect_the_limit_and_links():
    text = ("word " * 400 + "<http://panel.test/#/evidence/1|E:1> " + "end " * 400).strip()
    parts = chunks(text, 500)
    assert all(len(p) <= 500 for p in parts)
    assert "".join(p.replace(" ", "") for p in parts) == text.replace(" ", "")
    assert any("<http://panel.test/#/evidence/1|E:1>" in p for p in parts)


def _record(**kw) -> RunRecord:
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    base = {"id": uuid.uuid4(), "thread_id": uuid.uuid4(), "trigger": "slack", "status": "completed", "question": "q?",
                "answer": "A [E:1]", "error": None, "provider": "offline", "model": None, "route": ["kpi_analyst"], "created_at": now,
                "started_at": now, "finished_at": now + dt.timedelta(seconds=2), "prompt_tokens": 0, "completion_tokens": 0,
                "cost_usd": 0.0, "last_seq": 5,
                "evidence": [EvidenceBrief(id=i, kind="kpi_series", source="t", summary="s", step_id=None,
                                        tool_call_id=None) for i in range(1, 31)]}
    return RunRecord(**(base | kw))


def test_run_result_stays_within_slacks_limits():
    long_answer = "\n\n".join(f"Paragraph {i} " + "x" * 1500 + " [E:1]" for i in range(40))
    text, blocks = run_result(_record(answer=long_answer), LINKS, user_id="U1",
                              hypotheses=hypotheses_from([{"hypotheses": [
                                  {"subject": f"DEP-{i}", "confidence": i / 10, "rank": 6 - i} for i in range(6)]}]))
    assert len(blocks) <= 50 and len(text) <= 300
    for b in blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
    dump = json.dumps(blocks)
    assert "continues in the panel" in dump
    assert "+18 more" in dump  # 30 evidence items, 12 linked
    assert dump.count("confidence *") == 3 and "DEP-5" in dump and "DEP-0" not in dump


def test_failed_run_says_so():
    text, blocks = run_result(_record(status="failed", answer=None, error="the run hit its time limit"), LINKS)
    assert "did not finish" in text and "time limit" in json.dumps(blocks)


def test_hypotheses_are_merged_and_ranked():
    got = hypotheses_from([{"hypotheses": [{"subject": "A", "confidence": 0.2, "rank": 2},
                                           {"subject": "B", "confidence": 0.7, "rank": 1}]},
                           {"hypotheses": [{"subject": "A", "confidence": 0.4, "rank": 1}]}, {}])
    assert [(h["subject"], h["confidence"]) for h in got] == [("B", 0.7), ("A", 0.4)]


def test_help_lists_every_subcommand():
    dump = json.dumps(help_message("/ops")[1])
    for sub in ("signals STATION", "triage TEXT", "sla TICKET", "report INCIDENT", "link API_KEY", "help"):
        assert sub in dump
    assert "/ops " in dump


def test_sla_collapse_keeps_the_worst_state_per_clock():
    d = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    rows = [
        {"id": 1, "ticket_id": 1, "alert_type": "response", "state": "at_risk", "escalation_level": 1, "deadline": d,
         "external_id": "T1"},
        {"id": 2, "ticket_id": 1, "alert_type": "response", "state": "breached", "escalation_level": 2, "deadline": d,
         "external_id": "T1"},
        {"id": 3, "ticket_id": 1, "alert_type": "resolution", "state": "at_risk", "escalation_level": 1,
         "deadline": d, "external_id": "T1"},
        {"id": 4, "ticket_id": 2, "alert_type": "response", "state": "breached", "escalation_level": 3, "deadline": d,
         "external_id": "T2"},
    ]
    assert [r["id"] for r in collapse_sla(rows)] == [4, 2, 3]
    text, blocks = sla_digest(collapse_sla(rows), LINKS, total=3, limit=2)
    dump = json.dumps(blocks)
    assert "2 breached, 1 at risk" in text and "escalation level *3*" in dump and "and 1 more" in dump


def test_signal_changes_are_transitions():
    prev = {"station:DAL:OTP": "critical", "station:PHX:OTP": "cleared", "station:HOU:OTP": "critical"}
    appeared, cleared = signal_changes(prev, ["station:DAL:OTP", "station:PHX:OTP", "station:DAL:NEW"],
                                       {"station:DAL", "station:PHX"})
    assert appeared == ["station:DAL:NEW", "station:PHX:OTP"]  # new, and back after clearing
    assert cleared == []  # HOU was not checked this time: left as it was
    assert signal_changes(prev, [], {"station:HOU"}) == ([], ["station:HOU:OTP"])
    text, blocks = signal_digest([{"kpi": "OTP", "kpi_name": "OTP <MX>", "scope_code": "DAL", "scope_label": "DAL",
                                   "date": "2026-11-19", "value": 1.0, "rule": "beyond_limits", "side": "below",
                                   "lcl": 2.0, "ucl": 3.0, "cl": 2.5, "evidence_id": 9}], LINKS, limit=5)
    assert "OTP at DAL" in text and "OTP &lt;MX&gt;" in json.dumps(blocks) and "/#/evidence/9" in json.dumps(blocks)


def test_options_normalise_urls(monkeypatch):
    monkeypatch.setenv("OPSGRAPH_PUBLIC_URL", "https://ops.example.com/")
    monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", "http://127.0.0.1:9/api")
    o = SlackOptions()
    assert o.public_url == "https://ops.example.com" and o.api_url == "http://127.0.0.1:9/api/"
    assert SlackOptions(public_url="http://x/").public_url == "http://x"


def test_the_manifest_points_every_url_at_slack_events():
    from pathlib import Path

    import yaml

    import api.slack

    m = yaml.safe_load((Path(api.slack.__file__).with_name("manifest.yaml")).read_text())
    urls = [m["features"]["slash_commands"][0]["url"], m["settings"]["event_subscriptions"]["request_url"],
            m["settings"]["interactivity"]["request_url"]]
    assert all(u.endswith("/slack/events") for u in urls)
    assert m["features"]["slash_commands"][0]["command"] == "/opsgraph"
    assert {"commands", "app_mentions:read", "chat:write", "channels:history", "groups:history", "im:history"} <= \
        set(m["oauth_config"]["scopes"]["bot"])
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == \
        {"app_mention", "message.channels", "message.groups", "message.im"}
    assert m["features"]["app_home"]["messages_tab_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is False


def test_create_app_takes_the_slack_options_and_mounts_one_route():
    from fastapi import FastAPI

    from api.app import create_app
    from api.slack import mount_slack
    from store.settings import Settings

    options = SlackOptions(api_url="http://127.0.0.1:9/api/")
    app = create_app(Settings(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-2"), slack=options)
    runtime = app.state.slack
    assert runtime.enabled and runtime.options is options
    paths = [getattr(x, "path", None) for r in app.router.routes
             for x in [r, *getattr(getattr(r, "original_router", None), "routes", [])]]
    assert paths.count("/slack/events") == 1
    assert "/slack/events" not in app.openapi()["paths"]
    with pytest.raises(RuntimeError, match="already mounted"):
        mount_slack(app, Settings(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-3"))
    off = mount_slack(FastAPI(), Settings(SLACK_SIGNING_SECRET="  ", SLACK_BOT_TOKEN="xoxb-3"))
    assert not off.enabled
