"""HTML bodies of helpdesk and paging-tool exports turned into inert plain text (scripts dropped, links kept as
``text (url)``); plain text that merely mentions a tag is left as written. Part of :mod:`store.importers_values`
(re-exported there). This module imports no project code."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_ANY_TAG = (r"p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|thead|tbody|tr|td|th|h[1-6]|pre|code|blockquote|font|"
            r"hr|html|head|body|center|small|script|style|img|iframe|object|embed|form|input|button|svg|meta|link")
_FORMATTING_TAG = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|tr|td|th|h[1-6]|pre|blockquote|font|hr|html|body)\b[^>]*>",
    re.IGNORECASE)
_LEADING_TAG = re.compile(rf"^\s*(?:<(?:{_ANY_TAG})\b[^>]*>|<!--|<!doctype)", re.IGNORECASE)
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "table",
          "ul", "ol"}
_DROP = {"script", "style", "head", "title", "iframe", "object", "embed", "svg", "noscript", "template"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.dropping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.href.append(href if re.match(r"(?:https?|mailto):", href.strip(), re.IGNORECASE) else None)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.dropping:
                self.parts.append(f"[image: {alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href and not self.dropping:
                self.parts.append(f" ({href.strip()})")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """An HTML body: it begins with a tag, or carries the formatting a rich-text editor writes (``<p>``, ``<br>``,
    ``<b>``, ``<a href>`` …). Plain text that merely mentions a tag (``the <script> tag``, a pasted
    ``<img onerror=…>``) is not: it is kept as written and shown as text."""
    return bool(_LEADING_TAG.match(text) or _FORMATTING_TAG.search(text))


def html_to_text(text: str) -> str:
    """Plain text of an HTML body: scripts, styles and frames dropped with their content, every other tag removed
    (a link kept as ``text (url)``, http/https/mailto only), entities decoded, blank runs collapsed. Text that is
    not an HTML body (:func:`looks_like_html`) is returned as it is, so ``a < b`` or ``<timeout>`` survive."""
    if not looks_like_html(text):
        return text
    parser = _Text()
    parser.feed(text)
    parser.close()
    out = "".join(parser.parts).replace("\u00a0", " ")
    lines = [" ".join(line.split()) for line in out.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
