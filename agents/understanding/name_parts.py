"""Words that are not a service's name though they look like part of one: the organisation's own word for its sites
("vault" when the sites are "Antwerp … Vault", "Gdansk … Vault") read beside a service called "vaultwms", or any
word that only starts a service's one-word name. A service is named by its full name or its own words, never by a
prefix of its name."""

from __future__ import annotations

from agents.understanding.catalog import Catalog, stem


def not_a_service_typo(typed: str, key: str, cands: list[tuple[str, str, int]], cat: Catalog) -> bool:
    """``typed`` (a stemmed word) fuzzily close to ``key``, a service's name, without being a typo of it: the word the
    sites' names share (or its plural), or the start of the name with two or more letters left off."""
    if not cands or any(kind != "service" for kind, _, _ in cands):
        return False
    if " " in typed or " " in key:  # "bakehouse pos" for "bakehousepos": the whole name, typed in two words
        return False
    if typed in cat.site_name_words or typed in {stem(w) for w in cat.site_name_words}:
        return True
    return key.startswith(typed) and len(key) - len(typed) >= 2
