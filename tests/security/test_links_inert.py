"""Issue 14 item 4: links that come from data (runbooks, tickets, commit messages quoted in answers) are inert
wherever they are shown — the panel's markdown renderer (run here under Node with a minimal DOM; the browser
suite checks it in Chromium too) and Slack mrkdwn."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from api.slack.text import to_mrkdwn
from tests.conftest import REPO

PHISH = "Restart the berth planner [fix here](http://evil.example/phish) then check <https://evil.example/x|the queue>."

SHIM = r"""
class Node { constructor() { this.childNodes = []; }
  append(...cs) { for (const c of cs) this.childNodes.push(typeof c === 'string' ? new Text(c) : c); }
  appendChild(c) { this.append(c); return c; }
  get textContent() { return this.childNodes.map(c => c.textContent).join(''); } }
class Text extends Node { constructor(t) { super(); this.t = String(t); } get textContent() { return this.t; } }
class Element extends Node {
  constructor(tag) { super(); this.tagName = tag.toUpperCase(); this.attrs = {}; this.dataset = {}; }
  setAttribute(k, v) { this.attrs[k] = String(v); } getAttribute(k) { return this.attrs[k] ?? null; }
  set className(v) { this.attrs.class = v; } addEventListener() {}
  all() { return this.childNodes.flatMap(c => c instanceof Element ? [c, ...c.all()] : []); } }
globalThis.Node = Node;
globalThis.window = { location: { href: 'http://opsgraph.test/', origin: 'http://opsgraph.test' } };
globalThis.document = { createElement: t => new Element(t), createTextNode: t => new Text(t),
                        createDocumentFragment: () => new Element('#fragment') };
const { renderMarkdown } = await import(process.argv[2]);
const root = renderMarkdown(process.argv[3]);
const all = root.all();
console.log(JSON.stringify({ text: root.textContent,
  links: all.filter(e => e.tagName === 'A').map(e => e.getAttribute('href')),
  inert: all.filter(e => e.attrs.class === 'inert-link').map(e => e.textContent) }));
"""


def _render(tmp_path, markdown: str) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the browser suite covers the renderer in Chromium)")
    probe = tmp_path / "probe.mjs"
    probe.write_text(SHIM)
    out = subprocess.run([node, str(probe), (REPO / "api" / "static" / "markdown.js").as_uri(), markdown],
                         check=False, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_panel_renders_links_from_answers_as_text(tmp_path):
    md = (f"{PHISH}\n\nSee [the evidence](#/evidence/12), [the run](/api/runs/5) and "
          "[protocol-relative](//evil.example/a) and [scheme](https://evil.example/b) and [js](javascript:alert(1)).")
    out = _render(tmp_path, md)
    assert out["links"] == ["#/evidence/12", "/api/runs/5"], "only the service's own pages are links"
    assert "fix here <http://evil.example/phish>" in out["inert"]
    assert "http://evil.example/phish" in out["text"] and "protocol-relative" in out["text"]
    assert not [href for href in out["links"] if "evil" in href or "javascript" in href]


def test_slack_mrkdwn_escapes_links_from_data():
    out = to_mrkdwn(PHISH + "\nAlso <!channel> and <@U123> and [E:7].", evidence_url=lambda i: f"https://og.test/#/evidence/{i}")
    # Slack links are <url|label>: the only ones left are the service's own evidence links.
    links = [part.split(">")[0] for part in out.split("<")[1:]]
    assert links == ["https://og.test/#/evidence/7|E:7"], out
    assert "&lt;`https://evil.example/x`|the queue&gt;" in out and "fix here (`http://evil.example/phish`)" in out
    assert "<!channel>" not in out and "<@U123>" not in out


def test_slack_alert_digests_and_questions_keep_data_urls_inert():
    import datetime as dt

    from api.slack import blocks as kit

    links = kit.PanelLinks("https://og.test")
    alert = {"external_id": "HB-T-9", "subject": "Reset via https://evil.example/reset <!here>", "state": "breached",
             "alert_type": "response", "deadline": dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), "escalation_level": 2,
             "customer": "Quay Co", "customer_tier": "enterprise", "priority": "high"}
    _, blocks = kit.sla_digest([alert], links, total=1, limit=10)
    rendered = json.dumps(blocks)
    assert "`https://evil.example/reset`" in rendered and "<!here>" not in rendered
    _, blocks = kit.investigating("why is https://evil.example/x slow? <@U1>")
    quoted = json.dumps(blocks)
    assert "`https://evil.example/x`" in quoted and "<@U1>" not in quoted
