"""Block Kit messages: the answer of a run, "investigating…", help, and the alert digests.

Every builder returns ``(text, blocks)``: ``text`` is the notification / screen-reader fallback Slack wants next
to ``blocks``. Slack's limits are respected here: at most 50 blocks, 3000 characters per section, 10 elements
per context block, 25 buttons per actions block.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from api.errors import public_error
from api.slack.text import HELP_LINES, chunks, escape, escape_data, to_mrkdwn, truncate
from store.runs import RunRecord

SECTION_LIMIT = 2900
MAX_ANSWER_SECTIONS = 8
MAX_EVIDENCE_LINKS = 12
MAX_HYPOTHESES = 3
Blocks = list[dict[str, Any]]


@dataclass(frozen=True)
class PanelLinks:
    """Where things live in the web panel. Hash routes (``/#/…``) always load the panel's page, whatever route the
    panel implements, so a link never answers 404."""

    base: str

    def home(self) -> str:
        return f"{self.base}/"

    def run(self, run_id: Any) -> str:
        return f"{self.base}/#/runs/{run_id}"

    def evidence(self, evidence_id: int) -> str:
        return f"{self.base}/#/evidence/{evidence_id}"

    def thread(self, thread_id: Any) -> str:
        return f"{self.base}/#/threads/{thread_id}"

    def ticket(self, external_id: str) -> str:
        return f"{self.base}/#/tickets/{quote(external_id)}"

    def sla(self) -> str:
        return f"{self.base}/#/sla"

    def signals(self, station: str) -> str:
        return f"{self.base}/#/techops?station={quote(station)}"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}


def _context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(t, 3000)} for t in texts[:10]]}


def _button(text: str, url: str, action_id: str, *, primary: bool = False) -> dict[str, Any]:
    b: dict[str, Any] = {"type": "button", "text": {"type": "plain_text", "text": truncate(text, 75)}, "url": url,
                         "action_id": action_id}
    if primary:
        b["style"] = "primary"
    return b


def _quote(question: str) -> str:
    return "> " + escape_data(truncate(question, 500)).replace("\n", "\n> ")


def investigating(question: str) -> tuple[str, Blocks]:
    text = f"investigating… {truncate(question, 150)}"
    return text, [
        _section(f":mag: *investigating…*\n{_quote(question)}"),
        _context("The answer will be posted here when the run finishes."),
    ]


def help_message(command: str = "/opsgraph", note: str | None = None) -> tuple[str, Blocks]:
    lines = "\n".join(f"• `{c.replace('/opsgraph', command, 1)}` — {d}" for c, d in HELP_LINES)
    blocks: Blocks = []
    if note:
        blocks.append(_section(f":warning: {note}"))
    blocks.append(_section(f"*opsgraph* answers operations questions from your data; every fact links to its "
                           f"evidence.\n{lines}"))
    blocks.append(_context("Mention me in a channel, or reply in one of my threads, to continue the conversation."))
    return "opsgraph: " + (note or "commands"), blocks


def notice(text: str) -> tuple[str, Blocks]:
    return text, [_section(escape(text))]


def _elapsed(record: RunRecord) -> str:
    if record.started_at and record.finished_at:
        return f"{(record.finished_at - record.started_at).total_seconds():.1f} s"
    return "—"


def hypotheses_from(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ranked hypotheses of a run's ``hypotheses`` evidence payloads (best first, one per subject)."""
    seen: dict[str, dict[str, Any]] = {}
    for p in payloads:
        for h in p.get("hypotheses") or []:
            subject = str(h.get("subject", ""))
            if subject and (subject not in seen or h.get("confidence", 0) > seen[subject].get("confidence", 0)):
                seen[subject] = h
    return sorted(seen.values(), key=lambda h: (-float(h.get("confidence") or 0), int(h.get("rank") or 99)))


def run_result(
    record: RunRecord,
    links: PanelLinks,
    *,
    hypotheses: list[dict[str, Any]] | None = None,
    user_id: str | None = None,
) -> tuple[str, Blocks]:
    """The answer of a finished run: the question, the answer (citations linked to their evidence), the top
    hypotheses with confidence, links to the evidence and a button to the run in the panel."""
    run_url = links.run(record.id)
    who = f"<@{user_id}> asked" if user_id else "Asked"
    blocks: Blocks = [_section(f"{who}:\n{_quote(record.question)}")]
    if record.status == "completed":
        answer = to_mrkdwn(record.answer or "(no answer)", links.evidence)
        parts = chunks(answer, SECTION_LIMIT)
        for part in parts[:MAX_ANSWER_SECTIONS]:
            blocks.append(_section(part))
        if len(parts) > MAX_ANSWER_SECTIONS:
            blocks.append(_context(f"The answer continues in the panel: <{run_url}|open the run>"))
        text = truncate(to_mrkdwn(record.answer or "(no answer)"), 300)
    else:
        error = public_error(record.error, reason="the run failed", context=f"run {record.id}") if record.error \
            else f"the run ended as {record.status}"
        blocks.append(_section(f":warning: *The run did not finish:* {escape(error)}"))
        text = f"opsgraph: the run did not finish: {truncate(error, 200)}"

    hyps = (hypotheses or [])[:MAX_HYPOTHESES]
    if hyps:
        lines = []
        for i, h in enumerate(hyps, 1):
            what = escape_data(str(h.get("subject", "?")))
            service = f" ({escape_data(str(h['service']))})" if h.get("service") else ""
            rationale = escape_data(truncate(str(h.get("rationale") or ""), 240))
            lines.append(f"{i}. *{what}*{service} — confidence *{float(h.get('confidence') or 0):.2f}*"
                         + (f"\n      {rationale}" if rationale else ""))
        blocks.append({"type": "divider"})
        blocks.append(_section("*Top hypotheses*\n" + "\n".join(lines)))

    if record.evidence:
        shown = record.evidence[:MAX_EVIDENCE_LINKS]
        items = " · ".join(f"<{links.evidence(e.id)}|E:{e.id}> {escape(e.kind)}" for e in shown)
        more = len(record.evidence) - len(shown)
        tail = f" · <{run_url}|+{more} more>" if more > 0 else ""
        blocks.append(_context(f"*Evidence* ({len(record.evidence)}): {items}{tail}"))

    blocks.append({
        "type": "actions",
        "elements": [
            _button("Open the run in opsgraph", run_url, "opsgraph_open_run", primary=True),
            *([_button(f"Evidence ({len(record.evidence)})", f"{run_url}/evidence", "opsgraph_open_evidence")]
              if record.evidence else []),
        ],
    })
    route = " → ".join(str(r) for r in record.route) or "—"
    blocks.append(_context(f"run `{record.id}` · {record.status} in {_elapsed(record)} · {escape(route)} · "
                           f"{escape(record.provider)}" + (f" {escape(record.model)}" if record.model else "")))
    return text, blocks[:50]


# ------------------------------------------------------------------ alerts

_SLA_EMOJI = {"at_risk": ":warning:", "breached": ":rotating_light:"}


def sla_digest(alerts: list[dict[str, Any]], links: PanelLinks, *, total: int, limit: int) -> tuple[str, Blocks]:
    """One message for the SLA state changes of one scheduler tick (most severe first)."""
    breached = sum(1 for a in alerts if a["state"] == "breached")
    at_risk = total - breached
    head = f"SLA alerts: {breached} breached, {at_risk} at risk"
    blocks: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": truncate(head, 150)}}]
    for a in alerts[:limit]:
        deadline: dt.datetime = a["deadline"]
        state = a["state"].replace("_", " ")
        who = escape(" · ".join(str(x) for x in (a.get("customer"), a.get("customer_tier"), a.get("priority")) if x))
        blocks.append(_section(
            f"{_SLA_EMOJI.get(a['state'], '')} <{links.ticket(a['external_id'])}|*{escape(a['external_id'])}*> "
            f"{escape_data(truncate(a.get('subject') or '', 120))}\n"
            f"{a['alert_type']} SLA *{state}* · deadline {deadline:%Y-%m-%d %H:%M} UTC · "
            f"escalation level *{a['escalation_level']}*" + (f" · {who}" if who else "")
        ))
    if total > limit:
        blocks.append(_context(f"…and {total - limit} more: <{links.sla()}|all SLA alerts in opsgraph>"))
    text = head + ": " + ", ".join(f"{a['external_id']} {a['alert_type']} {a['state']}" for a in alerts[:5])
    return truncate(text, 300), blocks[:50]


def signal_digest(signals: list[dict[str, Any]], links: PanelLinks, *, limit: int) -> tuple[str, Blocks]:
    """One message for the KPI signals that turned critical since the last check."""
    head = f"New critical KPI signal{'s' if len(signals) != 1 else ''}: {len(signals)}"
    blocks: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": head}}]
    for s in signals[:limit]:
        blocks.append(_section(
            f":red_circle: <{links.signals(s['scope_code'])}|*{escape(s['kpi_name'])}* at {escape(s['scope_label'])}> "
            f"is *critical* on {s['date']}: {s['value']:.4g} ({escape(s['rule'])}, {s['side']} the limits "
            f"{s['lcl']:.4g}–{s['ucl']:.4g}, centre {s['cl']:.4g})\n"
            f"<{links.evidence(s['evidence_id'])}|E:{s['evidence_id']}>"
        ))
    if len(signals) > limit:
        blocks.append(_context(f"…and {len(signals) - limit} more in <{links.home()}|opsgraph>"))
    text = head + ": " + ", ".join(f"{s['kpi']} at {s['scope_code']}" for s in signals[:8])
    return truncate(text, 300), blocks[:50]
