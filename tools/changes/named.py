"""Which change an incident's own record names: a config key (dotted, UPPER_SNAKE, camelCase — matched whatever its
separators and case), a deployment's version or a change's external id written in the incident's title, summary or
other text fields (a timeline, cause or close notes kept by an import). Pure python, no database.

The incident's text is untrusted data: it is only searched for the change's own identifiers; nothing of it is
interpreted, and what a match reports is the change's identifier as the change record spells it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: A single-word config key ("timeout", "ttl") is ordinary prose too: it counts only this long and written as it is
#: in the text (a multi-word key — "LOCKER_TIMEOUT_MS", "allocator.slot.ttl" — counts in any form).
MIN_SINGLE_WORD_KEY = 8
#: A version shorter than this ("2", "v1") is a number in prose, not a release.
MIN_VERSION = 3
MAX_TEXT = 20_000  # characters of one incident's text searched

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(s: str) -> list[str]:
    """A key or text as lower-case words: ``LOCKER_TIMEOUT_MS``, ``locker.timeout.ms``, ``lockerTimeoutMs`` and
    "locker timeout ms" alike → locker, timeout, ms."""
    return [w.lower() for w in _WORD.findall(s)]


def _contains(seq: list[str], part: list[str]) -> bool:
    n = len(part)
    return n > 0 and any(seq[i:i + n] == part for i in range(len(seq) - n + 1))


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def names_key(text_words: list[str], text: str, key: str) -> bool:
    """The text writes the key: its words in a row (``LOCKER_TIMEOUT_MS``, "locker timeout ms"), or one token of
    the text that is the key with its separators dropped ("maxconnections" for ``maxConnections``)."""
    kw = words(key)
    if len(kw) == 1 and len(key) < MIN_SINGLE_WORD_KEY:
        return False  # "timeout", "ttl": words of prose
    if len(kw) >= 2 and _contains(text_words, kw):
        return True
    flat = _squash(key)
    return bool(flat) and any(_squash(t) == flat for t in re.findall(r"[\w.:/-]+", text))


def _bare_version(v: str) -> str:
    return re.sub(r"^v(?=\d)", "", v.strip(), flags=re.I)


def names_version(text: str, version: str) -> bool:
    v = _bare_version(version)
    if len(v) < MIN_VERSION or not re.search(r"\d", v) or ("." not in v and not re.search(r"[A-Za-z]", v)):
        return False  # "4.8.0", "r1234", "2026-11-24a" — not "120", a number in prose
    return re.search(rf"(?<![\w.]){'v?' if v[0].isdigit() else ''}{re.escape(v)}(?![\w]|\.\d)", text, re.I) is not None


def names_id(text: str, external_id: str) -> bool:
    ext = external_id.strip()
    if len(ext) < 3 or not re.search(r"\d", ext):
        return False
    return re.search(rf"(?<![\w-]){re.escape(ext)}(?![\w]|-\w)", text, re.I) is not None


def record_texts(title: str | None, summary: str | None, extra: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(field, text) of an incident's record that may name a change: its title, summary and the text of the other
    fields an import kept (a timeline, cause or resolution notes), each as plain text."""
    out = [(f, t) for f, t in (("title", title), ("summary", summary)) if t]
    for k, v in (extra or {}).items():
        t = " ".join(_strings(v))
        field = re.sub(r"[^\w .-]", "", str(k))[:40].strip()  # a field's name is said: no brackets, no markup
        if t and field:
            out.append((field, t))
    return [(f, t[:MAX_TEXT]) for f, t in out]


def _strings(v: Any, depth: int = 0) -> Iterable[str]:
    if depth > 4:
        return
    if isinstance(v, str):
        yield v
    elif isinstance(v, Mapping):
        for x in v.values():
            yield from _strings(x, depth + 1)
    elif isinstance(v, list | tuple):
        for x in v:
            yield from _strings(x, depth + 1)


def named_by(texts: list[tuple[str, str]], *, external_id: str, key: str | None = None,
             version: str | None = None) -> str | None:
    """``"<field>: <identifier>"`` when one of the record's ``texts`` names the change (its external id, its config
    key or its deployment version, as the change record spells it), else None."""
    for field, text in texts:
        tw = words(text)
        if names_id(text, external_id):
            return f"{field}: {external_id}"
        if key and names_key(tw, text, key):
            return f"{field}: {key}"
        if version and names_version(text, version):
            return f"{field}: {version}"
    return None
