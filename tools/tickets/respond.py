"""Response suggestions: similar resolved tickets, matching runbooks and a draft reply.

Resolutions and runbooks are untrusted data. They are returned as data (the
``similar_tickets`` and ``runbooks`` fields), but the draft reply, which goes to
a customer, only quotes what :mod:`tools.tickets.vetting` lets through: no
links, no requests for secrets, no instructions; the rest is withheld for an
engineer to review, and the draft says so.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.tickets import classify as cls
from tools.tickets import vetting
from tools.tickets.common import MAX_K, clean, embed, widen_search


class ResolvedTicketMatch(BaseModel):
    external_id: str
    subject: str
    product: str | None
    similarity: float
    resolved_at: dt.datetime | None
    resolution: str = Field(description="the stored resolution text (data, quoted as is; never rendered as markup)")


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
    withheld_sentences: int = Field(0, description="sentences of resolutions left out of the draft (links, requests "
                                                   "for secrets, instructions): an engineer reviews them")


def _quote_data(value: str | None, limit: int = 240) -> str:
    """Untrusted text made safe to show as data: instruction-like sentences dropped, one line, bounded, no quotes."""
    cleaned, _ = cls.strip_instructions(value or "")
    cleaned = re.sub(r"\s+", " ", cleaned).replace('"', "'").strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def draft_reply(subject: str, tickets: list[ResolvedTicketMatch], runbooks: list[RunbookMatch]) -> tuple[str, int]:
    """(the draft, sentences withheld). Quotes only vetted sentences of past resolutions; names runbooks by title."""
    withheld = 0
    lines = ["Hello,", "", f'Thank you for your ticket "{vetting.title(subject, 120) or "(no subject)"}".']
    if tickets:
        lines.append("We have solved similar cases before. What fixed them:")
        for t in tickets:
            v = vetting.vet(t.resolution)
            withheld += v.withheld
            fix = f'"{v.text}"' if v.text else "(the fix needs an engineer's review before we share it)"
            lines.append(f'- {t.external_id} ("{vetting.title(t.subject)}"): {fix}')
        lines.append("We will check whether the same fix applies to your setup and come back to you.")
    else:
        lines.append("We are investigating and will come back to you with next steps.")
    if runbooks:
        titles = ", ".join(f'"{vetting.title(r.title)}" ({r.external_id})' for r in runbooks)
        lines.append(f"Internal reference for the engineer: runbook {titles}.")
    if withheld:
        lines.append(f"[Internal: {withheld} sentence(s) of past resolutions were left out of this draft (links, "
                     "requests for credentials or instructions); review them before adding anything.]")
    lines += ["", "Best regards,", "Support"]
    return "\n".join(lines), withheld


async def suggest_response(
    ctx: ToolContext, *, subject: str, content: str, k: int = 3, min_runbook_similarity: float = 0.15
) -> ToolOutput[ResponseSuggestion]:
    """Similar resolved tickets (with their resolutions) and matching runbooks, plus a templated draft reply."""
    if not (subject or "").strip() and not (content or "").strip():
        raise ToolError("a ticket needs a subject or some content")
    if not 1 <= k <= MAX_K:
        raise ToolError(f"k must be between 1 and {MAX_K}")
    subj, body, n_dropped = clean(subject or "", content or "")
    qvec = await embed(ctx, f"{subj}\n{body}")
    async with ctx.read() as session:
        await widen_search(session, k)
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
    draft, withheld = draft_reply(subj or subject or "", tickets, runbooks)
    result = ResponseSuggestion(
        subject=(subject or "")[:500], similar_tickets=tickets, runbooks=runbooks,
        draft=draft, ignored_instructions=n_dropped, withheld_sentences=withheld,
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
                    f"{vetting.vet(t.resolution, 160).text or '(resolution withheld for review)'}",
        )
        for t in tickets
    ] + [
        EvidenceDraft(
            kind="runbook", source="tools.tickets.suggest_response",
            ref={"tool": "suggest_response", "args": args, "document": r.external_id,
                 "query": f"k={k} nearest runbooks (documents.kind = 'runbook'), cosine on documents.embedding ({emb})"},
            payload=r.model_dump(mode="json"),
            summary=f"Runbook {r.external_id} '{vetting.title(r.title)}' (similarity {r.similarity:.2f})",
        )
        for r in runbooks
    ]
    return ToolOutput(result=result, evidence=evidence)
