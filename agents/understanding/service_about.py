"""A service named by what it is rather than by its name: "the payments service", "is the payment api ok?",
"incidents on payments", "what's wrong with the app?" — the words said where a service goes (before "service", "api",
"app", "backend", …; after "wrong with", "incidents on", …; between "is" and "down"/"ok") are compared with each
service's name, description and team from the organisation's own services sheet. One service holding clearly more of
them is the one meant; several holding as many are asked about. Plain English only; the words come from the catalog."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz, process

from agents.plan import UnknownName
from agents.understanding.calendar_words import MON_RE, WD_RE
from agents.understanding.catalog import GENERIC, Catalog, norm_tokens
from agents.understanding.vocab import STOP

if TYPE_CHECKING:
    from agents.understanding.linking import Links

# What a system is called by what it is: the word itself says which one when only one service's name or description has it.
_NOUNS = frozenset("app apps api apis backend gateway website portal frontend webapp".split())
# Words for "a service" that say nothing of which: "the payments service", "the billing system".
_HEADS = frozenset("service services system systems platform server svc".split())
# A service's place after these words: "incidents on", "deploys to", "what's wrong with", "problems with".
_BEFORE_PREP = frozenset(("incident", "incidents", "outage", "outages", "deploy", "deploys", "deployment", "deployments",
                          "release", "releases", "change", "changes", "error", "errors", "latency", "wrong", "up",
                          "problem", "problems", "issue", "issues", "trouble", "happening"))
_PREPS = frozenset(("on", "to", "with", "for", "affecting", "in", "of"))
_STATUS = frozenset(("ok", "okay", "down", "up", "working", "healthy", "broken", "slow", "fine", "failing", "erroring",
                     "struggling", "alive", "degraded"))
_ARTICLES = frozenset(("the", "our", "my", "your", "a"))


class Tok(Protocol):
    raw: str
    norm: str
    used: bool


def _root(w: str) -> str:
    return w[:5] if len(w) >= 5 else w


def _content(t: Tok) -> bool:
    low = t.raw.lower()
    return low in _NOUNS or (len(low) >= 3 and low not in STOP and t.norm not in STOP and t.norm not in GENERIC
                             and low not in _HEADS and not low.isdigit())


def _spans(toks: Sequence[Tok]) -> list[tuple[int, int, bool]]:
    """[start, end) of the words said where a service goes; True where only a service goes there ("<words> service",
    "incidents on <words>"), False where a metric could ("is <words> down?", "what's wrong with <words>")."""
    out: list[tuple[int, int, bool]] = []
    low = [t.raw.lower() for t in toks]
    for k, w in enumerate(low):
        if w in _NOUNS or w in _HEADS:  # "<words> service", "the app", "driver app backend"
            j = k
            while j > 0 and k - j < 3 and not toks[j - 1].used and low[j - 1] not in STOP and low[j - 1] not in _ARTICLES:
                j -= 1
            end = k + 1
            while end < len(toks) and low[end] in _NOUNS | _HEADS and end - k < 2:
                end += 1
            if w in _NOUNS or j < k:
                out.append((j, end, True))
        if w in _PREPS and k > 0 and low[k - 1] in _BEFORE_PREP:  # "incidents on <words>", "wrong with <words>"
            j = k + 1 + (k + 1 < len(toks) and low[k + 1] in _ARTICLES)
            end = j
            while end < len(toks) and end - j < 3 and not toks[end].used and low[end] not in STOP:
                end += 1
            if end > j:
                out.append((j, end, low[k - 1] not in ("up", "wrong", "happening")))
        if w in ("is", "are", "was", "were", "isn't"):  # "is payments down?"
            j = k + 1 + (k + 1 < len(toks) and low[k + 1] in _ARTICLES)
            end = j
            while end < len(toks) and end - j < 3 and low[end] not in _STATUS and low[end] not in STOP:
                end += 1
            if j < end < len(toks) and low[end] in _STATUS:
                out.append((j, end, False))
    return out


def _scores(words: list[str], cat: Catalog) -> list[tuple[int, str]]:
    """(how many of ``words`` the service's name and description hold plus how many its team holds, twice; service)."""
    out = []
    for svc in cat.services:
        team, about = cat.service_about.get(svc, ("", ""))
        named = {_root(w) for w in norm_tokens(svc) + norm_tokens(about)}
        teamed = {_root(w) for w in norm_tokens(team)}
        out.append((sum(2 * (w in named) + 2 * (w in teamed) for w in words), svc))
    return sorted(out, key=lambda x: -x[0])


def service_by_about(toks: Sequence[Tok], cat: Catalog) -> tuple[list[str], Sequence[Tok]]:
    """The service the words said in a service's place describe ([one]), or the several they describe as well
    ([more than one], to ask which); with the words used. ([], []) when they describe none or no service is
    described."""
    if not cat.service_about or not any(t or d for t, d in cat.service_about.values()):
        return [], []
    for start, end, explicit in _spans(toks):  # "the maintenance system", "incidents on maintenance": a service;
        span = toks[start:end]  # "is maintenance up?": a metric's word is the metric's
        said = [t for t in span if _content(t) and not t.used and (explicit or t.norm not in cat.kpi_words)
                and not re.search(r"[a-z][A-Z]|\d", t.raw)]  # "RadiologyPortal": a name, never a description
        if not said or any(t.used for t in span):
            continue
        words = list(dict.fromkeys(_root(t.norm if t.raw.lower() not in _NOUNS else t.raw.lower().rstrip("s"))
                                   for t in said))
        scores = _scores(words, cat)
        best = scores[0][0]
        if best < 2:
            continue
        return [s for n, s in scores if n == best], span
    return [], []


_INCIDENT_ON = frozenset(("incident", "incidents", "outage", "outages"))
_NOT_SERVICE = frozenset("weekend weekends weekday weekdays holiday holidays night nights morning mornings evening "
                         "evenings record average prod production staging time peak".split())


def unnamed_service(toks: Sequence[Tok], cat: Catalog) -> UnknownName | None:
    """"incidents on payments" when no service is called or described so: that word, as a service not known (with
    the closest names), never dropped to list every incident. None when nothing like that was said."""
    low = [t.raw.lower() for t in toks]
    for k in range(1, len(toks) - 1):
        if low[k] not in ("on", "affecting") or low[k - 1] not in _INCIDENT_ON:
            continue
        j = k + 1 + (low[k + 1] in _ARTICLES and k + 2 < len(toks))
        end = j
        while end < len(toks) and end - j < 2 and not toks[end].used and low[end] not in STOP:
            end += 1
        said = toks[j:end]
        if not said or (end < len(toks) and low[end] not in STOP) or any(
                not t.raw.isalpha() or len(t.raw) < 3 or t.norm in GENERIC or low_word in _NOT_SERVICE
                or re.fullmatch(rf"{WD_RE}|{MON_RE}", low_word) or t.norm in cat.kpi_words
                for t in said for low_word in [t.raw.lower()]):
            continue
        text = " ".join(t.raw for t in said)
        close = [c for c, _, _ in process.extract(text.lower(), cat.services, scorer=fuzz.WRatio, limit=3,
                                                   score_cutoff=50)]
        return UnknownName(kind="service", text=text, suggestions=close or cat.services[:3])
    return None


def link_described_service(out: Links, toks: Sequence[Tok], cat: Catalog) -> None:
    """Into ``out`` (no service named): the service the question describes, the several it describes as well (to
    ask which), or the word said in a service's place that no service is called or described by."""
    found, span = service_by_about(toks, cat)
    if len(found) == 1:
        out.add("service", found[0])
    elif found:
        out.ambiguous.append(("service", " ".join(t.raw for t in span), found))
    elif not any(u.kind == "service" for u in out.unknown) and (none := unnamed_service(toks, cat)):
        out.unknown.append(none)
    for t in span:
        t.used = True
