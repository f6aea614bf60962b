"""Errors as JSON bodies that say what is wrong; bad input is always 4xx, never 5xx.

- :class:`ApiError` carries a status, a message (``detail``) and extra fields
  (``suggestions``, ``missing`` …).
- ``tools.base.ToolError`` answers 404 when it names an unknown entity (station,
  KPI, service, incident, ticket …) and 422 for any other bad argument; the
  tool's close matches are returned as ``suggestions``.
- ``store.errors`` (what persistence raises) map to HTTP here, never in ``store/``: ``NotFound`` → 404,
  ``Conflict`` → 409, ``Invalid`` (and any other ``StoreError``) → 422, with their suggestions and extra fields.
- Values Postgres cannot store (NUL characters, out-of-range numbers or dates)
  answer 422 instead of surfacing as a database error.
- Nothing a user sees carries exception text, SQL or parameters: unexpected errors answer a short reason and an
  ``error_id``; the details go to the server log under that id (:func:`public_error`, also used for Slack).
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError

from store.errors import Conflict, NotFound, StoreError
from tools.base import ToolError

log = logging.getLogger(__name__)

_ENTITY = re.compile(
    r"^(unknown (station|region|kpi|service|incident|ticket|metric|runbook|incident_summary|document)\b"
    r"|there are no )", re.IGNORECASE
)


class ErrorBody(BaseModel):
    """What every 4xx (and the rare 5xx) answers."""

    detail: str = Field(description="what is wrong, in a sentence")
    suggestions: list[str] | None = Field(None, description="close matches, when a name or id was not found")
    errors: list[dict[str, Any]] | None = Field(None, description="per-field validation errors (422)")
    error_id: str | None = Field(None, description="for errors that are not the input's fault: quote it to the "
                                                   "operator, who finds the details in the server log")

    model_config = {"json_schema_extra": {"examples": [
        {"detail": "unknown station 'DAK'", "suggestions": ["DAL"]},
    ]}}


class ApiError(Exception):
    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = {k: v for k, v in extra.items() if v is not None}


_INTERNALS = re.compile(r"\[SQL:|\[parameters:|psycopg|sqlalchemy|Traceback \(most recent|asyncpg|"
                        r"\bFile \"[^\"]+\", line \d+", re.IGNORECASE)


def new_error_id() -> str:
    return uuid.uuid4().hex[:12]


def public_error(exc: BaseException | str | None, *, reason: str = "an internal error", context: str = "") -> str:
    """A message safe to show anyone: ``reason (error id …)``. The exception (with its traceback, SQL, parameters)
    is logged under that id. Plain messages without internals pass through unchanged."""
    if isinstance(exc, str) and not _INTERNALS.search(exc):
        return exc
    eid = new_error_id()
    if isinstance(exc, BaseException):
        log.error("error %s%s: %s", eid, f" ({context})" if context else "", exc, exc_info=exc)
    else:
        log.error("error %s%s: %s", eid, f" ({context})" if context else "", exc)
    return f"{reason} (error id {eid})"


def carries_internals(text: str | None) -> bool:
    return bool(text) and bool(_INTERNALS.search(text or ""))


def not_found(what: str, suggestions: list[str] | None = None) -> ApiError:
    return ApiError(404, f"{what} not found", suggestions=suggestions or None)


def tool_status(exc: ToolError) -> int:
    return 404 if _ENTITY.match(str(exc)) else 422


def from_tool_error(exc: ToolError, *, status: int | None = None) -> ApiError:
    return ApiError(status or tool_status(exc), str(exc), suggestions=list(exc.suggestions) or None)


def store_status(exc: StoreError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    return 422


def from_store_error(exc: StoreError) -> ApiError:
    return ApiError(store_status(exc), exc.message, suggestions=exc.suggestions or None, **exc.extra)


# Responses to declare in the OpenAPI document.
def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Malformed request",
        401: "Missing or unknown API key",
        403: "The key's role does not allow this",
        404: "Not found (or belongs to another organisation)",
        409: "Conflicts with the current state",
        413: "Request body too large",
        422: "Invalid input",
        429: "A per-key limit was reached",
        503: "A component is not installed or not configured",
    }
    return {c: {"model": ErrorBody, "description": text.get(c, "Error")} for c in codes}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status)

    @app.exception_handler(StoreError)
    async def _store_error(_: Request, exc: StoreError) -> JSONResponse:
        err = from_store_error(exc)
        return JSONResponse({"detail": err.detail, **err.extra}, status_code=err.status)

    @app.exception_handler(ToolError)
    async def _tool_error(_: Request, exc: ToolError) -> JSONResponse:
        body: dict[str, Any] = {"detail": str(exc)}
        if exc.suggestions:
            body["suggestions"] = list(exc.suggestions)
        return JSONResponse(body, status_code=tool_status(exc))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        body = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ())]
            errors.append({"loc": loc, "msg": e.get("msg"), "type": e.get("type")})
        first = errors[0] if errors else None
        detail = "invalid request" + (f": {'.'.join(first['loc'])}: {first['msg']}" if first else "")
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(DBAPIError)
    async def _db(request: Request, exc: DBAPIError) -> JSONResponse:
        eid = new_error_id()
        log.error("error %s: database error on %s %s", eid, request.method, request.url.path, exc_info=exc)
        if isinstance(exc.orig, psycopg.errors.DataError):
            # NUL characters, numbers or dates out of Postgres' range, too long, bad encodings: the input's fault.
            return JSONResponse({"detail": "a value cannot be stored or compared (too long, out of range or not "
                                           "valid text)", "error_id": eid}, status_code=422)
        return JSONResponse({"detail": "database error; try again", "error_id": eid}, status_code=503)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        eid = new_error_id()
        log.error("error %s: overflow on %s %s", eid, request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "a value is out of range (dates must be within years 1-9999)",
                             "error_id": eid}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        eid = new_error_id()
        log.error("error %s: unhandled on %s %s", eid, request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error", "error_id": eid}, status_code=500)
