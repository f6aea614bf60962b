"""The chat panel in headless Chromium against a real uvicorn with the demo data (see conftest.py).

Each test drives the panel as a user would (keyboard included) and checks what it shows against the API
and Postgres: the live run, evidence, charts, feedback, a stream cut mid-answer, untrusted text, the
Tech Ops dashboard and investigations. Screenshots of the main views go to build/test-artifacts/screenshots/ (`make docs`: docs/screenshots/).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.conftest import Panel, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KPI_QUESTION = "why did OTP MX rate at DAL drop last week?"
DURATION = re.compile(r"^\d+(\.\d+)? (ms|s)$|^\d+ min \d+ s$")

# Records what the conversation looked like *while* a run was going (timeline steps running, partial answer).
WATCH = """() => {
  window.__seen = { runningAgent: false, runningTool: false, partialAnswer: false, maxSteps: 0 };
  const conv = document.querySelector('#conversation');
  new MutationObserver(() => {
    const turn = conv.querySelector('article.turn:last-of-type');
    if (!turn || turn.dataset.status === 'completed') return;
    const s = window.__seen;
    if (turn.querySelector('.tl-item.agent.running')) s.runningAgent = true;
    if (turn.querySelector('.tl-item.tool.running')) s.runningTool = true;
    const text = turn.querySelector('.answer-body').textContent;
    if (turn.dataset.status === 'running' && text.length > 0) s.partialAnswer = true;
    s.maxSteps = Math.max(s.maxSteps, turn.querySelectorAll('.tl-item').length);
  }).observe(conv, { subtree: true, childList: true, characterData: true, attributes: true });
}"""

TURN = ("(sel) => { const t = document.querySelectorAll('article.turn')[sel]; const o = t.__og; "
        "return {streamed: o.streamed, final: o.final, text: o.text, seqs: o.seqs, reconnects: o.reconnects, "
        "runId: o.runId, status: o.status}; }")


def ask(page: Any, question: str, *, timeout: float = 60_000) -> dict[str, Any]:
    """Type the question, press Enter, wait for the run to finish; returns the turn's record."""
    n = page.locator("article.turn").count()
    page.locator("#message").fill(question)
    page.locator("#message").press("Enter")
    page.wait_for_selector(f"article.turn:nth-of-type({n + 1})[data-status=completed]", timeout=timeout)
    return page.evaluate(TURN, n)


