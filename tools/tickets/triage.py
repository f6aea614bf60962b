"""Ticket classification tools: product and urgency for any organisation, with or without labels.

- No labelled tickets: the zero-shot prior alone (what each product is; the
  impact the ticket describes).
- Labelled tickets: the organisation's learned model, combined with the prior.
  The model is keyed by a fingerprint of the labelled set (ids, labels, texts);
  on the first classification after the labels change it is retrained and stored
  in ``triage_models`` (org-scoped; this cache row is the one write the tool
  makes, in its own short transaction), and kept in memory per process.

The nearest labelled tickets (pgvector cosine) are shown as evidence.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store import triage_models as store_models
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.tickets import classify as cls
from tools.tickets import learned
from tools.tickets.common import MAX_K, clean, embed, get_ticket, widen_search

log = logging.getLogger(__name__)

Product = Literal["CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL"]
Urgency = Literal["critical", "high", "medium", "low"]

MODEL_ZERO_SHOT = "triage-zero-shot"
MODEL_LEARNED = "triage-learned"
_CACHE_SIZE = 64


class NeighbourOut(BaseModel):
    external_id: str
    subject: str
    similarity: float = Field(description="cosine similarity to the classified text")
    product: Product | None
    urgency: Urgency | None


class Classification(BaseModel):
    subject: str
    external_id: str | None = Field(None, description="the stored ticket classified (classify_ticket_by_id)")
    product: Product = Field(description="GENERAL when the product is unclear (confidence below 0.40); between 0.40 "
                             "and 0.50 the best guess, with needs_human set")
    urgency: Urgency
    confidence: float = Field(ge=0, le=1, description="the weaker of product_confidence and urgency_confidence")
    product_confidence: float = Field(ge=0, le=1, description="calibrated probability of the most likely product")
    urgency_confidence: float = Field(ge=0, le=1)
    needs_human: bool = Field(False, description="confidence below the threshold: a human should decide")
    product_guess: Product = Field(description="the most likely product, even when a human must decide")
    reasoning: str
    method: Literal["zero-shot", "learned+zero-shot"] = "zero-shot"
    labelled_tickets: int = Field(0, description="labelled tickets the organisation's model learned from")
    learned_weight: dict[str, float] = Field(default_factory=dict, description="weight of the learned model per head")
    model: str = MODEL_ZERO_SHOT
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    neighbours: list[NeighbourOut]
    product_scores: dict[str, float] = Field(description="calibrated product probabilities")
    urgency_scores: dict[str, float] = Field(description="calibrated urgency probabilities")
    product_keywords: list[str] = Field(description="domain vocabulary supporting the product")
    urgency_keywords: list[str] = Field(description="impact cues found (scope, outage, breach, workaround, …)")
    ignored_instructions: int = Field(0, description="instruction-like sentences dropped from the ticket text")
    stored_product: str | None = Field(None, description="the stored label, when the ticket has one")
    stored_urgency: str | None = None


# ------------------------------------------------------------------ the organisation's model

_models: OrderedDict[int, tuple[str, learned.TriageModel]] = OrderedDict()
_locks: dict[tuple[int, int], asyncio.Lock] = {}  # (event loop, org): a lock belongs to one loop


def _remember(org_id: int, fingerprint: str, model: learned.TriageModel) -> None:
    _models[org_id] = (fingerprint, model)
    _models.move_to_end(org_id)
    while len(_models) > _CACHE_SIZE:
        _models.popitem(last=False)


async def org_model(ctx: ToolContext) -> learned.TriageModel | None:
    """The organisation's learned model for its current labelled set (None without labels); trains if stale."""
    async with ctx.read() as session:
        n, fingerprint = await store_models.labelled_fingerprint(session, ctx.org_id)
    if n == 0:
        return None
    hit = _models.get(ctx.org_id)
    if hit and hit[0] == fingerprint:
        return hit[1]
    lock = _locks.setdefault((id(asyncio.get_running_loop()), ctx.org_id), asyncio.Lock())
    async with lock:
        hit = _models.get(ctx.org_id)
        if hit and hit[0] == fingerprint:
            return hit[1]
        async with ctx.read() as session:
            row = await store_models.load_model(session, ctx.org_id)
            stored = learned.loads(row["model"]) if row is not None and row["fingerprint"] == fingerprint else None
            rows = [] if stored is not None else await store_models.labelled_tickets(session, ctx.org_id)
        if stored is None:
            started = time.perf_counter()
            stored = await asyncio.to_thread(
                cls.train_model,
                [(r["subject"], r["content"], r["product"], r["urgency"], r["priority"], r["customer_tier"]) for r in rows],
                fingerprint,
            )
            meta = {"n_labels": stored.n_labels, "train_seconds": round(time.perf_counter() - started, 3),
                    "weights": {h: stored.weight(h) for h in ("product", "urgency")},
                    "sklearn": stored.sklearn_version}
            try:
                async with ctx.sessions() as session, session.begin():
                    await store_models.save_model(session, ctx.org_id, fingerprint=fingerprint, n_labels=stored.n_labels,
                                                  model=learned.dumps(stored), meta=meta)
            except Exception:
                log.warning("could not store the triage model of org %s", ctx.org_id, exc_info=True)
        _remember(ctx.org_id, fingerprint, stored)
        return stored


# ------------------------------------------------------------------ classification


