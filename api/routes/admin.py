"""API keys (admin) and evaluation runs (started through a hook; read from the tables)."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from api import queries as repo
from api.deps import Admin, State, Viewer
from api.errors import ApiError, responses
from api.models import EvalRunOut, EvalRunRequest, EvalRunStarted, KeyCreate, KeyCreated, KeysRevoked
from store.keys import ApiKeyInfo, create_key, list_keys, revoke_keys

router = APIRouter()


@router.get("/api/keys", response_model=list[ApiKeyInfo], tags=["keys"], responses=responses(401, 403))
async def keys(state: State, principal: Admin) -> list[ApiKeyInfo]:
    """The organisation's API keys (prefixes only; keys are stored hashed)."""
    async with state.sessions() as s:
        return await s.run_sync(lambda sync: list_keys(sync, principal.org_slug))


@router.post("/api/keys", status_code=201, response_model=KeyCreated, tags=["keys"], responses=responses(401, 403, 422))
async def new_key(body: KeyCreate, state: State, principal: Admin) -> KeyCreated:
    """Mints a key for the organisation; the key is in this answer only."""
    async with state.sessions() as s, s.begin():
        created, _ = await s.run_sync(lambda sync: create_key(sync, org_slug=principal.org_slug, role=body.role,
                                                              name=body.name))
    return KeyCreated(key=created.key, info=created.info)


@router.delete("/api/keys/{prefix}", response_model=KeysRevoked, tags=["keys"], responses=responses(401, 403, 404, 422))
async def revoke_key(
    prefix: Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$")], state: State, principal: Admin,
) -> KeysRevoked:
    """Revokes the organisation's active key with this prefix."""
    async with state.sessions() as s, s.begin():
        n = await s.run_sync(lambda sync: revoke_keys(sync, org_slug=principal.org_slug, prefix=prefix))
    if not n:
        raise ApiError(404, f"no active key with prefix {prefix!r}")
    return KeysRevoked(revoked=n)


@router.post("/api/evals/runs", status_code=202, response_model=EvalRunStarted, tags=["evals"],
             responses=responses(401, 403, 413, 422, 503))
async def start_eval(body: EvalRunRequest, request: Request, state: State, principal: Admin) -> EvalRunStarted:
    """Queues an evaluation run that a worker executes (needs the evaluation runner to be installed)."""
    launcher = getattr(request.app.state, "eval_launcher", None)
    if launcher is None:
        raise ApiError(503, "evaluation runner not installed")
    try:
        result: Any = launcher(body, org_id=principal.org_id, api_key=principal, state=state)
        if inspect.isawaitable(result):
            result = await result
    except (ValueError, LookupError) as exc:  # e.g. an unknown suite or tag
        raise ApiError(422, str(exc)) from None
    if isinstance(result, Mapping):
        eval_id = uuid.UUID(str(result["id"]))
        status = str(result.get("status", "running"))
    else:
        eval_id, status = uuid.UUID(str(result)), "running"
    return EvalRunStarted(id=eval_id, status=status, url=f"/api/evals/runs/{eval_id}")


@router.get("/api/evals/runs", response_model=list[EvalRunOut], tags=["evals"], responses=responses(401, 422))
async def eval_runs(state: State, principal: Viewer, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[EvalRunOut]:
    """The organisation's evaluation runs, newest first (without per-case results)."""
    async with state.sessions() as s:
        return await repo.list_eval_runs(s, principal.org_id, limit)


@router.get("/api/evals/runs/{eval_run_id}", response_model=EvalRunOut, tags=["evals"], responses=responses(401, 404, 422))
async def eval_run(eval_run_id: uuid.UUID, state: State, principal: Viewer) -> EvalRunOut:
    """An evaluation run with its per-case, per-evaluator results."""
    async with state.sessions() as s:
        out = await repo.get_eval_run(s, principal.org_id, eval_run_id)
    if out is None:
        raise ApiError(404, f"evaluation run {eval_run_id} not found")
    return out
