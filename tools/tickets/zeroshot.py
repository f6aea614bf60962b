"""Zero-shot product triage (pure): a ticket matched against what each product category is.

Two signals, both built only from :mod:`tools.tickets.vocab` (domain
knowledge, no tickets):

1. the curated vocabulary: weighted terms found in the (cleaned) ticket, the
   subject counting more, asides ("unrelated, but…") less;
2. character n-gram TF-IDF similarity to each category's description, which
   still sees typos and word forms the vocabulary misses.

The two become logits (plus a small prior for GENERAL, the category of
tickets about no product) and a softmax with a temperature fitted on the tune
third of ``evals/triage/devset.jsonl`` turns them into calibrated
probabilities.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from tools.tickets.vocab import DESCRIPTIONS, VOCABULARY

PRODUCTS: tuple[str, ...] = ("CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL")

# Fitted on the tune split (evals/triage/score.py --fit): see docs in evals/triage/README.md.
VOCAB_WEIGHT = 1.0  # logit per unit of log1p(vocabulary score)
DESCRIPTION_WEIGHT = 8.0  # logit per unit of (centred) description similarity
GENERAL_PRIOR = 0.6  # logit added to GENERAL: with no product evidence a ticket is general
# A security control acting on the user's traffic or data ("blocked by policy", "quarantined", a block page) means the
# ticket is about one of the products, not about billing or the account, whatever business words it carries.
ENFORCEMENT_PENALTY = 1.5  # logit removed from GENERAL (chosen on TUNE)
_ENFORCEMENT = re.compile(
    r"\b((blocked|cancell?ed|denied|refused|rejected|stopped|prevented|quarantined) by (the |your |our )?"
    r"(organi[sz]ation|policy|policies|admin|administrator|security|rule|company)|by policy|policy violation|"
    r"block(ed)? page|not permitted|(this |the )?action (is |was )?blocked|quarantined|flag(s|ged)? (\w+ ){0,3}as|"
    r"(gets?|got|getting|is|was|are|were) (blocked|stripped|quarantined|flagged) (when|while|for|as|with|by)|"
    r"blocks? (the |our |my |all |every )?(e-?mails?|messages?|uploads?|attachments?|printing|prints?|copying|downloads?)|"
    r"(blocked|flagged|stripped|detected) (as|with) ['\"\u201c]|rule ['\"\u201c]|"
    r"(stopped|blocked|refused|rejected|bounces?|bounced) (because|due to|with|for) (of )?(the )?['\"\u201c]|"
    r"(gets?|got|are|is|were|was) held (by|for|in|with)|held with reason|(is|are|was|were) restricted\b|access denied|(app|application|site|website|page|upload|download) (is |was )?(blocked|not allowed)|"
    # a security event (compromise, malware, an unknown actor) is about a security product, not the account
    r"compromised|breach(ed)?|attacker|malware|ransomware|phishing|exfiltrat\w*|"
    r"unknown (external )?(device|account|accounts|ip|location|user)|"
    # a network symptom (ping, a port, a trace) is about a network product, not the account
    r"\bping(s|ed)?\b|\bport \d{2,5}|traceroute|packet loss|"
    r"(upload|download|share|sharing|sending|send|print|printing|copy|paste)\w* (is |was |are |were |gets? |got )?"
    r"(blocked|refused|denied|cancell?ed|not allowed))\b",
    re.IGNORECASE,
)
TEMPERATURE = 0.55
SUBJECT_WEIGHT = 1.5
ASIDE_WEIGHT = 0.3

_ASIDE = re.compile(
    r"\b(unrelated|not related|by the way|side note|separately|for context|not affected|not involved|"
    r"works fine|is fine|are fine|unchanged)\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")


def normalise(text: str) -> str:
    """Lower case; hyphens, slashes and underscores read as spaces; one space between words."""
    return re.sub(r"\s+", " ", re.sub(r"[-_/]", " ", (text or "").lower())).strip()


def sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SPLIT.split(text or "")) if s]


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], dict[str, dict[str, float]]]:
    """One alternation of every term, longest first (so at each position the longest term wins), and the weights."""
    terms: dict[str, dict[str, float]] = {}
    for label, items in VOCABULARY.items():
        for term, w in items:
            terms.setdefault(normalise(term), {})[label] = float(w)
    ordered = sorted(terms, key=lambda t: (-len(t), t))
    rx = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in ordered) + r")(?:s|es)?(?!\w)")
    return rx, terms


@dataclass
class VocabularyEvidence:
    scores: dict[str, float] = field(default_factory=dict)
    hits: dict[str, list[str]] = field(default_factory=dict)

    def top_hits(self, label: str, n: int = 4) -> list[str]:
        return list(dict.fromkeys(self.hits.get(label, [])))[:n]


def _match(sentence: str, weight: float, out: VocabularyEvidence) -> None:
    rx, terms = _compiled()
    for m in rx.finditer(normalise(sentence)):
        term = m.group(1)
        for label, w in terms[term].items():
            out.scores[label] = out.scores.get(label, 0.0) + w * weight
            out.hits.setdefault(label, []).append(term)


def vocabulary_evidence(subject: str, content: str) -> VocabularyEvidence:
    out = VocabularyEvidence()
    for s in sentences(subject):
        _match(s, SUBJECT_WEIGHT, out)
    for s in sentences(content):
        _match(s, ASIDE_WEIGHT if _ASIDE.search(s) else 1.0, out)
    return out


@lru_cache(maxsize=1)
def _description_model():
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [DESCRIPTIONS[p] + " " + " ".join(t for t, _ in VOCABULARY[p]) for p in PRODUCTS]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=normalise)
    matrix = vec.fit_transform(docs)
    return vec, matrix


def description_similarity(text: str) -> dict[str, float]:
    """Cosine similarity of the text to each category's description (char 3-5-grams, TF-IDF)."""
    vec, matrix = _description_model()
    q = vec.transform([text])
    sims = (matrix @ q.T).toarray().ravel()
    return {p: float(s) for p, s in zip(PRODUCTS, sims, strict=True)}


