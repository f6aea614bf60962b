"""Secret detection and redaction for everything written from user data.

Two signals, used together:

- **by key name** (config changes): :func:`is_secret_key` splits a key into words (``DB_PASS``,
  ``redis.pwd``, ``jwtSigningKey``, ``AWS_ACCESS_KEY_ID`` …) and matches them against a list of words that name
  credentials (password, pwd, secret, token, key, credential, dsn, webhook …), with the few ``…key`` words that
  never hold a secret (``primary_key``, ``cache_key``, ``key_prefix``, ``key_ttl`` …) left out;
- **by value** (any text): the format detectors of the ``detect-secrets`` library (AWS keys, Slack tokens and
  webhooks, GitHub/GitLab tokens, private-key blocks, JWTs, Stripe/Twilio/SendGrid/… keys, credentials in URLs)
  plus ``password: …``-style assignments, and for a config value that is one opaque word, Shannon entropy
  (detect-secrets' base64 high-entropy limit).

A secret is never stored. It is replaced by a marker carrying a short SHA-256 fingerprint of the value,
``[redacted sha256:3f2a9c1d7e04]``, so that "the value changed" (and "it changed back") stays visible.
The fingerprint tells values apart; it does not protect a guessable password from a dictionary attack, so a
reader who can guess the value can confirm it — that is why only a 12-hex prefix is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

MARKER = re.compile(r"\[redacted sha256:[0-9a-f]{12}\]")

# Words that name a credential wherever they appear in a key ("strong": even with a benign last word).
_STRONG_WORDS = frozenset({"dsn", "webhook", "webhooks", "connstr", "privatekey", "passphrase"})
_SECRET_WORDS = _STRONG_WORDS | frozenset({
    "pass", "passwd", "password", "passwords", "pwd", "pw", "secret", "secrets", "token", "tokens", "credential",
    "credentials", "creds", "cred", "apikey", "apikeys", "accesskey", "secretkey", "signingkey", "authkey",
    "bearer", "salt", "pepper", "sas", "authorization",
})
_SECRET_PARTS = ("password", "passwd", "secret", "apikey", "privatekey", "accesskey", "credential")
# "key" is a credential unless the word before it says it is an index or a name (primary_key, cache_key …).
_KEY_WORDS = frozenset({"key", "keys"})
_KEY_BENIGN_BEFORE = frozenset({
    "primary", "foreign", "sort", "partition", "shard", "sharding", "routing", "cache", "hash", "idempotency",
    "dedup", "dedupe", "lookup", "group", "public", "row", "map", "join", "index", "unique", "composite", "order",
    "hot", "short", "keyboard", "idempotence", "message", "kafka", "s3", "object", "bucket", "dictionary",
})
# A key ending in one of these words is about a credential, not one: password_min_length, token_ttl, key_prefix.
_BENIGN_LAST = frozenset({
    "prefix", "suffix", "name", "names", "ttl", "size", "length", "len", "count", "format", "type", "path", "file",
    "dir", "field", "column", "pattern", "separator", "delimiter", "expiry", "expiration", "expires", "rotation",
    "interval", "algorithm", "alg", "version", "strategy", "mode", "schema", "template", "namespace", "enabled",
    "disabled", "required", "policy", "min", "max", "minimum", "maximum", "url", "uri", "endpoint", "header",
    "location", "issuer", "audience", "scope", "scopes", "timeout", "seconds", "secs", "sec", "ms", "minutes",
    "hours", "days", "retries", "attempts", "lifetime", "age", "complexity", "reset", "hint", "limit", "provider",
    "store", "backend", "source", "cache", "refresh", "rotate", "period", "window", "threshold", "level",
})
_CONNECTION = re.compile(r"connection[_\-.]?string|conn[_\-.]?str", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _words(key: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", key).lower()) if w]


def _secret_word(w: str) -> bool:
    return w in _SECRET_WORDS or any(p in w for p in _SECRET_PARTS)


def is_secret_key(key: str) -> bool:
    """Whether a configuration key names a credential (its values must never be stored)."""
    if _CONNECTION.search(key):
        return True
    words = _words(key)
    if not words:
        return False
    if any(w in _STRONG_WORDS for w in words):
        return True
    benign_last = len(words) > 1 and words[-1] in _BENIGN_LAST
    for i, w in enumerate(words):
        if _secret_word(w):
            if benign_last and i < len(words) - 1:
                continue
            return True
        if w in _KEY_WORDS:
            before = words[i - 1] if i > 0 else ""
            if before in _KEY_BENIGN_BEFORE or (benign_last and i < len(words) - 1):
                continue
            return True
    return False


@lru_cache(maxsize=1)
def _detectors() -> tuple[RegexBasedDetector, ...]:
    classes = (
        AWSKeyDetector, AzureStorageKeyDetector, DiscordBotTokenDetector, GitHubTokenDetector,
        GitLabTokenDetector, JwtTokenDetector, MailchimpDetector, NpmDetector, OpenAIDetector, PrivateKeyDetector,
        PypiTokenDetector, SendGridDetector, SlackDetector, SquareOAuthDetector, StripeDetector,
        TelegramBotTokenDetector, TwilioKeyDetector,
    )
    return tuple(c() for c in classes)  # analyze_string only: no verification, no network


_BASIC_AUTH = BasicAuthDetector.denylist[0]
# detect-secrets' pattern leaves out passwords with sub-delimiters (!$&'()*+,;=); any user:password@ in a URL.
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s/:@]*:([^\s/@]+)@", re.IGNORECASE)
# "password: hunter2", "api_key=abc123", "token => 'x'" in free text: the value after a credential word.
_ASSIGNMENT = re.compile(
    r"(?i)\b(?:[\w.-]*(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|signing[_-]?key|client[_-]?secret|credentials?)[\w.-]*)\s*(?:=>|[:=])\s*['\"]?([^\s'\",;]{4,})"
)
_PRIVATE_BLOCK = re.compile(
    r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----|\Z)", re.DOTALL
)
_ENTROPY = Base64HighEntropyString()
_TOKEN_CHAR = re.compile(r"[A-Za-z0-9_\-+/=]")
_OPAQUE = re.compile(r"^[A-Za-z0-9+/=_\-.~]{20,}$")


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def marker(value: str) -> str:
    """What is stored instead of a secret value."""
    return f"[redacted sha256:{fingerprint(value)}]"


def _spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _PRIVATE_BLOCK.finditer(text):
        spans.append(m.span())
    for pattern in (_BASIC_AUTH, _URL_PASSWORD):
        for m in pattern.finditer(text):
            spans.append(m.span(1))
    for m in _ASSIGNMENT.finditer(text):
        if not MARKER.match(text, m.start(1)) and not m.group(1).startswith("[redacted"):
            spans.append(m.span(1))
    for det in _detectors():
        for pattern in det.denylist:
            for m in pattern.finditer(text):
                start, end = m.span()
                while start < end and text[start] in " \t\r\n=:'\"":  # some patterns match a leading delimiter
                    start += 1
                while end < len(text) and _TOKEN_CHAR.match(text[end]):  # lazy patterns (JWT) stop early
                    end += 1
                spans.append((start, end))
    spans = sorted(s for s in spans if s[1] > s[0])
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def contains_secret(text: str | None) -> bool:
    return bool(text) and bool(_spans(text or ""))


def redact_text(text: str | None) -> str | None:
    """``text`` with every secret it contains replaced by its marker (the rest kept as written)."""
    if not text:
        return text
    spans = _spans(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(marker(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def is_opaque_secret(value: str) -> bool:
    """One word of 20+ characters mixing letters and digits with high entropy (a generated key or password)."""
    v = value.strip()
    if not _OPAQUE.match(v) or ("/" in v.strip("/") and v.count("/") > 2):
        return False
    if not (re.search(r"[A-Za-z]", v) and re.search(r"\d", v)):
        return False
    if re.fullmatch(r"[0-9a-fA-F\-]+", v):
        return False  # hex: commit shas, UUIDs, digests — identifiers, not credentials
    return _ENTROPY.calculate_shannon_entropy(v) > _ENTROPY.entropy_limit


def redact_config_value(key: str, value: str | None, *, secret: bool = False) -> tuple[str | None, bool]:
    """A config change value as it may be stored, and whether it held a secret.

    A secret key (or ``secret=True``) or an opaque high-entropy value → the marker only; a value holding a
    secret (a URL with a password, a token inside) → the value with that part replaced."""
    if value is None or value == "" or MARKER.fullmatch(value):
        return value, bool(value) and bool(MARKER.fullmatch(value or ""))
    if secret or is_secret_key(key) or is_opaque_secret(value):
        return marker(value), True
    redacted = redact_text(value)
    return redacted, redacted != value


# "key: value" / "KEY=value" lines of YAML, .env or properties text (Helm values, ConfigMaps kept as text).
_KEY_LINE = re.compile(r"""(?m)^([ \t]*(?:-[ \t]+)?["']?([A-Za-z_][\w.\-/]*)["']?[ \t]*[:=][ \t]*)(["']?)([^\s"'#|>{\[][^\n]*?)\3[ \t]*$""")


def _redact_lines(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        value = m.group(4)
        if not is_secret_key(m.group(2)) or MARKER.fullmatch(value) or value.startswith("[redacted"):
            return m.group(0)
        return f"{m.group(1)}{m.group(3)}{marker(value)}{m.group(3)}"

    return _KEY_LINE.sub(one, text)


def _redact_string(text: str, depth: int) -> str:
    stripped = text.strip()
    if stripped[:1] in "{[" and depth < 16:  # JSON kept as text (kubectl's last-applied-configuration)
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict | list):
            return json.dumps(redact_json(parsed, _depth=depth + 1), ensure_ascii=False, separators=(",", ":"))
    return redact_text(_redact_lines(text)) or text


def redact_json(value: object, *, _depth: int = 0) -> object:
    """A JSON value (an import's or a webhook's fields kept as ``extra``: an Argo CD Application's annotations,
    Helm values and parameters …) with every secret replaced by its marker: the value of a key that names a
    credential (``password``, ``clientSecret``, ``notifications…/token``), a ``{"name": "DB_PASSWORD", "value": …}``
    pair's value, ``key: value`` lines of YAML/.env text and JSON kept as text, and known secret formats anywhere."""
    if isinstance(value, str):
        return _redact_string(value, _depth)
    if isinstance(value, list):
        return [redact_json(v, _depth=_depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    named = next((value[k] for k in ("name", "key", "Name", "Key") if isinstance(value.get(k), str)), None)
    pair_secret = named is not None and is_secret_key(named)
    out: dict[object, object] = {}
    for k, v in value.items():
        secret = is_secret_key(str(k)) or (pair_secret and k in ("value", "Value"))
        if secret and v not in (None, "") and not isinstance(v, dict | list | bool):
            out[k] = v if isinstance(v, str) and MARKER.fullmatch(v) else marker(str(v))
        else:
            out[k] = redact_json(v, _depth=_depth + 1)
    return out
