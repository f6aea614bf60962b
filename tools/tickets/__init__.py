"""Ticket triage tools: classification, SLA status, response suggestions.

Database access lives here (parameterised, READ ONLY, org-scoped); the
arithmetic is pure: :mod:`tools.tickets.classify` (keyword lexicons and the
neighbour vote) and :mod:`tools.tickets.sla` (targets, deadlines, states,
escalation). The one write path, SLA alert sync, is :mod:`tools.tickets.alerts`.

Ticket subjects, contents and resolutions are untrusted data: sentences that
address an AI are dropped before features are computed, and text is only ever
quoted back, never interpreted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import re
import time
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.tickets import classify as cls
from tools.tickets import sla as slalib
from tools.tickets.sla import SlaClock, SlaState

Product = Literal["CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL"]
Urgency = Literal["critical", "high", "medium", "low"]

MODEL_NAME = "offline-knn"
MAX_K = 50
OPEN_STATUSES = ("new", "open", "pending")


# ------------------------------------------------------------------ read models


class NeighbourOut(BaseModel):
    external_id: str
    subject: str
    similarity: float = Field(description="cosine similarity to the classified text")
    product: Product
    urgency: Urgency


class Classification(BaseModel):
    subject: str
    external_id: str | None = Field(None, description="the stored ticket classified (classify_ticket_by_id)")
    product: Product
    urgency: Urgency
    confidence: float = Field(ge=0, le=1, description="the weaker of product_confidence and urgency_confidence")
    product_confidence: float = Field(ge=0, le=1)
    urgency_confidence: float = Field(ge=0, le=1)
    reasoning: str
    model: str = MODEL_NAME
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    neighbours: list[NeighbourOut]
    product_scores: dict[str, float]
    urgency_scores: dict[str, float]
    product_keywords: list[str] = Field(description="lexicon phrases supporting the product")
    urgency_keywords: list[str] = Field(description="lexicon cues supporting the urgency")
    ignored_instructions: int = Field(0, description="instruction-like sentences dropped from the ticket text")
    stored_product: str | None = Field(None, description="the stored label, when the ticket has one")
    stored_urgency: str | None = None


class TicketSla(BaseModel):
    external_id: str
    subject: str
    customer: str | None
    customer_tier: str
    priority: str
    status: str
    product: str | None
    urgency: str | None
    created_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    as_of: dt.datetime
    response: SlaClock
    resolution: SlaClock
    state: SlaState = Field(description="the most pressing of the two clocks' states")
    escalation_level: int = Field(description="the higher of the two clocks' escalation levels")


class SlaOverviewItem(BaseModel):
    external_id: str
    subject: str
    customer: str | None
    customer_tier: str
    priority: str
    status: str
    clock: Literal["response", "resolution"] = Field(description="the most pressing clock")
    state: SlaState
    deadline: dt.datetime
    escalation_level: int
    remaining_minutes: float | None
    overdue_minutes: float
    response_state: SlaState
    response_deadline: dt.datetime
    resolution_state: SlaState
    resolution_deadline: dt.datetime


class SlaOverview(BaseModel):
    as_of: dt.datetime
    open_tickets: int
    counts: dict[str, dict[str, int]] = Field(description="clock -> state -> number of open tickets")
    items: list[SlaOverviewItem] = Field(description="open tickets at risk or breached, earliest deadline first")


class ResolvedTicketMatch(BaseModel):
    external_id: str
    subject: str
    product: str | None
    similarity: float
    resolved_at: dt.datetime | None
    resolution: str = Field(description="the stored resolution text (data, quoted as is)")


class RunbookMatch(BaseModel):
    external_id: str
    title: str
    service: str | None
    tags: list[str]
    similarity: float
    excerpt: str


class ResponseSuggestion(BaseModel):
    subject: str
    similar_tickets: list[ResolvedTicketMatch]
    runbooks: list[RunbookMatch]
    draft: str
    ignored_instructions: int = 0


# ------------------------------------------------------------------ helpers


def _vector_literal(vec: np.ndarray) -> str:
    """pgvector's text form, bound as a parameter and CAST to vector in SQL."""
    return "[" + ",".join(f"{float(x):.8g}" for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


async def _embed(ctx: ToolContext, textv: str) -> str:
    vec = await asyncio.to_thread(ctx.embedder.embed, [textv])
    return _vector_literal(vec[0])


def _clean(subject: str, content: str) -> tuple[str, str, int]:
    subj, d1 = cls.strip_instructions(subject)
    body, d2 = cls.strip_instructions(content)
    return subj, body, len(d1) + len(d2)


async def _widen_search(session: AsyncSession, k: int) -> None:
    """Let the HNSW scan look further, so filtered queries still find k rows (transaction-local)."""
    await session.execute(text("SELECT set_config('hnsw.ef_search', :v, true)"), {"v": str(max(100, 4 * k))})


async def _get_ticket(session: AsyncSession, org_id: int, external_id: str) -> Mapping[str, Any]:
    row = (
        await session.execute(
            text(
                """SELECT id, external_id, subject, content, product, urgency, priority, customer, customer_tier,
                          status, created_at, first_response_at, resolved_at, closed_at
                   FROM tickets WHERE org_id = :org AND upper(external_id) = upper(:ext)
                   ORDER BY (external_id = :ext) DESC LIMIT 1"""
            ),
            {"org": org_id, "ext": (external_id or "").strip()},
        )
    ).mappings().first()
    if row is None:
        needle = (external_id or "").strip().upper()
        prefix = re.match(r"[A-Z]*", needle).group(0)  # type: ignore[union-attr]
        known = [
            r[0]
            for r in await session.execute(
                text(
                    """SELECT external_id FROM tickets WHERE org_id = :org AND upper(external_id) LIKE :p
                       ORDER BY created_at DESC LIMIT 5000"""
                ),
                {"org": org_id, "p": prefix + "%"},
            )
        ]
        raise ToolError(
            f"unknown ticket {external_id!r}",
            suggestions=difflib.get_close_matches(needle, known, n=3, cutoff=0.5) or known[:5],
        )
    return row


# ------------------------------------------------------------------ classification


async def _classify(
    ctx: ToolContext,
    session: AsyncSession,
    *,
    subject: str,
    content: str,
    exclude_external_id: str | None,
    k: int,
    started: float,
    external_id: str | None = None,
    stored: tuple[str | None, str | None] = (None, None),
) -> ToolOutput[Classification]:
    if not (subject or "").strip() and not (content or "").strip():
        raise ToolError("a ticket needs a subject or some content to classify")
    if not 1 <= k <= MAX_K:
        raise ToolError(f"k must be between 1 and {MAX_K}")
    subj, body, _ = _clean(subject or "", content or "")
    qvec = await _embed(ctx, f"{subj}\n{body}")
    exclude = "AND external_id <> :exclude" if exclude_external_id else ""
    query = f"""SELECT external_id, subject, product, urgency, 1 - (embedding <=> CAST(:q AS vector)) AS similarity
                FROM tickets
                WHERE org_id = :org AND product IS NOT NULL AND urgency IS NOT NULL AND embedding IS NOT NULL {exclude}
                ORDER BY embedding <=> CAST(:q AS vector)
                LIMIT :k"""  # ``exclude`` is one of two fixed strings
    params: dict[str, Any] = {"org": ctx.org_id, "q": qvec, "k": k}
    if exclude_external_id:
        params["exclude"] = exclude_external_id.strip()
    await _widen_search(session, k)
    rows = (await session.execute(text(query), params)).mappings().all()
    neighbours = [
        NeighbourOut(external_id=r["external_id"], subject=r["subject"], similarity=round(float(r["similarity"]), 4),
                     product=r["product"], urgency=r["urgency"])
        for r in rows
    ]
    decision = cls.decide(  # cleans the raw text itself (and reports what it dropped)
        subject or "", content or "",
        [cls.Neighbour(n.external_id, n.similarity, n.product, n.urgency) for n in neighbours],
    )
    latency = (time.perf_counter() - started) * 1000.0
    result = Classification(
        subject=(subject or "")[:500],
        external_id=external_id,
        product=decision.product.label,  # type: ignore[arg-type]
        urgency=decision.urgency.label,  # type: ignore[arg-type]
        confidence=decision.confidence,
        product_confidence=decision.product.confidence,
        urgency_confidence=decision.urgency.confidence,
        reasoning=cls.reasoning(decision),
        latency_ms=round(latency, 3),
        neighbours=neighbours,
        product_scores={k_: round(v, 4) for k_, v in decision.product.scores.items()},
        urgency_scores={k_: round(v, 4) for k_, v in decision.urgency.scores.items()},
        product_keywords=decision.product.hits,
        urgency_keywords=decision.urgency.hits,
        ignored_instructions=len(decision.dropped),
        stored_product=stored[0],
        stored_urgency=stored[1],
    )
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
    subject_label = external_id or f"{result.subject[:80]!r}"
    evidence = [
        EvidenceDraft(
            kind="classification", source=source,
            ref={"tool": tool, "args": args, "query": knn_query + "; similarity-weighted vote + keyword lexicons",
                 "model": MODEL_NAME},
            payload=result.model_dump(mode="json", exclude={"neighbours"}),
            summary=(
                f"Ticket {subject_label} classified as {result.product} / {result.urgency} "
                f"(confidence {result.confidence:.2f}, {MODEL_NAME})"
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
    """Product and urgency of a ticket text: nearest labelled tickets (pgvector cosine) + keyword evidence."""
    started = time.perf_counter()
    async with ctx.read() as session:
        return await _classify(ctx, session, subject=subject, content=content,
                               exclude_external_id=exclude_external_id, k=k, started=started)


async def classify_ticket_by_id(ctx: ToolContext, *, external_id: str, k: int = 9) -> ToolOutput[Classification]:
    """Classify a stored ticket by its id (its own label, if any, does not vote)."""
    started = time.perf_counter()
    async with ctx.read() as session:
        t = await _get_ticket(session, ctx.org_id, external_id)
        return await _classify(
            ctx, session, subject=t["subject"], content=t["content"], exclude_external_id=t["external_id"], k=k,
            started=started, external_id=t["external_id"], stored=(t["product"], t["urgency"]),
        )


# ------------------------------------------------------------------ SLA


def completion_times(row: Mapping[str, Any]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(first response, resolution) of a ticket row; a ticket closed without a resolved_at is resolved when closed."""
    return row["first_response_at"], row["resolved_at"] or row["closed_at"]


def clocks_for(row: Mapping[str, Any], now: dt.datetime) -> tuple[SlaClock, SlaClock]:
    first_response, resolved = completion_times(row)
    return slalib.ticket_clocks(
        priority=row["priority"], customer_tier=row["customer_tier"], created_at=row["created_at"],
        first_response_at=first_response, resolved_at=resolved, now=now,
    )


async def open_ticket_rows(session: AsyncSession, org_id: int, now: dt.datetime) -> list[Mapping[str, Any]]:
    """Tickets still open at ``now`` (status new/open/pending, not resolved or closed, created by then)."""
    return list(
        (
            await session.execute(
                text(
                    """SELECT id, external_id, subject, priority, customer, customer_tier, status, created_at,
                              first_response_at, resolved_at, closed_at
                       FROM tickets
                       WHERE org_id = :org AND status IN ('new', 'open', 'pending')
                         AND resolved_at IS NULL AND closed_at IS NULL AND created_at <= :now
                       ORDER BY created_at"""
                ),
                {"org": org_id, "now": now},
            )
        ).mappings().all()
    )


async def ticket_sla(ctx: ToolContext, *, external_id: str) -> ToolOutput[TicketSla]:
    """A ticket's response and resolution SLA at ``ctx.now``: deadlines, states, escalation."""
    async with ctx.read() as session:
        t = await _get_ticket(session, ctx.org_id, external_id)
    response, resolution = clocks_for(t, ctx.now)
    top = slalib.worst(response, resolution)
    result = TicketSla(
        external_id=t["external_id"], subject=t["subject"], customer=t["customer"], customer_tier=t["customer_tier"],
        priority=t["priority"], status=t["status"], product=t["product"], urgency=t["urgency"],
        created_at=t["created_at"], first_response_at=t["first_response_at"], resolved_at=completion_times(t)[1],
        as_of=ctx.now, response=response, resolution=resolution,
        state=top.state, escalation_level=max(response.escalation_level, resolution.escalation_level),
    )

    def line(c: SlaClock) -> str:
        return f"{c.kind} {c.state} (deadline {c.deadline:%Y-%m-%d %H:%M} UTC, window {c.window_minutes:g} min)"

    evidence = [
        EvidenceDraft(
            kind="sla", source="tools.tickets.ticket_sla",
            ref={"tool": "ticket_sla", "args": {"external_id": result.external_id}, "as_of": ctx.now.isoformat(),
                 "query": "tickets by external_id; SLA targets by priority x customer-tier multiplier (tools.tickets.sla)"},
            payload=result.model_dump(mode="json"),
            summary=(
                f"{result.external_id} ({result.priority}, {result.customer_tier}, {result.status}): "
                f"{line(response)}; {line(resolution)}; escalation level {result.escalation_level}"
            ),
        )
    ]
    return ToolOutput(result=result, evidence=evidence)


async def sla_overview(ctx: ToolContext) -> ToolOutput[SlaOverview]:
    """Open tickets whose response or resolution SLA is at risk or breached at ``ctx.now``, earliest deadline first."""
    async with ctx.read() as session:
        rows = await open_ticket_rows(session, ctx.org_id, ctx.now)
    counts: dict[str, dict[str, int]] = {
        kind: {s: 0 for s in ("on_track", "at_risk", "breached", "met")} for kind in ("response", "resolution")
    }
    items: list[SlaOverviewItem] = []
    for r in rows:
        response, resolution = clocks_for(r, ctx.now)
        counts["response"][response.state] += 1
        counts["resolution"][resolution.state] += 1
        pressing = [c for c in (response, resolution) if c.state in ("at_risk", "breached")]
        if not pressing:
            continue
        top = slalib.worst(*pressing)
        items.append(
            SlaOverviewItem(
                external_id=r["external_id"], subject=r["subject"], customer=r["customer"],
                customer_tier=r["customer_tier"], priority=r["priority"], status=r["status"], clock=top.kind,
                state=top.state, deadline=top.deadline,
                escalation_level=max(response.escalation_level, resolution.escalation_level),
                remaining_minutes=top.remaining_minutes, overdue_minutes=top.overdue_minutes,
                response_state=response.state, response_deadline=response.deadline,
                resolution_state=resolution.state, resolution_deadline=resolution.deadline,
            )
        )
    items.sort(key=lambda i: (i.deadline, i.external_id))
    result = SlaOverview(as_of=ctx.now, open_tickets=len(rows), counts=counts, items=items)
    n_breached = sum(1 for i in items if i.state == "breached")
    evidence = [
        EvidenceDraft(
            kind="sla_overview", source="tools.tickets.sla_overview",
            ref={"tool": "sla_overview", "args": {}, "as_of": ctx.now.isoformat(),
                 "query": "open tickets (status new/open/pending, not resolved) with SLA clocks at as_of"},
            payload=result.model_dump(mode="json"),
            summary=(
                f"{len(rows)} open tickets: {n_breached} breached, {len(items) - n_breached} at risk"
                + (
                    "; next: " + ", ".join(f"{i.external_id} {i.clock} {i.state} (L{i.escalation_level})"
                                           for i in items[:3])
                    if items else ""
                )
            ),
        )
    ]
    return ToolOutput(result=result, evidence=evidence)


# ------------------------------------------------------------------ response suggestions


def _quote_data(value: str | None, limit: int = 240) -> str:
    """Untrusted text made safe to quote: instruction-like sentences dropped, one line, bounded, no quotes."""
    cleaned, _ = cls.strip_instructions(value or "")
    cleaned = re.sub(r"\s+", " ", cleaned).replace('"', "'").strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def _draft(subject: str, tickets: list[ResolvedTicketMatch], runbooks: list[RunbookMatch]) -> str:
    lines = ["Hello,", "", f'Thank you for your ticket "{_quote_data(subject, 120) or "(no subject)"}".']
    if tickets:
        lines.append("We have solved similar cases before. What fixed them:")
        for t in tickets:
            lines.append(f'- {t.external_id} ("{_quote_data(t.subject, 100)}"): "{_quote_data(t.resolution)}"')
        lines.append("We will check whether the same fix applies to your setup and come back to you.")
    else:
        lines.append("We are investigating and will come back to you with next steps.")
    if runbooks:
        titles = ", ".join(f'"{_quote_data(r.title, 100)}" ({r.external_id})' for r in runbooks)
        lines.append(f"Internal reference for the engineer: runbook {titles}.")
    lines += ["", "Best regards,", "Support"]
    return "\n".join(lines)


async def suggest_response(
    ctx: ToolContext, *, subject: str, content: str, k: int = 3, min_runbook_similarity: float = 0.15
) -> ToolOutput[ResponseSuggestion]:
    """Similar resolved tickets (with their resolutions) and matching runbooks, plus a templated draft reply."""
    if not (subject or "").strip() and not (content or "").strip():
        raise ToolError("a ticket needs a subject or some content")
    if not 1 <= k <= MAX_K:
        raise ToolError(f"k must be between 1 and {MAX_K}")
    subj, body, n_dropped = _clean(subject or "", content or "")
    qvec = await _embed(ctx, f"{subj}\n{body}")
    async with ctx.read() as session:
        await _widen_search(session, k)
        trows = (
            await session.execute(
                text(
                    """SELECT external_id, subject, product, resolution, coalesce(resolved_at, closed_at) AS resolved_at,
                              1 - (embedding <=> CAST(:q AS vector)) AS similarity
                       FROM tickets
                       WHERE org_id = :org AND status IN ('resolved', 'closed') AND resolution IS NOT NULL
                         AND embedding IS NOT NULL
                       ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k"""
                ),
                {"org": ctx.org_id, "q": qvec, "k": k},
            )
        ).mappings().all()
        drows = (
            await session.execute(
                text(
                    """SELECT external_id, title, service, tags, body,
                              1 - (embedding <=> CAST(:q AS vector)) AS similarity
                       FROM documents
                       WHERE org_id = :org AND kind = 'runbook' AND embedding IS NOT NULL
                       ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k"""
                ),
                {"org": ctx.org_id, "q": qvec, "k": k},
            )
        ).mappings().all()
    tickets = [
        ResolvedTicketMatch(external_id=r["external_id"], subject=r["subject"], product=r["product"],
                            similarity=round(float(r["similarity"]), 4), resolved_at=r["resolved_at"],
                            resolution=r["resolution"])
        for r in trows
    ]
    runbooks = [
        RunbookMatch(external_id=r["external_id"], title=r["title"], service=r["service"], tags=list(r["tags"] or []),
                     similarity=round(float(r["similarity"]), 4), excerpt=_quote_data(r["body"], 400))
        for r in drows
        if float(r["similarity"]) >= min_runbook_similarity
    ]
    result = ResponseSuggestion(
        subject=(subject or "")[:500], similar_tickets=tickets, runbooks=runbooks,
        draft=_draft(subj or subject or "", tickets, runbooks), ignored_instructions=n_dropped,
    )
    args = {"subject": subject, "content": content, "k": k, "min_runbook_similarity": min_runbook_similarity}
    emb = f"{ctx.embedder.name} embedding of subject + content"
    evidence = [
        EvidenceDraft(
            kind="ticket", source="tools.tickets.suggest_response",
            ref={"tool": "suggest_response", "args": args, "ticket": t.external_id,
                 "query": f"k={k} nearest resolved/closed tickets with a resolution, cosine on tickets.embedding ({emb})"},
            payload=t.model_dump(mode="json"),
            summary=f"Similar resolved ticket {t.external_id} (similarity {t.similarity:.2f}): "
                    f"{_quote_data(t.resolution, 160)}",
        )
        for t in tickets
    ] + [
        EvidenceDraft(
            kind="runbook", source="tools.tickets.suggest_response",
            ref={"tool": "suggest_response", "args": args, "document": r.external_id,
                 "query": f"k={k} nearest runbooks (documents.kind = 'runbook'), cosine on documents.embedding ({emb})"},
            payload=r.model_dump(mode="json"),
            summary=f"Runbook {r.external_id} '{_quote_data(r.title, 100)}' (similarity {r.similarity:.2f})",
        )
        for r in runbooks
    ]
    return ToolOutput(result=result, evidence=evidence)


__all__ = [
    "Classification",
    "NeighbourOut",
    "ResolvedTicketMatch",
    "ResponseSuggestion",
    "RunbookMatch",
    "SlaOverview",
    "SlaOverviewItem",
    "TicketSla",
    "classify_ticket",
    "classify_ticket_by_id",
    "clocks_for",
    "open_ticket_rows",
    "sla_overview",
    "suggest_response",
    "ticket_sla",
]