def test_ask_a_kpi_question_watch_it_live_open_evidence_and_copy(page: Any, panel: Panel) -> None:
    # Logged in through the token link: the session cookie is set (httpOnly) and the token left the URL.
    cookie = next(c for c in page.context.cookies() if c["name"] == "opsgraph_session")
    assert cookie["httpOnly"] and "token=" not in page.url
    assert page.locator("#who").inner_text() == "demo · admin"
    csp = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp

    # Shift+Enter is a new line, not a question.
    page.locator("#message").fill("draft")
    page.locator("#message").press("Shift+Enter")
    assert page.locator("#message").input_value() == "draft\n" and page.locator("article.turn").count() == 0
    page.locator("#message").fill("")

    page.evaluate(WATCH)
    turn = ask(page, KPI_QUESTION)
    seen = page.evaluate("window.__seen")
    assert seen["runningAgent"] and seen["partialAnswer"], seen  # the steps and the answer streamed in live

    run = panel.api("GET", f"/api/runs/{turn['runId']}").json()
    assert run["status"] == "completed" and run["route"] == ["kpi_analyst", "change_correlator"]
    assert turn["streamed"] == turn["final"] == run["answer"]  # every token once, in order

    # The timeline: each agent and tool with the duration it took (as recorded in the run).
    agents = page.locator("article.turn .tl-item.agent").evaluate_all(
        "els => els.map(e => ({agent: e.dataset.agent, dur: e.querySelector(':scope > .tl-row .dur').textContent, "
        "title: e.querySelector(':scope > .tl-row .dur').title, done: e.classList.contains('done')}))")
    assert [a["agent"] for a in agents] == [s["agent"] for s in run["steps"]]
    assert [a["agent"] for a in agents][:3] == ["coordinator", "kpi_analyst", "change_correlator"]
    for a, step in zip(agents, run["steps"], strict=True):
        assert a["done"] and DURATION.match(a["dur"]), a
        assert float(a["title"].removesuffix(" ms")) == pytest.approx(step["latency_ms"], abs=0.01)
    tools = page.locator("article.turn .tl-item.tool").evaluate_all(
        "els => els.map(e => ({tool: e.dataset.tool, dur: e.querySelector('.dur').textContent, "
        "chips: [...e.querySelectorAll('.chip')].map(c => Number(c.dataset.evidenceId))}))")
    assert [t["tool"] for t in tools] == [c["tool"] for c in run["tool_calls"]] == ["kpi_series", "correlate_changes"]
    for t, call in zip(tools, run["tool_calls"], strict=True):
        assert DURATION.match(t["dur"]) and t["chips"] == call["evidence_ids"]

    # The answer, with a chip per citation.
    cited = [int(i) for i in re.findall(r"\[E:(\d+)\]", run["answer"])]
    chips = page.locator("article.turn .answer-body .chip").evaluate_all("els => els.map(e => Number(e.dataset.evidenceId))")
    assert chips == cited and cited
    body = page.locator("article.turn .answer-body").inner_text()
    assert "KPI analysis" in body and "[E:" not in body and "**" not in body

    # The XmR chart, drawn by plotly.js as SVG: values, limits, quartile lines, signals, stage boundary.
    page.wait_for_selector("article.turn .chart[data-rendered=true] svg.main-svg")
    legend = page.locator("article.turn .chart .legendtext").evaluate_all("els => els.map(e => e.textContent)")
    for name in ("value", "centre", "upper limit", "lower limit", "upper quartile line"):
        assert name in legend, legend
    # one marker trace per signal state the tool found in the window (the demo's noise is honest: maybe none)
    found_states = set()
    for call in run["tool_calls"]:
        for eid in call["evidence_ids"] if call["tool"] == "kpi_series" else ():
            ev = panel.api("GET", f"/api/evidence/{eid}").json()
            if ev["kind"] == "signals":
                found_states |= {sig["state"] for sig in ev["payload"]["signals"]}
    assert {x.removesuffix(" signal") for x in legend if x.endswith(" signal")} == found_states, legend
    assert page.locator("article.turn .chart .shapelayer path").count() >= 1  # stage boundary
    assert page.locator("article.turn .chart .scatterlayer .trace").count() >= 6
    shot(page, "chat-answer-chart")
    # Only the conversation scrolls; the page itself fits the (laptop-sized) window.
    assert page.evaluate("document.scrollingElement.scrollHeight <= innerHeight")

    # Open the first chip from the keyboard: summary, how to reproduce it, its data as a table.
    first = page.locator("article.turn .answer-body .chip").first
    ev_id = int(first.get_attribute("data-evidence-id"))
    evidence = panel.api("GET", f"/api/evidence/{ev_id}").json()
    first.focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#evidence-drawer[open]")
    drawer.locator(".evidence-data table").first.wait_for()
    assert drawer.locator(".evidence-summary p").inner_text() == evidence["summary"]
    assert drawer.locator(".evidence-ref pre.query").inner_text() == evidence["ref"]["query"]
    args = dict(zip(drawer.locator(".evidence-ref table.kv th").all_inner_texts(),
                    drawer.locator(".evidence-ref table.kv td").all_inner_texts(), strict=True))
    assert args["kpi"] == "OTP_MX_RATE" and args["code"] == "DAL"
    assert evidence["kind"] == "kpi_series"
    points = drawer.locator("table.data", has=page.locator("caption", has_text=re.compile(r"^points")))
    assert points.locator("tbody tr").count() == len(evidence["payload"]["points"])
    assert "value" in points.locator("thead th").all_inner_texts()
    drawer.locator(".chart[data-rendered=true] svg.main-svg").first.wait_for()  # the series' chart, beside its data
    shot(page, "evidence-drawer")
    page.keyboard.press("Escape")
    page.wait_for_selector("#evidence-drawer[open]", state="detached")
    assert page.evaluate("document.activeElement.dataset.evidenceId") == str(ev_id)  # focus returns to the chip

    # Copy the answer as markdown.
    page.locator("article.turn .copy-md").click()
    assert page.evaluate("navigator.clipboard.readText()") == run["answer"]

    # The thread is listed; a new thread starts empty; the old one replays in full.
    link = page.locator(f"#thread-list a[data-thread-id='{run['thread_id']}']")
    assert link.get_attribute("aria-current") == "page"
    page.locator("#new-thread").click()
    page.wait_for_function("() => document.querySelectorAll('article.turn').length === 0")
    assert page.evaluate("document.activeElement.id") == "message"
    link.click()
    page.wait_for_selector("article.turn[data-status=completed] .chart[data-rendered=true] svg.main-svg")
    assert page.evaluate(TURN, 0)["final"] == run["answer"]
    assert page.locator("article.turn .tl-item.agent").count() == len(run["steps"])

    # Everything came from the service itself (no CDN), and nothing broke the CSP — plotly.js included: the
    # stylesheet it would inject for maplibre is linked from the service instead — nor said so in the console.
    assert all(r.url.startswith(panel.base) for r in page.requests), {r.url for r in page.requests}
    assert any(r.url == f"{panel.base}/static/plotly.min.js" for r in page.requests)
    assert page.evaluate("window.__csp") == [] and page.errors == []
    assert [m for m in page.console if "Content Security Policy" in m] == [], page.console
    assert "[object " not in page.locator("#app").inner_text()


