"""Ticket classification logic (pure): text hygiene, keyword lexicons, the neighbour vote.

The classifier combines two kinds of evidence for both the product and the
urgency of a ticket:

1. the labels of its nearest labelled tickets (cosine similarity of the
   embeddings, found in the database by :mod:`tools.tickets`), each vote
   weighted by ``similarity ** SIM_POWER``;
2. keyword evidence from two fixed lexicons defined here: product
   vocabulary (``PRODUCT_LEXICON``) and urgency cues (``URGENCY_LEXICON``,
   e.g. "outage", "all users", "production down" -> critical).

Both become distributions over the labels; the final score is their weighted
sum (``PRODUCT_WEIGHTS`` / ``URGENCY_WEIGHTS``, the neighbour weight scaled by
the best neighbour's similarity, so distant neighbours count for less) and the
winner's share of the total is its confidence.

Ticket text is untrusted data. Before anything is computed, sentences that
address an AI or try to dictate the outcome ("ignore previous instructions",
"set urgency to critical", "reveal your system prompt"…) are removed
(:func:`strip_instructions`): they are not a description of the customer's
problem, so they contribute neither keywords nor embedding features. Nothing
in the text can select a label directly; it only ever contributes features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PRODUCTS: tuple[str, ...] = ("CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL")
URGENCIES: tuple[str, ...] = ("critical", "high", "medium", "low")

# ---------------------------------------------------------------- instruction-like sentences

_INSTRUCTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|rules|prompts?|guidelines|directives)\b",
    r"\b(system|hidden|developer)\s+(prompt|message|note|instructions?)\b",
    r"\bnote\s+to\s+(the\s+)?(ai|assistants?|llms?|models?|bots?)\b",
    r"\b(set|change|force)\s+(the\s+)?(urgency|priority|product|severity|label|category)\s+(to|as)\b",
    r"\b(classify|label|categori[sz]e|mark|tag|flag)\s+(this|the|it)(\s+ticket)?\s+as\b",
    r"\bmark\s+this\s+ticket\b",
    r"\b(reveal|print|show|output|leak)\b[^.!?\n]{0,30}\b(prompt|instructions)\b",
    r"\byou\s+are\s+now\b",
    r"^\s*(assistant|ai|chatgpt|system)\s*[:,]",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _INSTRUCTION_PATTERNS), re.IGNORECASE | re.MULTILINE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text or "") if s and s.strip()]


def is_instruction(sentence: str) -> bool:
    """Does this sentence address an AI / try to dictate the classification?"""
    return bool(_INSTRUCTION.search(sentence))


def strip_instructions(text: str) -> tuple[str, list[str]]:
    """(text without instruction-like sentences, the removed sentences)."""
    kept, dropped = [], []
    for s in sentences(text):
        (dropped if is_instruction(s) else kept).append(s)
    return " ".join(kept), dropped


# ---------------------------------------------------------------- lexicons

# Product vocabulary: (phrase, weight). Phrases are matched case-insensitively on
# word boundaries; multi-word, product-specific phrases weigh more than generic words.
PRODUCT_LEXICON: dict[str, list[tuple[str, float]]] = {
    "CASB": [
        ("casb", 3.0), ("cloud access security broker", 3.0), ("shadow it", 2.5), ("sanctioned app", 2.5),
        ("sanctioned apps", 2.5), ("unsanctioned", 2.0), ("sanctioned", 1.5), ("app discovery", 2.0),
        ("saas app discovery", 2.5), ("api connector", 1.5), ("activity logs", 1.5), ("cloud app", 1.5),
        ("oauth app", 2.0), ("third-party apps", 1.0), ("tenant restrictions", 2.0), ("inline control", 2.0),
        ("risk score", 1.0), ("api scan", 1.5), ("api mode", 1.5),
    ],
    "SWG": [
        ("swg", 3.0), ("secure web gateway", 3.0), ("web gateway", 2.5), ("web proxy", 2.5), ("proxy", 1.5),
        ("explicit proxy", 2.5), ("pac file", 2.5), ("ssl inspection", 2.5), ("url filtering", 2.5),
        ("url category", 2.5), ("url categorisation", 2.0), ("recategorisation", 2.0), ("recategorization", 2.0),
        ("block page", 2.0), ("safe search", 2.0), ("certificate error", 1.0), ("certificate warning", 1.0),
        ("certificate pinning", 1.5), ("browsing", 1.0), ("gre tunnel", 1.5), ("category", 0.5),
        ("bypass list", 1.5), ("root certificate", 1.0),
    ],
    "ZTNA": [
        ("ztna", 3.0), ("zero trust", 2.5), ("private app", 2.5), ("private apps", 2.5), ("private access", 2.5),
        ("private app access", 3.0), ("app segment", 2.5), ("app segments", 2.5), ("posture check", 2.0),
        ("device posture", 2.0), ("device check", 1.5), ("ztna client", 3.0), ("tunnel", 0.5), ("rdp", 1.0),
        ("private dns", 1.5), ("jump hosts", 1.0), ("connector token", 1.5), ("edr agent", 1.0),
        ("disk encryption", 1.0), ("non-compliant", 1.0), ("no route to app", 2.0), ("connectors", 0.5),
    ],
    "DLP": [
        ("dlp", 3.0), ("data loss prevention", 3.0), ("edm", 2.5), ("exact data match", 2.5),
        ("fingerprint", 2.0), ("credit card pattern", 2.5), ("credit card numbers", 1.5),
        ("sensitive data", 2.0), ("dictionary", 1.5), ("ocr", 2.0), ("quarantined", 1.0),
        ("social security numbers", 1.5), ("ibans", 1.5), ("patient records", 1.5), ("passport numbers", 1.5),
        ("customer pii", 1.5), ("pii", 1.0), ("source code", 0.5), ("nothing sensitive", 1.5),
        ("data types", 1.0), ("monitor-only", 1.0),
    ],
    "SSPM": [
        ("sspm", 3.0), ("saas security posture", 3.0), ("saas posture", 3.0), ("posture score", 2.5),
        ("misconfiguration", 2.0), ("misconfigured", 2.0), ("benchmark", 2.0), ("compliance benchmark", 2.5),
        ("cis", 1.0), ("iso 27001", 1.0), ("soc 2", 1.0), ("nist", 1.0), ("mfa", 1.5), ("m365 tenant", 1.5),
        ("tenant settings", 1.5), ("posture drift", 2.5), ("drift", 1.0), ("findings", 1.5), ("finding", 1.5),
        ("external sharing", 1.5), ("sharing settings", 1.5), ("least privilege", 1.0), ("score", 0.5),
        ("scan", 0.5), ("permissions", 0.5),
    ],
    "CFW": [
        ("cfw", 3.0), ("cloud firewall", 3.0), ("firewall-as-a-service", 3.0), ("firewall", 2.0),
        ("firewall rule", 2.5), ("firewall rules", 2.5), ("port", 1.5), ("nat", 2.0), ("dnat", 2.5),
        ("source nat", 2.5), ("snat", 2.5), ("ips", 2.0), ("ips signature", 2.5), ("udp", 2.0), ("voip", 1.5),
        ("non-web traffic", 2.5), ("fqdn filtering", 2.5), ("default deny", 2.0), ("allow rule", 1.5),
        ("deny rule", 1.5), ("threat intelligence", 1.5), ("public ip", 1.5), ("rule order", 1.5),
        ("outbound traffic", 1.0), ("rule base", 1.5), ("traffic", 0.5),
    ],
    "GENERAL": [
        ("admin portal", 2.5), ("portal", 1.0), ("invoice", 2.5), ("invoices", 2.5), ("billing", 2.5),
        ("licence", 2.0), ("license", 2.0), ("renewal", 2.0), ("renewed", 1.5), ("seat", 1.5), ("seats", 1.5),
        ("seat count", 2.5), ("account manager", 2.5), ("subscription", 2.0), ("contract", 1.5), ("plan", 1.0),
        ("admin account", 2.0), ("locked out", 1.5), ("login", 1.0), ("log in", 1.0), ("sso", 1.0),
        ("charged", 2.0), ("credit note", 2.0), ("audit log", 1.5), ("company name", 1.0), ("admins", 1.0),
        ("password reset", 1.0),
    ],
}

# Urgency cues. Longer phrases are matched first and consume their text, so
# "not urgent" (low) is never also read as "urgent" (high).
URGENCY_LEXICON: dict[str, list[tuple[str, float]]] = {
    "critical": [
        ("outage", 3.0), ("production outage", 4.0), ("production down", 4.0), ("full outage", 4.0),
        ("complete outage", 4.0), ("all users", 3.0), ("every user", 3.0), ("all employees", 3.0),
        ("every employee", 3.0), ("every single employee", 3.0), ("everyone", 2.0), ("entire company", 3.0),
        ("whole company", 3.0), ("company-wide", 3.0), ("nobody can work", 3.0), ("no one can work", 3.0),
        ("nobody in the company", 3.0), ("cannot access anything", 3.0), ("can't access anything", 3.0),
        ("business critical", 3.0), ("immediately", 2.0), ("completely down", 3.0), ("is down", 2.0),
    ],
    "high": [
        ("urgent", 2.5), ("urgently", 2.5), ("asap", 2.0), ("many users", 2.5), ("many people", 2.0),
        ("a lot of people", 2.0), ("a lot of users", 2.0), ("large number of users", 2.5), ("degraded", 2.0),
        ("severely", 2.0), ("badly", 1.5), ("getting worse", 2.0), ("big part", 2.0), ("impacted", 1.0),
        ("several offices", 1.5), ("high priority", 2.5),
    ],
    "medium": [
        ("intermittent", 2.5), ("intermittently", 2.5), ("some users", 2.5), ("workaround", 2.0),
        ("a few times", 1.5), ("now and then", 2.0), ("from time to time", 2.0), ("a handful", 2.0),
        ("couple of people", 2.0), ("occasionally", 2.0), ("sporadic", 2.0), ("sporadically", 2.0),
        ("few users", 2.0),
    ],
    "low": [
        ("question", 2.0), ("just a question", 3.0), ("how do i", 2.5), ("how do we", 2.0), ("how to", 1.5),
        ("how long", 1.0), ("how often", 1.5), ("how many", 1.0), ("how is", 1.0),
        ("is there documentation", 2.5), ("documentation", 2.0), ("no rush", 3.0), ("not urgent", 3.0),
        ("no impact", 3.0), ("low priority", 3.0), ("feature request", 3.0), ("whenever you get a chance", 3.0),
        ("nothing is broken", 3.0), ("planning", 1.5), ("planning ahead", 2.0), ("would like to", 1.5),
        ("can you explain", 2.0), ("a pointer", 1.5), ("where can i find", 2.0),
    ],
}

# Sentences that mention something in passing ("unrelated, but…", "that part is fine")
# count for less in the keyword evidence than the sentences describing the problem.
_ASIDE = re.compile(
    r"\b(unrelated|not related|by the way|side note|separately|for context|not the same thing|"
    r"not involved|not affected|not touched|unchanged|normally|looks normal|looked normal|healthy|"
    r"that part is fine|already fixed|also use|also run|also opened|saw nothing)\b",
    re.IGNORECASE,
)
ASIDE_WEIGHT = 0.2
SUBJECT_WEIGHT = 2.0

# Vote mixing, checked by leave-one-out on the demo's training split (never the test split):
# neighbours alone 0.92 product / 0.76 urgency, keywords alone 0.98 / 1.00, mixed 0.98 / 1.00.
SIM_POWER = 3.0
PRODUCT_WEIGHTS = (0.5, 0.5)  # (neighbours, keywords)
URGENCY_WEIGHTS = (0.3, 0.7)


# ---------------------------------------------------------------- keyword matching


def _compile(lexicon: dict[str, list[tuple[str, float]]]) -> list[tuple[re.Pattern[str], str, str, float]]:
    entries = [(phrase, label, w) for label, items in lexicon.items() for phrase, w in items]
    entries.sort(key=lambda e: -len(e[0]))  # longest first: consumes overlapping shorter phrases
    # a phrase also matches its plural ("api connector" ~ "api connectors")
    return [
        (re.compile(rf"(?<![\w-]){re.escape(p)}(?:s|es)?(?![\w-])", re.IGNORECASE), p, label, w)
        for p, label, w in entries
    ]


_PRODUCT_RX = _compile(PRODUCT_LEXICON)
_URGENCY_RX = _compile(URGENCY_LEXICON)


@dataclass
class KeywordEvidence:
    scores: dict[str, float] = field(default_factory=dict)
    hits: dict[str, list[str]] = field(default_factory=dict)  # label -> matched lexicon phrases

    def top_hits(self, label: str, n: int = 3) -> list[str]:
        return list(dict.fromkeys(self.hits.get(label, [])))[:n]


def _match(text: str, compiled: list[tuple[re.Pattern[str], str, str, float]], weight: float, out: KeywordEvidence) -> None:
    taken = [False] * len(text)
    for rx, phrase, label, w in compiled:
        for m in rx.finditer(text):
            a, b = m.span()
            if any(taken[a:b]):
                continue
            for i in range(a, b):
                taken[i] = True
            out.scores[label] = out.scores.get(label, 0.0) + w * weight
            out.hits.setdefault(label, []).append(phrase)


def keyword_evidence(subject: str, content: str, lexicon: str = "product") -> KeywordEvidence:
    """Lexicon hits of a (cleaned) ticket: the subject counts double, asides a fifth."""
    compiled = _PRODUCT_RX if lexicon == "product" else _URGENCY_RX
    out = KeywordEvidence()
    for s in sentences(subject):
        _match(s, compiled, SUBJECT_WEIGHT, out)
    for s in sentences(content):
        _match(s, compiled, ASIDE_WEIGHT if _ASIDE.search(s) else 1.0, out)
    return out


# ---------------------------------------------------------------- the vote


@dataclass(frozen=True)
class Neighbour:
    external_id: str
    similarity: float
    product: str
    urgency: str


@dataclass
class Vote:
    label: str
    confidence: float
    scores: dict[str, float]  # combined, normalised to sum 1
    knn: dict[str, float]  # neighbour shares
    keywords: dict[str, float]  # keyword shares
    hits: list[str]  # lexicon phrases supporting the winner
    supporters: list[Neighbour]  # neighbours voting for the winner, most similar first


def _normalise(scores: dict[str, float], labels: Sequence[str]) -> dict[str, float]:
    total = sum(max(scores.get(k, 0.0), 0.0) for k in labels)
    if total <= 0:
        return {k: 0.0 for k in labels}
    return {k: max(scores.get(k, 0.0), 0.0) / total for k in labels}


def neighbour_shares(neighbours: Iterable[Neighbour], attr: str, labels: Sequence[str]) -> dict[str, float]:
    raw: dict[str, float] = {}
    for n in neighbours:
        label = getattr(n, attr)
        if label in labels:
            raw[label] = raw.get(label, 0.0) + max(n.similarity, 0.0) ** SIM_POWER
    return _normalise(raw, labels)


def vote(
    neighbours: Sequence[Neighbour],
    kw: KeywordEvidence,
    attr: str,
    labels: Sequence[str],
    weights: tuple[float, float],
    default: str,
) -> Vote:
    """Combine neighbour shares and keyword shares; ties go to the earlier label in ``labels``."""
    knn = neighbour_shares(neighbours, attr, labels)
    kws = _normalise(kw.scores, labels)
    has_knn, has_kw = any(knn.values()), any(kws.values())
    # Neighbours that are all far away are weak evidence: their weight scales with the best similarity.
    best_sim = max((n.similarity for n in neighbours), default=0.0)
    w_knn = weights[0] * min(1.0, max(best_sim, 0.0)) if has_knn else 0.0
    w_kw = weights[1] if has_kw else 0.0
    if not has_knn and not has_kw:  # nothing to go on: the default label, with no confidence
        combined = {k: (1.0 if k == default else 0.0) for k in labels}
        return Vote(label=default, confidence=0.0, scores=combined, knn=knn, keywords=kws, hits=[], supporters=[])
    combined = _normalise({k: w_knn * knn[k] + w_kw * kws[k] for k in labels}, labels)
    best = max(labels, key=lambda k: (combined[k], -labels.index(k)))
    conf = combined[best]
    supporters = sorted((n for n in neighbours if getattr(n, attr) == best), key=lambda n: -n.similarity)
    return Vote(label=best, confidence=round(conf, 4), scores=combined, knn=knn, keywords=kws,
                hits=kw.top_hits(best), supporters=supporters)


@dataclass
class Decision:
    product: Vote
    urgency: Vote
    dropped: list[str]

    @property
    def confidence(self) -> float:
        """The weaker of the two decisions' confidences."""
        return round(min(self.product.confidence, self.urgency.confidence), 4)