def softmax(z: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(z, dtype=float) / max(temperature, 1e-6)
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


@dataclass
class ZeroShot:
    probabilities: dict[str, float]
    vocabulary: VocabularyEvidence
    similarity: dict[str, float]

    @property
    def label(self) -> str:
        return max(PRODUCTS, key=lambda p: (self.probabilities[p], -PRODUCTS.index(p)))


def logits(vocab: VocabularyEvidence, sims: dict[str, float], *, vocab_weight: float = VOCAB_WEIGHT,
           description_weight: float = DESCRIPTION_WEIGHT, general_prior: float = GENERAL_PRIOR,
           enforced: bool = False) -> np.ndarray:
    s = np.array([sims[p] for p in PRODUCTS])
    s = s - s.mean()
    v = np.array([math.log1p(vocab.scores.get(p, 0.0)) for p in PRODUCTS])
    z = vocab_weight * v + description_weight * s
    z[PRODUCTS.index("GENERAL")] += general_prior - (ENFORCEMENT_PENALTY if enforced else 0.0)
    return z


def enforcement(text: str) -> bool:
    """Does the ticket describe a security control acting on traffic or data (a block, a quarantine…)?"""
    return bool(_ENFORCEMENT.search(text or ""))


def classify_product(subject: str, content: str, *, temperature: float = TEMPERATURE) -> ZeroShot:
    """Product probabilities of a (cleaned) ticket from domain knowledge alone."""
    vocab = vocabulary_evidence(subject, content)
    sims = description_similarity(f"{subject}\n{content}")
    p = softmax(logits(vocab, sims, enforced=enforcement(f"{subject}\n{content}")), temperature)
    return ZeroShot(probabilities={k: float(v) for k, v in zip(PRODUCTS, p, strict=True)}, vocabulary=vocab,
                    similarity=sims)