def test_confirm_a_hypothesis_and_add_a_note_are_stored_as_feedback_events(page: Any, panel: Panel) -> None:
    turn = ask(page, "what caused INC-2046?")
    card = page.locator("article.turn .hypotheses[data-incident='INC-2046']")
    card.wait_for()
    first = card.locator("li.hyp").first
    subject = first.get_attribute("data-subject")
    incident = panel.api("GET", "/api/incidents/INC-2046").json()
    assert subject == incident["hypotheses"][0]["subject"]
    card.locator(".feedback-log li.empty").wait_for()

    first.locator("button.confirm").click()
    card.locator(".feedback-log li.kind-confirm").wait_for()
    assert first.get_attribute("data-verdict") == "confirmed"
    assert subject in card.locator(".feedback-log li.kind-confirm").inner_text()

    card.locator(".note-form input").fill("Rolled the flag back at 20:40; errors stopped.")
    card.locator(".note-form input").press("Enter")
    card.locator(".feedback-log li.kind-note").wait_for()

    rows = panel.sql(
        """SELECT f.kind, f.target_type, f.target_id, i.external_id, f.body FROM feedback_events f
           JOIN incidents i ON i.id = f.incident_id WHERE f.org_id = %s ORDER BY f.id""", panel.demo.org_id)
    assert ("confirm", "hypothesis", subject, "INC-2046", None) in rows
    assert ("note", "incident", "INC-2046", "INC-2046", "Rolled the flag back at 20:40; errors stopped.") in rows

    # Shown again after a reload, from the stored events.
    page.reload()
    page.wait_for_selector("body[data-ready=true] article.turn[data-status=completed]")
    card = page.locator("article.turn .hypotheses[data-incident='INC-2046']")
    card.locator(".feedback-log li.kind-confirm").wait_for()
    assert card.locator("li.hyp").first.get_attribute("data-verdict") == "confirmed"
    assert turn["status"] == "completed" and page.errors == []


