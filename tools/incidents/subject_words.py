"""The words a ticket shares with an incident's title (pure), read from the ticket's text with its instruction-like
sentences removed: "Tapped my card, 'Payment timed out'" shares *card* and *payment* with "Card payments timing out
at hubs". Customers never name an internal service ("roampay-api"), but they do use the incident's own words.

A word counts when it has four letters at least and is not a common English or generic incident word ("error",
"users", "down", "with"…); two words match when they are the same or share their first five letters ("kiosk" /
"kiosks", "freez"ing / "freez"e, "card" / "cards").
"""

from __future__ import annotations

import re

from tools.tickets.classify import strip_instructions

_GENERIC = frozenset((
    # generic incident and support words
    "issue", "issues", "error", "errors", "problem", "problems", "failing", "failure", "failures", "fail", "fails",
    "failed", "users", "user", "customers", "customer", "service", "services", "system", "systems", "outage",
    "outages", "degraded", "elevated", "intermittent", "intermittently", "unable", "cannot", "down", "slow",
    "slowness", "broken", "working", "work", "works", "issue", "incident", "incidents", "partial", "major", "minor",
    "some", "many", "most", "all", "high", "higher", "increased", "increase", "spike", "spikes", "reported",
    "reports", "affected", "affecting", "impact", "impacted", "please", "help", "urgent", "again", "still", "today",
    "yesterday", "morning", "evening", "night", "week", "hours", "minutes", "time", "times",
    # common English words of four letters or more
    "after", "during", "since", "about", "their", "there", "while", "with", "from", "that", "this", "these", "those",
    "when", "where", "which", "what", "have", "been", "being", "were", "will", "would", "could", "should", "than",
    "then", "them", "they", "into", "onto", "over", "under", "very", "just", "also", "only", "more", "less", "other",
    "your", "ours", "mine", "here", "each", "every", "does", "doing", "done", "make", "made", "take", "took", "tried",
    "trying", "try", "getting", "gets", "going", "keeps", "keep", "says", "said", "shows", "showing", "seems",
    "before", "until", "across", "around", "because", "without", "within", "between", "both", "such", "like",
))
_WORD = re.compile(r"[^\W\d_]{4,}")


def clean_body(subject: object, content: object) -> str:
    """A ticket's subject and text with the instruction-like sentences dropped: what it says as a report, not what
    it tells a reader to do (an id or a service quoted inside such a sentence ties it to nothing)."""
    return strip_instructions(f"{subject or ''}\n{content or ''}")[0]


def _stem(word: str) -> str:
    return word.removesuffix("s")[:5]


def shared_title_words(body: str, title: str) -> list[str]:
    """The distinctive words of ``title`` (as the title spells them, lower-cased, in its order) that ``body`` uses."""
    have = {_stem(w) for w in _WORD.findall(body.lower()) if w not in _GENERIC}
    out: list[str] = []
    for w in _WORD.findall(title.lower()):
        if w not in _GENERIC and _stem(w) in have and w not in out:
            out.append(w)
    return out


def shares_title_word(body: str, title: str) -> bool:
    """Whether the ticket's words and an incident title share a distinctive word."""
    return bool(shared_title_words(body, title))
