"""Ticket triage (pure): text hygiene, then product and urgency from domain knowledge and the org's labels.

For each ticket:

1. the text is cleaned: sentences that address an AI or try to dictate the
   outcome ("ignore previous instructions", "set urgency to critical"…) are
   removed (:func:`strip_instructions`); they describe no problem, so they
   contribute no features;
2. the PRODUCT comes from the zero-shot prior (:mod:`tools.tickets.zeroshot`,
   what each product category is), mixed with the organisation's learned model
   (:mod:`tools.tickets.learned`) when it has labelled tickets, weighted by how
   many;
3. the URGENCY comes from the impact the ticket describes
   (:mod:`tools.tickets.urgency`: scope, production down, breach, workaround,
   deadline, question…), mixed the same way with the learned model;
4. the probabilities are calibrated (temperatures fitted on the tune third of
   the hand-written dev set); when the product's confidence is below
   ``UNSURE_PRODUCT`` the answer is GENERAL with ``needs_human`` set and
   the best guess named in the reasoning, instead of a guess presented as a
   classification; between ``UNSURE_PRODUCT`` and ``NEEDS_HUMAN_PRODUCT`` the
   best guess is answered with ``needs_human`` set. A weak urgency also sets
   ``needs_human``, and so does a product guessed with no word of any product
   in the ticket (no vocabulary term, no security control acting, no labels of
   the organisation): a refund for a price difference or low water pressure
   is about none of the products, whatever the base model's wording leans to.

Nothing in the text can select a label directly; it only contributes features.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from tools.tickets import learned, zeroshot
from tools.tickets import urgency as urg
from tools.tickets.base import (
    PRODUCT_CALIBRATION,
    PRODUCT_WEIGHT,
    URGENCY_CALIBRATION,
    URGENCY_WEIGHT,
    URGENCY_WEIGHT_ASKED,
    base_model,
)
from tools.tickets.learned import TriageModel, temper, text_of

PRODUCTS: tuple[str, ...] = zeroshot.PRODUCTS
URGENCIES: tuple[str, ...] = urg.URGENCIES

# Below these calibrated confidences a human decides. With the base model's calibration (tools/tickets/base.py)
# a confidence is close to the chance of being right, so: below UNSURE_PRODUCT (right less than half the time) the
# product is not even guessed — the answer is GENERAL (unsure); between the two the best guess is answered and
# flagged for a human. (Before that calibration: 0.40 / 0.50 on the rules' own scale; see evals/triage/README.md.)
NEEDS_HUMAN_PRODUCT = 0.60
UNSURE_PRODUCT = 0.50
# The impact reader's critical at or above this (everyone stopped, production down, a breach in progress) is not
# overridden by an organisation's own labels: on every dev set it was right 136 times of 137 there, while an org
# whose history files one site's outage as "high" would pull a company-wide outage down to "high" with it.
STRONG_CRITICAL = 0.90
NEEDS_HUMAN_URGENCY = 0.50  # out-of-author urgency answers below 0.50 were right 52 % (21 of 883): a coin flip
# cues read from the form of a ticket, where the base model's urgency (a bag of words) weighs URGENCY_WEIGHT_ASKED:
# breach words asked about, a question with a business date, and the author's own words closing the thread ("all
# working again since the patch, you can close this": the words of the fix read like the outage to a bag of words)
FORM_CUES = ("in a question (ignored)", "a business deadline on a question", "resolved / closing",
             "a consequence if the date is missed")

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
    lines: list[str] = []
    dropped: list[str] = []
    for line in (text or "").splitlines():  # line structure kept: quoted replies and logs are told apart by line
        kept: list[str] = []
        for s in sentences(line):
            (dropped if is_instruction(s) else kept).append(s)
        if kept or not line.strip():
            lines.append(" ".join(kept))
    return "\n".join(lines).strip(), dropped




def clean(text: str) -> str:
    return strip_instructions(text)[0]


# ---------------------------------------------------------------- the decision


@dataclass
class Triage:
    product: str
    urgency: str
    product_confidence: float
    urgency_confidence: float
    needs_human: bool
    product_guess: str  # the most probable product, even when a human must decide
    product_probabilities: dict[str, float]
    urgency_probabilities: dict[str, float]
    product_terms: list[str]  # vocabulary terms supporting the product guess
    urgency_cues: list[str]  # impact cues found
    learned_weight: dict[str, float] = field(default_factory=dict)  # head -> weight of the learned model
    n_labels: int = 0
    dropped: list[str] = field(default_factory=list)
    no_product_words: bool = False  # a product guessed with no word of any product and no labels of the org

    @property
    def confidence(self) -> float:
        """The weaker of the two decisions' confidences."""
        return round(min(self.product_confidence, self.urgency_confidence), 4)

    @property
    def method(self) -> str:
        return "learned+zero-shot" if any(self.learned_weight.values()) else "zero-shot"