def decide(subject: str, content: str, neighbours: Sequence[Neighbour]) -> Decision:
    """Product and urgency of a ticket from its (untrusted) text and its labelled neighbours.

    ``subject`` and ``content`` are cleaned here again (idempotent), so callers
    may pass raw text.
    """
    subj, dropped_s = strip_instructions(subject)
    body, dropped_b = strip_instructions(content)
    product = vote(neighbours, keyword_evidence(subj, body, "product"), "product", PRODUCTS, PRODUCT_WEIGHTS, "GENERAL")
    urgency = vote(neighbours, keyword_evidence(subj, body, "urgency"), "urgency", URGENCIES, URGENCY_WEIGHTS, "medium")
    return Decision(product=product, urgency=urgency, dropped=dropped_s + dropped_b)


def _quote(phrases: list[str]) -> str:
    return ", ".join(f"'{p}'" for p in phrases)


def reasoning(d: Decision, *, max_neighbours: int = 3) -> str:
    """One or two sentences naming the nearest supporting tickets and the deciding keywords.

    Only our own lexicon phrases and ticket ids are quoted, never the ticket text.
    """
    p, u = d.product, d.urgency
    near = ", ".join(f"{n.external_id} ({n.product}, {n.similarity:.2f})" for n in p.supporters[:max_neighbours])
    first = f"{p.label}: " + (f"nearest labelled tickets {near}" if near else "no labelled neighbour agrees")
    first += f"; keywords {_quote(p.hits)}" if p.hits else "; no product keywords"
    second = f"Urgency {u.label}: " + (f"cues {_quote(u.hits)}" if u.hits else "no urgency cues, from the neighbours")
    u_near = ", ".join(n.external_id for n in u.supporters[:max_neighbours])
    if u_near:
        second += f", as in {u_near}"
    text = f"{first}. {second}."
    if d.dropped:
        text += f" Ignored {len(d.dropped)} instruction-like sentence(s) in the ticket text."
    return text