def test_the_answer_resumes_after_the_network_drops_mid_stream(page: Any, panel: Panel) -> None:
    page.locator("#message").fill("draft the incident report for INC-2046")
    page.locator("#message").press("Enter")
    # Wait until part of the answer is on screen, then drop the network (open connections reset, new ones fail).
    page.wait_for_function("() => { const t = document.querySelector('article.turn'); "
                           "return t && t.__og.status === 'running' && t.__og.streamed.length > 150; }")
    panel.proxy.cut()
    page.context.set_offline(True)
    page.wait_for_selector("article.turn[data-connection=reconnecting]")
    assert page.locator("article.turn .run-state").inner_text().startswith("Connection lost")
    before = page.evaluate(TURN, 0)
    time.sleep(1.0)
    panel.proxy.restore()
    page.context.set_offline(False)
    page.wait_for_selector("article.turn[data-status=completed]", timeout=60_000)

    turn = page.evaluate(TURN, 0)
    run = panel.api("GET", f"/api/runs/{turn['runId']}").json()
    assert before["status"] == "running" and len(before["streamed"]) < len(run["answer"])  # it was cut mid-answer
    assert turn["reconnects"] >= 1
    assert turn["seqs"] == list(range(1, run["last_seq"] + 1))  # every event exactly once, none missing
    assert turn["streamed"] == turn["final"] == run["answer"]  # no text repeated or missing
    resumed = [r for r in page.requests if f"/api/runs/{turn['runId']}/events" in r.url]
    assert resumed and int(resumed[0].headers["last-event-id"]) >= len(before["seqs"]) > 0

    # The report is rendered from markdown: headings, the hypotheses table, lists, chips.
    body = page.locator("article.turn .answer-body")
    assert body.locator("h2").first.inner_text().startswith("Incident report: INC-2046")
    assert "Ranked hypotheses" in body.locator("h3").all_inner_texts()
    assert body.locator("table thead th").all_inner_texts()[:3] == ["rank", "cause", "confidence"]
    assert body.locator("ul li").count() >= 3 and body.locator("em").count() >= 1
    assert body.locator(".chip").count() == len(re.findall(r"\[E:\d+\]", run["answer"]))
    assert page.errors == []


XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'

HOSTILE_MARKDOWN = """# Title <script>window.__xss=4</script>
Some **bold** and *italic* and `code <b>x</b>` while OTP_MX_RATE and stage_shift stay snake_case.

[ok](https://example.com/x) [rel](/docs) [bad](javascript:window.__xss=5) [bad2](JaVaScRiPt:window.__xss=6) \
[bad3](java\tscript:window.__xss=7) [data](data:text/html,<script>window.__xss=8</script>)
A runbook said [fix here](http://evil.example/phish) and [proto](//evil.example/p).

<img src=x onerror="window.__xss=9">

| a | b |
| --- | --- |
| <b onclick="window.__xss=10">x</b> | [E:5] |

- item <svg onload="window.__xss=11"></svg>
  - nested *em*
1. first
"""


