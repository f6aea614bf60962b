"""What a draft reply may quote from untrusted text (pure).

Resolutions of past tickets and runbook titles were written by someone we do
not vouch for: they can carry links, "send your password to…" requests, or
instructions aimed at an AI. A draft reply goes to a customer, so it quotes a
sentence only when it is plainly a description of a fix:

- no link of any kind (URLs, bare domains with a path, markdown links, e-mail
  addresses), no markdown or HTML markup;
- no request for a secret (password, MFA/one-time code, token, API key,
  private key, card number…) and no call to click, download-and-run or weaken
  a security control;
- nothing instruction-like in the sense of
  :func:`tools.tickets.classify.is_instruction`.

Every other sentence is withheld and counted, so the draft can say that an
engineer must review the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.tickets.classify import is_instruction

_URL = re.compile(
    r"(?i)(\b[a-z][a-z0-9+.-]{1,15}://\S+|\bwww\.\S+|\b[\w-]+(\.[\w-]+)*\.[a-z]{2,24}/\S*|"
    r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+|\[[^\]]*\]\([^)]*\)|<[a-z!/][^>]*>|\b(?:data|javascript|file):)"
)
_SECRET = (r"(passwords?|passwd|passcodes?|pass ?phrases?|pins?|credentials?|log ?ins?|mfa codes?|otp|one[- ]time (pass)?codes?|"
           r"(2fa|verification|security|auth(entication)?) codes?|tokens?|api keys?|secret( key)?s?|private keys?|"
           r"recovery (codes?|keys?)|seed phrases?|card numbers?|cvv|bank details|session cookies?)")
_ASK = r"(send|share|provide|give|email|e-mail|mail|forward|reply with|post|paste|enter|type|submit|tell|read out|confirm|disclose|upload)"
_RISKY = [
    re.compile(rf"(?i)\b{_ASK}\b[^.!?\n]{{0,60}}\b{_SECRET}\b"),
    re.compile(rf"(?i)\b{_SECRET}\b[^.!?\n]{{0,40}}\b(to|via|by) (email|e-mail|mail|phone|chat|sms|us|the (helpdesk|support|admin|team))\b"),
    re.compile(r"(?i)\b(click|tap|follow|open|visit)\b[^.!?\n]{0,30}\b(link|here|url|button|attachment|page)\b"),
    re.compile(r"(?i)\b(download|install|run|execute|launch)\b[^.!?\n]{0,40}\b(script|tool|binary|exe|installer|"
               r"attachment|file from|package from|patch from|\.exe|\.ps1|\.sh|\.bat|\.msi|powershell|curl|wget)\b"),
    re.compile(r"(?i)\b(disable|turn off|switch off|uninstall|remove|bypass|stop)\b[^.!?\n]{0,30}\b(antivirus|anti-virus|edr|"
               r"mfa|2fa|multi[- ]factor|firewall|endpoint protection|defender|security agent|logging|audit)\b"),
    re.compile(r"(?i)\b(wire|transfer|pay)\b[^.!?\n]{0,30}\b(money|funds|payment|invoice|account)\b"),
]
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")
_MARKUP = re.compile(r"[`*_#>|~\[\]<>]")


@dataclass(frozen=True)
class Vetted:
    text: str  # the sentences that may be quoted, one line
    withheld: int  # sentences left out


def risky(sentence: str) -> bool:
    """Would quoting this sentence pass on a link, a request for a secret, or an instruction?"""
    return bool(_URL.search(sentence)) or is_instruction(sentence) or any(rx.search(sentence) for rx in _RISKY)


_DOMAIN = re.compile(r"(?i)\b((?:[a-z0-9-]+\.)*[a-z0-9-]*[a-z][a-z0-9-]*)\.([a-z]{2,24})\b")


def defang(text: str) -> str:
    """Bare domain names made non-clickable ("example.com" -> "example[.]com"): chat clients link them otherwise."""
    return _DOMAIN.sub(lambda m: f"{m.group(1)}[.]{m.group(2)}", text)


def vet(value: str | None, limit: int = 240) -> Vetted:
    """The quotable part of an untrusted text: safe sentences, markup removed, one line, bounded."""
    kept: list[str] = []
    withheld = 0
    for s in (p.strip() for p in _SPLIT.split(value or "")):
        if not s:
            continue
        if risky(s):
            withheld += 1
            continue
        kept.append(defang(_MARKUP.sub("", s)))
    out = re.sub(r"\s+", " ", " ".join(kept)).replace('"', "'").strip()
    if len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return Vetted(out, withheld)


def title(value: str | None, limit: int = 100) -> str:
    """A title to name (not to follow): markdown links reduced to their text, links and markup removed."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", value or "")
    t = _URL.sub("", t)
    t = defang(re.sub(r"\s+", " ", _MARKUP.sub("", t)).replace('"', "'").strip())
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"