def _mix(
    prior: np.ndarray, model: TriageModel | None, head: str, text: str, labels: tuple[str, ...], evidenced: set[str],
    scale: float = 1.0,
) -> tuple[np.ndarray, float]:
    """Linear mixture of the prior and the org's model, weighted by the model's cross-validated weight.

    The model only knows the labels the organisation used. For a label it never saw, it defers to the prior when
    the prior has evidence for that label (``evidenced``: e.g. domain terms for a product), and otherwise claims the
    mass: an org whose tickets name its products in its own words gets its model's answer, and a ticket clearly about
    a product it never labelled keeps the prior's.
    """
    h = None if model is None else (model.product if head == "product" else model.urgency)
    if model is None or h is None:
        return prior, 0.0
    w = model.weight(head) * scale  # ``scale`` < 1 where the text's form says what its words cannot
    known = np.array([lab in h.classes for lab in labels])
    deferred = np.array([(not k) and lab in evidenced for lab, k in zip(labels, known, strict=True)])
    learned_full = np.zeros(len(labels))
    learned_full[deferred] = prior[deferred]
    learned_full[known] = h.proba([text], list(labels))[0][known] * (1.0 - prior[deferred].sum())
    mixed = (1.0 - w) * prior + w * learned_full
    return mixed / mixed.sum(), w


