"""Hybrid retrieval over runbooks, past-incident summaries and stored evidence.

``search`` runs two retrievers per table (``documents``, ``evidence``) and fuses
them with reciprocal-rank fusion (:mod:`tools.retrieval.fusion`, k = 60):

- **vector**: cosine distance (``<=>``) between the query embedded with
  ``ctx.embedder`` and the rows' ``embedding`` (HNSW index, see below);
- **full text**: ``tsv @@ websearch_to_tsquery('english', :q)`` (GIN index),
  ranked by ``ts_rank_cd(tsv, query, 1)`` (normalised by log document length
  so that one-line evidence summaries and long runbooks compare fairly).

Each retriever returns ``2 × k`` candidates (at least 20) per table; the
candidates of both tables are merged into one vector ranking (by distance:
same embedder, same metric) and one text ranking (by ``ts_rank_cd``), then
fused. Each hit reports its rank in each list, so a full-text-only match (an
exact error code the embedding does not capture) is visible as such. Both
retrievers on both tables run as one statement; titles and ``ts_headline``
snippets are fetched for the ``k`` winners only. Evidence of kind
``search_results`` (this tool's own output) is not searched; the ``service``
filter matches ``documents.service`` and, for evidence, ``ref->>'service'`` or
``payload->>'service'``.

The plan per table is chosen in :mod:`tools.retrieval.plan`; the SQL is in :mod:`tools.retrieval.sql`.

Untrusted text
--------------
Titles, bodies, summaries and snippets are *data* written by people and
tools. They are returned verbatim, never interpreted; snippets highlight
query terms with ``**…**`` (plain text, no HTML).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import text

from store.models import DOCUMENT_KINDS
from store.names import close_matches
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.retrieval.fusion import RRF_K, reciprocal_rank_fusion
from tools.retrieval.models import SearchHit, SearchResults
from tools.retrieval.plan import MIN_CANDIDATES, choose_plan, estimate, max_scan_tuples, set_hnsw
from tools.retrieval.sql import DOCS, EVIDENCE, SKIPPED_EVIDENCE_KINDS, TABLES, details_sql, retrieve_sql, vector_sql

SEARCH_KINDS: tuple[str, ...] = (*DOCUMENT_KINDS, "evidence")
MAX_K = 100
MAX_QUERY_CHARS = 2000
SNIPPET_CHARS = 240

_WS = re.compile(r"\s+")


def vector_literal(vec: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


def _clip(snippet: str | None, chars: int = SNIPPET_CHARS) -> str:
    s = _WS.sub(" ", snippet or "").strip()
    if len(s) <= chars:
        return s
    cut = s[:chars].rsplit(" ", 1)[0] or s[:chars]
    return cut + "…"


def _check_kinds(kinds: Sequence[str]) -> list[str]:
    if isinstance(kinds, str):
        kinds = [kinds]
    out: list[str] = []
    for kind in kinds:
        k = str(kind).strip().lower()
        if k not in SEARCH_KINDS:
            close = close_matches(k, SEARCH_KINDS)
            raise ToolError(f"unknown kind {kind!r}", suggestions=close or list(SEARCH_KINDS))
        if k not in out:
            out.append(k)
    if not out:
        raise ToolError("no kinds to search", suggestions=list(SEARCH_KINDS))
    return out


def candidates(k: int) -> int:
    """How many rows each retriever returns per table before fusion."""
    return min(max(2 * k, MIN_CANDIDATES), 2 * MAX_K)


def _params(ctx: ToolContext, doc_kinds: list[str], service: str | None) -> dict[str, Any]:
    p: dict[str, Any] = {"org": ctx.org_id, "kinds": doc_kinds, "skip_kinds": SKIPPED_EVIDENCE_KINDS}
    if service is not None:
        p["service"] = service
    return p



async def search(
    ctx: ToolContext,
    *,
    query: str,
    k: int = 10,
    kinds: Sequence[str] = ("runbook", "incident_summary", "evidence"),
    service: str | None = None,
) -> ToolOutput[SearchResults]:
    """Hybrid (vector + full-text, RRF-fused) search over runbooks, incident summaries and evidence."""
    query = _WS.sub(" ", str(query or "").replace("\x00", " ")).strip()
    if not query:
        raise ToolError("empty query")
    if len(query) > MAX_QUERY_CHARS:
        raise ToolError(f"query too long ({len(query)} characters, at most {MAX_QUERY_CHARS})")
    if not 1 <= int(k) <= MAX_K:
        raise ToolError(f"k must be between 1 and {MAX_K}")
    k = int(k)
    wanted = _check_kinds(kinds)
    service = service.strip() if service and service.strip() else None
    doc_kinds = [x for x in wanted if x in DOCUMENT_KINDS]
    tables = ([DOCS] if doc_kinds else []) + ([EVIDENCE] if "evidence" in wanted else [])
    n_cand = candidates(k)
    embedded = np.asarray(ctx.embedder.embed([query])[0], dtype=np.float32)
    # A query of stop words only embeds to the zero vector: no direction, no vector retriever.
    use_vectors = bool(np.isfinite(embedded).all() and float(np.linalg.norm(embedded)) > 0)
    qvec = vector_literal(embedded)
    params = _params(ctx, doc_kinds, service)

    vector: dict[tuple[str, int], float] = {}
    textual: dict[tuple[str, int], float] = {}
    async with ctx.read() as session:
        # 1. plan per table: exact scan of the org's rows, or iterative HNSW scan
        plans: dict[str, str] = {}
        bounds: list[int] = []
        stats = None
        for table in tables:
            if not use_vectors:
                plans[table.name] = "exact"  # unused: only the full-text retriever runs
                continue
            est, stats = await estimate(ctx, session, table, service, params, stats)
            plans[table.name] = choose_plan(est, n_cand)
            if plans[table.name] == "hnsw":
                bounds.append(max_scan_tuples(est, n_cand))
        if bounds:
            await set_hnsw(session, n_cand, max(bounds))

        # 2. both retrievers on every table, one statement
        args = params | {"qvec": qvec, "q": query, "n": n_cand}
        rows = (await session.execute(text(retrieve_sql(plans, service, vectors=use_vectors)), args)).all()
        found: dict[str, int] = dict.fromkeys(plans, 0)
        for r in rows:
            key = (r.source, int(r.id))
            if r.list == "vector":
                found[r.source] += 1
                if r.value is not None and math.isfinite(r.value):  # a zero-norm row has no distance
                    vector[key] = float(r.value)
            else:
                textual[key] = float(r.value)
        strategy = dict(plans) if use_vectors else dict.fromkeys(plans, "text-only")
        for name, plan in plans.items():
            if use_vectors and plan == "hnsw" and found[name] < n_cand:
                # The iterative scan hit its bound (estimate too high, or the org's rows lie far
                # from the query in the graph): the exact scan returns every row the org has, up to n.
                strategy[name] = "hnsw+exact"
                for key in [key for key in vector if key[0] == name]:
                    del vector[key]
                exact = await session.execute(text(vector_sql(TABLES[name], service, "exact")), args)
                vector.update({(name, int(r.id)): float(r.distance) for r in exact if math.isfinite(r.distance)})

        # 3. fuse, then titles and snippets of the k winners only
        vector_order = sorted(vector, key=lambda key: (vector[key], key))
        text_order = sorted(textual, key=lambda key: (-textual[key], key))
        fused = reciprocal_rank_fusion({"vector": vector_order, "text": text_order}, k=RRF_K, limit=k)
        detail_args: dict[str, Any] = {"org": ctx.org_id, "q": query, "chars": SNIPPET_CHARS}
        names = []
        for table in tables:
            ids = [f.item[1] for f in fused if f.item[0] == table.name]
            if ids:
                names.append(table.name)
                detail_args[f"{table.alias}_ids"] = ids
                detail_args[f"{table.alias}_text_ids"] = [i for i in ids if (table.name, i) in textual]
        details: dict[tuple[str, int], Any] = {}
        if names:
            result_rows = (await session.execute(text(details_sql(names)), detail_args)).mappings()
            details = {(r["source"], int(r["id"])): r for r in result_rows}

    hits: list[SearchHit] = []
    for f in fused:
        row = details.get(f.item)
        if row is None:  # deleted by a concurrent transaction between our statements
            continue
        hits.append(
            SearchHit(
                source=f.item[0],
                id=f.item[1],
                kind=row["kind"],
                evidence_kind=row["evidence_kind"],
                external_id=row["external_id"],
                title=row["title"],
                snippet=_clip(row["snippet"]),
                service=row["service"],
                tags=list(row["tags"] or []),
                score=f.score,
                vector_rank=f.rank_in("vector"),
                text_rank=f.rank_in("text"),
                distance=vector.get(f.item),
                text_score=textual.get(f.item),
            )
        )

    result = SearchResults(
        query=query, k=k, kinds=wanted, service=service, hits=hits, strategy=strategy,
        embedder=getattr(ctx.embedder, "name", type(ctx.embedder).__name__),
    )
    top = ", ".join((h.external_id or f"evidence {h.id}") for h in hits[:3])
    evidence = [
        EvidenceDraft(
            kind="search_results",
            source="tools.retrieval.search",
            ref={
                "tool": "search",
                "query": query,
                "args": {"query": query, "k": k, "kinds": wanted, "service": service},
                "method": f"hybrid: cosine (HNSW/exact per org) + websearch_to_tsquery/ts_rank_cd, RRF k={RRF_K}",
            },
            payload={
                "hits": [
                    h.model_dump(mode="json", include={"source", "id", "kind", "evidence_kind", "external_id", "title",
                                                       "service", "score", "vector_rank", "text_rank"})
                    for h in hits
                ],
                "strategy": strategy,
            },
            summary=f"search {query!r}: {len(hits)} hit(s)" + (f", top: {top}" if top else ""),
        )
    ]
    return ToolOutput[SearchResults](result=result, evidence=evidence)
