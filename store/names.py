"""Close matches of a name someone typed ("did you mean …?"), one rule for every layer.

:func:`close_matches` compares names with case and separators ignored (``Checkout_API`` and
``checkout-api`` are the same name; ``OTP mx rate`` finds ``OTP_MX_RATE``) using rapidfuzz's
``WRatio`` (the best of whole-string, partial and token-order similarity), so a typo, a missing
suffix or swapped words all find the name. :func:`did_you_mean` formats the matches for a message.
Every layer may import this module (it imports no project code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

# WRatio score (0-100) a choice needs to be suggested; below it, nothing is close enough to offer.
CUTOFF = 60.0
_SEPARATORS = re.compile(r"[\s_\-./:]+")


def normalise(name: str) -> str:
    """``name`` compared without case or separators: ``"Checkout_API"`` → ``"checkout api"``."""
    return " ".join(part for part in _SEPARATORS.split(str(name).casefold()) if part)


def close_matches(name: str, choices: Iterable[str], n: int = 3, cutoff: float = CUTOFF) -> list[str]:
    """Up to ``n`` of ``choices`` closest to ``name``, best first, spelled as in ``choices``; ``[]`` when none is
    close. Choices that are the same name once normalised are offered once (the first spelling)."""
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(normalise(choice), str(choice))
    by_key.pop("", None)
    query = normalise(name)
    if not query or not by_key or n <= 0:
        return []
    found = process.extract(query, list(by_key), scorer=fuzz.WRatio, processor=None, limit=n, score_cutoff=cutoff)
    return [by_key[key] for key, _score, _index in found]


def did_you_mean(suggestions: Iterable[object], limit: int = 8) -> str:
    """``" (did you mean a, b?)"`` for a message, or ``""`` without suggestions."""
    shown = [str(s) for s in suggestions][:limit]
    return f" (did you mean {', '.join(shown)}?)" if shown else ""