async def _neighbours(ctx: ToolContext, session: AsyncSession, qvec: str, k: int, exclude: str | None) -> list[NeighbourOut]:
    excl = "AND external_id <> :exclude" if exclude else ""
    query = f"""SELECT external_id, subject, product, urgency, 1 - (embedding <=> CAST(:q AS vector)) AS similarity
                FROM tickets
                WHERE org_id = :org AND product IS NOT NULL AND urgency IS NOT NULL AND embedding IS NOT NULL {excl}
                ORDER BY embedding <=> CAST(:q AS vector)
                LIMIT :k"""  # ``excl`` is one of two fixed strings
    params: dict[str, Any] = {"org": ctx.org_id, "q": qvec, "k": k}
    if exclude:
        params["exclude"] = exclude.strip()
    await widen_search(session, k)
    rows = (await session.execute(text(query), params)).mappings().all()
    return [
        NeighbourOut(external_id=r["external_id"], subject=r["subject"], similarity=round(float(r["similarity"]), 4),
                     product=r["product"], urgency=r["urgency"])
        for r in rows
    ]


async def _classify(
    ctx: ToolContext,
    *,
    subject: str,
    content: str,
    exclude_external_id: str | None,
    k: int,
    started: float,
    external_id: str | None = None,
    stored: tuple[str | None, str | None] = (None, None),
    priority: str | None = None,
    tier: str | None = None,
) -> ToolOutput[Classification]:
    if not (subject or "").strip() and not (content or "").strip():
        raise ToolError("a ticket needs a subject or some content to classify")
    if not 1 <= k <= MAX_K:
        raise ToolError(f"k must be between 1 and {MAX_K}")
    subj, body, _ = clean(subject or "", content or "")
    qvec = await embed(ctx, f"{subj}\n{body}")
    async with ctx.read() as session:
        neighbours = await _neighbours(ctx, session, qvec, k, exclude_external_id)
    model = await org_model(ctx)
    d = await asyncio.to_thread(cls.triage, subject or "", content or "", priority=priority, tier=tier, model=model)
    result = Classification(
        subject=(subject or "")[:500],
        external_id=external_id,
        product=d.product,
        urgency=d.urgency,
        confidence=d.confidence,
        product_confidence=d.product_confidence,
        urgency_confidence=d.urgency_confidence,
        needs_human=d.needs_human,
        product_guess=d.product_guess,
        reasoning=cls.reasoning(d, [(n.external_id, n.product or "", n.similarity) for n in neighbours]),
        method=d.method,
        labelled_tickets=d.n_labels,
        learned_weight=d.learned_weight,
        model=MODEL_LEARNED if d.method != "zero-shot" else MODEL_ZERO_SHOT,
        latency_ms=round((time.perf_counter() - started) * 1000.0, 3),
        neighbours=neighbours,
        product_scores=d.product_probabilities,
        urgency_scores=d.urgency_probabilities,
        product_keywords=d.product_terms,
        urgency_keywords=d.urgency_cues,
        ignored_instructions=len(d.dropped),
        stored_product=stored[0],
        stored_urgency=stored[1],
    )
    args: dict[str, Any]
    if external_id:
        tool, args = "classify_ticket_by_id", {"external_id": external_id}
    else:
        tool, args = "classify_ticket", {"subject": subject, "content": content,
                                         "exclude_external_id": exclude_external_id, "k": k}
    source = f"tools.tickets.{tool}"
    knn_query = (
        f"k={k} nearest labelled tickets (product IS NOT NULL) by cosine distance on tickets.embedding "
        f"({ctx.embedder.name} embedding of subject + content)"
        + (f", excluding {exclude_external_id}" if exclude_external_id else "")
    )
    how = ("zero-shot: product descriptions + domain vocabulary + base model; urgency from impact cues" if model is None else
           f"learned model on {d.n_labels} labelled tickets combined with the zero-shot prior; urgency from impact cues")
    subject_label = external_id or f"{result.subject[:80]!r}"
    flag = ", needs a human" if result.needs_human else ""
    evidence = [
        EvidenceDraft(
            kind="classification", source=source,
            ref={"tool": tool, "args": args, "query": how, "model": result.model},
            payload=result.model_dump(mode="json", exclude={"neighbours"}),
            summary=(
                f"Ticket {subject_label} classified as {result.product} / {result.urgency} "
                f"(confidence {result.confidence:.2f}, {result.method}{flag})"
            ),
        ),
        EvidenceDraft(
            kind="similar_tickets", source=source,
            ref={"tool": tool, "args": args, "query": knn_query},
            payload={"neighbours": [n.model_dump(mode="json") for n in neighbours]},
            summary=(
                f"{len(neighbours)} nearest labelled tickets for {subject_label}: "
                + ", ".join(f"{n.external_id} ({n.product}/{n.urgency}, {n.similarity:.2f})" for n in neighbours[:5])
                if neighbours else f"no labelled tickets to compare {subject_label} with"
            ),
        ),
    ]
    return ToolOutput(result=result, evidence=evidence)


async def classify_ticket(
    ctx: ToolContext,
    *,
    subject: str,
    content: str,
    exclude_external_id: str | None = None,
    k: int = 9,
) -> ToolOutput[Classification]:
    """Product and urgency of a ticket text: zero-shot prior + the organisation's learned model, calibrated."""
    return await _classify(ctx, subject=subject, content=content, exclude_external_id=exclude_external_id, k=k,
                           started=time.perf_counter())


async def classify_ticket_by_id(ctx: ToolContext, *, external_id: str, k: int = 9) -> ToolOutput[Classification]:
    """Classify a stored ticket by its id (its priority and customer tier count as evidence)."""
    started = time.perf_counter()
    async with ctx.read() as session:
        t = await get_ticket(session, ctx.org_id, external_id)
    return await _classify(
        ctx, subject=t["subject"], content=t["content"], exclude_external_id=t["external_id"], k=k, started=started,
        external_id=t["external_id"], stored=(t["product"], t["urgency"]), priority=t["priority"],
        tier=t["customer_tier"],
    )