def _base_proba(texts: list[str], *, base: bool, urgency_texts: list[str] | None = None
                ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The shipped base model's product and urgency probabilities of ``texts`` (one batch), or None without it.

    ``urgency_texts``: what the urgency head reads instead (a reply chain's latest words: the latest state counts).
    """
    bm = base_model() if base else None
    bp = bm.product.proba(texts, list(PRODUCTS)) if bm is not None and bm.product is not None else None
    bu = (bm.urgency.proba(urgency_texts or texts, list(URGENCIES))
          if bm is not None and bm.urgency is not None else None)
    return bp, bu


def _urgency_text(subject: str, body: str) -> str:
    """The text the base model's urgency head reads: the latest words of a thread, else the whole ticket."""
    latest = urg.latest_text(subject, body)
    return text_of(subject, body) if latest is None else text_of("", latest)


def _prior(zs: zeroshot.ZeroShot, ue: urg.UrgencyEvidence, bp: np.ndarray | None,
           bu: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The domain prior: product descriptions and the impact reader, mixed with the base model's ``bp`` / ``bu``."""
    p = np.array([zs.probabilities[k] for k in PRODUCTS])
    u = np.array([ue.probabilities[k] for k in URGENCIES])
    if bp is not None:
        p = (1.0 - PRODUCT_WEIGHT) * p + PRODUCT_WEIGHT * bp
        p = temper(p[None, :] / p.sum(), PRODUCT_CALIBRATION)[0]
    if bu is not None:
        # a bag of words cannot read the form: breach words asked about, a question with a business date
        wu = URGENCY_WEIGHT_ASKED if any(c.endswith(FORM_CUES) for c in ue.cues) else URGENCY_WEIGHT
        u = (1.0 - wu) * u + wu * bu
        u = temper(u[None, :] / u.sum(), URGENCY_CALIBRATION)[0]
    return p / p.sum(), u / u.sum()


def triage(
    subject: str,
    content: str,
    *,
    priority: str | None = None,
    tier: str | None = None,
    model: TriageModel | None = None,
    base: bool = True,
) -> Triage:
    """Product and urgency of a ticket from its (untrusted, raw) text; ``model`` is the org's learned model.

    ``base=False`` leaves the shipped base model (:mod:`tools.tickets.base`) out of the prior: the domain
    descriptions and the impact reader alone.
    """
    subj, dropped_s = strip_instructions(subject or "")
    body, dropped_b = strip_instructions(content or "")
    zs = zeroshot.classify_product(subj, body)
    ue = urg.classify_urgency(subj, body, priority=priority, tier=tier)
    text = text_of(subj, body)
    u_text = _urgency_text(subj, body)
    bp, bu = _base_proba([text], base=base, urgency_texts=[u_text])
    prior_p, prior_u = _prior(zs, ue, None if bp is None else bp[0], None if bu is None else bu[0])
    p, wp = _mix(prior_p, model, "product", text, PRODUCTS, {k for k, v in zs.vocabulary.scores.items() if v > 0})
    form = any(c.endswith(FORM_CUES) for c in ue.cues)  # the org's model is a bag of words too: it weighs half there
    strong = ue.probabilities["critical"] >= STRONG_CRITICAL  # and not at all against strong evidence of critical
    u, wu = _mix(prior_u, model, "urgency", u_text, URGENCIES, set(URGENCIES),
                 0.0 if strong else 0.5 if form else 1.0)  # the latest words
    guess = PRODUCTS[int(np.argmax(p))]
    p_conf = float(p.max())
    wordless = guess != "GENERAL" and not wp and not _product_words(zs, text)
    u_label = URGENCIES[int(np.argmax(u))]
    u_conf = float(u.max())
    unsure = p_conf < UNSURE_PRODUCT
    return Triage(
        product="GENERAL" if unsure else guess,
        urgency=u_label,
        product_confidence=round(p_conf, 4),
        urgency_confidence=round(u_conf, 4),
        needs_human=p_conf < NEEDS_HUMAN_PRODUCT or u_conf < NEEDS_HUMAN_URGENCY or wordless,
        product_guess=guess,
        product_probabilities={k: round(float(v), 4) for k, v in zip(PRODUCTS, p, strict=True)},
        urgency_probabilities={k: round(float(v), 4) for k, v in zip(URGENCIES, u, strict=True)},
        product_terms=zs.vocabulary.top_hits(guess),
        urgency_cues=ue.cues,
        learned_weight={"product": round(wp, 3), "urgency": round(wu, 3)},
        n_labels=model.n_labels if model is not None else 0,
        dropped=dropped_s + dropped_b,
        no_product_words=wordless,
    )


def _product_words(zs: zeroshot.ZeroShot, text: str) -> bool:
    """Does the ticket say anything of a product: a vocabulary term of one, or a security control acting?"""
    return any(v > 0 for k, v in zs.vocabulary.scores.items() if k != "GENERAL") or zeroshot.enforcement(text)


def train_model(
    rows: list[tuple[str, str, str | None, str | None, str | None, str | None]], fingerprint: str = "",
    *, base: bool = True,
) -> TriageModel:
    """The organisation's learned model from its labelled tickets (``base``: as in :func:`triage`).

    ``rows`` are raw (subject, content, product, urgency, priority, customer tier); texts are cleaned here, and the
    zero-shot probabilities of the same tickets let each head choose its weight against the prior.
    """
    cleaned = [(clean(s), clean(c), p, u, pr, t) for s, c, p, u, pr, t in rows]
    bp, bu = _base_proba([text_of(s, c) for s, c, *_ in cleaned], base=base,
                         urgency_texts=[_urgency_text(s, c) for s, c, *_ in cleaned]) if cleaned else (None, None)
    priors = [_prior(zeroshot.classify_product(s, c), urg.classify_urgency(s, c, priority=pr, tier=t),
                     None if bp is None else bp[i], None if bu is None else bu[i])
              for i, (s, c, _, _, pr, t) in enumerate(cleaned)]
    prior_p = np.array([pp for pp, _ in priors])
    prior_u = np.array([pu for _, pu in priors])
    return learned.train([(s, c, p, u) for s, c, p, u, _, _ in cleaned], fingerprint,
                         priors={"product": prior_p, "urgency": prior_u})


def _quote(phrases: list[str]) -> str:
    return ", ".join(f"'{p}'" for p in phrases)


def reasoning(d: Triage, neighbours: list[tuple[str, str, float]] | None = None, *, max_neighbours: int = 3) -> str:
    """A few sentences: the deciding evidence, the method, and whether a human must decide.

    Only our own vocabulary terms, cue names and ticket ids are quoted, never the ticket text.
    ``neighbours`` are (external_id, product, similarity) of similar labelled tickets, most similar first.
    """
    agree = [n for n in (neighbours or []) if n[1] == d.product_guess][:max_neighbours]
    basis = (f"the organisation's model trained on {d.n_labels} labelled tickets (weight {d.learned_weight['product']:.2f}) "
             "with the product descriptions and the base model" if d.learned_weight.get("product")
             else "the product descriptions and the base model of hand-written tickets (no labelled tickets of this "
             "organisation to learn from)")
    if d.needs_human and d.product != d.product_guess:
        first = (f"Needs a human: the product is unclear (best guess {d.product_guess} at {d.product_confidence:.2f}, "
                 f"below {UNSURE_PRODUCT:.2f}), so it is filed as GENERAL")
    elif d.no_product_words:
        first = (f"Needs a human: no word of any product in the ticket; best guess {d.product} "
                 f"({d.product_confidence:.2f}) from the base model's wording alone, so it may be about none of them "
                 "(GENERAL)")
    elif d.product_confidence < NEEDS_HUMAN_PRODUCT:
        first = (f"Needs a human: the product is uncertain, best guess {d.product} ({d.product_confidence:.2f}, "
                 f"below {NEEDS_HUMAN_PRODUCT:.2f}) from {basis}")
    else:
        first = f"{d.product} ({d.product_confidence:.2f}) from {basis}"
    if d.product_terms:
        first += f"; terms {_quote(d.product_terms)}"
    if agree:
        first += "; similar labelled tickets " + ", ".join(f"{e} ({p}, {s:.2f})" for e, p, s in agree)
    impact = list(d.urgency_cues)
    second = f"Urgency {d.urgency} ({d.urgency_confidence:.2f}) from the impact described: " + (
        ", ".join(impact) if impact else "no impact cues, the usual urgency")
    if d.learned_weight.get("urgency"):
        second += f"; the organisation's labels weigh {d.learned_weight['urgency']:.2f}"
    text = f"{first}. {second}."
    if d.needs_human and d.product == d.product_guess and d.urgency_confidence < NEEDS_HUMAN_URGENCY:
        text += f" Needs a human: the urgency is uncertain (below {NEEDS_HUMAN_URGENCY:.2f})."
    if d.dropped:
        text += f" Ignored {len(d.dropped)} instruction-like sentence(s) in the ticket text."
    return text
