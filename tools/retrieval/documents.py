"""Fetch one runbook or past-incident summary by its identifier."""

from __future__ import annotations

from sqlalchemy import text

from store.models import DOCUMENT_KINDS
from store.names import close_matches
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.retrieval.models import Document


async def get_document(ctx: ToolContext, *, external_id: str, kind: str | None = None) -> ToolOutput[Document]:
    """One runbook or incident summary by its identifier (e.g. ``RB-CHECKOUT-API``), case-insensitively."""
    ext = (external_id or "").strip()
    if not ext:
        raise ToolError("empty document id")
    if kind is not None:
        kind = kind.strip().lower()
        if kind not in DOCUMENT_KINDS:
            close = close_matches(kind, DOCUMENT_KINDS, n=2)
            raise ToolError(f"unknown document kind {kind!r}", suggestions=close or list(DOCUMENT_KINDS))
    kinds = [kind] if kind else list(DOCUMENT_KINDS)
    async with ctx.read() as session:
        rows = (
            await session.execute(
                text(
                    """SELECT id, kind, external_id, title, body, service, tags, created_at
                       FROM documents
                       WHERE org_id = :org AND kind = ANY(:kinds) AND upper(external_id) = upper(:ext)
                       ORDER BY (external_id = :ext) DESC, kind, id"""
                ),
                {"org": ctx.org_id, "kinds": kinds, "ext": ext},
            )
        ).mappings().all()
        if not rows:
            known = (
                await session.execute(
                    text("SELECT external_id FROM documents WHERE org_id = :org AND kind = ANY(:kinds) "
                         "ORDER BY external_id LIMIT 20000"),
                    {"org": ctx.org_id, "kinds": kinds},
                )
            ).scalars().all()
    if not rows:
        what = kind or "document"
        raise ToolError(f"unknown {what} {ext!r}", suggestions=close_matches(ext, known, n=5))
    exact = [r for r in rows if r["external_id"] == ext] or rows
    if len({r["kind"] for r in exact}) > 1:
        raise ToolError(
            f"{ext!r} names both a runbook and an incident summary: pass kind",
            suggestions=[f"{r['kind']} {r['external_id']}" for r in exact],
        )
    row = exact[0]
    doc = Document(**{**row, "tags": list(row["tags"] or [])})
    evidence = [
        EvidenceDraft(
            kind=doc.kind,
            source="tools.retrieval.get_document",
            ref={"tool": "get_document", "args": {"external_id": doc.external_id, "kind": doc.kind},
                 "document_id": doc.id},
            payload={"id": doc.id, "kind": doc.kind, "external_id": doc.external_id, "title": doc.title,
                     "service": doc.service, "tags": doc.tags, "body": doc.body},
            summary=f"{doc.kind} {doc.external_id}: {doc.title}",
        )
    ]
    return ToolOutput[Document](result=doc, evidence=evidence)
