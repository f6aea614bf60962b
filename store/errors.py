"""Errors the persistence layer raises; ``api/errors.py`` maps them to HTTP (404, 409, 422).

Messages are meant for users (``unknown service 'x'``); they never carry SQL. ``suggestions`` are close matches
of a name that was not found; ``extra`` holds structured detail (e.g. ``missing`` ids).
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    def __init__(self, message: str, suggestions: list[str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = list(suggestions or [])
        self.extra = {k: v for k, v in extra.items() if v is not None}


class NotFound(StoreError, LookupError):
    """The row does not exist in the caller's organisation (HTTP 404)."""


class Conflict(StoreError):
    """The row exists but its state forbids the write (HTTP 409)."""


class Invalid(StoreError, ValueError):
    """The input refers to something unknown or contradicts itself (HTTP 422)."""
