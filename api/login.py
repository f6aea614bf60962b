"""Signing in to the chat panel: login links with one-time codes, the sign-in form, sessions, logout.

- ``GET /?token=ogl_…`` (the link ``opsgraph serve`` / ``opsgraph login-link`` prints): the one-time code is
  exchanged for a session and the browser is redirected to ``/`` at once. API keys are refused in URLs.
- ``POST /login`` (the sign-in form, ``token`` = an API key or a login code): same, the key stays in the body.
- ``POST /logout`` (the panel's button, then ``/``) and ``POST /api/logout`` (204) revoke the session.

The cookie holds only the session token (HttpOnly, SameSite=Strict, Secure when the request came over https,
directly or through a proxy that says so in ``X-Forwarded-Proto``). The access log never shows the code: the
filter below blanks ``token``/``code`` query values in uvicorn's access lines.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

from api.deps import SESSION_COOKIE, State
from store.keys import resolve_key
from store.sessions import (
    CODE_PREFIX,
    SESSION_TTL,
    exchange_code,
    revoke_session,
    session_for_key,
)

router = APIRouter()
_SENSITIVE = re.compile(r"(?i)([?&](?:token|code|key|api_key|access_token)=)[^&\s\"]*")


class RedactQuery(logging.Filter):
    """Blank credentials in query strings of access-log lines (uvicorn passes the path as a log argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_SENSITIVE.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _SENSITIVE.sub(r"\1[redacted]", record.msg)
        return True


_FILTER = RedactQuery()


def install_log_filter() -> None:
    """Idempotent: the access logger keeps one instance of the filter whatever configures logging later."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _signed_in(request: Request, token: str) -> RedirectResponse:
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                    max_age=int(SESSION_TTL.total_seconds()), path="/")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


async def login_with(request: Request, state: State, secret: str, *, from_url: bool) -> RedirectResponse:
    """Exchange a login code (or, from the form only, an API key) for a session cookie."""
    secret = secret.strip()
    async with state.sessions() as session, session.begin():
        if secret.startswith(CODE_PREFIX):
            token = await exchange_code(session, secret)
            if token is None:
                raise HTTPException(401, "this login link was already used or has expired; print a new one with "
                                         "`opsgraph login-link` (or restart `opsgraph serve`)")
            return _signed_in(request, token)
        if from_url:
            raise HTTPException(400, "API keys are not accepted in links (they would be logged); paste the key in "
                                     "the sign-in form instead")
        principal = await resolve_key(session, secret)
        if principal is None:
            raise HTTPException(401, "unknown or revoked API key")
        return _signed_in(request, await session_for_key(session, principal))


@router.post("/login", include_in_schema=False)
async def login_form(request: Request, state: State, token: Annotated[str, Form(max_length=200)]) -> Response:
    return await login_with(request, state, token, from_url=False)


async def _logout(request: Request, state: State, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with state.sessions() as session, session.begin():
            await revoke_session(session, token)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))


@router.post("/logout", include_in_schema=False)
async def logout_form(request: Request, state: State) -> Response:
    resp = RedirectResponse("/", status_code=303)
    await _logout(request, state, resp)
    return resp


@router.post("/api/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["keys"])
async def logout(request: Request, state: State) -> Response:
    """Ends the panel session of the cookie (the session token is revoked; API keys are not affected)."""
    resp = Response(status_code=204)
    await _logout(request, state, resp)
    return resp
