"""What a config key's own words say about its risk (pure python, no database).

A key is read as words — split at dots, underscores, hyphens, slashes, camelCase and digit boundaries and
lower-cased (``vl.pay.settlementWindow`` → vl, pay, settlement, window; ``HL7_RETRY_MAX`` → hl, 7, retry, max) —
and a risky term matches a whole word, the start of a word (``timeouts``, ``threadpool``) or, for terms of four
letters or more, the end of a glued word (``connectionpool``, ``readtimeout``, ``ratelimit``). A term never matches
inside a word: ``settlement`` holds no ``ttl``, ``delimiter`` no ``limit``.
"""

from __future__ import annotations

import itertools
import re

#: Terms of keys that change capacity, timing or behaviour (high risk): (stem, the word shown for it).
RISKY_TERMS: tuple[tuple[str, str], ...] = (
    ("pool", "pool"), ("timeout", "timeout"), ("retry", "retry"), ("retries", "retries"), ("backoff", "backoff"),
    ("circuit", "circuit"), ("breaker", "breaker"), ("feature", "feature"),
    ("flag", "flag"), ("toggle", "toggle"), ("throttl", "throttling"), ("concurren", "concurrency"),
    ("thread", "thread"), ("worker", "worker"), ("replica", "replica"), ("memory", "memory"), ("heap", "heap"),
    ("cpu", "cpu"), ("cache", "cache"), ("caching", "cache"), ("ttl", "ttl"), ("endpoint", "endpoint"),
    ("url", "url"), ("uri", "url"), ("host", "host"), ("dns", "dns"), ("tls", "tls"), ("ssl", "ssl"),
    ("cert", "cert"), ("route", "route"), ("routing", "routing"), ("queue", "queue"), ("batch", "batch"),
    ("limit", "limit"),
)
#: A weaker term, shown only when no other term is in the key (``connectionPoolSize`` → pool).
WEAK_RISKY_TERMS: tuple[tuple[str, str], ...] = (("conn", "connections"),)
#: Terms of keys that only change presentation or telemetry (low risk), matched as whole words or word starts …
BENIGN_STEMS: tuple[str, ...] = ("banner", "tracing", "sampl", "slack", "theme", "label", "description")
#: … whole words only (``log`` is not ``login``) …
BENIGN_WORDS = frozenset({"log", "logs", "logging", "loglevel", "copy"})
#: … and word pairs (``support.email``, ``metrics.export``, ``export_interval``); ``ui`` as the key's first word and
#: an ``alerts.`` namespace (``alerts.slack_channel``; not ``ALERT_DEBOUNCE_MIN``, which changes what is noticed).
BENIGN_PAIRS: tuple[tuple[str, str], ...] = (
    ("support", "email"), ("metric", "export"), ("metrics", "export"), ("export", "interval"), ("log", "level"),
)
#: A glued compound ending in a term needs at least this many letters before it (``dbpool``, not ``spool``).
_SUFFIX_MIN_HEAD = 2
_SUFFIX_MIN_TERM = 4

_ALERTS_NAMESPACE = re.compile(r"(?<![a-z])alerts?\.", re.I)
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def key_words(key: str) -> list[str]:
    """The words of a config key, lower-cased: separators, camelCase and digit boundaries split it."""
    return [w.lower() for part in _SEPARATORS.split(key) for w in _WORDS.findall(part)]


def _term_in(word: str, stem: str) -> bool:
    if word.startswith(stem):
        return True
    return (len(stem) >= _SUFFIX_MIN_TERM and word.endswith(stem)
            and len(word) - len(stem) >= _SUFFIX_MIN_HEAD)


def risky_term(key: str) -> str | None:
    """The risky term of a key's first word that holds one (``connectionPoolSize`` → pool), None when none does."""
    words = key_words(key)
    for terms in (RISKY_TERMS, WEAK_RISKY_TERMS):
        for w in words:
            for stem, shown in terms:
                if _term_in(w, stem):
                    return shown
    return None


def is_benign(key: str) -> bool:
    """True when a key's words say it only changes presentation or telemetry (``log.level``, ``ui.banner_text``)."""
    words = key_words(key)
    if not words:
        return False
    if words[0] == "ui" or _ALERTS_NAMESPACE.search(key) or any(w in BENIGN_WORDS for w in words):
        return True
    if any(w.startswith(s) for w in words for s in BENIGN_STEMS):
        return True
    return any(pair in BENIGN_PAIRS for pair in itertools.pairwise(words))
