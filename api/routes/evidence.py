"""Evidence: one item by id, and hybrid search over evidence, runbooks and past incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import State, Tools, Viewer
from api.errors import ApiError, responses
from api.models import BIGINT, EvidenceOut
from store.evidence import get_evidence
from tools.retrieval import SEARCH_KINDS, SearchResults, search

router = APIRouter(tags=["evidence"])


@router.get("/api/evidence/search", response_model=SearchResults, responses=responses(401, 422))
async def search_evidence(
    ctx: Tools,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="what to look for",
                            examples=["checkout-api timeout after deploy"])],
    k: Annotated[int, Query(ge=1, le=100, description="hits to return")] = 10,
    kinds: Annotated[list[str] | None, Query(description=f"restrict to some of: {', '.join(SEARCH_KINDS)}")] = None,
    service: Annotated[str | None, Query(max_length=100, description="only documents/evidence about this service")] = None,
) -> SearchResults:
    """Semantic (pgvector) + full-text search, fused by reciprocal rank, over the organisation's stored evidence,
    runbooks and past-incident summaries."""
    out = await search(ctx, query=q, k=k, kinds=kinds or SEARCH_KINDS, service=service)
    return out.result


@router.get("/api/evidence/{evidence_id}", response_model=EvidenceOut, responses=responses(401, 404, 422))
async def evidence_item(
    evidence_id: Annotated[int, Path(ge=1, le=BIGINT, description="the id cited as [E:id]")], state: State, principal: Viewer,
) -> EvidenceOut:
    """One evidence item: what it says, the data, and how to reproduce it (`ref`)."""
    async with state.sessions() as s:
        found = await get_evidence(s, principal.org_id, [evidence_id])
    if not found:
        raise ApiError(404, f"evidence {evidence_id} not found")
    return EvidenceOut.model_validate(found[0].model_dump())