def test_untrusted_text_from_tickets_questions_and_markdown_stays_inert(page: Any, panel: Panel) -> None:
    resp = panel.api("POST", "/api/tickets", json={
        "external_id": "TCK-97001", "subject": f"ZTNA connector drops {XSS}",
        "content": f"Our ZTNA app connector disconnects every few minutes. {XSS} [click](javascript:window.__xss=3)",
        "created_at": "2026-11-20T08:00:00Z", "priority": "high", "customer_tier": "enterprise", "status": "open",
    })
    assert resp.status_code in (200, 201), resp.text
    first = ask(page, f"classify this ticket: ZTNA connector keeps dropping {XSS} [click me](javascript:window.__xss=3)")
    ask(page, "classify ticket TCK-97001 and tell me its SLA")
    assert first["status"] == "completed"

    # The hostile text is shown as text: in the question, the thread title, the timeline and the evidence.
    assert XSS in page.locator("article.turn .question p").first.inner_text()
    assert XSS in page.locator("#thread-list .thread-link.current .thread-title").inner_text()
    page.locator("article.turn .tl-item.tool .tl-details summary").first.click()
    assert "<script>" in page.locator("article.turn .tl-item.tool .tl-details dd").first.inner_text()
    chip = page.locator("article.turn:nth-of-type(2) .tl-item.tool .chip").first
    chip.click()
    drawer = page.locator("#evidence-drawer[open]")
    drawer.locator(".evidence-data").wait_for()
    drawer.locator("details summary").click()  # the raw JSON too
    subject = drawer.locator("table.kv tr", has=page.locator("th", has_text=re.compile("^subject$"))).locator("td")
    assert subject.inner_text() == f"ZTNA connector drops {XSS}"
    assert "<script>window.__xss=2</script>" in drawer.locator("details pre").inner_text()
    page.keyboard.press("Escape")

    # The safe renderer on hostile markdown: structure kept, HTML shown as text, unsafe links dropped.
    out = page.evaluate("""async (src) => {
        const { renderMarkdown } = await import('/static/markdown.js');
        const div = document.createElement('div');
        div.id = 'md-probe';
        div.append(renderMarkdown(src));
        document.body.append(div);
        await new Promise(r => setTimeout(r, 200));
        return { text: div.textContent, links: [...div.querySelectorAll('a')].map(a => a.getAttribute('href')),
                 tags: [...new Set([...div.querySelectorAll('*')].map(e => e.tagName.toLowerCase()))].sort(),
                 attrs: [...div.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)),
                 em: [...div.querySelectorAll('em')].map(e => e.textContent) };
    }""", HOSTILE_MARKDOWN)
    # Only the service's own pages are links; a link elsewhere (answers quote untrusted data) is inert text.
    assert out["links"] == ["/docs"]
    assert "ok <https://example.com/x>" in out["text"] and "fix here <http://evil.example/phish>" in out["text"]
    assert page.locator("#md-probe .inert-link").count() == 3
    assert {"h1", "strong", "em", "code", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li"} <= set(out["tags"])
    assert not {"script", "img", "svg", "b", "iframe", "object"} & set(out["tags"]), out["tags"]
    assert not [a for a in out["attrs"] if a.startswith("on") or a in ("src", "style")], out["attrs"]
    assert '<img src=x onerror="window.__xss=9">' in out["text"] and "<script>window.__xss=4</script>" in out["text"]
    assert out["em"] == ["italic", "em"]  # snake_case is not emphasis

    # Nothing ran.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#app script, #app img[src=x], [onerror], [onload], a[href^='javascript' i]").count() == 0
    assert page.evaluate("window.__csp") == [] and page.errors == []


def test_dashboard_signal_opens_an_investigation_which_is_then_finalised(page: Any, panel: Panel) -> None:
    page.keyboard.press("Alt+d")  # keyboard shortcut to the dashboard
    page.wait_for_selector("#view-dashboard:not([hidden]) .kpi-card")
    # The scope list is the organisation's own stations (first one selected); pick the demo's headline station.
    page.select_option("#dash-controls select[name=scope]", "DAL")
    page.wait_for_function("() => document.querySelector('#dash-controls select[name=scope]').value === 'DAL'")
    board = panel.api("GET", "/api/techops/dashboard/daily?station=DAL&summary_level=station").json()
    want = {c["kpi"]["code"]: c["state"] for c in board["cards"]}
    page.wait_for_function("(want) => Object.entries(want).every(([k, st]) => "
                           "document.querySelector(`.kpi-card[data-kpi='${k}']`)?.getAttribute('data-state') === st)",
                           arg=want)
    cards = page.locator(".kpi-card")
    assert cards.count() == len(board["cards"]) >= 6
    page.wait_for_function("(n) => document.querySelectorAll('.kpi-card .chart[data-rendered=true]').length === n",
                           arg=len(board["cards"]))
    for c in board["cards"]:
        el = page.locator(f".kpi-card[data-kpi='{c['kpi']['code']}']")
        assert el.get_attribute("data-state") == c["state"]
        if c["yoy_delta"] is not None:
            assert "YoY" in el.locator(".kpi-yoy").inner_text()
    otp = next(c for c in board["cards"] if c["kpi"]["code"] == "OTP_MX_RATE")
    assert otp["state"] == "critical"
    assert page.locator(".kpi-card[data-kpi=OTP_MX_RATE] .kpi-value").inner_text() == f"{otp['value']:.2f}%"
    shot(page, "dashboard")

    # Clicking the signal opens an investigation thread already asking about it.
    page.locator(".signal-list button.signal[data-kpi=OTP_MX_RATE]").click()
    page.wait_for_selector("#view-chat:not([hidden]) .investigation[data-status=open]")
    page.wait_for_selector("article.turn[data-status=completed]", timeout=60_000)
    assert re.match(r"#/t/[0-9a-f-]{36}$", page.evaluate("location.hash"))
    question = page.locator("article.turn .question p").inner_text()
    assert question.startswith("Why did On-time performance (maintenance) at DAL drop?")
    inv_id = int(page.locator(".investigation").get_attribute("data-investigation-id"))
    turn = page.evaluate(TURN, 0)
    steps = panel.sql("SELECT run_id::text FROM investigation_steps WHERE investigation_id = %s", inv_id)
    assert steps == [(turn["runId"],)]

    # Finalise: the top hypothesis as root cause, actions, notes, the evidence cited in the thread.
    hyp = page.locator("article.turn .hypotheses li.hyp").first
    subject = hyp.get_attribute("data-subject")
    hyp.locator("button", has_text="Use as root cause").click()
    dialog = page.locator("#finalize-dialog[open]")
    assert dialog.locator("textarea[name=root_cause]").input_value().startswith(subject)
    checked = dialog.locator("input[name=evidence]:checked").evaluate_all("els => els.map(e => Number(e.value))")
    assert checked
    dialog.locator("textarea[name=actions]").fill(f"Roll back {subject}\nAdd a canary check for parts-inventory")
    dialog.locator("textarea[name=notes]").fill("Confirmed with the DAL station manager.")
    shot(page, "investigation-finalise")
    dialog.locator("button.finalize-submit").click()
    page.wait_for_selector(".investigation[data-status=finalized]")
    assert page.locator(".investigation .root-cause").inner_text().startswith(subject)
    assert page.locator("button.use-root-cause").count() == 0
    shot(page, "investigation-finalised")

    status, root_cause = panel.sql("SELECT status, root_cause FROM investigations WHERE id = %s", inv_id)[0]
    assert status == "finalized" and root_cause.startswith(subject)
    actions = panel.sql("SELECT description FROM investigation_actions WHERE investigation_id = %s ORDER BY id", inv_id)
    assert actions == [(f"Roll back {subject}",), ("Add a canary check for parts-inventory",)]
    assert panel.sql("SELECT body FROM investigation_notes WHERE investigation_id = %s", inv_id) == [
        ("Confirmed with the DAL station manager.",)]
    linked = {r[0] for r in panel.sql("SELECT id FROM evidence WHERE investigation_id = %s", inv_id)}
    assert linked == set(checked)
    assert page.locator("#message").is_enabled() and page.errors == []
    assert "[object " not in page.locator("#app").inner_text()


def test_sign_in_with_a_pasted_key_and_read_it_in_the_dark_theme(browser: Any, panel: Panel) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{panel.base}/")
        page.wait_for_selector("#login:not([hidden])")  # no session yet: the sign-in screen
        assert page.locator("#app").is_hidden()
        page.locator("#token-input").fill(panel.token)
        page.locator("#token-input").press("Enter")
        page.wait_for_selector("body[data-ready=true]")
        assert "token=" not in page.url and page.locator("#login").is_hidden()
        ask(page, KPI_QUESTION)
        page.wait_for_selector("article.turn .chart[data-rendered=true] svg.main-svg")
        colours = page.evaluate("""() => {
            const lum = (c) => { const [r, g, b] = c.match(/\\d+/g).map(Number).map(v => v / 255)
                .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const bg = getComputedStyle(document.body).backgroundColor;
            const ans = document.querySelector('.answer');
            const fg = getComputedStyle(ans).color, panelBg = getComputedStyle(ans).backgroundColor;
            const contrast = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
            return { bg: lum(bg), contrast: contrast(fg, panelBg) };
        }""")
        assert colours["bg"] < 0.05 and colours["contrast"] >= 7, colours
        shot(page, "chat-dark")
    finally:
        context.close()
