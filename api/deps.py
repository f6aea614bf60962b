"""FastAPI dependencies: database sessions and the authenticated caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from agents.service import Assistant
from api.state import AppState
from store.keys import ApiKeyInfo, resolve_key
from store.sessions import resolve_session
from tools.base import ToolContext
from tools.embeddings import HashEmbedder

SESSION_COOKIE = "opsgraph_session"
_ROLE_RANK = {"viewer": 0, "member": 1, "admin": 2}
_bearer = HTTPBearer(auto_error=False, description="An opsgraph API key: `Authorization: Bearer og_…`")


def get_state(request: Request) -> AppState:
    return request.app.state.opsgraph


State = Annotated[AppState, Depends(get_state)]


async def get_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


async def get_principal(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKeyInfo:
    key = credentials.credentials if credentials else None
    cookie = None if key else request.cookies.get(SESSION_COOKIE)
    if not key and not cookie:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing credentials: send 'Authorization: Bearer <api key>' or log in through the panel link",
            headers={"WWW-Authenticate": "Bearer"},
        )
    async with state.sessions() as session, session.begin():
        # A bearer credential is an API key; the panel's cookie is a session token (never an API key).
        principal = await resolve_key(session, key) if key else await resolve_session(session, cookie or "")
    if principal is None:
        what = "unknown or revoked API key" if key else "the session has ended (logged out or expired); sign in again"
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, what, headers={"WWW-Authenticate": "Bearer"})
    return principal


Principal = Annotated[ApiKeyInfo, Depends(get_principal)]
Viewer = Principal  # every role reads


def require_role(minimum: str):
    async def _check(principal: Principal) -> ApiKeyInfo:
        if _ROLE_RANK[principal.role] < _ROLE_RANK[minimum]:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {minimum} role (your key is {principal.role})")
        return principal

    return _check


Member = Annotated[ApiKeyInfo, Depends(require_role("member"))]
Admin = Annotated[ApiKeyInfo, Depends(require_role("admin"))]


def get_assistant(state: State) -> Assistant:
    if state.assistant is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the assistant is not running")
    return state.assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]


def tool_context(state: State, principal: Principal) -> ToolContext:
    """What the tools run with for this caller: their organisation, the service's embedder and clock."""
    if state.assistant is None:
        return ToolContext(sessions=state.sessions, org_id=principal.org_id, embedder=HashEmbedder(), now=state.now())
    return ToolContext(sessions=state.sessions, org_id=principal.org_id, embedder=state.assistant.embedder,
                       now=state.now(), cache=state.assistant.tool_cache)


Tools = Annotated[ToolContext, Depends(tool_context)]
