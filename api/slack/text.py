"""Pure text helpers: the ``/opsgraph`` grammar, Slack message text in, Slack ``mrkdwn`` out."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["ask", "help", "link", "usage"]

HELP_LINES = (
    ("/opsgraph QUESTION", "ask anything, e.g. `/opsgraph what needs my attention today?`"),
    ("/opsgraph signals STATION", "KPIs in a warning or critical state at a station (its code or name)"),
    ("/opsgraph triage TEXT", "classify a ticket's text (product, urgency, similar tickets, runbook)"),
    ("/opsgraph sla TICKET", "a ticket's SLA clocks and escalation (`sla` alone: every ticket at risk)"),
    ("/opsgraph report INCIDENT", "draft the incident report for an incident (its id)"),
    ("/opsgraph link API_KEY", "link this Slack workspace to the organisation of an opsgraph *admin* key"),
    ("/opsgraph help", "this list"),
)


@dataclass(frozen=True)
class Command:
    kind: Kind
    question: str = ""  # for "ask": what the assistant is asked
    argument: str = ""  # for "link": the API key; for "usage": what was wrong
    subcommand: str = ""


def parse_command(text: str) -> Command:
    """``/opsgraph`` text → what to do. Subcommands are case-insensitive; anything else is a question."""
    text = clean_text(text or "")
    if not text:
        return Command("help")
    head, _, rest = text.partition(" ")
    sub, rest = head.lower(), rest.strip()
    if sub in ("help", "-h", "--help", "?"):
        return Command("help", subcommand="help")
    if sub == "signals":
        if not rest:
            return Command("usage", argument="`signals` needs a station: `/opsgraph signals STATION` (its code or name)", subcommand=sub)
        return Command("ask", f"What are the active KPI signals at {rest}?", subcommand=sub)
    if sub == "triage":
        if not rest:
            return Command("usage", argument="`triage` needs the ticket's text, e.g. `/opsgraph triage VPN "
                                             "drops every hour for all users`", subcommand=sub)
        return Command("ask", f"Classify this ticket: {rest}", subcommand=sub)
    if sub == "sla":
        if not rest:
            return Command("ask", "Which tickets are at risk of breaching SLA?", subcommand=sub)
        return Command("ask", f"What is the SLA of ticket {rest}?", subcommand=sub)
    if sub == "report":
        if not rest:
            return Command("usage", argument="`report` needs an incident: `/opsgraph report INCIDENT` (its id)",
                           subcommand=sub)
        return Command("ask", f"Draft the incident report for {rest}", subcommand=sub)
    if sub == "link":
        if not rest:
            return Command("usage", argument="`link` needs an opsgraph admin API key: `/opsgraph link og_…`",
                           subcommand=sub)
        return Command("link", argument=rest.split()[0], subcommand=sub)
    return Command("ask", text)


_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(?:here|channel|everyone)[^>]*>|<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")


def clean_text(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack's encoded message text → plain text: mentions of the bot dropped (others kept as @id), channel and
    link markup reduced to their labels, ``&amp;``/``&lt;``/``&gt;`` decoded, whitespace collapsed."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _MENTION.sub(lambda m: "@" + m.group(0)[2:-1].split("|")[0], text)
    text = _CHANNEL.sub(lambda m: "#" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: m.group(1) or "", text)
    text = html.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and re.search(rf"<@{re.escape(user_id or '')}(?:\|[^>]*)?>", text or "") is not None


def escape(text: str) -> str:
    """Escape the three characters Slack reserves in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_data(text: str) -> str:
    """Text from data (ticket subjects, hypotheses, questions) for mrkdwn: escaped, and its URLs inert."""
    return _inert_urls(escape(text))


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC_US = re.compile(r"(?<![\w*])__(.+?)__(?![\w*])")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(([a-z][a-z0-9+.\-]*:[^)\s]+)\)", re.IGNORECASE)
_BARE_URL = re.compile(r"(?i)\b(?:https?|ftp|mailto|javascript|data):(?:(?!&gt;|&lt;)[^\s`|])+")


def _inert_urls(line: str) -> str:
    """Bare URLs outside inline code go into inline code, where Slack does not turn them into links."""
    parts = line.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = _BARE_URL.sub(lambda m: f"`{m.group(0)}`", parts[i])
    return "`".join(parts)
_CITE = re.compile(r"\[E:(\d+)\]")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _table_row(line: str) -> list[str] | None:
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 2):
        return None
    return [c.strip() for c in stripped[1:-1].split("|")]


def to_mrkdwn(markdown: str, evidence_url=None) -> str:  # evidence_url: Callable[[int], str] | None
    """Markdown (what the assistant writes) → Slack mrkdwn: ``**b**`` → ``*b*``, headings → bold lines, bullets → •,
    and ``[E:12]`` citations → links to the evidence when ``evidence_url`` is given (the only links it makes).
    Text is escaped first, so nothing in an answer can turn into a mention, a broadcast or a ``<url|label>`` link;
    markdown links and bare URLs (they may come from untrusted data) become inline code, which Slack never links."""
    out: list[str] = []
    in_code = False
    header: list[str] | None = None  # Slack has no tables: rows become bullets, the header row bold
    for line in markdown.splitlines():
        if not in_code and (cells := _table_row(line)) is not None:
            if _TABLE_RULE.match(line):
                continue
            if header is None:
                header = cells
                line = "*" + " · ".join(c for c in cells if c) + "*"
            else:
                line = "- " + " · ".join(c for c in cells if c)
        else:
            header = None
        if line.strip().startswith("```"):
            in_code = not in_code
            out.append("```")
            continue
        quote = line.startswith("> ")
        line = escape(line[2:] if quote else line)
        if in_code:
            out.append(line)
            continue
        if line.startswith("*") and line.endswith("*") and header is not None and line.count("*") == 2:
            pass  # a table's header row, already bold
        elif m := _HEADING.match(line):
            title = _BOLD.sub(r"\1", m.group(2))
            line = f"*{title}*"
        else:
            line = _BOLD.sub(r"*\1*", line)
            line = _ITALIC_US.sub(r"_\1_", line)
            line = _BULLET.sub(lambda m: m.group(1) + "• ", line)
        # Links in an answer may come from data (runbooks, tickets, commits): shown as text, never as links.
        line = _MD_LINK.sub(lambda m: f"{m.group(1)} (`{m.group(2)}`)", line)
        line = _inert_urls(line)
        if evidence_url is not None:
            line = _CITE.sub(lambda m: f"<{evidence_url(int(m.group(1)))}|E:{m.group(1)}>", line)
        out.append("> " + line if quote else line)
    return "\n".join(out).strip()


def chunks(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most ``limit`` characters, at paragraph, then line, then word boundaries,
    never inside a ``<…>`` link."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = rest.rfind(sep, 0, limit)
            if cut > limit // 3:
                break
        if cut <= 0:
            cut = limit
        # Never split a <url|label> in two.
        opened, closed = rest.rfind("<", 0, cut), rest.rfind(">", 0, cut)
        if opened > closed and opened > 0:
            cut = opened
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return pieces


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"
